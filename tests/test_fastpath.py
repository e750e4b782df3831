"""The fast evaluation path of search (kb.search.fastpath) against Whoosh's own, on the bundled and a synthetic casebook."""

from __future__ import annotations

import importlib.util
import shutil

import pytest
from conftest import LAWS_DIR, make_settings
from whoosh import query as Q

from kb.content.taxonomy import load_taxonomy
from kb.content.validation import load_content, read_document
from kb.search import engine, fastpath, matching
from kb.search.index import build_index, index_documents
from kb.search.service import SearchService
from kb.settings import REPO_ROOT

# Plain words, unspaced runs, synonyms, citations, field prefixes, boosts and OR: every one of
# them is a query of words the fast path evaluates.
QUERIES = [
    "盗窃",
    "诈骗",
    "取保候审",
    "电动车",
    "执法记录仪",
    "价格认定",
    "涉案财物",
    "未成年人",
    "电子数据",
    "询问",
    "监控视频",
    "行政拘留",
    "传唤",
    "伤情鉴定",
    "赌资",
    "调解",
    "盗窃 电动车",
    "醉酒驾驶 抽血",
    "涉案财物 返还",
    "轻伤 刑事和解",
    "赌博 抽头",
    "袭警 轻微伤",
    "个人信息 出售",
    "吸毒 尿检",
    "酒后 推搡 民警",
    "盗窃电动车电瓶",
    "冒充客服诈骗",
    "醉驾",
    "电诈",
    "帮信",
    "酒驾",
    "掩隐",
    "扒窃",
    "刑法第264条",
    "刑法第一百三十三条之一",
    "《刑法》第二百六十六条",
    "治安管理处罚法第二十六条",
    "行政处罚法第四十四条",
    "刑法第264条 盗窃",
    "醉驾 刑法第一百三十三条之一",
    "标题:盗窃",
    "罪名:盗窃罪",
    "关键词:醉酒驾驶",
    "要旨:证据",
    "盗窃^2",
    "(盗窃 电动车)^2",
    "盗窃 OR 抢夺",
    "醉驾 OR 酒驾",
]
VARIANTS = [
    {},
    {"include_superseded": True},
    {"filters": {"type": "case"}},
    {"filters": {"type": "guide", "stage": "调查取证"}},
    {"sort": "newest"},
]
NOT_WORDS = [
    '"取保候审期间"',
    '"血液中乙醇含量"',
    "盗*",
    "诈骗 -电信",
    "诈骗 NOT 电信",
    "年份:[2022 TO 2023]",
    "类别:盗窃 电动车",
    "",
]


@pytest.fixture
def calls(monkeypatch) -> list:
    """Records each query the fast path evaluates."""
    seen: list = []
    matches = fastpath.matches

    def spy(searcher, q, deadline=None):
        seen.append(q)
        return matches(searcher, q, deadline)

    monkeypatch.setattr(fastpath, "matches", spy)
    return seen


def compare(service: SearchService, monkeypatch, query: str, per_page: int = 7, max_pages: int = 5, **kwargs) -> int:
    """Search with Whoosh and with the fast path, page by page; return the total."""
    page, pages = 1, 1
    while page <= min(pages, max_pages):
        monkeypatch.setattr(matching, "FAST_PATH", False)
        slow = service.search(query, page=page, per_page=per_page, **kwargs)
        monkeypatch.setattr(matching, "FAST_PATH", True)
        fast = service.search(query, page=page, per_page=per_page, **kwargs)
        where = f"{query!r} {kwargs} page {page}"
        assert [h.id for h in fast.hits] == [h.id for h in slow.hits], where
        assert (fast.total, fast.facets, fast.timed_out) == (slow.total, slow.facets, slow.timed_out), where
        for a, b in zip(fast.hits, slow.hits, strict=True):
            assert a.score == pytest.approx(b.score, rel=1e-6), where
            assert a.snippet == b.snippet, where
        pages = slow.pages
        page += 1
    return slow.total


# -- the bundled casebook with the statute library ---------------------------------------------


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundled")
    settings = make_settings(REPO_ROOT, tmp, LAWS_DIR if LAWS_DIR.is_dir() else None)
    build_index(settings)
    service = SearchService(settings)
    yield service
    service.close()


def test_the_query_list_covers_forty_queries():
    assert len(QUERIES) >= 40 and len(set(QUERIES)) == len(QUERIES)


@pytest.mark.parametrize("query", QUERIES)
def test_fast_and_whoosh_paths_rank_the_bundled_casebook_alike(bundled, monkeypatch, calls, query):
    totals = [compare(bundled, monkeypatch, query, **variant) for variant in VARIANTS]
    assert len(calls) >= len(VARIANTS)  # the fast path ran, at least once for each variant
    assert all(fastpath.bag_of_words(q, matching.FAST_FIELDS) for q in calls)
    assert totals[0] > 0


def test_other_query_shapes_take_the_whoosh_path(bundled, monkeypatch, calls):
    for query in NOT_WORDS:
        compare(bundled, monkeypatch, query)
    assert calls == []
    compare(bundled, monkeypatch, "盗窃", max_pages=1)
    assert len(calls) == 1


