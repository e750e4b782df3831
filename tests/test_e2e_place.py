"""End to end, keeping one's place: Back and 返回 after filtering every list page, a new page of
results shown from its top, and results before filters on a phone-width window."""

from __future__ import annotations

import re

import pytest

from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, streamlit_server, wait_app

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
expect = sync_api.expect
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The fixture content, indexed and served."""
    root = tmp_path_factory.mktemp("e2e-place")
    content = make_content(root)
    build_index(load_settings(content=content, index=root / "index"))
    with streamlit_server(root, content) as url:
        yield url


def new_page(browser, width: int = 1200, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    return pg


@pytest.fixture
def page(browser):
    pg = new_page(browser)
    yield pg
    pg.context.close()


def main(page):
    return page.get_by_test_id("stMain")


def headings(page, *texts: str) -> None:
    """Wait until the page's section headings are these, then until its run has finished."""
    expect(main(page).locator("h3")).to_have_text(list(texts))
    wait_app(page)


def open_document(page, title: str) -> None:
    """Click a document's link in the list and wait for the document page to finish its run."""
    main(page).get_by_test_id("stPageLink-NavLink").filter(has_text=title).first.click()
    page.wait_for_url(re.compile(r"/doc\?id="))
    expect(page.locator("h1.kb-doc-title")).to_have_text(title)
    wait_app(page)


def param(name: str, value: str):
    """A URL that holds the query parameter name=value (percent-encoded as the browser shows it)."""
    from urllib.parse import quote

    return re.compile(rf"[?&]{name}={re.escape(quote(value))}(&|$)")


def test_back_after_filtering_the_casebook_shows_the_filtered_list(server, page):
    page.goto(server + "/casebook")
    wait_app(page)
    headings(page, "全部案例（2 件）")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="全部刑事案例").click()
    headings(page, "刑事（1 件）")
    sidebar.get_by_role("button", name="盗窃（1）").click()
    headings(page, "刑事 · 盗窃（1 件）")
    expect(page).to_have_url(param("cat", "盗窃"))
    open_document(page, "张某多次盗窃电动车电瓶案")
    page.go_back()
    expect(page).to_have_url(param("cat", "盗窃"))
    headings(page, "刑事 · 盗窃（1 件）")
    page.reload()
    headings(page, "刑事 · 盗窃（1 件）")


def filter_search_to_cases(server, page) -> None:
    page.goto(server + "/?q=盗窃")
    wait_app(page)
    expect(main(page).get_by_text("“盗窃”：共 2 条结果", exact=False)).to_be_visible()
    page.locator(".st-key-search_f_type button").filter(has_text="案例").click()
    expect(page).to_have_url(param("type", "case"))
    expect(main(page).get_by_text("“盗窃”：共 1 条结果", exact=False)).to_be_visible()
    wait_app(page)


def test_back_after_filtering_a_search_shows_the_filtered_results(server, page):
    filter_search_to_cases(server, page)
    open_document(page, "张某多次盗窃电动车电瓶案")
    page.go_back()
    expect(page).to_have_url(param("type", "case"))
    expect(main(page).get_by_text("“盗窃”：共 1 条结果", exact=False)).to_be_visible()
    wait_app(page)
    expect(page.get_by_placeholder("输入罪名、关键词或法条", exact=False)).to_have_value("盗窃")


def test_the_back_link_of_a_document_keeps_the_filters(server, page):
    filter_search_to_cases(server, page)
    open_document(page, "张某多次盗窃电动车电瓶案")
    main(page).get_by_test_id("stPageLink-NavLink").filter(has_text="返回检索“盗窃”").click()
    expect(page).to_have_url(param("type", "case"))
    expect(main(page).get_by_text("“盗窃”：共 1 条结果", exact=False)).to_be_visible()
    wait_app(page)


def test_back_after_choosing_a_kind_of_guide_shows_that_kind(server, page):
    page.goto(server + "/guides")
    wait_app(page)
    page.locator(".st-key-guides_by button").filter(has_text="按种类").click()
    expect(page).to_have_url(param("by", "kind"))
    headings(page, "办案指引（1）", "执法宝典（10）", "工具箱（1）")
    page.locator(".st-key-guides_v button").filter(has_text="工具箱").click()
    expect(page).to_have_url(param("v", "工具箱"))
    headings(page, "工具箱（1）")
    open_document(page, "醉驾案件办理工具箱")
    page.go_back()
    expect(page).to_have_url(param("v", "工具箱"))
    headings(page, "工具箱（1）")


