"""The 比武 page through AppTest: a 审核 creates an exam with the form; an officer starts it once and hands in the
paper; after the window the officers see score, rank and answers, and the legal section the rankings and downloads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from kb.content.quizzes import QUIZ_FOLDER
from kb.workflow import accounts
from kb.workflow.exams import create_exam, list_exams, shown, sitting_of, start_exam, submit_exam
from ui.markup import md

try:
    from tests.test_app_publish import TIMEOUT, check, env, go, logged_in, texts
    from tests.test_exams import BANK, RIGHT, WRONG
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import TIMEOUT, check, env, go, logged_in, texts
    from test_exams import BANK, RIGHT, WRONG

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role


@pytest.fixture
def officers(env):
    """The tiny bank in the content folder; du (城关派出所) and li (城东派出所), both 办案民警."""
    (env.content_dir / QUIZ_FOLDER).mkdir()
    (env.content_dir / QUIZ_FOLDER / "theft.md").write_text(BANK, encoding="utf-8")
    accounts.set_unit(env, "du", "城关派出所")
    accounts.set_tier(env, "du", "办案民警")
    accounts.add_user(env, "li", "读者", "admin-password", unit="城东派出所", tier="办案民警")  # logged_in's default
    return env


def exam_over(settings):
    """An exam whose window closed an hour ago, taken by du (3 of 4 in 10 minutes) and li (1 of 4 in 20)."""
    closes = datetime.now().astimezone().replace(microsecond=0) - timedelta(hours=1)
    opens = closes - timedelta(hours=3)
    exam = create_exam(
        settings,
        "zhao",
        "上周比武",
        tier="办案民警",
        categories=["盗窃"],
        count=4,
        time_limit_minutes=30,
        opens_at=opens,
        closes_at=closes,
        seed=7,
        now=opens - timedelta(days=1),
    )
    for name, wrong, minutes in (("du", {"Q-2"}, 10), ("li", {"Q-2", "Q-3", "Q-4"}, 20)):
        start_exam(settings, name, exam.id, now=opens)
        given = {q.id: (WRONG if q.id in wrong else RIGHT)[q.id] for q in exam.questions}
        submit_exam(settings, name, exam.id, given, now=opens + timedelta(minutes=minutes))
    return exam


def exam_open(settings):
    now = datetime.now().astimezone().replace(microsecond=0)
    return create_exam(
        settings,
        "zhao",
        "本周比武",
        tier="办案民警",
        categories=["盗窃"],
        count=4,
        time_limit_minutes=30,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        seed=7,
    )


def test_a_visitor_is_asked_to_log_in(officers):
    at = go(check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()), "exams")
    assert texts(at.info) == ["比武须登录后参加：在左侧导航的“工作台 → 登录”中输入用户名和密码。"]


def test_a_reviewer_creates_an_exam_with_the_form(officers):
    at = go(logged_in("zhao"), "exams")
    assert [t.label for t in at.tabs] == ["参加比武", "组织比武", "比武成绩"]
    today = date.today()
    at.text_input(key="exams_title").input("年度比武")
    at.selectbox(key="exams_tier").set_value("办案民警")
    at.multiselect(key="exams_categories").set_value(["盗窃"])
    at.number_input(key="exams_count").set_value(9)
    at.number_input(key="exams_minutes").set_value(30)
    at.date_input(key="exams_opens_day").set_value(today)
    at.time_input(key="exams_opens_time").set_value(time(0, 0))
    at.date_input(key="exams_closes_day").set_value(today + timedelta(days=1))
    at.time_input(key="exams_closes_time").set_value(time(23, 0))
    at.button(key="exams_create_submit").click().run()
    check(at)
    assert texts(at.error) == [
        "无法创建比武：符合条件的可用题目只有 4 道（层级：办案民警；类别：盗窃），不足 9 道；请减少题量或放宽条件"
    ]
    assert list_exams(officers) == ()
    at.number_input(key="exams_count").set_value(4)
    at.button(key="exams_create_submit").click().run()
    check(at)
    (exam,) = list_exams(officers)
    assert (exam.title, exam.tier, exam.categories, len(exam.questions), exam.created_by) == (
        "年度比武",
        "办案民警",
        ("盗窃",),
        4,
        "zhao",
    )
    assert texts(at.success) == [
        md(
            f"已创建比武“年度比武”：4 道题 · 限时 30 分钟 · {today:%Y-%m-%d} 00:00 至 "
            f"{today + timedelta(days=1):%Y-%m-%d} 23:00 · 面向办案民警"
        )
    ]


def test_an_officer_starts_once_and_hands_in_the_paper(officers):
    exam = exam_open(officers)
    at = go(logged_in("du"), "exams")
    assert list(at.tabs) == []  # no organizer tabs for a 读者
    at.button(key=f"exams_start_{exam.id}").click().run()
    check(at)
    started = sitting_of(officers, "du", exam.id)
    assert started.status == "答题中"
    assert texts(at.warning)[0].startswith(f"答题中：请在 {started.deadline:%H:%M} 前交卷，剩余约 30 分钟")
    q = {question.id: question for question in exam.questions}
    assert [question.id for question in exam.questions] == ["Q-3", "Q-1", "Q-2", "Q-4"]
    at.radio(key=f"exams_a_{exam.id}_Q-3").set_value("正确")
    at.radio(key=f"exams_a_{exam.id}_Q-1").set_value("B")
    at.checkbox(key=f"exams_a_{exam.id}_Q-2_A").check()  # C left out: wrong
    at.text_input(key=f"exams_a_{exam.id}_Q-4_0").input("三")
    at.button(key=f"exams_submit_{exam.id}").click().run()
    check(at)
    assert q["Q-2"].answer == ("A", "C")
    done = sitting_of(officers, "du", exam.id)
    assert (done.status, done.score) == ("已交卷", 3)
    assert texts(at.success) == [
        md(f"已交卷：“本周比武”；成绩和排名在比武截止（{shown(exam.closes_at)}）后公布。"),
        f"已交卷。成绩和排名在比武截止（{shown(exam.closes_at)}）后公布。",
    ]
    assert f"exams_start_{exam.id}" not in [b.key for b in at.button]  # taken once
    again = go(logged_in("du"), "exams")
    assert texts(again.success) == [f"已交卷。成绩和排名在比武截止（{shown(exam.closes_at)}）后公布。"]


def test_after_the_window_the_officer_sees_score_rank_and_answers(officers):
    exam_over(officers)
    at = go(logged_in("li"), "exams")
    assert texts(at.success) == ["得分 1 / 4（已交卷），用时 20分00秒，第 2 名（共 2 人）。"]
    assert at.expander[0].label == "答案与解析"
    shown_text = [m.value for m in at.expander[0].markdown]
    assert "✓ 答对：你的答案 B；正确答案 B" in shown_text
    assert "✗ 答错：你的答案 A；正确答案 A、C" in shown_text
    assert "解析：刑法第二百六十四条列明入户盗窃、携带凶器盗窃。" in texts(at.expander[0].caption)


def test_the_legal_section_sees_the_rankings_and_downloads(officers):
    exam_over(officers)
    at = go(logged_in("admin"), "exams")
    people, units, per_question = (d.value for d in at.dataframe)
    assert list(people.columns) == ["名次", "姓名", "单位", "层级", "得分", "题数", "用时", "状态"]
    assert people.values.tolist() == [
        [1, "du", "城关派出所", "办案民警", 3, 4, "10分00秒", "已交卷"],
        [2, "li", "城东派出所", "办案民警", 1, 4, "20分00秒", "已交卷"],
    ]
    assert list(units.columns) == ["名次", "单位", "参赛人数", "平均分", "最高分", "最低分"]
    assert units.values.tolist() == [[1, "城关派出所", 1, 3.0, 3, 3], [2, "城东派出所", 1, 1.0, 1, 1]]
    assert per_question.values.tolist()[0] == [1, "Q-3", "判断", "多次盗窃不以数额较大为要件。", 2, 1, "50%"]
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["下载个人排名（CSV）", "下载单位排名（CSV）", "下载成绩（Excel）"]
