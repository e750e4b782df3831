"""An exam's results: the rankings by person and by unit, and the right rate of each question."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime

from kb.content.quizzes import Question
from kb.settings import Settings
from kb.workflow import database
from kb.workflow.exams import IN_PROGRESS, Exam, get_exam, sittings
from kb.workflow.progress import NO_UNIT

# Column names of the rankings, shared by the page, the CSV and the Excel export.
PERSON_COLUMNS = ("名次", "姓名", "单位", "层级", "得分", "题数", "用时", "状态")
UNIT_COLUMNS = ("名次", "单位", "参赛人数", "平均分", "最高分", "最低分")
QUESTION_COLUMNS = ("序号", "题号", "题型", "题干", "作答人数", "答对人数", "正确率")


@dataclass(frozen=True)
class PersonResult:
    """One line of the ranking by person."""

    rank: int
    name: str
    unit: str
    tier: str
    score: int
    total: int
    seconds: int
    status: str

    def row(self) -> tuple:
        return (self.rank, self.name, self.unit, self.tier, self.score, self.total, duration(self.seconds), self.status)

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "name": self.name,
            "unit": self.unit,
            "tier": self.tier,
            "score": self.score,
            "total": self.total,
            "seconds": self.seconds,
            "status": self.status,
        }


@dataclass(frozen=True)
class UnitResult:
    """One line of the ranking by unit: everyone of the unit who sat the exam."""

    rank: int
    unit: str
    people: int
    average: float  # rounded to two decimals
    highest: int
    lowest: int

    def row(self) -> tuple:
        return (self.rank, self.unit, self.people, self.average, self.highest, self.lowest)

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "unit": self.unit,
            "people": self.people,
            "average": self.average,
            "highest": self.highest,
            "lowest": self.lowest,
        }


@dataclass(frozen=True)
class QuestionResult:
    """How one question of the exam was answered over the submitted sittings."""

    position: int  # 1-based
    question: Question
    answered: int
    right: int

    @property
    def rate(self) -> float:
        return self.right / self.answered if self.answered else 0.0

    def row(self) -> tuple:
        q = self.question
        return (self.position, q.id, q.type, q.stem, self.answered, self.right, f"{self.rate:.0%}")

    def to_json(self) -> dict:
        return {"position": self.position, "id": self.question.id, "answered": self.answered, "right": self.right}


@dataclass(frozen=True)
class ExamResults:
    """An exam's rankings by person and by unit and its right rate per question; `answering` counts the
    sittings still in progress, which are not ranked yet."""

    exam: Exam
    people: tuple[PersonResult, ...]
    units: tuple[UnitResult, ...]
    questions: tuple[QuestionResult, ...]
    answering: int

    def person_rows(self) -> list[tuple]:
        return [p.row() for p in self.people]

    def unit_rows(self) -> list[tuple]:
        return [u.row() for u in self.units]


def duration(seconds: int) -> str:
    """Seconds as 用时 is shown: 12分05秒."""
    return f"{seconds // 60}分{seconds % 60:02d}秒"


def _ranked(items: list, key) -> list[int]:
    """Competition ranks (1, 1, 3) of items already sorted, equal keys sharing a rank."""
    ranks: list[int] = []
    for n, item in enumerate(items):
        ranks.append(ranks[-1] if n and key(item) == key(items[n - 1]) else n + 1)
    return ranks


def exam_results(settings: Settings, exam_id: int, now: datetime | None = None) -> ExamResults:
    """The rankings and the right rate per question. Sittings still in progress are left out; 超时 and 未交卷
    rank with 0 and the whole time limit. By person: score high to low, then time used short to long, then
    name (equal score and time share a rank). By unit (as recorded when each person started): average score
    high to low, then unit name (equal averages share a rank)."""
    exam = get_exam(settings, exam_id)
    with closing(database.connect(settings)) as con:
        answers = con.execute(
            "SELECT position, COUNT(*) AS answered, SUM(correct) AS right FROM quiz_answers"
            " JOIN quiz_attempts ON attempt_id = id WHERE exam_id = ? GROUP BY position",
            (exam.id,),
        ).fetchall()
    every = sittings(settings, exam, now)
    done = [s for s in every if s.status != IN_PROGRESS]
    done.sort(key=lambda s: (-s.score, s.seconds, s.user))
    ranks = _ranked(done, lambda s: (s.score, s.seconds))
    people = tuple(
        PersonResult(rank, s.user, s.unit or NO_UNIT, s.tier, s.score, s.total, s.seconds or 0, s.status)
        for rank, s in zip(ranks, done, strict=True)
    )
    groups: dict[str, list[int]] = {}
    for p in people:
        groups.setdefault(p.unit, []).append(p.score)
    units = sorted(
        (
            (unit, len(scores), round(sum(scores) / len(scores), 2), max(scores), min(scores))
            for unit, scores in groups.items()
        ),
        key=lambda u: (-u[2], u[0]),
    )
    unit_ranks = _ranked(units, lambda u: u[2])
    by_position = {r["position"]: r for r in answers}
    questions = tuple(
        QuestionResult(
            n,
            q,
            by_position[n]["answered"] if n in by_position else 0,
            by_position[n]["right"] or 0 if n in by_position else 0,
        )
        for n, q in enumerate(exam.questions, 1)
    )
    return ExamResults(
        exam,
        people,
        tuple(UnitResult(rank, *u) for rank, u in zip(unit_ranks, units, strict=True)),
        questions,
        answering=len(every) - len(done),
    )