def path_links(page):
    """The learning path's document links (not the 本路径自测 link above them)."""
    return main(page).get_by_test_id("stPageLink-NavLink").filter(has_not_text="本路径自测")


def test_back_after_choosing_a_learning_tier_shows_that_tier(server, page):
    page.goto(server + "/learning")
    wait_app(page)
    expect(path_links(page).first).to_have_text(re.compile("盗窃案件办理指引"))
    page.locator(".st-key-learning_tier button").filter(has_text="法制员").click()
    expect(page).to_have_url(param("tier", "法制员"))
    expect(path_links(page)).to_have_text([re.compile("李某酒后殴打他人治安案")])
    wait_app(page)
    open_document(page, "李某酒后殴打他人治安案")
    page.go_back()
    expect(page).to_have_url(param("tier", "法制员"))
    expect(path_links(page)).to_have_text([re.compile("李某酒后殴打他人治安案")])


def results_top(page) -> float:
    return page.evaluate("() => document.querySelector('.st-key-search_results').getBoundingClientRect().top")


def test_a_new_page_of_results_is_shown_from_its_top(server, page):
    page.goto(server + "/")
    wait_app(page)
    expect(page.get_by_test_id("stPaginationPageActive")).to_have_text("1")
    wait_app(page)
    pagination = page.get_by_test_id("stPagination")
    pagination.scroll_into_view_if_needed()
    assert results_top(page) < -200  # scrolled down to the page buttons below the list
    pagination.get_by_test_id("stPaginationNext").click()
    expect(page).to_have_url(param("page", "2"))
    expect(page.get_by_test_id("stPaginationPageActive")).to_have_text("2")
    page.wait_for_function(
        "() => Math.abs(document.querySelector('.st-key-search_results').getBoundingClientRect().top) < 5"
    )


def test_on_a_phone_width_window_the_results_come_before_the_filters(server, browser):
    page = new_page(browser, width=390, height=844)
    try:
        page.goto(server + "/?q=盗窃")
        wait_app(page)
        first_result = page.locator(".st-key-search_results").get_by_test_id("stPageLink-NavLink").first
        first_facet = page.locator(".st-key-search_facets").get_by_test_id("stButtonGroup").first
        expect(first_result).to_be_visible()
        expect(first_facet).to_be_attached()
        assert first_result.bounding_box()["y"] < first_facet.bounding_box()["y"]
        # a wide window keeps the filters on the left
        page.set_viewport_size({"width": 1200, "height": 800})
        page.wait_for_function(
            "() => document.querySelector('.st-key-search_facets').getBoundingClientRect().left"
            " < document.querySelector('.st-key-search_results').getBoundingClientRect().left"
        )
    finally:
        page.context.close()


def test_a_link_to_another_document_shows_it_in_the_address_bar_and_back_returns(server, page):
    page.goto(server + "/doc?id=G-2024-901")
    wait_app(page)
    expect(page.locator("h1.kb-doc-title")).to_have_text("盗窃案件办理指引")
    wait_app(page)
    main(page).get_by_test_id("stPageLink-NavLink").filter(has_text="李某酒后殴打他人治安案").first.click()
    expect(page.locator("h1.kb-doc-title")).to_have_text("李某酒后殴打他人治安案")
    expect(page).to_have_url(param("id", "C-2024-902"))  # the same page with a new id: the address follows
    wait_app(page)
    page.go_back()
    expect(page).to_have_url(param("id", "G-2024-901"))
    expect(page.locator("h1.kb-doc-title")).to_have_text("盗窃案件办理指引")


def test_one_choice_is_one_step_back(server, page):
    page.goto(server + "/casebook")
    wait_app(page)
    headings(page, "全部案例（2 件）")
    page.get_by_test_id("stSidebar").get_by_role("button", name="盗窃（1）").click()  # sets cat and ctype
    headings(page, "刑事 · 盗窃（1 件）")
    page.go_back()
    headings(page, "全部案例（2 件）")
    expect(page).to_have_url(re.compile(r"/casebook$"))
