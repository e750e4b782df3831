"""The document page through AppTest: stepping through the search terms, and what it prints."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from kb.rendering.markup import ArticleText
from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content

TIMEOUT = 60  # the first run loads jieba's dictionary
THEFT = ArticleText(
    "刑法:264", "刑法第二百六十四条", "盗窃公私财物，数额较大的……\n多次盗窃的……", "", "（2020-12-26 版）"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture content folder with its index built once for the module."""
    root = tmp_path_factory.mktemp("passage")
    content = make_content(root)
    build_index(load_settings(content=content, index=root / "index"))
    return root


@pytest.fixture
def env(built, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    return built


def open_document(**params: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/document.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.html]


def expanders_outside(at: AppTest, key: str) -> list[str]:
    """Labels of the expanders not inside the container with `key` (those would print as empty boxes)."""
    found = []

    def walk(node, inside: bool) -> None:
        for child in getattr(node, "children", {}).values():
            block_id = getattr(getattr(child, "proto", None), "id", "") if hasattr(child, "children") else ""
            here = inside or (isinstance(block_id, str) and block_id.endswith("-" + key))
            if type(child).__name__ == "Expander" and not here:
                found.append(child.label)
            walk(child, here)

    walk(at.main, False)
    return found


def test_a_document_opened_from_a_search_steps_through_the_terms_with_a_count(env):
    at = open_document(id="C-2023-901", q="盗窃")
    nav = next(h.proto for h in at.html if 'class="kb-passages"' in h.proto.body)
    doc = next(b for b in bodies(at) if b.startswith('<div class="kb-doc"'))
    marks = doc.count('<mark class="kb-term">')
    assert marks == 7
    assert nav.unsafe_allow_javascript
    assert (
        '<div class="kb-passages" role="navigation" aria-label="检索词位置">'
        '<button type="button" class="kb-passage-prev">上一处</button>'
        '<span class="kb-passage-count" aria-live="polite">第 1 / 7 处</span>'
        '<button type="button" class="kb-passage-next">下一处</button></div><script>'
    ) in nav.body
    # The script looks for the marks of this document's body only (not a previous page's).
    token = re.search(r'data-passages="([0-9a-f]{12})"', doc).group(1)
    assert f'const token = "{token}";' in nav.body
    assert "已标出检索词：盗窃（共 7 处）" in [c.value for c in at.caption]


def test_another_query_on_the_same_document_is_told_apart(env):
    first = open_document(id="C-2023-901", q="盗窃")
    second = open_document(id="C-2023-901", q="电瓶")
    tokens = [
        re.search(r'data-passages="([0-9a-f]{12})"', b).group(1)
        for at in (first, second)
        for b in bodies(at)
        if b.startswith('<div class="kb-doc"')
    ]
    assert len(tokens) == 2 and tokens[0] != tokens[1]


@pytest.mark.parametrize("params", [{}, {"q": "毒品"}], ids=["no query", "terms not in the document"])
def test_nothing_to_step_through_shows_no_controls(env, params):
    at = open_document(id="C-2023-901", **params)
    assert not [b for b in bodies(at) if 'class="kb-passages"' in b]
    assert any(b.startswith('<div class="kb-doc" data-passages=') for b in bodies(at))


def test_the_cited_articles_print_in_full_instead_of_collapsed_expanders(env, monkeypatch):
    from ui import statutes

    monkeypatch.setattr(statutes, "article", lambda key, on=None: THEFT if key == "刑法:264" else None)
    at = open_document(id="C-2023-901")
    assert (
        '<div class="kb-print-only"><div class="kb-print-articles"><div class="kb-print-article">'
        "<strong>刑法第二百六十四条</strong>（2020-12-26 版）<p>盗窃公私财物，数额较大的……<br>多次盗窃的……</p>"
        "</div></div></div>"
    ) in bodies(at)
    assert [e.label for e in at.expander] == ["刑法第二百六十四条"]
    assert expanders_outside(at, "noprint_citations") == []


def test_the_printed_footer_names_the_document_its_version_and_today(env):
    at = open_document(id="G-2024-901")
    footer = next(b for b in bodies(at) if "kb-print-footer" in b)
    today = date.today().isoformat()
    assert footer == (
        f'<div class="kb-print-only"><div class="kb-print-footer">编号：G-2024-901 · 版本：第 2 版 · 打印于 {today}</div></div>'
    )
