"""End to end in chromium (issue 13's first "done when"): a 办案民警 logs in, marks two guides learned, does a
self-test from the learning path with one answer wrong on purpose, logs out, logs in from a fresh browser and
finds the progress, the score and the 错题本 there (saved to the account, not the browser)."""

from __future__ import annotations

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, english_words, log_in_fresh, nav, streamlit_server, wait_app
    from tests.test_app_selftest import QUIZ
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, english_words, log_in_fresh, nav, streamlit_server, wait_app
    from test_app_selftest import QUIZ

from kb.search.index import build_index
from kb.workflow import accounts
from kb.workflow.progress import list_learned
from kb.workflow.selftests import history

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

SAVED = "（已保存到账号“li”）"
ALLOWED = frozenset({"A", "B", "C", "G", "CSV", "li"})  # option letters, ids (G-2024-901), 下载为 CSV, the user


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server over fresh content (with a tiny quiz file), index and database; li is a 办案民警."""
    root = tmp_path_factory.mktemp("e2e-selftest")
    content = make_content(root)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "测试.md").write_text(QUIZ, encoding="utf-8")
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "li", "读者", "li-password-1", unit="城关派出所", tier="办案民警")
    with streamlit_server(root, content, search_log=False) as url:
        yield url, settings


def log_in(browser, url: str):
    """A fresh browser context logged in as li through the login page, back on 学习路径."""
    return log_in_fresh(browser, url, "/learning", "li", "li-password-1", "读者")


def card(page, question_id: str):
    return page.locator(f".st-key-selftest_card_{question_id}")


def test_progress_score_and_notebook_survive_logout_and_a_fresh_browser(site, browser):
    url, settings = site
    context, page = log_in(browser, url)
    page.get_by_text(f"已学习 0 / 3 篇{SAVED}").wait_for()
    boxes = page.locator('[data-testid="stCheckbox"]')
    for n, shown in ((0, "已学习 1 / 3 篇"), (2, "已学习 2 / 3 篇")):
        boxes.nth(n).locator("label").click()
        page.get_by_text(f"{shown}{SAVED}").wait_for()
        wait_app(page)

    page.get_by_role("link", name="本路径自测").click()  # the path's own self-test, its tier chosen
    page.get_by_role("heading", name="自测").wait_for()
    wait_app(page)
    page.get_by_text("本范围共 3 道题，全部抽出。").wait_for()
    card(page, "Q-E01").get_by_text("A. 是").click()  # wrong on purpose: the answer is B
    card(page, "Q-E02").get_by_text("正确", exact=True).click()
    card(page, "Q-E03").get_by_text("A. 多次盗窃").click()
    card(page, "Q-E03").get_by_text("C. 扒窃").click()
    page.get_by_role("button", name="交卷").click()
    page.get_by_text(f"本次得分：2 / 3{SAVED}").wait_for()
    wrong = page.locator(".st-key-selftest_done_Q-E01")
    sync_api.expect(wrong).to_contain_text("✗ 回答错误")
    sync_api.expect(wrong).to_contain_text("正确答案：B")
    sync_api.expect(wrong).to_contain_text("已加入错题本")
    sync_api.expect(wrong.get_by_role("link", name="盗窃案件办理指引（G-2024-901）")).to_be_visible()
    sync_api.expect(page.locator(".st-key-selftest_done_Q-E03")).to_contain_text("✓ 回答正确")
    wait_app(page)
    assert english_words(page, ALLOWED) == []
    assert sorted(m.doc_id for m in list_learned(settings, "li")) == ["G-2024-901", "G-2024-902"]
    assert [(a.source, a.score, a.total) for a in history(settings, "li")] == [("学习路径：办案民警", 2, 3)]

    nav(page, "账号")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="登录").wait_for()
    context.close()

    fresh, page = log_in(browser, url)  # no cookie, no session state: only the database
    page.get_by_text(f"已学习 2 / 3 篇{SAVED}").wait_for()
    nav(page, "自测")
    page.get_by_role("heading", name="我的成绩").wait_for()
    page.get_by_text("最近一次：").wait_for()
    caption = page.get_by_text("共 1 次自测；最近一次：")
    sync_api.expect(caption).to_contain_text("，学习路径：办案民警，得分 2 / 3。")
    page.get_by_text("共 1 道错题；练习时答对即移出错题本。").wait_for()
    page.get_by_text("盗窃（1 道）").click()
    sync_api.expect(page.get_by_text("扒窃入罪是否以数额较大为要件？　错 1 次")).to_be_visible()
    assert english_words(page, ALLOWED) == []
    fresh.close()
