"""End to end: a law's table of contents and stepping through its articles in a real browser."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, streamlit_server, wait_app
    from tests.test_app_law import make_law_folder
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, streamlit_server, wait_app
    from test_app_law import make_law_folder

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e_law")
    content, laws = make_content(root), make_law_folder(root)
    build_index(load_settings(content=content, index=root / "index", laws=laws))
    with streamlit_server(root, content, laws) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
    offsite: list[str] = []
    context.on(
        "request", lambda req: offsite.append(req.url) if urlsplit(req.url).hostname not in LOCAL_HOSTS else None
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()
    assert offsite == []


def main(page):
    return page.locator('[data-testid="stMain"]')


def test_a_laws_table_of_contents_leads_to_an_article_and_previous_next_step_through(server, page):
    page.goto(f"{server}/law?law={quote('刑法')}")
    wait_app(page)
    toc = page.locator("nav.kb-law-toc")
    expect(toc.locator("h3")).to_have_text(["第二编 分则"])
    expect(toc.locator("h4")).to_have_text(["第二章 危害公共安全罪", "第五章 侵犯财产罪"])
    expect(toc.locator("a")).to_have_text(["第一百三十三条", "第一百三十三条之一", "第二百六十四条", "第二百六十六条"])
    expect(main(page).locator("table.kb-law-versions th")).to_have_text(
        ["版本", "公布日期", "施行日期", "状态", "条数"]
    )

    toc.get_by_role("link", name="第二百六十四条", exact=True).click()
    wait_app(page)
    title = main(page).locator("h1.kb-doc-title")
    expect(title).to_have_text("刑法第二百六十四条")
    expect(main(page).get_by_text("所在章节：第二编 分则 › 第五章 侵犯财产罪")).to_be_visible()
    assert "a=264" in page.url

    main(page).get_by_role("link", name="下一条：第二百六十六条").click()
    expect(title).to_have_text("刑法第二百六十六条")
    expect(main(page).get_by_text("（已是最后一条）")).to_be_visible()
    expect(main(page).get_by_text("诈骗公私财物，数额较大的")).to_be_visible()

    main(page).get_by_role("link", name="上一条：第二百六十四条").click()
    expect(title).to_have_text("刑法第二百六十四条")
    main(page).get_by_role("link", name="上一条：第一百三十三条之一").click()
    expect(title).to_have_text("刑法第一百三十三条之一")
    expect(main(page).get_by_text("所在章节：第二编 分则 › 第二章 危害公共安全罪")).to_be_visible()
    # The citing documents carry their type's icon: the guide a book, the case a gavel.
    kit = main(page).get_by_role("link", name="醉驾案件办理工具箱")
    expect(kit).to_contain_text("menu_book")

    main(page).get_by_role("link", name="刑法目录").click()
    expect(main(page).locator("nav.kb-law-toc")).to_be_visible()
    assert "a=" not in page.url
