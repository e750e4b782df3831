"""Self-tests: questions drawn for a learning path or a category, graded, kept per account, and the 错题本."""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime

from kb.content.quizzes import Question, QuestionBank, grade
from kb.errors import KBError
from kb.roles import READ
from kb.settings import Settings
from kb.workflow import accounts, database
from kb.workflow.accounts import User
from kb.workflow.exams import GRACE

# The tables (quiz_attempts, quiz_answers) are kb.workflow.database's migration 13. A self-test is an attempt
# with exam_id NULL; kb.workflow.exams writes its sittings into the same tables with exam_id set.
QUIZ_SIZE = 10
MISTAKES = "错题本"  # the source of a self-test practising the 错题本
PATH_SOURCE = "学习路径：{tier}"
CATEGORY_SOURCE = "案件类别：{category}"
MAX_SOURCE_CHARS = 100
MAX_RESPONSE_CHARS = 200  # per item a user typed; a blank's answer is a few words


class SelfTestError(KBError):
    """A self-test could not be drawn, graded or stored."""


Response = str | Sequence[str] | None


@dataclass(frozen=True)
class AnswerResult:
    """One question answered: right or wrong, the answer given, the right answer, why, and where it comes from."""

    question: Question
    response: tuple[str, ...]
    correct: bool
    answer_text: str
    explanation: str
    sources: tuple[str, ...]  # guide and case ids, then the statute citations


@dataclass(frozen=True)
class SelfTestResult:
    """A self-test graded: the score out of the total, and each answer; `attempt_id` is None when not stored."""

    source: str
    answers: tuple[AnswerResult, ...]
    attempt_id: int | None = None

    @property
    def score(self) -> int:
        return sum(1 for a in self.answers if a.correct)

    @property
    def total(self) -> int:
        return len(self.answers)


@dataclass(frozen=True)
class Attempt:
    """One finished self-test (or exam sitting) as listed in 我的成绩."""

    id: int
    source: str
    exam_id: int | None
    started_at: str
    finished_at: str
    score: int
    total: int


@dataclass(frozen=True)
class Mistake:
    """A question whose most recent answer by the user was wrong: how often it was got wrong, and when last."""

    question: Question
    wrong: int
    last_wrong_at: str


@dataclass(frozen=True)
class Notebook:
    """The 错题本: the mistakes (most recent first), and how many are left out because the bank no longer
    holds their question (已删除)."""

    mistakes: tuple[Mistake, ...]
    deleted: int = 0

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(m.question for m in self.mistakes)

    def by_category(self) -> dict[str, tuple[Mistake, ...]]:
        """The mistakes grouped by the question's case category, categories in order of first appearance."""
        groups: dict[str, list[Mistake]] = {}
        for mistake in self.mistakes:
            groups.setdefault(mistake.question.category, []).append(mistake)
        return {category: tuple(found) for category, found in groups.items()}


# ---------------------------------------------------------------- drawing


def path_source(tier: str) -> str:
    """The source a learning path's self-test is stored under: 学习路径：办案民警."""
    return PATH_SOURCE.format(tier=tier)


def category_source(category: str) -> str:
    """The source a category's self-test is stored under: 案件类别：盗窃."""
    return CATEGORY_SOURCE.format(category=category)


