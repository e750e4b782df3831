"""End to end in chromium: a login survives a reload and a new tab, returns to the page asked for,
ends for good at logout, times out when idle, and an admin-set password is changed first."""

from __future__ import annotations

import time

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, nav, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, nav, streamlit_server, wait_app

from kb.search.index import build_index
from kb.workflow import accounts, audit, logins, sessions
from ui.auth_cookie import COOKIE

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

IDLE_MINUTES = 1  # the smallest session_timeout_minutes allowed
ASK_TO_LOG_IN = "请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server with a one-minute idle timeout, over fresh content, index and database."""
    root = tmp_path_factory.mktemp("e2e-login")
    content = make_content(root)
    settings = make_settings(content, root)
    build_index(settings)
    for name in ("lin", "wang", "qian", "sun"):
        accounts.add_user(settings, name, "编辑", f"{name}-password")
    accounts.add_user(settings, "chen", "编辑", "chen-password", must_change=True)  # as the 管理员 sets it
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_SESSION_TIMEOUT_MINUTES", str(IDLE_MINUTES))
        with streamlit_server(root, content, search_log=False) as url:
            yield url, settings


def new_context(browser):
    return browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")


def open_page(context, url: str):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    wait_app(page)
    return page


def submit_login(page, name: str, password: str) -> None:
    page.get_by_role("heading", name="登录").wait_for()
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def logged_in_as(page, name: str) -> None:
    page.get_by_text(f"当前用户：{name}（编辑）").wait_for()
    wait_app(page)


def on_editor(page, url: str, name: str) -> None:
    """The 编写 page, for a logged-in editor."""
    assert page.url == url + "/editor"
    logged_in_as(page, name)
    page.get_by_role("button", name="新建草稿").wait_for()
    assert page.get_by_text(ASK_TO_LOG_IN).count() == 0


def session_cookie(context) -> dict:
    [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
    return cookie


def test_a_login_survives_a_reload_and_a_new_tab_and_returns_to_the_page_asked_for(site, browser):
    url, settings = site
    context = new_context(browser)
    page = open_page(context, url + "/editor")  # a bookmark of 编写, before logging in
    page.get_by_text(ASK_TO_LOG_IN).wait_for()
    nav(page, "登录")
    submit_login(page, "lin", "lin-password")
    page.wait_for_url(url + "/editor")  # back on 编写, not on 账号
    on_editor(page, url, "lin")

    cookie = session_cookie(context)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"], cookie["secure"]) == (True, "Strict", "/", False)
    assert cookie["expires"] == -1  # ends with the browser; the server ends it sooner when idle
    assert cookie["value"] not in page.url
    [stored] = sessions.user_sessions(settings, "lin")
    assert sessions.find_by_token(settings, cookie["value"]) == stored  # stored as its hash only
    assert cookie["value"].encode() not in settings.db_path.read_bytes()

    page.reload()
    wait_app(page)
    on_editor(page, url, "lin")

    tab = open_page(context, url + "/editor")  # a new tab opened from a bookmark
    on_editor(tab, url, "lin")
    tab.goto(url + "/doc?id=G-2024-901")
    tab.get_by_text("盗窃案件办理指引").first.wait_for()
    logged_in_as(tab, "lin")
    assert [s.id for s in sessions.user_sessions(settings, "lin")] == [stored.id]  # one login for the browser
    context.close()


def test_a_link_followed_from_another_site_finds_the_strict_cookie(site, browser):
    url, _ = site
    context = new_context(browser)
    page = open_page(context, url + "/editor")
    nav(page, "登录")
    submit_login(page, "sun", "sun-password")
    page.wait_for_url(url + "/editor")
    on_editor(page, url, "sun")
    # a page of another intranet site (served by the browser itself) links to 编写
    other = "http://oa.intranet.test/"
    context.route(
        other + "**",
        lambda r: r.fulfill(content_type="text/html; charset=utf-8", body=f'<a href="{url}/editor">编写</a>'),
    )
    tab = context.new_page()
    tab.goto(other)
    tab.get_by_role("link", name="编写").click()
    wait_app(tab)
    tab.wait_for_url(url + "/editor")
    on_editor(tab, url, "sun")
    context.close()


def test_the_page_asked_for_keeps_its_query_string(site, browser):
    url, _ = site
    context = new_context(browser)
    page = open_page(context, url + "/doc?id=G-2024-902")
    page.get_by_text("醉驾案件办理工具箱").first.wait_for()
    nav(page, "登录")
    submit_login(page, "wang", "wang-password")
    page.wait_for_url(url + "/doc?id=G-2024-902")
    logged_in_as(page, "wang")
    page.get_by_text("醉驾案件办理工具箱").first.wait_for()
    context.close()


def test_after_logout_the_old_cookie_no_longer_works(site, browser):
    url, settings = site
    context = new_context(browser)
    page = open_page(context, url + "/editor")
    nav(page, "登录")
    submit_login(page, "qian", "qian-password")
    page.wait_for_url(url + "/editor")
    on_editor(page, url, "qian")
    saved = session_cookie(context)

    replay = new_context(browser)  # the cookie replayed in another browser works while the login lasts
    replay.add_cookies([saved])
    on_editor(open_page(replay, url + "/editor"), url, "qian")
    replay.close()

    nav(page, "账号")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="登录").wait_for()
    wait_app(page)
    assert sessions.user_sessions(settings, "qian") == []
    deadline = time.monotonic() + 10  # the page asks the browser to drop the cookie as well
    while [c for c in context.cookies() if c["name"] == COOKIE] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert [c for c in context.cookies() if c["name"] == COOKIE] == []

    replay = new_context(browser)
    replay.add_cookies([saved])
    stale = open_page(replay, url + "/editor")
    stale.get_by_text(ASK_TO_LOG_IN).wait_for()
    assert stale.get_by_text("当前用户：", exact=False).count() == 0
    replay.close()
    context.close()


