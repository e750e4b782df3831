"""The note beside a citation of an outdated article: rendered by kb.rendering.markup, shown on the document page."""

from __future__ import annotations

import pytest

from kb.rendering.markup import CitationNoteLink, render_markdown
from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
    from tests.test_app_law import make_law_folder, open_page
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from test_app_law import make_law_folder, open_page

# A guide still in force written under the 2012 numbering, and a case decided in 2024 that applied it.
OLD_GUIDE = """---
id: G-2024-951
title: 殴打他人案件办理指引
kind: 办案指引
category: 殴打他人
stage: [调查取证]
tags: [殴打他人]
laws: [治安管理处罚法第四十三条]
audience: [办案民警]
status: 现行
issued: 2024-03-01
version: 1
summary: 殴打他人案件的定性与处罚。
---

## 处罚

殴打他人的，依照治安管理处罚法第四十三条处罚。
"""

OLD_CASE = """---
id: C-2024-951
title: 王某殴打邻居案
category: 殴打他人
case_type: 行政
charges: [殴打他人]
year: 2024
unit: 某县公安局城关派出所
tags: [殴打他人]
laws: [治安管理处罚法第四十三条]
audience: [办案民警]
stage: [调查取证]
status: 现行
issued: 2024-06-01
version: 1
summary: 因琐事殴打邻居，依法处以拘留。
---

## 基本案情
王某因琐事殴打邻居。

## 办案过程
民警接报后依法受案，调取监控，固定证据。

## 法律适用
依照《中华人民共和国治安管理处罚法》第四十三条，对王某处以行政拘留五日。

## 处理结果
依法处理。

## 办案要旨
因琐事殴打他人的，依法处罚。

## 指导意义
对同类案件有参考价值。
"""

NEW_GUIDE = (
    OLD_GUIDE.replace("G-2024-951", "G-2026-951").replace("2024-03-01", "2026-02-01").replace("四十三", "五十一")
)

NOTE_LINK = "law?law=%E6%B2%BB%E5%AE%89%E7%AE%A1%E7%90%86%E5%A4%84%E7%BD%9A%E6%B3%95&amp;a=51"


def test_a_note_follows_its_citation_as_a_small_link():
    def notes(cite):
        if cite.article == "43":
            return CitationNoteLink("（2012年版条号，现为第五十一条）", "law?law=x&a=51", warning=True)
        if cite.article == "61":
            return CitationNoteLink("（适用2012年版；现行版本已删除该条）")
        return None

    text = "依照治安管理处罚法第四十三条处罚；偷越国境的依照治安管理处罚法第六十一条；另见刑法第二百六十四条。"
    rendered = render_markdown(text, notes=notes)
    assert rendered.html == (
        '<p>依照<a class="kb-cite" href="./?q=%E6%B2%BB%E5%AE%89%E7%AE%A1%E7%90%86%E5%A4%84%E7%BD%9A%E6%B3%95'
        '%E7%AC%AC%E5%9B%9B%E5%8D%81%E4%B8%89%E6%9D%A1" title="检索治安管理处罚法第四十三条" rel="noopener noreferrer">'
        "治安管理处罚法第四十三条</a>"
        '<a class="kb-cite-note kb-cite-note-warning" href="law?law=x&amp;a=51" title="查看现行条文" '
        'rel="noopener noreferrer">（2012年版条号，现为第五十一条）</a>处罚；偷越国境的依照'
        '<a class="kb-cite" href="./?q=%E6%B2%BB%E5%AE%89%E7%AE%A1%E7%90%86%E5%A4%84%E7%BD%9A%E6%B3%95'
        '%E7%AC%AC%E5%85%AD%E5%8D%81%E4%B8%80%E6%9D%A1" title="检索治安管理处罚法第六十一条" rel="noopener noreferrer">'
        '治安管理处罚法第六十一条</a><span class="kb-cite-note">（适用2012年版；现行版本已删除该条）</span>；另见'
        '<a class="kb-cite" href="./?q=%E5%88%91%E6%B3%95%E7%AC%AC%E4%BA%8C%E7%99%BE%E5%85%AD%E5%8D%81%E5%9B%9B'
        '%E6%9D%A1" title="检索刑法第二百六十四条" rel="noopener noreferrer">刑法第二百六十四条</a>。</p>'
    )


def test_a_note_is_escaped_and_its_link_cannot_run_script():
    def notes(cite):
        return CitationNoteLink("<b>（注）</b>", "javascript:alert(1)", warning=False)

    html = render_markdown("见刑法第二百六十四条。", notes=notes).html
    assert (
        '<a class="kb-cite-note" title="查看现行条文" rel="noopener noreferrer">&lt;b&gt;（注）&lt;/b&gt;</a>' in html
    )
    assert "javascript" not in html


def test_without_notes_or_citations_nothing_is_added():
    assert "kb-cite-note" not in render_markdown("见刑法第二百六十四条。").html
    calls = []
    render_markdown("见刑法第二百六十四条。", citations=False, notes=lambda c: calls.append(c))
    assert calls == []


# -- the document page ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The app fixtures plus the three documents above, with the two-version statute folder, indexed once."""
    root = tmp_path_factory.mktemp("citation_notes")
    content = make_content(root)
    for rel, text in (
        ("guides/G-2024-951.md", OLD_GUIDE),
        ("guides/G-2026-951.md", NEW_GUIDE),
        ("casebook/殴打他人/C-2024-951.md", OLD_CASE),
    ):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    laws = make_law_folder(root)
    build_index(load_settings(content=content, index=root / "index", laws=laws))
    return root


@pytest.fixture
def env(built, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))
    monkeypatch.setenv("KB_LAWS", str(built / "laws"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    return built


def body_html(doc_id: str) -> str:
    at = open_page("document", id=doc_id)
    return next(h.proto.body for h in at.html if 'class="kb-doc"' in h.proto.body)


def test_a_guide_in_force_citing_the_2012_numbering_warns_beside_each_citation(env):
    html = body_html("G-2024-951")
    note = (
        f'<a class="kb-cite-note kb-cite-note-warning" href="{NOTE_LINK}" title="查看现行条文" '
        'rel="noopener noreferrer">（2012年版条号，现为第五十一条）</a>'
    )
    assert html.count(note) == 1
    cited, _, after = html.partition(note)
    # right after the citation (its span and the article it reveals), before the rest of the sentence
    assert cited.endswith("</span></span>") and after.startswith("处罚。</p>")
    assert cited.rpartition('<span class="kb-cite"')[2].startswith(
        ' tabindex="0" role="button" title="治安管理处罚法第四十三条">治安管理处罚法第四十三条'
    )


def test_a_case_that_applied_the_2012_text_gets_the_neutral_wording(env):
    html = body_html("C-2024-951")
    note = (
        f'<a class="kb-cite-note" href="{NOTE_LINK}" title="查看现行条文" '
        'rel="noopener noreferrer">（适用2012年版；现行为第五十一条）</a>'
    )
    cited, _, after = html.partition(note)
    assert cited.endswith("</span></span>") and after.startswith("，对王某处以")
    assert "《中华人民共和国治安管理处罚法》第四十三条<span" in cited.rpartition('<span class="kb-cite"')[2]


def test_a_document_citing_the_current_text_has_no_note(env):
    html = body_html("G-2026-951")
    assert "治安管理处罚法第五十一条" in html
    assert "kb-cite-note" not in html


def test_without_a_statute_folder_the_page_shows_no_note(env, monkeypatch):
    monkeypatch.delenv("KB_LAWS")
    assert "kb-cite-note" not in body_html("G-2024-951")