def draw_questions(
    questions: Iterable[Question],
    *,
    tier: str | None = None,
    category: str | None = None,
    doc_ids: Collection[str] | None = None,
    count: int = QUIZ_SIZE,
    seed: int | str | None = None,
) -> tuple[Question, ...]:
    """Up to `count` questions for the tier and/or category (fewer when the bank holds fewer).

    With `doc_ids` (a learning path's documents), questions whose sources include one of them come first and
    the rest of the tier's fill up. The same seed over the same questions draws the same ones in the same order.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SelfTestError(f"题数应为正整数，实际为“{count}”")
    pool = [q for q in questions if (tier is None or tier in q.tiers) and (category is None or q.category == category)]
    wanted = set(doc_ids or ())
    first = [q for q in pool if wanted & set(q.sources)]
    rest = [q for q in pool if not wanted & set(q.sources)]
    rng = random.Random(seed)
    drawn = rng.sample(first, min(count, len(first)))
    return tuple(drawn + rng.sample(rest, min(count - len(drawn), len(rest))))


# ---------------------------------------------------------------- grading and storing


def _given(response: Response) -> tuple[str, ...]:
    if response is None:
        return ()
    if isinstance(response, str):
        return (response,)
    return tuple(str(item) for item in response)


def _answers(questions: Sequence[Question], responses: Sequence[Response]) -> tuple[AnswerResult, ...]:
    if not questions:
        raise SelfTestError("没有题目，无法交卷；请先抽题")
    if len(responses) != len(questions):
        raise SelfTestError(f"答案数（{len(responses)}）与题数（{len(questions)}）不一致；请重新作答")
    results = []
    for question, response in zip(questions, responses, strict=True):
        given = tuple(database.storable(item.strip()[:MAX_RESPONSE_CHARS]) for item in _given(response))
        results.append(
            AnswerResult(
                question=question,
                response=given,
                correct=any(given) and grade(question, given),
                answer_text=question.answer_text,
                explanation=question.explanation,
                sources=(*question.sources, *question.citations),
            )
        )
    return tuple(results)


def _source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise SelfTestError("自测来源不能为空；写明学习路径、案件类别或“错题本”")
    if len(source) > MAX_SOURCE_CHARS:
        raise SelfTestError(f"自测来源过长（{len(source)} 字）；不超过 {MAX_SOURCE_CHARS} 字")
    return database.storable(source)


def grade_only(questions: Sequence[Question], responses: Sequence[Response], source: str = "") -> SelfTestResult:
    """A self-test graded and not stored (a visitor who has not logged in)."""
    return SelfTestResult(source.strip(), _answers(questions, responses))


def record_self_test(
    settings: Settings,
    user: User | str,
    source: str,
    questions: Sequence[Question],
    responses: Sequence[Response],
    *,
    started_at: str | None = None,
) -> SelfTestResult:
    """Grade a self-test and store it with every answer, under the account's unit and tier at this moment.

    `started_at` is when the questions were drawn (stored time text, as database.now_text gives); default now."""
    source = _source(source)
    answers = _answers(questions, responses)
    learner = accounts.require(settings, user, READ)  # re-read: a disabled account records nothing
    result = SelfTestResult(source, answers)
    now = database.now_text()
    started = started_at if started_at and _moment(started_at) is not None else now
    with database.transaction(settings) as con:
        cursor = con.execute(
            "INSERT INTO quiz_attempts (user, unit, tier, exam_id, source, started_at, finished_at, score, total)"
            " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            (learner.name, learner.unit, learner.tier, source, started, now, result.score, result.total),
        )
        attempt_id = int(cursor.lastrowid)
        con.executemany(
            "INSERT INTO quiz_answers (attempt_id, position, question_id, response, correct, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (attempt_id, n, a.question.id, json.dumps(list(a.response), ensure_ascii=False), int(a.correct), now)
                for n, a in enumerate(answers, 1)
            ],
        )
    return SelfTestResult(source, answers, attempt_id)


# ---------------------------------------------------------------- reading back


def _name(user: User | str) -> str:
    return user.name if isinstance(user, User) else (user or "").strip()


def history(settings: Settings, user: User | str, *, exams: bool = False) -> tuple[Attempt, ...]:
    """The user's finished self-tests, newest first (`exams`: and their finished exam sittings too)."""
    where = "" if exams else " AND exam_id IS NULL"
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT id, source, exam_id, started_at, finished_at, score, total FROM quiz_attempts"
            f" WHERE user = ? AND finished_at IS NOT NULL{where} ORDER BY finished_at DESC, id DESC",
            (_name(user),),
        ).fetchall()
    return tuple(
        Attempt(r["id"], r["source"], r["exam_id"], r["started_at"], r["finished_at"], r["score"], r["total"])
        for r in rows
    )


def _moment(text: str | None) -> datetime | None:
    """A stored time as an aware datetime (a time without offset is local time); None when unreadable."""
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()


def _when(text: str | None) -> float:
    """A stored time as a number to sort by (an unreadable one first)."""
    moment = _moment(text)
    return moment.timestamp() if moment is not None else float("-inf")


def _exams_closing(con, exam_ids: set[int]) -> dict[int, str]:
    """Each exam's closes_at, for the exams that have a row (kb.workflow.exams owns the table)."""
    if not exam_ids:
        return {}
    marks = ",".join("?" * len(exam_ids))
    rows = con.execute(f"SELECT id, closes_at FROM exams WHERE id IN ({marks})", sorted(exam_ids)).fetchall()
    return {r["id"]: r["closes_at"] for r in rows}


def mistakes(
    settings: Settings,
    user: User | str,
    bank: QuestionBank | Iterable[Question],
    *,
    now: datetime | None = None,
) -> Notebook:
    """The user's 错题本: each question whose most recent answer is wrong, with how many times it was got wrong.

    Self-test answers count at once; an exam's only once its window has closed and its answers may be shown
    (kb.workflow.exams: closes_at + GRACE); an exam whose row is gone has no window left to keep. Questions `bank` no longer holds are left out and counted in `deleted`.
    """
    now = (now or datetime.now()).astimezone()
    held = {q.id: q for q in (bank.questions if isinstance(bank, QuestionBank) else bank)}
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT a.id AS attempt, a.exam_id, q.position, q.question_id, q.correct, q.answered_at"
            " FROM quiz_answers q JOIN quiz_attempts a ON a.id = q.attempt_id"
            " WHERE a.user = ? AND a.finished_at IS NOT NULL",
            (_name(user),),
        ).fetchall()
        closing_times = _exams_closing(con, {r["exam_id"] for r in rows if r["exam_id"] is not None})
    closed = {
        exam_id: (moment := _moment(closes)) is not None and moment + GRACE <= now
        for exam_id, closes in closing_times.items()
    }
    counted = [r for r in rows if r["exam_id"] is None or closed.get(r["exam_id"], True)]
    # Oldest first, so the last answer seen for a question is its most recent one.
    counted.sort(key=lambda r: (_when(r["answered_at"]), r["attempt"], r["position"]))
    latest: dict[str, bool] = {}
    wrong: dict[str, int] = {}
    last_wrong: dict[str, str] = {}
    for row in counted:
        qid = row["question_id"]
        latest[qid] = bool(row["correct"])
        if not row["correct"]:
            wrong[qid] = wrong.get(qid, 0) + 1
            last_wrong[qid] = row["answered_at"]
    open_ids = [qid for qid, right in latest.items() if not right]
    found = [Mistake(held[qid], wrong[qid], last_wrong[qid]) for qid in open_ids if qid in held]
    found.sort(key=lambda m: (-_when(m.last_wrong_at), m.question.id))
    return Notebook(tuple(found), deleted=sum(1 for qid in open_ids if qid not in held))
