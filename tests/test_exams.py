"""Exams (比武): created by the legal section from a tiny question bank, taken once by officers of two units within
the window, scored, ranked by person, unit and question, and exported to Excel and CSV with exact figures."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import argon2
import openpyxl
import pytest

from kb.content.quizzes import QUIZ_FOLDER
from kb.errors import AuthError, PublishError
from kb.rendering.workbook import Sheet, results_csv, results_xlsx, write_xlsx
from kb.workflow import audit, passwords
from kb.workflow.accounts import add_user, set_unit
from kb.workflow.exams import (
    SOURCE,
    create_exam,
    exams_open_to,
    find_exam_questions_in_play,
    get_exam,
    list_exams,
    review_sitting,
    sitting_of,
    start_exam,
    submit_exam,
)
from kb.workflow.rankings import exam_results

BEIJING = timezone(timedelta(hours=8))
OPENS = datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING)
CLOSES = datetime(2026, 12, 10, 18, 0, tzinfo=BEIJING)
BEFORE = datetime(2026, 12, 1, 8, 0, tzinfo=BEIJING)  # when the exam is created
T0 = datetime(2026, 12, 10, 10, 0, tzinfo=BEIJING)  # when the officers start
AFTER = CLOSES + timedelta(minutes=1)  # the window closed and the grace minute past

BANK = """---
id: QB-T
title: 测试题库
category: 盗窃
stage: [调查取证]
tiers: [办案民警]
---

## Q-1
题型：单选
出处：刑法第二百六十四条
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条：扒窃的，不以数额较大为要件。

## Q-2
题型：多选
出处：刑法第二百六十四条
题干：下列哪些盗窃行为不以数额较大为要件？
A. 入户盗窃
B. 普通盗窃
C. 携带凶器盗窃
答案：A、C
解析：刑法第二百六十四条列明入户盗窃、携带凶器盗窃。

## Q-3
题型：判断
出处：刑法第二百六十四条
题干：多次盗窃不以数额较大为要件。
答案：正确
解析：刑法第二百六十四条。

## Q-4
题型：填空
出处：刑法第二百六十四条
题干：二年内盗窃____次以上的，应当认定为多次盗窃。
答案：三|3
解析：两高盗窃司法解释第三条。

## Q-5
题型：单选
层级：法制员
出处：刑法第二百六十四条
题干：法制员审核盗窃案件时，首先核对什么？
A. 数额与情节
B. 天气
答案：A
解析：审核要点。

