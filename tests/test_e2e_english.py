"""End to end in chromium: every page of the app, logged out and logged in as each role that sees
more pages, shows no English (text, accessible labels, tooltips, copied icon names) outside a few
allowed terms, and no request leaves 127.0.0.1; the server starts without warnings."""

from __future__ import annotations

import re
import time
from urllib.parse import quote, urlsplit

import pytest

from kb.search.index import build_index
from kb.settings import load_settings
from kb.workflow import accounts

try:
    from tests.app_fixtures import make_content, make_laws
    from tests.browser import (
        ARTIFACTS,
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        english_words,
        source_mode,
        streamlit_server,
        wait_app,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content, make_laws
    from browser import (
        ARTIFACTS,
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        english_words,
        source_mode,
        streamlit_server,
        wait_app,
    )

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

# Names of formats and keys, which are content rather than chrome: the front matter keys and
# values shown in 源码, file types, keyboard keys, document ids and the test's user names.
ALLOWED = frozenset(
    {"PDF", "CSV", "PNG", "zip", "ID", "Markdown", "YAML", "UTF", "md", "Ctrl", "Enter", "Esc", "MB", "LawRefBook"}
    | {"Word", "WPS", "docx", "doc", "wps"}  # what the Word import names (issue 15)
    | {"id", "title", "kind", "category", "case_type", "charges", "year", "unit", "tags", "laws", "audience"}
    | {"stage", "status", "supersedes", "superseded_by", "issued", "version", "summary", "true", "false"}
    | {"G", "C", "N", "P", "zhao", "qian"}  # document ids (G-2024-901), 第 N 行, Ctrl+P, the users' names
    | {"front matter"}  # the name of the documents' header, as the editors' manual (README) calls it
    | {"popular_min_sessions", "search_log_roles"}  # settings the administrator is told to change
)
TABLE_PAGES = {"审计日志", "账号管理"}
CHART_PAGES = {"统计"}
USERS = {"审核": ("zhao", "zhao-password"), "管理员": ("qian", "qian-password")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fixture content and statutes, a reviewer and an administrator, served; yields the URL and log."""
    root = tmp_path_factory.mktemp("e2e-english")
    content, laws = make_content(root), make_laws(root)
    settings = load_settings(content=content, index=root / "index", laws=laws)
    build_index(settings)
    db = settings.with_overrides(db_path=root / "casekb.sqlite3")
    for role, (name, password) in USERS.items():
        accounts.add_user(db, name, role, password)
    with streamlit_server(root, content, laws) as url:
        yield url, root / "streamlit.log"


class Walk:
    """One browser tab walking the app, collecting English (by page) and every request made."""

    def __init__(self, browser, url: str) -> None:
        self.url = url
        self.context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
        self.requests: list[str] = []
        self.context.on("request", lambda req: self.requests.append(req.url))
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.english: dict[str, list[str]] = {}
        self.tables_seen = 0
        self.charts_seen = 0

    def look(self, where: str) -> None:
        """Record the English on the page as it is now, under `where`."""
        wait_app(self.page)
        # The app's translation of Streamlit's texts starts with the first run of the page.
        self.page.wait_for_function("() => window.casekbChromeZh === true")
        found = english_words(self.page, ALLOWED)
        if found:
            self.english.setdefault(where, [])
            self.english[where] += [line for line in found if line not in self.english[where]]

    def copied(self, where: str) -> None:
        """Select the whole page and copy it, as an officer pasting into a report; record English copied."""
        self.context.grant_permissions(["clipboard-read", "clipboard-write"])
        self.page.locator("h1").first.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Control+c")
        text = self.page.evaluate("() => navigator.clipboard.readText()")
        words = sorted({w for w in re.findall(r"[A-Za-z][A-Za-z_'’]*", text) if w not in ALLOWED})
        if words:
            self.english.setdefault(f"{where}（复制全文）", []).append("、".join(words))

    def goto(self, path: str, where: str | None = None) -> None:
        self.page.goto(self.url + path)
        wait_app(self.page)
        self.look(where or path)

    def menu_pages(self, who: str) -> None:
        """Open every page listed in the menu, by clicking it, and look at it."""
        nav = self.page.locator('[data-testid="stSidebarNav"]')
        links = nav.get_by_role("link")
        titles = [t.split()[-1] for t in links.all_inner_texts()]  # after the icon's name
        assert titles
        for i, title in enumerate(titles):
            links.nth(i).click()
            wait_app(self.page)
            if title in TABLE_PAGES:  # the table draws after the run
                self.page.locator('[data-testid="stDataFrame"]').first.wait_for()
            if title in CHART_PAGES:  # Vega draws after the run, then names the chart's parts
                self.page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
                for chart in self.page.locator('[data-testid="stVegaLiteChart"]:visible').all():
                    chart.locator("svg [aria-roledescription]").first.wait_for(state="attached")
            self.look(f"{who}：{title}")
            self.tables(f"{who}：{title}")
            self.charts(f"{who}：{title}")

    def tables(self, where: str) -> None:
        """Hover every table and each button of its toolbar, looking at the tooltips."""
        grids = self.page.locator('[data-testid="stDataFrame"]:visible')  # not those in other tabs
        count = self.settled_count(grids)
        self.tables_seen += count
        for i in range(count):
            self.toolbar(grids.nth(i), grids.nth(i), f"{where}（表格工具栏")

    def charts(self, where: str) -> None:
        """Hover every chart and each button of its toolbar, looking at the tooltips."""
        chart = '[data-testid="stVegaLiteChart"]'
        frames = self.page.locator('[data-testid="stFullScreenFrame"]:visible').filter(has=self.page.locator(chart))
        count = self.settled_count(frames)
        self.charts_seen += count
        for i in range(count):
            self.toolbar(frames.nth(i), frames.nth(i).locator(chart), f"{where}（图表工具栏")

    def settled_count(self, locator) -> int:
        """How many elements `locator` finds once the page stops changing.

        Right after a page switch the previous page's elements can still be in the DOM for a moment (stale, then
        removed), so a count taken at once may name an element that is gone by the time it is hovered.
        """
        counts = [locator.count()]
        for _ in range(50):  # at most ~10 s
            self.page.wait_for_timeout(200)
            counts.append(locator.count())
            if len(counts) >= 4 and len(set(counts[-4:])) == 1:
                break
        return counts[-1]

    def toolbar(self, holder, element, where: str) -> None:
        """Hover `element` so that its toolbar (inside `holder`) shows, then each button, looking each time."""
        element.hover()
        buttons = holder.locator('[data-testid="stElementToolbar"] button')
        buttons.first.wait_for()
        self.look(f"{where}）")
        for j in range(buttons.count()):
            buttons.nth(j).hover()
            self.page.locator('[data-testid="stTooltipContent"]').first.wait_for()
            self.look(f"{where}提示）")

    def app_menu(self, where: str) -> None:
        """Open Streamlit's main menu (top right), where the toolbar mode shows one, and look at its items."""
        menu = self.page.locator('[data-testid="stMainMenu"]')
        if menu.count() == 0:  # client.toolbarMode = "minimal" without a developer's options
            return
        menu.click()
        self.page.locator('[data-testid="stMainMenuPopover"]').wait_for()
        self.look(f"{where}（主菜单）")
        self.page.keyboard.press("Escape")

    def log_in(self, name: str, password: str) -> None:
        self.page.goto(self.url + "/login")
        self.page.get_by_label("用户名").fill(name)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.get_by_text(f"当前用户：{name}", exact=False).first.wait_for()
        wait_app(self.page)


def report(english: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}\n  " + "\n  ".join(lines) for where, lines in english.items())


def test_no_page_shows_english_or_calls_off_the_machine(site, browser):
    url, log = site
    walk = Walk(browser, url)
    page = walk.page
    walk.goto("/", "检索（首页，全部文档）")
    page.get_by_text("第 1 / 2 页").wait_for()  # with the pagination, named in Chinese
    sync_api.expect(page.get_by_role("navigation", name="分页").get_by_role("button", name="下一页")).to_be_visible()
    walk.look("检索（首页，全部文档）")
    walk.copied("检索（首页，全部文档）")
    walk.app_menu("检索（首页）")
    walk.menu_pages("未登录")
    walk.goto("/?q=" + quote("盗窃"), "检索“盗窃”（结果和分面）")
    walk.goto("/?q=" + quote("刑法第二百六十四条"), "检索法条")
    page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]').first.click()
    page.wait_for_function("() => location.pathname !== '/'")  # the article's page
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    walk.look("法条页")
    walk.goto("/doc?id=C-2023-901&q=" + quote("盗窃"), "案例页")
    page.locator(".kb-doc span.kb-cite").first.click()
    walk.look("案例页（展开引用法条）")
    walk.copied("案例页")
    walk.goto("/doc?id=G-2024-901", "指引页")
    walk.goto("/similar?id=C-2023-901", "类案检索（按案例）")
    page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]').first.wait_for()
    walk.look("类案检索（按案例）")
    walk.goto("/casebook?cat=" + quote("盗窃"), "案例库（盗窃）")
    walk.goto("/login", "登录")
    walk.goto("/no-such-page", "不存在的页面（旧书签）")  # Streamlit's own dialog, then the front page
    sync_api.expect(page.get_by_role("dialog").locator("h2")).to_have_text("未找到该页面")
    walk.look("不存在的页面（旧书签）")
    walks = [walk]
    for role, (name, password) in USERS.items():
        walk = Walk(browser, url)
        walks.append(walk)
        walk.log_in(name, password)
        walk.menu_pages(role)
    walk = walks[1]  # 审核 also writes drafts
    page = walk.page
    walk.goto("/editor", "编写")
    for tab in ("修订已发布文档", "上传 Markdown 或 Word 文件"):
        page.get_by_role("tab", name=tab).click()
        walk.look(f"编写（{tab}）")
    page.get_by_role("tab", name="新建").click()
    page.get_by_role("button", name="新建草稿").click()
    wait_app(page)
    page.locator('[data-testid="stDateInput"]').first.wait_for()  # the form's last widgets
    walk.look("编写（新草稿，表单）")
    page.locator('[data-testid="stDateInputCalendarButton"]').first.click()
    page.get_by_role("dialog").last.wait_for()
    walk.look("编写（日期选择）")
    page.keyboard.press("Escape")
    page.locator('[data-testid="stMultiSelect"]').first.click()
    walk.look("编写（展开多选框）")
    page.keyboard.press("Escape")
    source_mode(page)
    walk.look("编写（源码）")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "40-english-walk-editor.png"), full_page=True)

    assert sum(w.tables_seen for w in walks) >= 3  # 审计日志 (twice) and 账号管理, their toolbars hovered
    assert sum(w.charts_seen for w in walks) >= 9  # 统计, for each of the three, its toolbar hovered
    requests = [u for w in walks for u in w.requests]
    off = sorted({u for u in requests if urlsplit(u).hostname not in LOCAL_HOSTS})
    english: dict[str, list[str]] = {}
    for w in walks:
        w.context.close()
        english |= w.english
    assert requests and off == [], "请求离开本机：\n" + "\n".join(off)
    assert english == {}, "页面上有英文：\n" + report(english)


def test_the_server_starts_without_warnings(site):
    url, log = site
    deadline = time.monotonic() + 60
    while "检索服务已就绪" not in (text := log.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.1)  # the warm-up reports in the background
    start = text[: text.index("检索服务已就绪")]  # up to the warm-up's report
    assert "No runtime found" not in text, text
    assert not re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", start, re.M), start  # no log record at all