def test_an_admin_set_password_is_changed_before_anything_else(site, browser):
    url, settings = site
    context = new_context(browser)
    page = open_page(context, url + "/editor")
    nav(page, "登录")
    submit_login(page, "chen", "chen-password")
    page.get_by_text(logins.MUST_CHANGE_NOTICE).wait_for()  # on 账号: the only thing chen may do
    nav(page, "编写")
    page.get_by_text(logins.MUST_CHANGE_NOTICE).wait_for()
    assert page.url == url + "/login"
    assert page.get_by_role("button", name="新建草稿").count() == 0
    page.get_by_label("当前密码").fill("chen-password")
    page.get_by_label("新密码（至少 10 个字符，不能是常用密码）").fill("1234567890")
    page.get_by_label("再次输入新密码").fill("1234567890")
    page.get_by_role("button", name="设置新密码").click()
    page.get_by_text(accounts.COMMON_PASSWORD).wait_for()
    page.get_by_label("当前密码").fill("chen-password")
    page.get_by_label("新密码（至少 10 个字符，不能是常用密码）").fill("chen-own-choice")
    page.get_by_label("再次输入新密码").fill("chen-own-choice")
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url(url + "/editor")  # then on to the page asked for
    on_editor(page, url, "chen")
    assert not accounts.get_user(settings, "chen").must_change
    context.close()


def test_an_idle_login_asks_to_log_in_again_then_returns_to_the_same_page(site, browser):
    url, settings = site
    context = new_context(browser)
    page = open_page(context, url + "/editor")
    nav(page, "登录")
    submit_login(page, "wang", "wang-password")
    page.wait_for_url(url + "/editor")
    on_editor(page, url, "wang")
    # Idle past the timeout: nothing to poll, the time itself is what is tested.
    page.wait_for_timeout((IDLE_MINUTES * 60 + 2) * 1000)
    nav(page, "编写")  # the next click
    page.get_by_text(f"超过 {IDLE_MINUTES} 分钟未操作，已自动退出；请重新登录").wait_for()
    assert page.url == url + "/login"
    assert audit.read_entries(settings, actor="wang", action="logout")[0].detail == "会话超时"
    submit_login(page, "wang", "wang-password")
    page.wait_for_url(url + "/editor")
    on_editor(page, url, "wang")
    context.close()