## Q-6
题型：判断
类别：诈骗
出处：刑法第二百六十六条
题干：诈骗公私财物数额较大的构成诈骗罪。
答案：正确
解析：刑法第二百六十六条。
"""

RIGHT = {"Q-1": "B", "Q-2": ["A", "C"], "Q-3": "正确", "Q-4": ["3"]}
WRONG = {"Q-1": "A", "Q-2": ["A"], "Q-3": "错误", "Q-4": ["五"]}


@pytest.fixture
def bank(content, settings, monkeypatch):
    """The tiny bank, the legal section (zhao 审核, admin 管理员), an editor and officers of two units."""
    monkeypatch.setattr(passwords, "HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    content.write(f"{QUIZ_FOLDER}/theft.md", BANK)
    add_user(settings, "zhao", "审核", "password-zhao")
    add_user(settings, "admin", "管理员", "password-admin")
    add_user(settings, "lin", "编辑", "password-lin")
    for name, unit in (("du", "城关派出所"), ("wang", "城关派出所"), ("li", "城东派出所"), ("ma", "城东派出所")):
        add_user(settings, name, "读者", f"password-{name}", unit=unit, tier="办案民警")
    add_user(settings, "fa", "读者", "password-fa", unit="法制大队", tier="法制员")
    return settings


def make(settings, actor="zhao", **changes):
    fields = dict(
        tier="办案民警",
        categories=["盗窃"],
        count=4,
        time_limit_minutes=30,
        opens_at=OPENS,
        closes_at=CLOSES,
        seed=7,
        now=BEFORE,
    )
    fields.update(changes)
    return create_exam(settings, actor, "2026年度法制业务比武", **fields)


def answers(exam, mine: dict, wrong: set[str] = frozenset()) -> dict:
    return {q.id: (WRONG if q.id in wrong else mine)[q.id] for q in exam.questions}


def sit(settings, exam, name, wrong: set[str], minutes: int, start=T0):
    start_exam(settings, name, exam.id, now=start)
    return submit_exam(settings, name, exam.id, answers(exam, RIGHT, wrong), now=start + timedelta(minutes=minutes))


# -- creating ----------------------------------------------------------------------------------


def test_an_exam_draws_the_questions_for_its_tier_and_categories_and_keeps_them(bank, content):
    exam = make(bank)
    assert [q.id for q in exam.questions] == ["Q-3", "Q-1", "Q-2", "Q-4"]  # seed 7: the same draw every time
    assert (exam.tier, exam.categories, exam.time_limit_minutes, exam.created_by) == ("办案民警", ("盗窃",), 30, "zhao")
    entry = audit.read_entries(bank, action="exam_create")[0]
    assert (entry.actor, entry.target, entry.label) == ("zhao", "比武 1", "创建比武")
    assert entry.detail == (
        "2026年度法制业务比武；层级：办案民警；类别：盗窃；4 道题；限时 30 分钟；2026-12-10 09:00 至 2026-12-10 18:00"
    )
    # a later edit of the bank does not change the exam
    content.write(f"{QUIZ_FOLDER}/theft.md", BANK.replace("答案：B\n", "答案：A\n", 1))
    assert get_exam(bank, exam.id).questions == exam.questions
    assert get_exam(bank, exam.id).questions[1].answer == ("B",)


def test_the_same_seed_draws_the_same_questions(bank):
    assert [q.id for q in make(bank, count=2).questions] == [q.id for q in make(bank, count=2).questions]


def test_an_administrator_may_create_an_exam_for_every_tier(bank):
    exam = make(bank, "admin", tier="", categories=[], count=6)
    assert sorted(q.id for q in exam.questions) == ["Q-1", "Q-2", "Q-3", "Q-4", "Q-5", "Q-6"]
    assert [e.id for e in list_exams(bank)] == [exam.id]


@pytest.mark.parametrize("name, role", [("du", "读者"), ("lin", "编辑")])
def test_only_the_legal_section_creates_exams(bank, name, role):
    with pytest.raises(AuthError) as err:
        make(bank, name)
    assert str(err.value) == f"用户“{name}”（{role}）不能组织比武；需要“审核”或“管理员”角色"
    assert audit.read_entries(bank, action="denied")[0].detail == f"{role}试图创建比武"
    assert list_exams(bank) == ()


def test_too_few_questions_is_refused_naming_what_is_there(bank):
    with pytest.raises(PublishError) as err:
        make(bank, count=5)
    assert str(err.value) == (
        "无法创建比武：符合条件的可用题目只有 4 道（层级：办案民警；类别：盗窃），不足 5 道；请减少题量或放宽条件"
    )


def test_every_problem_of_a_request_is_named_at_once(bank):
    with pytest.raises(PublishError) as err:
        create_exam(
            bank,
            "zhao",
            " ",
            tier="民警",
            categories=["盗抢"],
            count=0,
            time_limit_minutes=0,
            opens_at=CLOSES,
            closes_at=OPENS,
            now=BEFORE,
        )
    assert str(err.value) == (
        "无法创建比武：请填写比武名称；未知层级“民警”；可选：单位负责人、法制员、办案民警，或不限层级；"
        "未知类别“盗抢”；类别见 data/taxonomy.yaml；题量应为 1 至 200 道，实际为 0；"
        "答题时限应为 1 至 600 分钟，实际为 0；截止时间（2026-12-10 09:00）应晚于开始时间（2026-12-10 18:00）"
    )


def test_a_window_shorter_than_the_time_limit_or_already_past_is_refused(bank):
    with pytest.raises(PublishError) as err:
        make(bank, closes_at=OPENS + timedelta(minutes=20))
    assert str(err.value) == "无法创建比武：开放时间（2026-12-10 09:00 至 2026-12-10 09:20）短于答题时限 30 分钟"
    with pytest.raises(PublishError) as err:
        make(bank, now=CLOSES)
    assert str(err.value) == "无法创建比武：截止时间（2026-12-10 18:00）已过；请选择将来的时间"


# -- taking ------------------------------------------------------------------------------------


def test_officers_see_the_open_exams_of_their_tier(bank):
    exam = make(bank)
    du, fa = (get(bank, n) for n in ("du", "fa"))
    assert exams_open_to(bank, du, now=BEFORE) == ()
    assert [e.id for e in exams_open_to(bank, du, now=T0)] == [exam.id]
    assert exams_open_to(bank, fa, now=T0) == ()
    assert exams_open_to(bank, du, now=CLOSES) == ()


def get(settings, name):
    from kb.workflow.accounts import get_user

    return get_user(settings, name)


def test_a_sitting_records_the_unit_and_tier_and_is_taken_once(bank):
    exam = make(bank)
    first = start_exam(bank, "du", exam.id, now=T0)
    assert (first.unit, first.tier, first.status, first.total) == ("城关派出所", "办案民警", "答题中", 4)
    set_unit(bank, "du", "城东派出所")  # moved after starting: the sitting keeps the unit it started with
    again = start_exam(bank, "du", exam.id, now=T0 + timedelta(minutes=5))  # a reload: the same clock
    assert (again.id, again.started_at, again.unit) == (first.id, T0, "城关派出所")
    done = submit_exam(bank, "du", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=12))
    assert (done.score, done.status, done.seconds) == (4, "已交卷", 720)
    with pytest.raises(PublishError) as err:
        start_exam(bank, "du", exam.id, now=T0 + timedelta(minutes=13))
    assert str(err.value) == "你已参加过比武“2026年度法制业务比武”（已交卷）；每人只能参加一次"
    with pytest.raises(PublishError) as err:
        submit_exam(bank, "du", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=13))
    assert str(err.value) == "你已交卷（已交卷）；比武“2026年度法制业务比武”每人只能提交一次"
    assert audit.read_entries(bank, action="exam_submit")[0].detail == "得分 4 / 4"


def test_starting_outside_the_window_or_for_another_tier_is_refused(bank):
    exam = make(bank)
    cases = [
        ("du", OPENS - timedelta(minutes=1), "比武“2026年度法制业务比武”尚未开始；开始时间 2026-12-10 09:00"),
        ("du", CLOSES, "比武“2026年度法制业务比武”已于 2026-12-10 18:00 截止"),
        (
            "du",
            CLOSES - timedelta(minutes=29),
            "比武“2026年度法制业务比武”将于 2026-12-10 18:00 截止，剩余时间已不足答题时限 30 分钟，"
            "不能再开始（最晚开始时间 2026-12-10 17:30）",
        ),
        ("fa", T0, "比武“2026年度法制业务比武”面向办案民警；你的层级是法制员（层级由管理员在账号管理中设置）"),
    ]
    for name, when, message in cases:
        with pytest.raises((PublishError, AuthError)) as err:
            start_exam(bank, name, exam.id, now=when)
        assert str(err.value) == message
    assert start_exam(bank, "du", exam.id, now=CLOSES - timedelta(minutes=30)).status == "答题中"  # just in time


def test_submitting_without_starting_is_refused(bank):
    exam = make(bank)
    with pytest.raises(PublishError) as err:
        submit_exam(bank, "du", exam.id, {}, now=T0)
    assert str(err.value) == "你还没有开始比武“2026年度法制业务比武”"


def test_a_submission_after_the_time_limit_and_grace_is_not_counted(bank):
    exam = make(bank)
    start_exam(bank, "li", exam.id, now=T0)
    start_exam(bank, "du", exam.id, now=T0)
    # one minute of grace past the 30: still counted
    assert submit_exam(bank, "du", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=31)).score == 4
    with pytest.raises(PublishError) as err:
        submit_exam(bank, "li", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=31, seconds=1))
    assert str(err.value) == (
        "已超过答题时限：你于 10:00:00 开始，限时 30 分钟，应在 10:30:00 前交卷（另有 1 分钟宽限）；"
        "本次答卷不计分，记为“超时”"
    )
    late = sitting_of(bank, "li", exam.id, now=AFTER)
    assert (late.status, late.score, late.seconds) == ("超时", 0, 1800)
    assert audit.read_entries(bank, action="exam_submit", actor="li")[0].detail == "超时：答卷未计分"
    with pytest.raises(PublishError) as err:
        submit_exam(bank, "li", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=32))
    assert str(err.value) == "你已交卷（超时）；比武“2026年度法制业务比武”每人只能提交一次"


def test_answers_and_explanations_are_shown_only_after_the_window_closes(bank):
    exam = make(bank)
    sit(bank, exam, "du", {"Q-2"}, 10)
    with pytest.raises(PublishError) as err:
        review_sitting(bank, "du", exam.id, now=CLOSES)
    assert str(err.value) == "比武“2026年度法制业务比武”于 2026-12-10 18:00 截止，截止后公布答案与解析"
    reviewed = review_sitting(bank, "du", exam.id, now=AFTER)
    assert [(r.position, r.question.id, r.response, r.correct) for r in reviewed] == [
        (1, "Q-3", "正确", True),
        (2, "Q-1", "B", True),
        (3, "Q-2", "A", False),
        (4, "Q-4", "3", True),
    ]
    assert reviewed[2].question.answer_text == "A、C"
    assert reviewed[2].question.explanation == "刑法第二百六十四条列明入户盗窃、携带凶器盗窃。"


def test_the_questions_of_an_exam_in_play_are_held_back_from_self_tests_until_its_answers_are_shown(bank):
    exam = make(bank, count=2)
    drawn = {q.id for q in exam.questions}
    assert find_exam_questions_in_play(bank, now=BEFORE) == frozenset()  # not open yet: nothing to look up
    assert find_exam_questions_in_play(bank, now=OPENS) == drawn
    assert find_exam_questions_in_play(bank, now=CLOSES) == drawn  # the grace minute: a paper may still come in
    assert find_exam_questions_in_play(bank, now=AFTER) == frozenset()


# -- results and exports -----------------------------------------------------------------------


@pytest.fixture
def taken(bank):
    """wang (城关) 4/4 in 5 minutes; du (城关) and ma (城东) 3/4 in 10; li (城东) 1/4 in 20;
    zhou (城东) too late; qian (城关) still answering."""
    add_user(bank, "zhou", "读者", "password-zhou", unit="城东派出所", tier="办案民警")
    add_user(bank, "qian", "读者", "password-qian", unit="城关派出所", tier="办案民警")
    exam = make(bank)
    sit(bank, exam, "wang", set(), 5)
    sit(bank, exam, "du", {"Q-2"}, 10)
    sit(bank, exam, "ma", {"Q-4"}, 10)
    sit(bank, exam, "li", {"Q-2", "Q-3", "Q-4"}, 20)
    start_exam(bank, "zhou", exam.id, now=T0)
    with pytest.raises(PublishError):
        submit_exam(bank, "zhou", exam.id, answers(exam, RIGHT), now=T0 + timedelta(minutes=40))
    start_exam(bank, "qian", exam.id, now=T0 + timedelta(minutes=15))
    return exam


def test_the_ranking_by_person_unit_and_question(bank, taken):
    results = exam_results(bank, taken.id, now=T0 + timedelta(minutes=30))
    assert results.person_rows() == [
        (1, "wang", "城关派出所", "办案民警", 4, 4, "5分00秒", "已交卷"),
        (2, "du", "城关派出所", "办案民警", 3, 4, "10分00秒", "已交卷"),
        (2, "ma", "城东派出所", "办案民警", 3, 4, "10分00秒", "已交卷"),
        (4, "li", "城东派出所", "办案民警", 1, 4, "20分00秒", "已交卷"),
        (5, "zhou", "城东派出所", "办案民警", 0, 4, "30分00秒", "超时"),
    ]
    assert results.answering == 1  # qian, not ranked yet
    assert results.unit_rows() == [(1, "城关派出所", 2, 3.5, 4, 3), (2, "城东派出所", 3, 1.33, 3, 0)]
    assert [(q.position, q.question.id, q.answered, q.right, f"{q.rate:.0%}") for q in results.questions] == [
        (1, "Q-3", 4, 3, "75%"),
        (2, "Q-1", 4, 4, "100%"),
        (3, "Q-2", 4, 2, "50%"),
        (4, "Q-4", 4, 2, "50%"),
    ]
    final = exam_results(bank, taken.id, now=AFTER)  # qian never handed in: 0 with the whole limit
    assert final.person_rows()[-1] == (5, "zhou", "城东派出所", "办案民警", 0, 4, "30分00秒", "超时")
    assert final.person_rows()[-2] == (5, "qian", "城关派出所", "办案民警", 0, 4, "30分00秒", "未交卷")
    assert final.unit_rows() == [(1, "城关派出所", 3, 2.33, 4, 0), (2, "城东派出所", 3, 1.33, 3, 0)]
    assert final.answering == 0


def test_sittings_are_quiz_attempts_with_their_answers(bank, taken):
    from contextlib import closing

    from kb.workflow import database

    with closing(database.connect(bank)) as con:
        rows = con.execute(
            "SELECT user, source, score, total FROM quiz_attempts WHERE exam_id = ? ORDER BY user", (taken.id,)
        ).fetchall()
        stored = con.execute(
            "SELECT position, question_id, response, correct FROM quiz_answers JOIN quiz_attempts ON attempt_id = id"
            " WHERE user = 'ma' ORDER BY position"
        ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("du", SOURCE, 3, 4),
        ("li", SOURCE, 1, 4),
        ("ma", SOURCE, 3, 4),
        ("qian", SOURCE, 0, 4),
        ("wang", SOURCE, 4, 4),
        ("zhou", SOURCE, 0, 4),
    ]
    assert [tuple(r) for r in stored] == [
        (1, "Q-3", "正确", 1),
        (2, "Q-1", "B", 1),
        (3, "Q-2", "A、C", 1),
        (4, "Q-4", "五", 0),
    ]


def test_the_excel_export_has_both_rankings(bank, taken):
    book = openpyxl.load_workbook(io.BytesIO(results_xlsx(exam_results(bank, taken.id, now=AFTER))))
    assert book.sheetnames == ["个人排名", "单位排名"]
    people, units = book["个人排名"], book["单位排名"]
    assert [[c.value for c in row] for row in people.iter_rows()] == [
        ["名次", "姓名", "单位", "层级", "得分", "题数", "用时", "状态"],
        [1, "wang", "城关派出所", "办案民警", 4, 4, "5分00秒", "已交卷"],
        [2, "du", "城关派出所", "办案民警", 3, 4, "10分00秒", "已交卷"],
        [2, "ma", "城东派出所", "办案民警", 3, 4, "10分00秒", "已交卷"],
        [4, "li", "城东派出所", "办案民警", 1, 4, "20分00秒", "已交卷"],
        [5, "qian", "城关派出所", "办案民警", 0, 4, "30分00秒", "未交卷"],
        [5, "zhou", "城东派出所", "办案民警", 0, 4, "30分00秒", "超时"],
    ]
    assert [[c.value for c in row] for row in units.iter_rows()] == [
        ["名次", "单位", "参赛人数", "平均分", "最高分", "最低分"],
        [1, "城关派出所", 3, 2.33, 4, 0],
        [2, "城东派出所", 3, 1.33, 3, 0],
    ]
    for sheet in (people, units):
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert not sheet["B2"].font.b
    assert people.column_dimensions["C"].width == 12  # 城关派出所: five wide characters, plus 2
    assert units.column_dimensions["C"].width == 10  # 参赛人数


def test_the_csv_export_opens_in_excel_with_its_chinese(bank, taken):
    results = exam_results(bank, taken.id, now=AFTER)
    data = results_csv(results)
    assert data.startswith("\ufeff名次,姓名".encode())
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["名次", "姓名", "单位", "层级", "得分", "题数", "用时", "状态"],
        ["1", "wang", "城关派出所", "办案民警", "4", "4", "5分00秒", "已交卷"],
        ["2", "du", "城关派出所", "办案民警", "3", "4", "10分00秒", "已交卷"],
        ["2", "ma", "城东派出所", "办案民警", "3", "4", "10分00秒", "已交卷"],
        ["4", "li", "城东派出所", "办案民警", "1", "4", "20分00秒", "已交卷"],
        ["5", "qian", "城关派出所", "办案民警", "0", "4", "30分00秒", "未交卷"],
        ["5", "zhou", "城东派出所", "办案民警", "0", "4", "30分00秒", "超时"],
    ]
    by_unit = results_csv(results, by_unit=True).decode("utf-8-sig")
    assert by_unit == (
        "名次,单位,参赛人数,平均分,最高分,最低分\r\n1,城关派出所,3,2.33,4,0\r\n2,城东派出所,3,1.33,3,0\r\n"
    )


def test_a_cell_that_looks_like_a_formula_stays_text(bank):
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx([Sheet("个人排名", ("姓名",), (("=1+1",), ("@SUM(A1)",)))])))
    assert [(c.value, c.data_type) for c in book["个人排名"]["A"]][1:] == [("=1+1", "s"), ("@SUM(A1)", "s")]
