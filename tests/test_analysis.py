"""The jieba tokenizer: positions, offsets, stacked sub-words, folding, dictionary, pickling."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import jieba
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from kb.search import analysis
from kb.search.analysis import ChineseTokenizer, fold
from kb.settings import REPO_ROOT


@pytest.fixture(scope="module", autouse=True)
def configured():
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉驾", "取保候审", "帮信罪"])


def tokens(text, mode="index"):
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in ChineseTokenizer()(text, positions=True, chars=True, mode=mode)
    ]


def test_offsets_are_real_character_offsets():
    text = "张某在取保候审期间再次盗窃电动车。"
    for word, _, start, end in tokens(text):
        assert text[start:end] == word


def test_accurate_words_have_consecutive_positions_and_sub_words_are_stacked():
    toks = tokens("取保候审期间")
    assert ("取保候审", 0, 0, 4) in toks
    assert ("取保", 0, 0, 2) in toks
    assert ("候审", 0, 2, 4) in toks
    assert ("期间", 1, 4, 6) in toks


def test_query_mode_has_no_stacked_sub_words():
    assert tokens("取保候审期间", mode="query") == [("取保候审", 0, 0, 4), ("期间", 1, 4, 6)]


def test_user_dictionary_keeps_legal_terms_whole():
    seg = analysis.segmenter()
    assert [w for w, _, _ in seg.tokenize("他昨晚醉驾")][-1] == "醉驾"
    assert analysis.words("张某在路上醉驾") == ["张某", "路上", "醉驾"]


def test_full_width_letters_and_digits_fold_to_ascii_lowercase():
    assert fold("ＡＢ１２３ａｂ") == "ab123ab"
    assert analysis.words("ＡＢＣ１２３") == ["abc123"]


def test_fold_keeps_one_character_for_one():
    text = "Ａ　İ取保"
    assert len(fold(text)) == len(text)


def test_stop_words_stay_in_the_index_but_leave_unquoted_queries():
    assert [(w, p) for w, p, _, _ in tokens("他人的财物", mode="query")] == [("他人", 0), ("的", 1), ("财物", 2)]
    assert analysis.words("他人的财物") == ["他人", "财物"]


def test_phrase_query_finds_the_phrase_inside_longer_text(tmp_path):
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=ChineseTokenizer()))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as w:
        w.add_document(id="a", body="犯罪嫌疑人在取保候审期间未经批准离开所居住的市县。")
        w.add_document(id="b", body="取保候审的期间不得超过十二个月。")
    with ix.searcher() as s:
        q = QueryParser("body", ix.schema).parse('"取保候审期间"')
        assert [h["id"] for h in s.search(q)] == ["a"]
        sub = QueryParser("body", ix.schema).parse("候审")
        assert sorted(h["id"] for h in s.search(sub)) == ["a", "b"]


def test_tokenizer_pickles_by_reference_to_its_module():
    data = pickle.dumps(ChineseTokenizer())
    assert b"kb.search.analysis" in data
    assert pickle.loads(data) == ChineseTokenizer()


def test_an_index_opens_in_another_process_that_never_imported_the_analyzer(tmp_path, unloaded):
    # As kb.search.index.load_resources does: the dictionary is cached beside the index, and the
    # pickled tokenizer names it, so the other process segments with the index's own words.
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉驾"], cache_dir=tmp_path / "cache")
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=ChineseTokenizer()))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as w:
        w.add_document(id="a", body="醉驾案件的抽血程序")
    code = (
        "import sys; from whoosh import index; from whoosh.qparser import QueryParser\n"
        f"ix = index.open_dir({str(tmp_path)!r})\n"
        "with ix.searcher() as s: print(len(s.search(QueryParser('body', ix.schema).parse('抽血'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_fingerprint_changes_with_the_dictionary(tmp_path):
    before = analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉驾"])
    extra = tmp_path / "more.txt"
    extra.write_text("听证式调解 100 n\n", encoding="utf-8")
    after = analysis.configure([REPO_ROOT / "data" / "userdict.txt", extra], ["醉驾"])
    assert before != after
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉驾", "取保候审", "帮信罪"])


def test_long_dictionary_words_stack_every_shorter_dictionary_word():
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉酒驾驶机动车", "醉酒驾驶"])
    try:
        toks = tokens("醉酒驾驶机动车")
        assert ("醉酒驾驶机动车", 0, 0, 7) in toks
        assert ("醉酒驾驶", 0, 0, 4) in toks
        assert ("机动车", 0, 4, 7) in toks
        assert {p for _, p, _, _ in toks} == {0}
    finally:
        analysis.configure([REPO_ROOT / "data" / "userdict.txt"], ["醉驾", "取保候审", "帮信罪"])


@pytest.fixture
def unloaded(monkeypatch):
    """No segmenter loaded in this process; the module's own one is put back afterwards."""
    monkeypatch.setattr(analysis, "_segmenter", None)
    monkeypatch.setattr(analysis, "_fingerprint", "")
    monkeypatch.setattr(analysis, "_cache_dir", None)