def test_the_fast_path_stops_at_the_time_limit(bundled, calls):
    quick = SearchService(bundled.settings, time_limit=0.0)
    results = quick.search("盗窃")
    quick.close()
    assert len(calls) == 1
    assert results.timed_out and results.notice == "检索超时，仅显示部分结果"
    assert results.total < bundled.search("盗窃").total


def test_a_filter_that_allows_nothing_finds_nothing(bundled, monkeypatch):
    for fast in (False, True):
        monkeypatch.setattr(matching, "FAST_PATH", fast)
        for query in ("盗窃", "盗窃 电动车", "", '"取保候审"'):
            results = bundled.search(query, {"category": "不存在的类别"})
            assert (results.total, results.hits) == (0, ())


# -- a synthetic casebook, several segments, some deleted documents ---------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("synth", REPO_ROOT / "benchmarks" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    tmp = tmp_path_factory.mktemp("synthetic")
    corpus = synth.generate(300, tmp / "corpus")
    settings = make_settings(corpus, tmp)
    build_index(settings)
    # Re-index a few documents: a second segment, and deletions in the first.
    taxonomy = load_taxonomy(corpus / "data" / "taxonomy.yaml")
    changed = []
    for path in sorted(corpus.glob("casebook/**/*.md"))[:5]:
        text = path.read_text(encoding="utf-8").replace("## 基本案情\n\n", "## 基本案情\n\n嫌疑人盗窃电动车后销赃。", 1)
        path.write_text(text, encoding="utf-8")
        doc, problems = read_document(path, str(path.relative_to(corpus)), taxonomy)
        assert doc is not None, problems
        changed.append(doc)
    index_documents(settings, changed)
    service = SearchService(settings)
    yield service
    service.close()
    shutil.rmtree(tmp, ignore_errors=True)


def test_the_synthetic_index_has_segments_with_deletions(synthetic):
    with synthetic._searcher() as searcher:
        readers = [r for r, _ in engine.leaves(searcher)]
    assert len(readers) >= 2 and any(r.has_deletions() for r in readers)


@pytest.mark.parametrize("matcher_type", [Q.Or.AUTO_MATCHER, Q.Or.DEFAULT_MATCHER, Q.Or.ARRAY_MATCHER])
def test_fast_and_whoosh_paths_rank_a_synthetic_casebook_alike(synthetic, monkeypatch, calls, matcher_type):
    # In segments of up to 5,000 documents Whoosh sums an Or of three or more clauses in an
    # array; larger segments use a tree of unions. Forcing each covers both on 300 documents.
    monkeypatch.setattr(Q.Or, "matcher_type", matcher_type)
    found = 0
    for query in QUERIES:
        found += compare(synthetic, monkeypatch, query, per_page=10, max_pages=3) > 0
        compare(synthetic, monkeypatch, query, per_page=10, max_pages=1, include_superseded=True)
        compare(synthetic, monkeypatch, query, per_page=10, max_pages=1, filters={"case_type": "刑事"})
    assert found >= 30
    assert len(calls) >= len(QUERIES)


def test_empty_queries_and_newest_first_list_a_synthetic_casebook_as_whoosh_does(synthetic, monkeypatch):
    whoosh_calls = []
    original = matching.search_whoosh

    def spy(*args):
        whoosh_calls.append(matching.FAST_PATH)
        return original(*args)

    monkeypatch.setattr(matching, "search_whoosh", spy)
    for kwargs in ({}, {"include_superseded": True}, {"filters": {"case_type": "刑事"}}):
        assert compare(synthetic, monkeypatch, "", per_page=10, max_pages=3, **kwargs) > 0
        compare(synthetic, monkeypatch, "盗窃", per_page=10, max_pages=3, sort="newest", **kwargs)
    assert whoosh_calls and not any(whoosh_calls)  # the fast path never fell back to Whoosh


def test_a_searcher_of_the_state_before_a_reindex_still_finds_the_document(content, settings):
    # Posting lists are cached per segment. A searcher that sees C-1 deleted from the first
    # segment must not leave a list without it for a searcher still reading the state before.
    content.case("C-1", facts="张某在某小区盗窃电动车电瓶。")
    content.case("C-2", title="李某诈骗案", facts="李某在某商场实施诈骗。")
    build_index(settings)
    taxonomy = load_taxonomy(settings.data_dir / "taxonomy.yaml")
    doc = next(d for d in load_content(settings.content_dir, taxonomy).documents if d.id == "C-1")
    service = SearchService(settings)
    q = Q.Term("body", "电瓶")
    with service._searcher() as before:
        index_documents(settings, [doc])  # deletes C-1 from the first segment, writes it anew
        with service._searcher() as after:
            assert [after.stored_fields(d)["id"] for d in fastpath.matches(after, q)[0]] == ["C-1"]
            assert len(list(engine.leaves(after))) == 2
        assert [before.stored_fields(d)["id"] for d in fastpath.matches(before, q)[0]] == ["C-1"]
    service.close()
