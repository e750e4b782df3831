"""End to end: a real `streamlit run app.py` driven by Debian's chromium through Playwright."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from kb.search.index import build_index, current_dir
from kb.settings import load_settings
from kb.workflow import accounts

try:
    from tests.app_fixtures import add_hostile, make_content, make_laws
    from tests.browser import (
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        after_text,
        shot,
        streamlit_server,
        wait_app,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import add_hostile, make_content, make_laws
    from browser import (
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        after_text,
        shot,
        streamlit_server,
        wait_app,
    )

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)  # assertions retry as long as locators wait


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The fixture content and statutes, indexed (with the hostile document smuggled in), served."""
    root = tmp_path_factory.mktemp("e2e")
    content, laws = make_content(root), make_laws(root)
    settings = load_settings(content=content, index=root / "index", laws=laws)
    build_index(settings)
    add_hostile(content, root / "index")
    accounts.add_user(settings.with_overrides(db_path=root / "casekb.sqlite3"), "zhao", "审核", "zhao-password")
    with streamlit_server(root, content, laws) as url:
        yield url


@pytest.fixture(scope="module")
def requests_seen():
    return []


@pytest.fixture
def page(browser, requests_seen):
    # Tall enough that a screenshot shows the whole page (Streamlit scrolls inside its own container).
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    context.on("request", lambda req: requests_seen.append(req.url))
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def search_box(page):
    return page.get_by_placeholder("输入罪名、关键词或法条", exact=False)


def test_a_fresh_checkout_builds_the_index_on_first_start(tmp_path, page):
    content = make_content(tmp_path)
    with streamlit_server(tmp_path, content) as url:
        page.goto(url + "/")
        search_box(page).wait_for(timeout=120_000)
        page.locator(".kb-hit").first.wait_for()
        assert current_dir(tmp_path / "index") is not None
        sync_api.expect(page.locator(".kb-meta").first).to_contain_text("全部文档：共 14 条结果")
        wait_app(page)
        assert after_text(page.locator('[data-testid="stSkipToContent"]'), '"跳到正文"') == '"跳到正文"'
        # Copies of Streamlit's Stop button (drawn during a run of more than half a second) and
        # of its connection status while reconnecting (dotted icon) and after giving up, in one
        # probe element of our own: removing nodes React manages would break its later dialogs.
        page.evaluate(
            """() => document.body.insertAdjacentHTML('beforeend', '<div id="kb-probe">'
            + '<div data-testid="stStatusWidget"><span><button kind="header" data-testid="stBaseButton-header">'
            + 'Stop</button></span></div>' + ['M0 3v2h2V3H0z', 'M3.09 0c'].map(d =>
            '<div data-testid="stConnectionStatus"><svg viewBox="0 0 8 8"><path d="' + d + '"></path></svg>'
            + '<label>Connecting</label></div>').join('') + '</div>')"""
        )
        probe = page.locator("#kb-probe")
        assert after_text(probe.locator('[data-testid="stBaseButton-header"]'), '"停止"') == '"停止"'
        labels = probe.locator('[data-testid="stConnectionStatus"] label')
        assert [after_text(labels.nth(i)) for i in range(2)] == ['"正在连接"', '"连接中断"']
        page.evaluate("() => document.getElementById('kb-probe').remove()")
    # The server has stopped: Streamlit's dialog asks in English whether the PC is "connected to
    # the internet"; the page says in Chinese what happened.
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=90_000)
    assert after_text(dialog.locator("h2"), '"与服务器的连接已中断"') == '"与服务器的连接已中断"'
    assert after_text(dialog.locator("h2 + div")).startswith('"案例指引库服务暂时没有响应')
    assert dialog.locator("h2 + div > *").first.evaluate("e => getComputedStyle(e).display") == "none"
    shot(page, "00-connection-lost")


def test_typing_a_query_and_pressing_enter_shows_highlighted_results(server, page):
    page.goto(server + "/")
    box = search_box(page)
    box.wait_for()
    box.fill("多次盗窃")
    hint = page.locator('.st-key-search_q [data-testid="InputInstructions"] > span').first
    hint.wait_for(state="attached")
    assert after_text(hint, '"按回车键检索"') == '"按回车键检索"'  # over Streamlit's "Press Enter to apply"
    box.press("Enter")
    page.wait_for_function("() => location.search.includes('q=')")
    marks = page.locator(".kb-snippet mark")
    marks.first.wait_for()
    sync_api.expect(marks.first).to_contain_text("盗窃")
    sync_api.expect(page.get_by_text("张某多次盗窃电动车电瓶案").first).to_be_visible()
    assert "q=%E5%A4%9A%E6%AC%A1%E7%9B%97%E7%AA%83" in page.url
    wait_app(page)
    shot(page, "01-search")


