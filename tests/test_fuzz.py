"""Fuzzing: the query language, the front-matter reader and the Markdown renderer raise nothing but KBError.

Each test draws a few hundred inputs from the characters that mean something to its parser (and any
text at all, lone surrogates and control characters included); the deadline catches an input whose
cost blows up. Together they run in about 10 seconds.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.content.documents import plain_text
from kb.content.frontmatter import draft_view, read_meta_leniently
from kb.content.validation import read_document
from kb.errors import KBError, QueryError
from kb.rendering.markup import ArticleText, render_markdown
from kb.search.query import understand
from kb.settings import REPO_ROOT

try:
    from tests.conftest import ContentTree, make_settings
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from conftest import ContentTree, make_settings

FUZZ = settings(
    max_examples=1000,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ODD = ["\ud800", "\udfff", "\x00", "\x07", "\u200b", "\ufeff", "\u2028", "😀", "\t", "\r\n"]


def pieces(*tokens: str, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text made of the given tokens and odd characters, or any text at all."""
    return st.one_of(
        st.lists(st.sampled_from([*tokens, *ODD]), max_size=max_size).map("".join),
        st.text(max_size=max_size),
    )


# -- the query language --------------------------------------------------------------------------

QUERY = pieces(
    "盗窃", "取保候审", "醉驾", "偷", "打人", "拘几天", "刑法第264条", "刑法第二百六十四条", "《刑法》",
    "第一百三十三条之一", " ", "  ", "*", "?", '"', "(", ")", "[", "]", "{", "}", "^", "~", "+", "-",
    ":", "：", "“", "”", "（", "）", "标题:", "类别:", "罪名:", "title:", "AND", "OR", "NOT", "ANDNOT",
    "to", "TO", "2", "3000元", "80毫克", "a", "Z", "\\", "/", "'", ",", "。", "吗", "怎么办",
)  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from kb.search.index import build_index
    from kb.search.service import SearchService

    root = tmp_path_factory.mktemp("fuzz")
    content = ContentTree(root / "content")
    for name in ("colloquial.txt", "query_words.txt"):  # the bundled word lists: every reading path runs
        shutil.copy(REPO_ROOT / "data" / name, content.root / "data" / name)
    content.guide("G-1", body="犯罪嫌疑人在取保候审期间未经批准不得离开所居住的市、县。")
    content.guide("G-2", title="醉酒驾驶案件办理指引", category="危险驾驶", laws="刑法第一百三十三条之一")
    content.case("C-1")
    settings_ = make_settings(content.root, root)
    build_index(settings_)
    svc = SearchService(settings_)
    yield svc
    svc.close()


@FUZZ
@given(query=QUERY, literal=st.booleans(), sort=st.sampled_from(["relevance", "newest"]), page=st.integers(1, 3))
def test_search_raises_only_query_errors(service, query, literal, sort, page):
    try:
        results = service.search(query, literal=literal, sort=sort, page=page)
    except KBError:
        return
    assert results.total >= len(results.hits)


@pytest.mark.parametrize("query", ["\ud800*", "标题:取\udfff?", "取保\ud800\udc00*"])
def test_a_wildcard_with_a_lone_surrogate_is_a_query_error(service, query):
    # 45 of 7,758 fuzzed queries raised UnicodeEncodeError from Whoosh (the command line reads
    # undecodable bytes as lone surrogates)
    with pytest.raises(QueryError) as err:
        service.search(query)
    assert str(err.value) == "通配符检索词中有无法识别的字符（不完整的编码）；请删除后重新输入"


def test_a_quoted_phrase_with_a_comma_is_searched_as_words_in_the_charges(service):
    # found by the fuzzer: "charges" splits at commas and keeps no positions, and Whoosh raised
    # its own QueryError ("Phrase search: 'charges' field has no positions") for the phrase
    assert service.search('"盗窃,盗窃"').total == 0
    assert [h.id for h in service.search('"盗窃罪,盗窃罪"').hits] == ["C-1"]


@FUZZ
@given(query=QUERY)
def test_understanding_a_query_raises_only_query_errors(service, query):
    r = service.resources
    try:
        understand(query, r.synonyms, r.thesaurus, r.query_words)
    except KBError:
        pass


# -- the front-matter reader ---------------------------------------------------------------------

YAML = pieces(
    "id: G-1", "title: 标题", "category: 盗窃", "version: ", "issued: ", "tags: ", "laws: ", "\n", "  ", "- ",
    ": ", "&a ", "*a", "<<: ", "!!str ", "!!python/object ", "! ", "[", "]", "{", "}", ",", "'", '"', "|", ">",
    "? ", "#", "%YAML 1.2\n", "...", "2024-02-30", "2024-01-01 25:00:00", "0x_", "1_000", "9" * 30, "1e400",
    ".inf", "null", "~", "yes", "刑法第二百六十四条", "---",
)  # fmt: skip
BODY = pieces("正文", "\n", "## 基本案情\n", "<script>", "<a onclick=x>", "[a](b)", "---\n")


@pytest.fixture(scope="module")
def taxonomy(tmp_path_factory):
    from kb.content.taxonomy import load_taxonomy

    return load_taxonomy(REPO_ROOT / "data" / "taxonomy.yaml")


@FUZZ
@given(front=YAML, body=BODY)
def test_the_draft_preview_reads_any_front_matter(front, body):
    text = f"---\n{front}\n---\n{body}"
    assert isinstance(read_meta_leniently(text), dict)
    view = draft_view(text)
    assert isinstance(view.title, str) and isinstance(view.body, str)


@FUZZ
@given(front=YAML, body=BODY, folder=st.sampled_from(["guides/G-1.md", "casebook/盗窃/C-1.md"]))
def test_validation_reports_any_front_matter_as_problems(tmp_path, taxonomy, front, body, folder):
    path = Path(tmp_path) / "doc.md"
    path.write_bytes(f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass"))
    doc, problems = read_document(path, folder, taxonomy)
    assert doc is not None or any(p.severity == "error" for p in problems)
    for p in problems:
        str(p).encode("utf-8")  # printable: no lone surrogate reaches a message


# -- the Markdown renderer -----------------------------------------------------------------------

MARKDOWN = pieces(
    "*", "**", "_", "`", "```", "~~~", "#", "## ", ">", "- ", "1. ", "|", "---", "\n", "\n\n", "    ", "[", "]",
    "(", ")", "![", "](", "<", ">", "&", "&amp;", "&#0;", "\\", '"', "'", "<script>", "<em>", "</em>", "<img src=x>",
    "http://x/", "javascript:", "[1]: /u", "<http://a>", "刑法第二百六十四条", "《刑法》", "本法", "第十条",
    "取保候审", "a", " ",
    max_size=60,
)  # fmt: skip
ARTICLES = {"刑法:264": ArticleText("刑法:264", "刑法第二百六十四条", "盗窃公私财物……<b>", "./?q=x", "注")}


@FUZZ
@given(text=MARKDOWN, highlight=st.lists(pieces("取保候审", "刑法", "a", "*", "<", max_size=3), max_size=3))
def test_rendering_never_raises(text, highlight):
    rendered = render_markdown(text, citations=True, articles=ARTICLES, highlight=highlight)
    assert "<script" not in rendered.html
    assert isinstance(plain_text(text), str)
