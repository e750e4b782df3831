"""End to end: a guide citing the 2012 numbering shows, beside the citation, a note that opens the current article."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, streamlit_server, wait_app
    from tests.test_app_law import make_law_folder
    from tests.test_citation_notes import OLD_GUIDE
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, streamlit_server, wait_app
    from test_app_law import make_law_folder
    from test_citation_notes import OLD_GUIDE

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e_citation_notes")
    content, laws = make_content(root), make_law_folder(root)
    (content / "guides" / "G-2024-951.md").write_text(OLD_GUIDE, encoding="utf-8")
    build_index(load_settings(content=content, index=root / "index", laws=laws))
    with streamlit_server(root, content, laws) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    offsite: list[str] = []
    context.on(
        "request", lambda req: offsite.append(req.url) if urlsplit(req.url).hostname not in LOCAL_HOSTS else None
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()
    assert offsite == []


def test_the_note_beside_an_outdated_citation_opens_the_current_article(server, page):
    page.goto(f"{server}/doc?id=G-2024-951")
    wait_app(page)
    body = page.locator("div.kb-doc")
    note = body.locator("a.kb-cite-note")
    expect(note).to_have_count(1)
    expect(note).to_have_text("（2012年版条号，现为第五十一条）")
    expect(note).to_have_class("kb-cite-note kb-cite-note-warning")
    expect(note).to_be_visible()
    # Beside the citation: the element right before it is the citation itself, in the same paragraph.
    before = note.evaluate(
        "a => a.previousElementSibling.className + '|' + a.previousElementSibling.firstChild.textContent"
    )
    assert before == "kb-cite|治安管理处罚法第四十三条"
    cited = body.locator("span.kb-cite").first.bounding_box()
    box = note.bounding_box()
    assert abs(box["y"] - cited["y"]) < 8 and 0 <= box["x"] - (cited["x"] + cited["width"]) < 8
    # Only beside the citation: no banner about it elsewhere on the page.
    expect(page.get_by_text("现为第五十一条")).to_have_count(1)

    note.click()
    wait_app(page)
    expect(page.locator('[data-testid="stMain"] h1.kb-doc-title')).to_have_text("治安管理处罚法第五十一条")
    text = "殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款。"
    expect(page.get_by_role("paragraph").filter(has_text=text).first).to_be_visible()
    assert urlsplit(page.url).path == "/law" and "a=51" in page.url