def test_a_query_in_an_officers_own_words_says_how_it_was_read(server, page):
    page.goto(server + "/")
    box = search_box(page)
    box.wait_for()
    box.fill("偷 猫咪 怎么办")
    box.press("Enter")
    page.wait_for_function("() => location.search.includes('q=')")
    sync_api.expect(page.get_by_text("按“盗窃”检索了“偷”")).to_be_visible()
    sync_api.expect(page.get_by_text("未作为检索词：怎么办")).to_be_visible()
    sync_api.expect(page.get_by_text("部分匹配：没有文档同时包含全部检索词", exact=False)).to_be_visible()
    sync_api.expect(page.locator(".kb-missing").first).to_have_text("缺少：猫咪")
    wait_app(page)
    # The result card's link carries the query (a link drawn before the search, without it, once
    # lingered beside it in a loaded CI run).
    sync_api.expect(
        page.get_by_role("link", name="张某多次盗窃电动车电瓶案").and_(page.locator('a[href*="q="]'))
    ).to_be_visible()
    shot(page, "01b-search-understood")
    page.get_by_role("button", name="只按原词检索").click()
    page.wait_for_function("() => location.search.includes('lit=1')")
    sync_api.expect(page.get_by_text("已按原词检索（未作口语转换和纠错）。")).to_be_visible()
    sync_api.expect(page.get_by_role("link", name="张某多次盗窃电动车电瓶案")).to_have_count(0)
    wait_app(page)  # the literal run has finished drawing: a click during it was once lost (full suite, loaded)
    page.get_by_role("button", name="恢复智能理解").click()
    page.wait_for_function("() => !location.search.includes('lit=1')")
    sync_api.expect(page.get_by_role("link", name="张某多次盗窃电动车电瓶案")).to_be_visible()


def test_open_a_document_from_the_results(server, page):
    page.goto(server + "/?q=" + quote("盗窃"))
    link = page.get_by_role("link", name="张某多次盗窃电动车电瓶案")
    link.wait_for()
    link.click()
    page.wait_for_function("() => location.pathname.endsWith('/doc') && location.search.includes('id=C-2023-901')")
    page.locator("h1.kb-doc-title").wait_for()
    sync_api.expect(page.locator("h1.kb-doc-title")).to_have_text("张某多次盗窃电动车电瓶案")
    page.locator(".kb-doc mark.kb-term").first.wait_for()
    page.get_by_text("本案适用的指引").wait_for()
    wait_app(page)
    shot(page, "02-document")
    # A citation expands to the article text from the statute library.
    cite = page.locator(".kb-doc span.kb-cite").first
    article = cite.locator(".kb-article")
    assert not article.is_visible()
    cite.click()
    article.wait_for(state="visible")
    assert article.inner_text().startswith("刑法第二百六十四条")
    assert "盗窃公私财物，数额较大的" in article.inner_text()
    shot(page, "02b-document-citation")


def test_the_print_layout_hides_navigation(server, page):
    page.goto(server + "/doc?id=C-2023-901")
    page.locator("h1.kb-doc-title").wait_for()
    wait_app(page)
    sync_api.expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()
    page.emulate_media(media="print")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=stSidebar]')).display === 'none'"
    )
    sync_api.expect(page.locator("h1.kb-doc-title")).to_be_visible()
    shot(page, "02c-document-print")


def test_a_shared_url_reloads_query_and_filters(server, page):
    url = server + "/?q=" + quote("盗窃") + "&type=guide"
    page.goto(url)
    page.get_by_role("link", name="盗窃案件办理指引").wait_for()
    sync_api.expect(search_box(page)).to_have_value("盗窃")
    assert page.get_by_role("link", name="张某多次盗窃电动车电瓶案").count() == 0
    page.reload()
    page.get_by_role("link", name="盗窃案件办理指引").wait_for()
    sync_api.expect(search_box(page)).to_have_value("盗窃")
    assert "type=guide" in page.url


def test_superseded_guide_shows_a_banner_linking_to_the_new_one(server, page):
    page.goto(server + "/doc?id=G-2020-001")
    page.get_by_text("本文已不再参照").wait_for()
    page.get_by_role("link", name="查看新版：盗窃案件办理指引（G-2024-901）").click()
    page.wait_for_function("() => location.search.includes('id=G-2024-901')")
    page.locator("h1.kb-doc-title", has_text="盗窃案件办理指引").wait_for()


