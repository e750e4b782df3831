"""Quiz statistics: average scores by unit and tier (as recorded when taken) for self-tests and exams apart,
the most-missed questions and the guides behind them, wrong rates by category, deleted questions grouped,
and the view kept to the legal section."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kb.errors import AuthError
from kb.workflow import audit, database
from kb.workflow.accounts import add_user, set_unit
from kb.workflow.quizstats import (
    CASE,
    EXAM,
    GUIDE,
    SELF_TEST,
    CategoryStat,
    DeletedStat,
    ScoreGroup,
    Source,
    summarize_quizzes,
)

QUIZ = """---
id: QB-T
title: 测试题库
category: 盗窃
stage: [调查取证]
tiers: [办案民警]
---

## Q-1
题型：判断
出处：G-1
题干：扒窃不以数额较大为要件。
答案：正确
解析：刑法第二百六十四条。

## Q-2
题型：单选
环节：调查取证、强制措施
出处：G-1；C-1
题干：二年内盗窃几次以上的，应当认定为“多次盗窃”？
A. 三次
B. 五次
答案：A
解析：见案例 C-1 的办案要旨。

## Q-3
题型：判断
类别：诈骗
环节：受案立案
出处：G-2；刑法第二百六十六条
题干：冒充客服骗取钱财的，以诈骗罪论处。
答案：正确
解析：刑法第二百六十六条。
"""


def attempt(settings, user, unit, tier, answers, *, exam_id=None, finished=True, day="2026-12-01"):
    """One attempt with its answers ((question id, right?) in order), written as kb.workflow.selftests and
    kb.workflow.exams write them (migration 13's columns)."""
    with database.transaction(settings) as con:
        row = con.execute(
            "INSERT INTO quiz_attempts (user, unit, tier, exam_id, source, started_at, finished_at, score, total)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user,
                unit,
                tier,
                exam_id,
                "盗窃",
                f"{day}T09:00:00+08:00",
                f"{day}T09:10:00+08:00" if finished else None,
                sum(right for _, right in answers) if finished else 0,
                3 if not finished else len(answers),
            ),
        )
        for position, (question_id, right) in enumerate(answers, 1):
            con.execute(
                "INSERT INTO quiz_answers (attempt_id, position, question_id, response, correct, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (row.lastrowid, position, question_id, "A", int(right), f"{day}T09:0{position}:00+08:00"),
            )


@pytest.fixture
def quizzes(content, settings):
    """Two guides and a case, the three questions above, people of two units and tiers, and their attempts."""
    content.guide("G-1", title="盗窃案件办理指引", category="盗窃")
    content.guide("G-2", title="诈骗案件办理指引", category="诈骗")
    content.case("C-1", title="张某多次盗窃电动车电瓶案")
    content.write("quizzes/盗窃.md", QUIZ)
    for name, role in (("li", "读者"), ("wu", "读者"), ("he", "读者"), ("zhao", "审核"), ("admin", "管理员")):
        add_user(settings, name, role, "password-" + name)
    attempt(settings, "li", "城关派出所", "办案民警", [("Q-1", 1), ("Q-2", 0), ("Q-3", 1)])
    attempt(settings, "li", "城关派出所", "办案民警", [("Q-1", 1), ("Q-2", 1), ("Q-3", 0)], day="2026-12-05")
    attempt(settings, "wu", "城东派出所", "办案民警", [("Q-1", 0), ("Q-2", 0), ("Q-OLD", 0)])
    attempt(settings, "he", "城关派出所", "法制员", [("Q-1", 1), ("Q-2", 0), ("Q-3", 1)])
    attempt(settings, "wu", "城东派出所", "办案民警", [("Q-2", 0)], finished=False, day="2026-12-06")
    attempt(settings, "li", "城关派出所", "办案民警", [("Q-1", 1), ("Q-2", 1)], exam_id=1, day="2026-12-06")
    attempt(settings, "wu", "城东派出所", "办案民警", [("Q-1", 1), ("Q-2", 0)], exam_id=1, day="2026-12-06")
    return settings


