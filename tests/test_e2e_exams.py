"""End to end in chromium: the annual 法制业务比武. A 审核 creates the exam with the 比武 page's form (the window
opening now and closing about two minutes later); two 办案民警 of different units, each in a fresh browser, start it,
answer and hand in, and are told their score waits for the window to close; once it has closed (and the grace
minute passed) each sees score and rank, and the 审核 sees the rankings by person and unit and downloads the Excel
workbook with exactly those rows."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta

import pytest
from conftest import make_settings
from openpyxl import load_workbook

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, english_words, log_in_fresh, nav, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, english_words, log_in_fresh, nav, streamlit_server, wait_app

from kb.search.index import build_index
from kb.workflow import accounts
from kb.workflow.exams import GRACE, list_exams, shown, sitting_of
from kb.workflow.questionbank import check_questions, usable_questions
from kb.workflow.rankings import duration

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

# Five 办案民警 questions of known answers, their sources the fixture's documents; the articles cited were checked
# against /work/shared/data/laws (刑法第二百六十四条、第一百三十三条之一；治安管理处罚法 2025 年修订版第五十一条).
QUIZ = """---
id: QB-BW
title: 比武测试题库
stage: [调查取证]
tiers: [办案民警]
---

## Q-B01
题型：单选
类别：盗窃
出处：G-2024-901；刑法第二百六十四条
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列，扒窃不以数额较大为要件。

## Q-B02
题型：判断
类别：危险驾驶
出处：G-2024-902；刑法第一百三十三条之一
题干：醉酒驾驶机动车的，处拘役，并处罚金。
答案：正确
解析：刑法第一百三十三条之一：在道路上醉酒驾驶机动车的，处拘役，并处罚金。

## Q-B03
题型：多选
类别：盗窃
出处：C-2023-901；刑法第二百六十四条
题干：下列哪些盗窃不以数额较大为要件？
A. 多次盗窃
B. 一次普通盗窃
C. 入户盗窃
答案：A、C
解析：刑法第二百六十四条：多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，不以数额较大为要件。

## Q-B04
题型：单选
类别：殴打他人
环节：处罚执行
出处：C-2024-902；治安管理处罚法第五十一条
题干：殴打他人的，处几日以上十日以下拘留，并处五百元以上一千元以下罚款？
A. 三日
B. 五日
C. 七日
答案：B
解析：治安管理处罚法第五十一条：殴打他人的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款。

## Q-B05
题型：判断
类别：盗窃
出处：C-2023-901
题干：二年内盗窃三次以上的，应当认定为“多次盗窃”。
答案：正确
解析：盗窃案件办理指引：二年内盗窃三次以上的，应当认定为“多次盗窃”。
"""

# What each officer answers: a single choice or 判断 by its option's label, a 多选 by its letters.
LI = {"Q-B01": "B. 否", "Q-B02": "正确", "Q-B03": ("A", "C"), "Q-B04": "B. 五日", "Q-B05": "错误"}  # 4 right
WANG = {"Q-B01": "B. 否", "Q-B02": "正确", "Q-B03": ("A",), "Q-B04": "A. 三日", "Q-B05": "错误"}  # 2 right

TITLE = "2026年度法制业务比武"
PASSWORDS = {"zhao": "zhao-password-1", "li": "li-password-1", "wang": "wang-password-1"}
ROLES = {"zhao": "审核", "li": "读者", "wang": "读者"}
ALLOWED = frozenset({"A", "B", "C", "CSV", "Excel", "zhao", "li", "wang"})  # option letters, downloads, the users
# The page's time inputs take whole minutes, and a sitting may only start while the whole time limit (at least one
# minute) fits before the window closes; the window closes this many seconds after the form is sent, at the least.
# The starts must fall in the first (CLOSE_AFTER - 60) seconds; results show one grace minute after the close.
CLOSE_AFTER = 80


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server over the fixture content and the five-question bank; zhao (审核) organizes, li (城关派出所)
    and wang (城东派出所), both 办案民警, take part."""
    root = tmp_path_factory.mktemp("e2e-exams")
    content = make_content(root)
    (content / "quizzes").mkdir()
    (content / "quizzes" / "比武.md").write_text(QUIZ, encoding="utf-8")
    settings = make_settings(content, root)
    build_index(settings)
    assert sorted(q.id for q in usable_questions(check_questions(settings))) == sorted(LI)
    accounts.add_user(settings, "zhao", "审核", PASSWORDS["zhao"])
    accounts.add_user(settings, "li", "读者", PASSWORDS["li"], unit="城关派出所", tier="办案民警")
    accounts.add_user(settings, "wang", "读者", PASSWORDS["wang"], unit="城东派出所", tier="办案民警")
    with streamlit_server(root, content, search_log=False) as url:
        yield url, settings