def test_segmenting_before_anything_is_configured_says_what_to_call(unloaded):
    with pytest.raises(
        RuntimeError, match=r"^jieba is not configured: call kb.search.index.load_resources\(settings\) first$"
    ):
        analysis.words("醉驾")


def test_the_loaded_dictionary_is_cached_for_the_next_process(tmp_path, unloaded):
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("听证式调解 100 n\n强制分开词 0\n", encoding="utf-8")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "analyzer-0000000000000000.pickle").write_bytes(b"stale")
    (tmp_path / "cache" / ".analyzer-killed.tmp").write_bytes(b"half")
    os.utime(tmp_path / "cache" / ".analyzer-killed.tmp", (0, 0))  # left by a process killed long ago
    fingerprint = analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path / "cache")
    built = analysis.segmenter()
    [kept] = (tmp_path / "cache").iterdir()
    assert kept.name.startswith(f"analyzer-{fingerprint}-") and kept.suffix == ".json"
    assert kept.stat().st_mode & 0o777 == 0o644  # readable by the app's user too

    analysis._segmenter = None
    jieba_finalseg = pytest.importorskip("jieba.finalseg")
    jieba_finalseg.Force_Split_Words.discard("强制分开词")
    assert analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path / "cache") == fingerprint
    cached = analysis.segmenter()
    assert cached is not built
    assert (cached.FREQ, cached.total) == (built.FREQ, built.total)
    assert "强制分开词" in jieba_finalseg.Force_Split_Words
    assert analysis.words("听证式调解张某醉驾") == ["听证式调解", "张某", "醉驾"]


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path, unloaded):
    userdict = REPO_ROOT / "data" / "userdict.txt"
    fingerprint = analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path)
    [cache] = tmp_path.glob(f"analyzer-{fingerprint}-*.json")
    good = cache.read_bytes()
    cache.write_bytes(good[: len(good) // 2])
    analysis._segmenter = None
    assert analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path) == fingerprint
    assert analysis.words("张某醉驾") == ["张某", "醉驾"]
    assert cache.read_bytes() == good


def test_the_cache_keeps_zero_frequency_words_another_dictionary_already_forced(tmp_path, unloaded):
    jieba_finalseg = pytest.importorskip("jieba.finalseg")
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("强制分开词 0\n", encoding="utf-8")
    analysis.configure([userdict], ["醉驾"])  # puts the word in jieba's global set, no cache
    analysis.configure([userdict], ["醉驾", "取保候审"], cache_dir=tmp_path / "cache")
    analysis._segmenter = None
    jieba_finalseg.Force_Split_Words.discard("强制分开词")
    analysis.configure([userdict], ["醉驾", "取保候审"], cache_dir=tmp_path / "cache")
    assert "强制分开词" in jieba_finalseg.Force_Split_Words


class _Planted:
    """Unpickling this creates a file: what a pickle put into the index folder could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_the_cache_is_json_and_a_planted_pickle_is_never_loaded(tmp_path, unloaded):
    userdict = REPO_ROOT / "data" / "userdict.txt"
    fingerprint = analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path)
    [cache] = tmp_path.glob(f"analyzer-{fingerprint}-*.json")
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert sorted(data) == ["counts", "forced", "total", "words"]
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    # exactly where the earlier version kept (and unpickled) its cache
    key = hashlib.sha256(f"1:{jieba.__version__}:{analysis._SURNAMES}:{analysis.WORD_FREQ}".encode()).hexdigest()
    legacy = tmp_path / f"analyzer-{fingerprint}-{key[:8]}.pickle"
    legacy.write_bytes(planted)
    cache.write_bytes(planted)  # and under the cache's own name
    analysis._segmenter = None
    assert analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path) == fingerprint
    assert analysis.words("张某醉驾") == ["张某", "醉驾"]
    assert not marker.exists()
    assert not legacy.exists()
    assert json.loads(cache.read_text(encoding="utf-8")) == data  # rebuilt


@pytest.mark.parametrize(
    "text",
    [
        '{"words": ["醉驾"], "counts": [], "total": 1, "forced": []}',
        '{"words": ["醉驾"], "counts": ["1"], "total": 1, "forced": []}',
        '{"words": [1], "counts": [1], "total": 1, "forced": []}',
        '{"words": [], "counts": [], "total": 1.5, "forced": []}',
        '["醉驾", 1]',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["lengths", "count-type", "word-type", "total-type", "not-a-mapping", "deeply-nested"],
)
def test_a_cache_of_the_wrong_shape_is_ignored(tmp_path, unloaded, text):
    userdict = REPO_ROOT / "data" / "userdict.txt"
    fingerprint = analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path)
    [cache] = tmp_path.glob(f"analyzer-{fingerprint}-*.json")
    cache.write_text(text, encoding="utf-8")
    analysis._segmenter = None
    assert analysis.configure([userdict], ["醉驾"], cache_dir=tmp_path) == fingerprint
    assert analysis.words("张某醉驾") == ["张某", "醉驾"]
