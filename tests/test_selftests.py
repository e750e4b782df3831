"""Self-tests (kb.workflow.selftests): drawing by tier, path and category; grading each question type; stored
attempts and 我的成绩; the 错题本 (most recent answer wrong, exams once closed, removed by a right answer,
deleted questions counted); a visitor's test stored nowhere."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kb.content.quizzes import QuestionBank, parse_quiz
from kb.content.taxonomy import load_taxonomy
from kb.errors import AuthError
from kb.workflow import accounts, database
from kb.workflow.selftests import (
    Attempt,
    SelfTestError,
    category_source,
    draw_questions,
    grade_only,
    history,
    mistakes,
    path_source,
    record_self_test,
)

REPO = Path(__file__).resolve().parent.parent
QUIZ = """---
id: QB-SELF
title: 自测题库
category: 盗窃
stage: [调查取证]
---

## Q-T01
题型：单选
层级：办案民警
出处：G-1；刑法第二百六十四条
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列。

## Q-T02
题型：多选
层级：办案民警、法制员
出处：G-2
题干：下列哪些盗窃不以数额较大为要件？
A. 入户盗窃
B. 一次普通盗窃
C. 扒窃
答案：A、C
解析：入户盗窃、扒窃入罪不要求数额较大。

## Q-T03
题型：判断
层级：办案民警
类别：危险驾驶
出处：刑法第一百三十三条之一
题干：醉酒驾驶机动车的，构成危险驾驶罪。
答案：正确
解析：刑法第一百三十三条之一。

## Q-T04
题型：填空
层级：法制员
出处：G-1
题干：传唤持续的时间不得超过____小时；情况复杂的，不得超过____小时。
答案：八|8；二十四|24
解析：治安管理处罚法规定询问查证的时间。