def log_in(browser, url: str, name: str):
    """A fresh browser context on 比武, logged in as `name` through the login page and back."""
    hint = "比武须登录后参加：在左侧导航的“工作台 → 登录”中输入用户名和密码。"
    return log_in_fresh(browser, url, "/exams", name, PASSWORDS[name], ROLES[name], hint=hint, downloads=True)


def set_moment(page, label: str, moment: datetime) -> None:
    """Type a day and a time into the form's 开始/截止 date and time inputs, segment by segment."""
    for segment, value in (("年", f"{moment.year}"), ("月", f"{moment.month:02d}"), ("日", f"{moment.day:02d}")):
        page.get_by_role("spinbutton", name=f"{segment}，{label}日期").click()
        page.keyboard.type(value)
    for segment, value in (("小时", f"{moment.hour:02d}"), ("分钟", f"{moment.minute:02d}")):
        page.get_by_role("spinbutton", name=f"{segment}, {label}时间").click()
        page.keyboard.type(value)


def open_tab(page, name: str, shows) -> None:
    """Click a tab until `shows` (a locator in it) is visible: a run still streaming in after a navigation draws
    the tabs anew, back on the first one, and the stale ones stay until it ends."""
    shows.wait_for(state="attached")  # drawn by this run (in a hidden tab, maybe)
    tab = page.get_by_role("tab", name=name)
    for _ in range(10):
        sync_api.expect(tab).to_have_count(1)
        tab.click()
        try:
            shows.wait_for(timeout=2_000)
            return
        except sync_api.TimeoutError:
            wait_app(page)
    shows.wait_for()


def closing_minute(now: datetime) -> datetime:
    """The first whole minute at least CLOSE_AFTER seconds after `now`."""
    return (now + timedelta(seconds=CLOSE_AFTER + 59)).replace(second=0, microsecond=0)


def revisit(page) -> None:
    """Open 比武 again (a new run, drawn anew) and wait until the previous run's elements are gone."""
    nav(page, "比武")
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def start(page, exam_id: int) -> None:
    revisit(page)
    card = page.locator(f".st-key-exams_card_{exam_id}")
    sync_api.expect(card).to_contain_text(TITLE)
    card.get_by_role("button", name="开始答题").click()
    card.get_by_role("button", name="交卷").wait_for()
    wait_app(page)


def hand_in(page, exam_id: int, answers: dict) -> None:
    """Answer every question of the paper and hand it in."""
    for qid, answer in answers.items():
        if isinstance(answer, tuple):
            for letter in answer:
                page.locator(f".st-key-exams_a_{exam_id}_{qid}_{letter} label").click()
        else:
            page.locator(f".st-key-exams_a_{exam_id}_{qid}").get_by_text(answer, exact=True).click()
    page.get_by_role("button", name="交卷").click()
    wait_app(page)


def table(page, n: int) -> list[list[str]]:
    """The n-th visible table on the page as its header and rows (the grid's accessible cells)."""
    grid = page.locator('[data-testid="stDataFrame"]:visible').nth(n)
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    header = [[c.text_content() for c in grid.locator('[role="columnheader"]').all()]]
    rows = grid.locator('tbody [role="row"]').all()
    return header + [[c.text_content() for c in row.locator('[role="gridcell"]').all()] for row in rows]