def test_self_test_scores_by_unit_and_tier_count_finished_attempts(quizzes):
    report = summarize_quizzes(quizzes, viewer="zhao").self_tests
    assert report.overall == ScoreGroup(SELF_TEST, "", "", attempts=4, people=3, right=6, total=12)
    assert report.overall.rate == 0.5
    assert report.units == (
        ScoreGroup(SELF_TEST, "城关派出所", "", attempts=3, people=2, right=6, total=9),
        ScoreGroup(SELF_TEST, "城东派出所", "", attempts=1, people=1, right=0, total=3),
    )
    assert report.tiers == (  # in the taxonomy's order of tiers
        ScoreGroup(SELF_TEST, "", "法制员", attempts=1, people=1, right=2, total=3),
        ScoreGroup(SELF_TEST, "", "办案民警", attempts=3, people=2, right=4, total=9),
    )


def test_exam_scores_are_kept_apart_from_self_tests(quizzes):
    report = summarize_quizzes(quizzes, viewer="zhao").exams
    assert report.overall == ScoreGroup(EXAM, "", "", attempts=2, people=2, right=3, total=4)
    assert [(g.unit, g.right, g.total) for g in report.units] == [("城关派出所", 2, 2), ("城东派出所", 1, 2)]
    assert [(g.tier, g.rate) for g in report.tiers] == [("办案民警", 0.75)]


def test_the_unit_is_the_one_recorded_when_the_quiz_was_taken(quizzes):
    set_unit(quizzes, "li", "城西派出所")
    units = summarize_quizzes(quizzes, viewer="zhao").self_tests.units
    assert [g.unit for g in units] == ["城关派出所", "城东派出所"]


def test_the_most_missed_questions_by_wrong_rate_with_their_guides(quizzes):
    report = summarize_quizzes(quizzes, viewer="admin")
    assert [(q.id, q.answers, q.wrong) for q in report.missed] == [("Q-2", 7, 5), ("Q-3", 3, 1), ("Q-1", 6, 1)]
    second = report.missed[0]
    assert (second.category, second.stages, second.type) == ("盗窃", ("调查取证", "强制措施"), "单选")
    assert second.sources == (Source("G-1", "盗窃案件办理指引", GUIDE), Source("C-1", "张某多次盗窃电动车电瓶案", CASE))
    assert report.missed[1].citations == ("刑法第二百六十六条",)
    assert [(t.source.id, t.questions, t.answers, t.wrong) for t in report.topics] == [
        ("G-1", ("Q-1", "Q-2"), 13, 6),
        ("C-1", ("Q-2",), 7, 5),
        ("G-2", ("Q-3",), 3, 1),
    ]
    assert report.categories == (CategoryStat("盗窃", 13, 6), CategoryStat("诈骗", 3, 1))
    assert report.answers == 17


def test_questions_gone_from_the_bank_are_grouped_as_deleted(quizzes):
    report = summarize_quizzes(quizzes, viewer="zhao")
    assert report.deleted == DeletedStat(("Q-OLD",), 1, 1)
    assert "Q-OLD" not in [q.id for q in report.missed]


def test_a_question_needs_enough_answers_and_equal_rates_go_to_the_most_wrong(quizzes):
    assert [q.id for q in summarize_quizzes(quizzes, viewer="zhao", min_answers=7).missed] == ["Q-2"]
    assert [q.id for q in summarize_quizzes(quizzes, viewer="zhao", limit=1).missed] == ["Q-2"]
    for answers in (
        [("Q-1", 0), ("Q-1", 1)],
        [("Q-3", 0), ("Q-3", 0), ("Q-3", 1), ("Q-3", 1)],
        [("Q-2", 0), ("Q-2", 0)],
    ):
        attempt(quizzes, "he", "城北派出所", "单位负责人", answers)
    heads = summarize_quizzes(quizzes, viewer="zhao", tier="单位负责人", min_answers=2)
    assert [(q.id, q.wrong, q.answers) for q in heads.missed] == [("Q-2", 2, 2), ("Q-3", 2, 4), ("Q-1", 1, 2)]
    assert [q.id for q in summarize_quizzes(quizzes, viewer="zhao", tier="单位负责人").missed] == ["Q-3"]