def test_xss_payloads_in_a_document_do_not_execute(server, page):
    page.goto(server + "/doc?id=C-2024-903")
    page.locator("h1.kb-doc-title").wait_for()
    page.get_by_text("王某冒充客服实施诈骗").wait_for()
    wait_app(page)
    # The title is shown as text, the body's scripts and handlers are gone.
    assert "<script>" in page.locator("h1.kb-doc-title").inner_text()
    for link in page.locator(".kb-doc a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript:")
    for name in ("点击查看", "另一个链接"):
        page.get_by_text(name).first.click()
    fired = page.evaluate(
        "() => Object.keys(window).filter(k => k.startsWith('XSS_'))"
        ".concat([...document.querySelectorAll('[onerror],[onclick],[onmouseover],iframe')].map(e => e.outerHTML))"
    )
    assert fired == []
    assert page.dialogs == []
    shot(page, "03-xss-document")
    page.goto(server + "/?q=" + quote("诈骗"))
    page.locator(".kb-snippet").first.wait_for()
    wait_app(page)
    assert page.evaluate("() => Object.keys(window).filter(k => k.startsWith('XSS_'))") == []


def test_similar_cases_from_pasted_facts(server, page):
    page.goto(server + "/similar")
    area = page.get_by_label("案情描述")
    area.fill("2023年张某在小区内三次盗窃电动车电瓶，民警调取视频监控后将其抓获。")
    hint = page.locator('.st-key-similar_text [data-testid="InputInstructions"] > span')
    hint.first.wait_for(state="attached")
    assert (
        after_text(hint.first, '"按 Ctrl+Enter 检索"') == '"按 Ctrl+Enter 检索"'
    )  # drawn over "Press Ctrl+Enter to submit form"
    page.get_by_role("button", name="检索类案").click()
    page.get_by_role("heading", name="相似案例").wait_for()
    page.get_by_role("link", name="张某多次盗窃电动车电瓶案").first.wait_for()
    wait_app(page)
    shot(page, "04-similar")


@pytest.mark.parametrize(
    ("path", "expect", "name"),
    [
        ("/casebook", "全部案例（3 件）", "05-casebook"),
        ("/casebook?cat=" + quote("盗窃") + "&ctype=" + quote("刑事"), "刑事 · 盗窃（1 件）", "06-casebook-category"),
        ("/guides", "调查取证（1）", "07-guides"),  # each guide once, under its main stage
        ("/learning", "已学习 0 / 3 篇", "08-learning"),
        ("/stats", "检索情况", "09-stats"),
    ],
)
def test_every_page_renders_in_chinese(server, page, path, expect, name):
    page.goto(server + path)
    page.get_by_text(expect, exact=False).first.wait_for()
    wait_app(page)
    shot(page, name)


def test_stats_page_lists_logged_searches(server, page):
    page.goto(server + "/")
    box = page.locator(".st-key-search_q input")
    box.fill("不存在的词语组合")
    box.press("Enter")  # typed: logged (a link such as /?q=… is not)
    page.get_by_text("没有找到与", exact=False).wait_for()
    page.goto(server + "/login")  # the search log is for 审核 and 管理员
    page.get_by_label("用户名").fill("zhao")
    page.get_by_label("密码").fill("zhao-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("当前用户：zhao", exact=False).first.wait_for()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="统计", exact=True).click()
    page.get_by_text("没有结果的检索").wait_for()
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for()
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for()
    wait_app(page)
    shot(page, "10-stats-log")


# Pages visited by the check below itself, so it passes alone and in any order; whatever the
# module's other tests requested before it is checked as well.
VISITED = [
    "/?q=" + quote("盗窃"),
    "/doc?id=C-2023-901",
    "/similar",
    "/casebook",
    "/guides",
    "/learning",
    "/stats",
    "/login",
]


def test_no_request_leaves_the_machine(server, page, requests_seen):
    for path in VISITED:
        page.goto(server + path)
        wait_app(page)
    assert {urlsplit(u).path for u in requests_seen} >= {urlsplit(server + p).path for p in VISITED}
    outside = sorted(
        {u for u in requests_seen if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
        - {u for u in requests_seen if urlsplit(u).hostname in LOCAL_HOSTS}
    )
    assert outside == []