def test_an_exam_taken_by_two_officers_ranks_them_after_the_window_closes(site, browser):
    url, settings = site
    li_context, li = log_in(browser, url, "li")  # both officers are in before the exam exists
    li.get_by_text("目前没有向你开放的比武。").wait_for()
    wang_context, wang = log_in(browser, url, "wang")
    zhao_context, zhao = log_in(browser, url, "zhao")

    # zhao creates the exam through the form: 办案民警, 5 questions, 1 minute, from this minute to two or so on
    open_tab(zhao, "组织比武", zhao.get_by_label("比武名称"))
    zhao.get_by_label("比武名称").fill(TITLE)
    zhao.locator(".st-key-exams_tier").click()
    zhao.get_by_role("option", name="办案民警").click()
    zhao.get_by_label("题量（道）").fill("5")
    zhao.get_by_label("答题时限（分钟）").fill("1")
    now = datetime.now()
    opens, closes = now.replace(second=0, microsecond=0), closing_minute(now)
    set_moment(zhao, "开始", opens)
    set_moment(zhao, "截止", closes)
    zhao.get_by_role("button", name="创建比武").click()
    window = f"{shown(opens)} 至 {shown(closes)}"
    zhao.get_by_text(f"已创建比武“{TITLE}”：5 道题 · 限时 1 分钟 · {window} · 面向办案民警").wait_for()
    wait_app(zhao)
    assert english_words(zhao, ALLOWED) == []
    (exam,) = list_exams(settings)
    assert (exam.title, exam.tier, len(exam.questions), exam.time_limit_minutes) == (TITLE, "办案民警", 5, 1)
    assert (exam.opens_at.replace(tzinfo=None), exam.closes_at.replace(tzinfo=None)) == (opens, closes)
    assert datetime.now() < exam.latest_start.replace(tzinfo=None)  # still time for both to start

    # both start at once (the window leaves less than a minute for it), then answer and hand in
    start(li, exam.id)
    start(wang, exam.id)
    assert datetime.now() < exam.latest_start.replace(tzinfo=None)
    for page, answers in ((li, LI), (wang, WANG)):
        hand_in(page, exam.id, answers)
        page.get_by_text(f"已交卷：“{TITLE}”；成绩和排名在比武截止（{shown(closes)}）后公布。").wait_for()
        card = page.locator(f".st-key-exams_card_{exam.id}")
        sync_api.expect(card).to_contain_text(f"已交卷。成绩和排名在比武截止（{shown(closes)}）后公布。")
        sync_api.expect(card).not_to_contain_text("得分")
        sync_api.expect(card.get_by_role("button", name="交卷")).to_have_count(0)
        assert english_words(page, ALLOWED) == []
    li_sitting, wang_sitting = sitting_of(settings, "li", exam.id), sitting_of(settings, "wang", exam.id)
    assert (li_sitting.status, li_sitting.score, wang_sitting.status, wang_sitting.score) == ("已交卷", 4, "已交卷", 2)

    # the window closes, then the grace minute for the last hand-in passes
    over = (exam.closes_at + GRACE).replace(tzinfo=None)
    time.sleep(max(0.0, (over - datetime.now()).total_seconds()) + 1)

    li_time, wang_time = duration(li_sitting.seconds), duration(wang_sitting.seconds)
    for page, score, rank, used in ((li, 4, 1, li_time), (wang, 2, 2, wang_time)):
        revisit(page)
        page.get_by_text(f"得分 {score} / 5（已交卷），用时 {used}，第 {rank} 名（共 2 人）。").wait_for()
        wait_app(page)
    li.locator(f".st-key-exams_card_{exam.id}").get_by_text("答案与解析").click()
    li.get_by_text("✗ 答错：你的答案 错误；正确答案 正确").wait_for()  # Q-B05, the one li got wrong
    sync_api.expect(li.get_by_text("✓ 答对：", exact=False)).to_have_count(4)
    assert english_words(li, ALLOWED) == []
    li_context.close()
    wang_context.close()

    # zhao: the rankings by person and by unit, and the Excel workbook with the same rows
    revisit(zhao)
    open_tab(zhao, "比武成绩", zhao.get_by_text(f"5 道题 · 限时 1 分钟 · {window} · 面向办案民警 · 已结束"))
    person_header = ["名次", "姓名", "单位", "层级", "得分", "题数", "用时", "状态"]
    assert table(zhao, 0) == [
        person_header,
        ["1", "li", "城关派出所", "办案民警", "4", "5", li_time, "已交卷"],
        ["2", "wang", "城东派出所", "办案民警", "2", "5", wang_time, "已交卷"],
    ]
    unit_header = ["名次", "单位", "参赛人数", "平均分", "最高分", "最低分"]
    assert table(zhao, 1) == [
        unit_header,
        ["1", "城关派出所", "1", "4", "4", "4"],
        ["2", "城东派出所", "1", "2", "2", "2"],
    ]
    assert english_words(zhao, ALLOWED) == []
    with zhao.expect_download() as download:
        zhao.get_by_role("button", name="下载成绩（Excel）").click()
    assert download.value.suggested_filename == f"{TITLE}成绩.xlsx"
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["个人排名", "单位排名"]
    assert [list(r) for r in book["个人排名"].iter_rows(values_only=True)] == [
        person_header,
        [1, "li", "城关派出所", "办案民警", 4, 5, li_time, "已交卷"],
        [2, "wang", "城东派出所", "办案民警", 2, 5, wang_time, "已交卷"],
    ]
    assert [list(r) for r in book["单位排名"].iter_rows(values_only=True)] == [
        unit_header,
        [1, "城关派出所", 1, 4, 4, 4],
        [2, "城东派出所", 1, 2, 2, 2],
    ]
    zhao_context.close()
