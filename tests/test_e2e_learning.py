"""End to end in chromium: a 办案民警 marks two guides learned, logs out, logs in again in a fresh browser
and finds the two marks (saved to the account, not the browser)."""

from __future__ import annotations

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, log_in_fresh, nav, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, log_in_fresh, nav, streamlit_server, wait_app

from kb.search.index import build_index
from kb.workflow import accounts
from kb.workflow.progress import list_learned

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server over fresh content, index and database; li is a 办案民警 of 城关派出所."""
    root = tmp_path_factory.mktemp("e2e-learning")
    content = make_content(root)
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "li", "读者", "li-password-1", unit="城关派出所", tier="办案民警")
    with streamlit_server(root, content, search_log=False) as url:
        yield url, settings


def log_in_on_learning(browser, url: str):
    """A fresh browser context on 学习路径, logged in as li through the login page and back."""
    return log_in_fresh(browser, url, "/learning", "li", "li-password-1", "读者", hint="登录后学习进度会保存")


def boxes(page):
    return page.locator('[data-testid="stCheckbox"]')


def test_two_marks_survive_logout_and_a_fresh_browser(site, browser):
    url, settings = site
    context, page = log_in_on_learning(browser, url)
    page.get_by_text("已学习 0 / 3 篇（已保存到账号“li”）").wait_for()  # the account's tier, 办案民警
    for n, shown in ((0, "已学习 1 / 3 篇"), (2, "已学习 2 / 3 篇")):
        boxes(page).nth(n).locator("label").click()
        page.get_by_text(f"{shown}（已保存到账号“li”）").wait_for()
        wait_app(page)
    assert sorted(m.doc_id for m in list_learned(settings, "li")) == ["G-2024-901", "G-2024-902"]
    nav(page, "账号")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="登录").wait_for()
    context.close()

    fresh, page = log_in_on_learning(browser, url)  # no cookie, no session state: only the database
    page.get_by_text("已学习 2 / 3 篇（已保存到账号“li”）").wait_for()
    checked = [boxes(page).nth(n).get_by_role("checkbox").is_checked() for n in range(3)]
    assert checked == [True, False, True]
    fresh.close()