def test_filters_keep_a_unit_a_tier_a_day_or_one_exam(quizzes):
    east = summarize_quizzes(quizzes, viewer="zhao", unit="城东派出所")
    assert (east.self_tests.overall.attempts, east.exams.overall.attempts) == (1, 1)
    assert [(q.id, q.answers, q.wrong) for q in east.missed] == [("Q-2", 3, 3)]  # only 2 answers
    lawyers = summarize_quizzes(quizzes, viewer="zhao", tier="法制员")
    assert lawyers.self_tests.overall == ScoreGroup(SELF_TEST, "", "", 1, 1, 2, 3)
    assert lawyers.exams.overall == ScoreGroup(EXAM, "", "", 0, 0, 0, 0)
    later = summarize_quizzes(quizzes, viewer="zhao", since="2026-12-05")
    assert (later.self_tests.overall.attempts, later.exams.overall.attempts) == (1, 2)
    exam = summarize_quizzes(quizzes, viewer="zhao", exam_id=1)
    assert (exam.self_tests.overall.attempts, exam.exams.overall.right) == (0, 3)


def test_no_attempts_yet_is_an_empty_report(content, settings):
    add_user(settings, "zhao", "审核", "password-zhao")
    report = summarize_quizzes(settings, viewer="zhao")
    assert report.self_tests.units == report.exams.tiers == report.missed == report.topics == ()
    assert report.self_tests.overall.rate == 0.0
    assert report.deleted == DeletedStat((), 0, 0)


def test_readers_are_refused_and_the_refusal_is_audited(quizzes):
    with pytest.raises(AuthError) as refused:
        summarize_quizzes(quizzes, viewer="li")
    assert str(refused.value) == "用户“li”（读者）无权查看测验情况；需要“审核”或“管理员”角色"
    [entry] = audit.read_entries(quizzes, action="denied")
    assert (entry.actor, entry.detail) == ("li", "读者试图查看测验情况")
    with pytest.raises(AuthError, match="^请先登录；查阅需要登录$"):
        summarize_quizzes(quizzes, viewer="")


def test_the_report_as_json(quizzes):
    data = summarize_quizzes(quizzes, viewer=None, min_answers=7)  # None: the local operator, command line
    assert data.to_json()["missed"] == [
        {
            "id": "Q-2",
            "type": "单选",
            "stem": "二年内盗窃几次以上的，应当认定为“多次盗窃”？",
            "category": "盗窃",
            "stages": ["调查取证", "强制措施"],
            "sources": [
                {"id": "G-1", "title": "盗窃案件办理指引", "kind": "指引"},
                {"id": "C-1", "title": "张某多次盗窃电动车电瓶案", "kind": "案例"},
            ],
            "citations": [],
            "answers": 7,
            "wrong": 5,
            "rate": 0.7143,
        }
    ]
    assert data.to_json()["self_tests"]["units"][1] == {
        "kind": "自测",
        "unit": "城东派出所",
        "tier": "",
        "attempts": 1,
        "people": 1,
        "right": 0,
        "total": 3,
        "rate": 0.0,
    }


def test_an_exam_sitting_never_handed_in_counts_0_once_its_time_ran_out(quizzes):
    with database.transaction(quizzes) as con:
        con.execute(
            "INSERT INTO exams (id, title, tier, categories, questions, time_limit_minutes, opens_at, closes_at,"
            " created_by, created_at) VALUES (2, '比武', '', '[]', '[]', 10, ?, ?, 'zhao', ?)",
            ("2026-12-06T09:00:00+08:00", "2026-12-06T18:00:00+08:00", "2026-12-05T09:00:00+08:00"),
        )
    attempt(quizzes, "he", "城关派出所", "法制员", [("Q-1", 1)], exam_id=2, finished=False, day="2026-12-06")
    during = datetime(2026, 12, 6, 9, 5, tzinfo=timezone(timedelta(hours=8)))
    after = datetime(2026, 12, 6, 9, 12, tzinfo=timezone(timedelta(hours=8)))
    assert summarize_quizzes(quizzes, viewer="zhao", exam_id=2, now=during).exams.overall.attempts == 0
    late = summarize_quizzes(quizzes, viewer="zhao", exam_id=2, now=after).exams.overall
    assert (late.attempts, late.right, late.total) == (1, 0, 3)  # 未交卷: 0 points, as the ranking counts it