## Q-T05
题型：单选
层级：办案民警
类别：危险驾驶
出处：G-3
题干：醉驾血液酒精含量的标准是？
A. 20毫克/100毫升
B. 80毫克/100毫升
答案：B
解析：血液酒精含量达到80毫克/100毫升以上的，属于醉酒驾驶。
"""


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    taxonomy = load_taxonomy(REPO / "data" / "taxonomy.yaml")
    found, problems = parse_quiz(QUIZ, "quizzes/自测.md", taxonomy, {"G-1", "G-2", "G-3"})
    assert problems == []
    return QuestionBank((found,))


@pytest.fixture
def q(bank):
    """A question of the bank by its number: q("T01")."""
    return lambda short: bank.question(f"Q-{short}")


@pytest.fixture
def people(settings):
    accounts.add_user(settings, "li", "读者", "password-li", unit="城关派出所", tier="办案民警")
    accounts.add_user(settings, "wu", "读者", "password-wu", unit="城东派出所", tier="法制员")
    return settings


def ids(questions) -> list[str]:
    return [question.id for question in questions]


# -- drawing ------------------------------------------------------------------------------------


def test_a_tier_draws_only_its_questions_and_fewer_when_the_bank_has_fewer(bank):
    assert sorted(ids(draw_questions(bank.questions, tier="法制员", seed=1))) == ["Q-T02", "Q-T04"]
    assert sorted(ids(draw_questions(bank.questions, tier="办案民警", seed=1))) == [
        "Q-T01",
        "Q-T02",
        "Q-T03",
        "Q-T05",
    ]
    assert draw_questions(bank.questions, tier="单位负责人") == ()


def test_a_category_draws_that_category(bank):
    assert sorted(ids(draw_questions(bank.questions, category="危险驾驶", seed=3))) == ["Q-T03", "Q-T05"]
    assert sorted(ids(draw_questions(bank.questions, tier="法制员", category="盗窃", count=1, seed=2))) in (
        ["Q-T02"],
        ["Q-T04"],
    )


def test_a_path_draws_questions_on_its_documents_first_then_the_tier(bank):
    for seed in range(20):
        drawn = ids(draw_questions(bank.questions, tier="办案民警", doc_ids={"G-3", "G-2"}, count=3, seed=seed))
        assert sorted(drawn[:2]) == ["Q-T02", "Q-T05"]
        assert drawn[2] in ("Q-T01", "Q-T03")
    only = draw_questions(bank.questions, tier="办案民警", doc_ids={"G-3", "G-2"}, count=1, seed=0)
    assert ids(only)[0] in ("Q-T02", "Q-T05")


def test_the_same_seed_draws_the_same_questions_in_the_same_order(bank):
    first = draw_questions(bank.questions, tier="办案民警", count=3, seed="li-1")
    assert draw_questions(bank.questions, tier="办案民警", count=3, seed="li-1") == first
    orders = {tuple(ids(draw_questions(bank.questions, tier="办案民警", seed=s))) for s in range(30)}
    assert len(orders) > 1  # the seed matters


@pytest.mark.parametrize("count", [0, -1, True, "3"])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(bank, count):
    with pytest.raises(SelfTestError) as err:
        draw_questions(bank.questions, count=count)
    assert str(err.value) == f"题数应为正整数，实际为“{count}”"


def test_the_sources_are_stored_as_written():
    assert path_source("办案民警") == "学习路径：办案民警"
    assert category_source("盗窃") == "案件类别：盗窃"


# -- grading --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "response", "right"),
    [
        ("T01", "B", True),
        ("T01", "b", True),
        ("T01", "A", False),
        ("T01", None, False),
        ("T02", ["A", "C"], True),
        ("T02", ["C", "A"], True),
        ("T02", ["A"], False),
        ("T02", ["A", "B", "C"], False),
        ("T02", [], False),
        ("T03", "正确", True),
        ("T03", "错误", False),
        ("T03", "", False),
        ("T04", ["八", "24"], True),
        ("T04", ["8", " 二十四 "], True),
        ("T04", ["八", ""], False),
        ("T04", ["二十四", "八"], False),
        ("T04", ["", ""], False),
    ],
)
def test_each_question_type_is_graded(q, short, response, right):
    result = grade_only([q(short)], [response])
    assert [a.correct for a in result.answers] == [right]
    assert (result.score, result.total, result.attempt_id) == (int(right), 1, None)


def test_each_answer_carries_the_right_answer_the_explanation_and_the_sources(q):
    result = grade_only([q("T01"), q("T02"), q("T04")], ["A", ("C", "A"), ("八", "24")], source="自测")
    assert (result.source, result.score, result.total) == ("自测", 2, 3)
    first, second, third = result.answers
    assert (first.correct, first.response, first.answer_text) == (False, ("A",), "B")
    assert first.explanation == "刑法第二百六十四条把扒窃与数额较大并列。"
    assert first.sources == ("G-1", "刑法第二百六十四条")
    assert (second.correct, second.answer_text, second.sources) == (True, "A、C", ("G-2",))
    assert (third.correct, third.answer_text) == (True, "八；二十四")


def test_a_visitors_test_is_graded_and_stored_nowhere(people, q):
    result = grade_only([q("T01"), q("T03")], ["B", "错误"])
    assert (result.score, result.total) == (1, 2)
    with closing(database.connect(people)) as con:
        assert con.execute("SELECT COUNT(*) FROM quiz_attempts").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM quiz_answers").fetchone()[0] == 0


def test_answers_and_questions_must_match_in_number(people, q):
    with pytest.raises(SelfTestError) as err:
        grade_only([q("T01"), q("T03")], ["B"])
    assert str(err.value) == "答案数（1）与题数（2）不一致；请重新作答"
    with pytest.raises(SelfTestError) as err:
        record_self_test(people, "li", "自测", [], [])
    assert str(err.value) == "没有题目，无法交卷；请先抽题"
    with pytest.raises(SelfTestError) as err:
        record_self_test(people, "li", "  ", [q("T01")], ["B"])
    assert str(err.value) == "自测来源不能为空；写明学习路径、案件类别或“错题本”"


# -- storing and 我的成绩 ---------------------------------------------------------------------------


def test_a_self_test_is_stored_with_the_unit_and_tier_of_the_moment(people, q):
    result = record_self_test(
        people, "li", path_source("办案民警"), [q("T01"), q("T02"), q("T03")], ["B", ["A"], "正确"]
    )
    assert (result.score, result.total, result.attempt_id) == (2, 3, 1)
    accounts.set_unit(people, "li", "城东派出所")  # moving later does not move the old result
    with closing(database.connect(people)) as con:
        attempt = con.execute("SELECT user, unit, tier, exam_id, source, score, total FROM quiz_attempts").fetchone()
        answers = con.execute(
            "SELECT position, question_id, response, correct FROM quiz_answers ORDER BY position"
        ).fetchall()
    assert tuple(attempt) == ("li", "城关派出所", "办案民警", None, "学习路径：办案民警", 2, 3)
    assert [tuple(a) for a in answers] == [
        (1, "Q-T01", '["B"]', 1),
        (2, "Q-T02", '["A"]', 0),
        (3, "Q-T03", '["正确"]', 1),
    ]


def test_history_lists_the_users_self_tests_newest_first(people, q):
    record_self_test(people, "li", path_source("办案民警"), [q("T01"), q("T03")], ["B", "正确"])
    record_self_test(people, "li", category_source("危险驾驶"), [q("T03"), q("T05")], ["错误", "B"])
    record_self_test(people, "wu", path_source("法制员"), [q("T04")], [("八", "24")])
    found = history(people, "li")
    assert [(a.id, a.source, a.exam_id, a.score, a.total) for a in found] == [
        (2, "案件类别：危险驾驶", None, 1, 2),
        (1, "学习路径：办案民警", None, 2, 2),
    ]
    assert all(isinstance(a, Attempt) and a.finished_at == a.started_at for a in found)
    assert [a.source for a in history(people, accounts.get_user(people, "wu"))] == ["学习路径：法制员"]
    assert history(people, "nobody") == ()


def test_a_self_test_keeps_when_its_questions_were_drawn(people, q):
    record_self_test(people, "wu", "自测", [q("T04")], [("八", "")], started_at="2026-01-05T08:00:00+08:00")
    record_self_test(people, "wu", "自测", [q("T04")], [("八", "")], started_at="不是时间")
    latest, first = history(people, "wu")
    assert (first.started_at, first.finished_at > first.started_at) == ("2026-01-05T08:00:00+08:00", True)
    assert latest.started_at == latest.finished_at  # an unreadable start is taken as now


def test_a_disabled_account_cannot_record(people, q):
    accounts.set_disabled(people, "li", True)
    with pytest.raises(AuthError) as err:
        record_self_test(people, "li", "自测", [q("T01")], ["B"])
    assert str(err.value) == "用户“li”已停用；请联系管理员"
    assert history(people, "li") == ()


# -- the 错题本 -----------------------------------------------------------------------------------


def notebook_of(settings, bank, name: str = "li", **kw) -> list[tuple[str, int]]:
    return [(m.question.id, m.wrong) for m in mistakes(settings, name, bank, **kw).mistakes]


def test_wrong_answers_go_to_the_notebook_and_a_right_answer_takes_them_out(people, bank, q):
    record_self_test(people, "li", path_source("办案民警"), [q("T01"), q("T02"), q("T03")], ["A", ["A"], "正确"])
    notebook = mistakes(people, "li", bank)
    assert sorted((m.question.id, m.wrong) for m in notebook.mistakes) == [("Q-T01", 1), ("Q-T02", 1)]
    assert notebook.deleted == 0
    assert all(m.last_wrong_at for m in notebook.mistakes)
    record_self_test(people, "li", "错题本", [q("T01"), q("T02")], ["A", ["A", "C"]])  # T01 wrong again
    assert notebook_of(people, bank) == [("Q-T01", 2)]
    record_self_test(people, "li", "错题本", [q("T01")], ["B"])
    assert notebook_of(people, bank) == []
    record_self_test(people, "li", "错题本", [q("T01")], ["A"])  # wrong once more: back, counted three times
    assert notebook_of(people, bank) == [("Q-T01", 3)]
    assert notebook_of(people, bank, "wu") == []  # another user's notebook is their own


def test_the_notebook_groups_by_category(people, bank, q):
    record_self_test(people, "li", "自测", [q("T01"), q("T03"), q("T05")], ["A", "错误", "A"])
    groups = mistakes(people, "li", bank).by_category()
    assert list(groups) in (["盗窃", "危险驾驶"], ["危险驾驶", "盗窃"])
    assert {c: sorted(m.question.id for m in found) for c, found in groups.items()} == {
        "盗窃": ["Q-T01"],
        "危险驾驶": ["Q-T03", "Q-T05"],
    }


def test_a_question_no_longer_in_the_bank_is_left_out_and_counted(people, bank, q):
    record_self_test(people, "li", "自测", [q("T01"), q("T03")], ["A", "错误"])
    smaller = [question for question in bank.questions if question.id != "Q-T01"]
    notebook = mistakes(people, "li", smaller)
    assert ([m.question.id for m in notebook.mistakes], notebook.deleted) == (["Q-T03"], 1)
    assert notebook.questions == (q("T03"),)


def _exam_sitting(settings, closes_at: str | None, question_id: str, correct: int, exam_id: int = 7) -> None:
    """An exam and one finished sitting by li, written as kb.workflow.exams would (no exam row if closes_at None)."""
    with database.transaction(settings) as con:
        if closes_at is not None:
            con.execute(
                "INSERT INTO exams (id, title, questions, time_limit_minutes, opens_at, closes_at, created_by,"
                " created_at) VALUES (?, '比武', '[]', 30, '2026-01-01T08:00:00+08:00', ?, 'zhao',"
                " '2026-01-01T08:00:00+08:00')",
                (exam_id, closes_at),
            )
        cursor = con.execute(
            "INSERT INTO quiz_attempts (user, unit, tier, exam_id, source, started_at, finished_at, score, total)"
            " VALUES ('li', '城关派出所', '办案民警', ?, '比武', '2026-01-02T09:00:00+08:00',"
            " '2026-01-02T09:30:00+08:00', ?, 1)",
            (exam_id, correct),
        )
        con.execute(
            "INSERT INTO quiz_answers (attempt_id, position, question_id, response, correct, answered_at)"
            " VALUES (?, 1, ?, '[\"A\"]', ?, '2026-01-02T09:10:00+08:00')",
            (cursor.lastrowid, question_id, correct),
        )


def test_an_exams_wrong_answer_counts_only_once_its_window_has_closed(people, bank):
    _exam_sitting(people, "2026-01-03T18:00:00+08:00", "Q-T01", 0)
    before = datetime.fromisoformat("2026-01-03T18:00:59+08:00")  # closed, but a last sitting may still hand in
    after = datetime.fromisoformat("2026-01-03T18:01:00+08:00")  # closes_at + exams.GRACE: answers may be shown
    assert notebook_of(people, bank, now=before) == []
    assert notebook_of(people, bank, now=after) == [("Q-T01", 1)]
    assert [a.source for a in history(people, "li")] == []  # an exam sitting is not a self-test
    assert [(a.source, a.exam_id) for a in history(people, "li", exams=True)] == [("比武", 7)]


def test_an_exam_without_a_row_counts_and_a_later_self_test_answer_wins(people, bank, q):
    _exam_sitting(people, None, "Q-T05", 0, exam_id=8)
    assert notebook_of(people, bank) == [("Q-T05", 1)]
    record_self_test(people, "li", "错题本", [q("T05")], ["B"])  # answered now, after the exam
    assert notebook_of(people, bank) == []


def test_an_exam_answer_after_a_self_test_answer_decides_once_closed(people, bank, q):
    record_self_test(people, "li", "自测", [q("T03")], ["错误"])
    later = (datetime.now().astimezone() + timedelta(hours=1)).isoformat(timespec="seconds")
    with database.transaction(people) as con:  # an exam sitting answered after the self-test, right
        con.execute(
            "INSERT INTO exams (id, title, questions, time_limit_minutes, opens_at, closes_at, created_by,"
            " created_at) VALUES (9, '比武', '[]', 30, ?, ?, 'zhao', ?)",
            (later, later, later),
        )
        con.execute(
            "INSERT INTO quiz_attempts (id, user, exam_id, source, started_at, finished_at, score, total)"
            " VALUES (50, 'li', 9, '比武', ?, ?, 1, 1)",
            (later, later),
        )
        con.execute(
            "INSERT INTO quiz_answers VALUES (50, 1, 'Q-T03', '[\"正确\"]', 1, ?)",
            (later,),
        )
    assert notebook_of(people, bank) == [("Q-T03", 1)]  # the window is still open
    assert notebook_of(people, bank, now=datetime.now() + timedelta(hours=2)) == []
