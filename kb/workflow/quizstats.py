"""Quiz statistics for the legal section: average scores by unit and tier, and the questions and guides most answered wrong."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kb.content.catalog import load_content_taxonomy, published_documents
from kb.content.quizzes import QuestionBank, load_questions
from kb.errors import AuthError
from kb.roles import AUDIT, PERMISSIONS, READ, ROLES
from kb.settings import Settings
from kb.workflow import accounts, audit, database
from kb.workflow.accounts import User
from kb.workflow.exams import GRACE
from kb.workflow.progress import NO_UNIT

SELF_TEST, EXAM = "自测", "比武"
NO_TIER = "未设置层级"
DELETED = "已删除的题目"
GUIDE, CASE = "指引", "案例"
MIN_ANSWERS = 3  # a question answered fewer times says little about the topic
LIMIT = 20
VIEW = "查看测验情况"
# The tables are kb.workflow.database's migration 13 (written by kb.workflow.selftests and kb.workflow.exams);
# this module only reads them. A score counts once the attempt is finished (handed in), or for an exam once its
# time ran out unsubmitted (0 points, as in the exam's ranking); every answer recorded,
# finished or not, counts for the questions: a self-test left half way still shows what was answered wrong.


@dataclass(frozen=True)
class ScoreGroup:
    """Finished attempts of one kind (自测 or 比武) by one unit, one tier, or everyone ("" for all)."""

    kind: str
    unit: str
    tier: str
    attempts: int
    people: int
    right: int
    total: int

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "tier": self.tier,
            "attempts": self.attempts,
            "people": self.people,
            "right": self.right,
            "total": self.total,
            "rate": round(self.rate, 4),
        }


@dataclass(frozen=True)
class Scores:
    """One kind's average scores: over everyone, by unit (the unit recorded at the time) and by tier."""

    kind: str
    overall: ScoreGroup
    units: tuple[ScoreGroup, ...]
    tiers: tuple[ScoreGroup, ...]

    def to_json(self) -> dict:
        return {
            "overall": self.overall.to_json(),
            "units": [g.to_json() for g in self.units],
            "tiers": [g.to_json() for g in self.tiers],
        }


@dataclass(frozen=True)
class Source:
    """A guide or case a question tests; `title` is "" when it is no longer published."""

    id: str
    title: str
    kind: str  # 指引 / 案例

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "kind": self.kind}


@dataclass(frozen=True)
class QuestionStat:
    """How often one question of the bank was answered, and answered wrong."""

    id: str
    type: str
    stem: str
    category: str
    stages: tuple[str, ...]
    sources: tuple[Source, ...]
    citations: tuple[str, ...]
    answers: int
    wrong: int

    @property
    def rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "category": self.category,
            "stages": list(self.stages),
            "sources": [s.to_json() for s in self.sources],
            "citations": list(self.citations),
            "answers": self.answers,
            "wrong": self.wrong,
            "rate": round(self.rate, 4),
        }


@dataclass(frozen=True)
class TopicStat:
    """A guide or case behind wrong answers: the questions on it answered wrong, and their answers summed."""

    source: Source
    questions: tuple[str, ...]
    answers: int
    wrong: int

    @property
    def rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0

    def to_json(self) -> dict:
        return {
            **self.source.to_json(),
            "questions": list(self.questions),
            "answers": self.answers,
            "wrong": self.wrong,
            "rate": round(self.rate, 4),
        }


@dataclass(frozen=True)
class CategoryStat:
    """Answers and wrong answers to the questions of one case category."""

    category: str
    answers: int
    wrong: int

    @property
    def rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0

    def to_json(self) -> dict:
        return {"category": self.category, "answers": self.answers, "wrong": self.wrong, "rate": round(self.rate, 4)}


@dataclass(frozen=True)
class DeletedStat:
    """Answers to questions no longer in the bank (已删除的题目), counted together."""

    questions: tuple[str, ...]
    answers: int
    wrong: int

    @property
    def rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0

    def to_json(self) -> dict:
        return {"questions": list(self.questions), "answers": self.answers, "wrong": self.wrong}


@dataclass(frozen=True)
class QuizReport:
    """Self-test and exam scores by unit and tier; the most-missed questions (answered at least `min_answers`
    times), the guides and cases behind wrong answers, wrong rates by category, and the deleted questions."""

    self_tests: Scores
    exams: Scores
    missed: tuple[QuestionStat, ...]
    topics: tuple[TopicStat, ...]
    categories: tuple[CategoryStat, ...]
    deleted: DeletedStat
    min_answers: int

    @property
    def answers(self) -> int:
        return sum(c.answers for c in self.categories) + self.deleted.answers

    def to_json(self) -> dict:
        return {
            "self_tests": self.self_tests.to_json(),
            "exams": self.exams.to_json(),
            "missed": [q.to_json() for q in self.missed],
            "topics": [t.to_json() for t in self.topics],
            "categories": [c.to_json() for c in self.categories],
            "deleted": self.deleted.to_json(),
            "min_answers": self.min_answers,
        }


def _viewer(settings: Settings, viewer: User | str | None) -> None:
    """The legal section only (审核, 管理员); None is the local operator at the command line."""
    if viewer is None:
        return
    user = accounts.require(settings, viewer, READ)  # not logged in, unknown or disabled: its usual message
    if not user.can(AUDIT):
        audit.log(settings, user.name, "denied", "", f"{user.role}试图{VIEW}")
        allowed = "或".join(f"“{r}”" for r in ROLES if AUDIT in PERMISSIONS[r])
        raise AuthError(f"用户“{user.name}”（{user.role}）无权{VIEW}；需要{allowed}角色")


def _where(unit: str | None, tier: str | None, since: date | str | None, exam_id: int | None) -> tuple[list, list]:
    """The SQL conditions on quiz_attempts (as `a`) for the filters, and their arguments."""
    clauses, args = [], []
    for column, value in (("unit", unit), ("tier", tier), ("exam_id", exam_id)):
        if value is not None:
            clauses.append(f"a.{column} = ?")
            args.append(value)
    if since is not None:
        # stored as ISO 8601 text, so a date compares as the start of that day
        clauses.append("a.started_at >= ?")
        args.append(since.isoformat() if isinstance(since, date) else str(since))
    return clauses, args


def _group(kind: str, unit: str, tier: str, rows: Iterable) -> ScoreGroup:
    rows = list(rows)
    return ScoreGroup(
        kind,
        unit,
        tier,
        attempts=len(rows),
        people=len({r["user"] for r in rows}),
        right=sum(r["score"] for r in rows),
        total=sum(r["total"] for r in rows),
    )


def _scores(kind: str, rows: list, unit_order: dict[str, int], tier_order: dict[str, int]) -> Scores:
    by_unit: dict[str, list] = {}
    by_tier: dict[str, list] = {}
    for r in rows:
        by_unit.setdefault(r["unit"], []).append(r)
        by_tier.setdefault(r["tier"], []).append(r)

    def unit_key(u: str) -> tuple:
        return (u == "", unit_order.get(u, len(unit_order)), u)

    def tier_key(t: str) -> tuple:
        return (t == "", tier_order.get(t, len(tier_order)), t)

    return Scores(
        kind,
        _group(kind, "", "", rows),
        tuple(_group(kind, u or NO_UNIT, "", by_unit[u]) for u in sorted(by_unit, key=unit_key)),
        tuple(_group(kind, "", t or NO_TIER, by_tier[t]) for t in sorted(by_tier, key=tier_key)),
    )


def _sources(ids: Iterable[str], published: dict) -> tuple[Source, ...]:
    found = []
    for doc_id in ids:
        doc = published.get(doc_id)
        kind = CASE if (doc.path if doc else doc_id).startswith(("casebook/", "C-")) else GUIDE
        found.append(Source(doc_id, doc.title if doc else "", kind))
    return tuple(found)


def summarize_quizzes(
    settings: Settings,
    bank: QuestionBank | None = None,
    *,
    viewer: User | str | None,
    unit: str | None = None,
    tier: str | None = None,
    since: date | str | None = None,
    exam_id: int | None = None,
    min_answers: int = MIN_ANSWERS,
    limit: int = LIMIT,
    now: datetime | None = None,
) -> QuizReport:
    """Scores and wrong answers for the legal section (`viewer` must be 审核 or 管理员; None: the command line).

    `unit` and `tier` keep the attempts made in that unit or tier (as recorded when taken), `since` those
    started on or after that day, `exam_id` one exam's. `bank` is the question bank the answers are read
    against (default: the quiz files as they are now); a question no longer in it counts under DELETED.
    """
    _viewer(settings, viewer)
    if bank is None:
        bank = load_questions(settings.content_dir, load_content_taxonomy(settings))
    clauses, args = _where(unit, tier, since, exam_id)
    chosen = " AND ".join(clauses) or "1"
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT a.user, a.unit, a.tier, a.exam_id, a.score, a.total, a.started_at, a.finished_at,"
            f" e.time_limit_minutes FROM quiz_attempts a LEFT JOIN exams e ON e.id = a.exam_id WHERE {chosen}",
            args,
        ).fetchall()
        answered = con.execute(
            "SELECT q.question_id, COUNT(*) AS answers, SUM(q.correct = 0) AS wrong FROM quiz_answers q"
            f" JOIN quiz_attempts a ON a.id = q.attempt_id WHERE {chosen} GROUP BY q.question_id",
            args,
        ).fetchall()
    unit_order = {name: n for n, name in enumerate(accounts.unit_choices(settings))}
    tier_order = {name: n for n, name in enumerate(accounts.tier_choices(settings))}
    attempts = [_scored(r, now or datetime.now().astimezone()) for r in rows]
    attempts = [r for r in attempts if r is not None]
    self_rows = [r for r in attempts if r["exam_id"] is None]
    exam_rows = [r for r in attempts if r["exam_id"] is not None]

    questions = {q.id: q for q in bank.questions}
    published = published_documents(settings)
    stats: list[QuestionStat] = []
    gone: list[tuple[str, int, int]] = []
    for row in answered:
        question = questions.get(row["question_id"])
        if question is None:
            gone.append((row["question_id"], row["answers"], row["wrong"]))
            continue
        stats.append(
            QuestionStat(
                question.id,
                question.type,
                question.stem,
                question.category,
                question.stages,
                _sources(question.sources, published),
                question.citations,
                row["answers"],
                row["wrong"],
            )
        )
    missed = sorted((q for q in stats if q.wrong and q.answers >= min_answers), key=lambda q: (-q.rate, -q.wrong, q.id))
    return QuizReport(
        self_tests=_scores(SELF_TEST, self_rows, unit_order, tier_order),
        exams=_scores(EXAM, exam_rows, unit_order, tier_order),
        missed=tuple(missed[:limit]),
        topics=_topics(stats)[:limit],
        categories=_categories(stats),
        deleted=DeletedStat(
            tuple(sorted(q for q, _, _ in gone)), sum(a for _, a, _ in gone), sum(w for _, _, w in gone)
        ),
        min_answers=min_answers,
    )


def _scored(row, now: datetime) -> dict | None:
    """An attempt as it counts: handed in, or an exam sitting whose time ran out unsubmitted (未交卷, 0 points,
    as the exam's ranking counts it); None while a self-test or a sitting is still open."""
    if row["finished_at"] is not None:
        return dict(row)
    if row["exam_id"] is None or row["time_limit_minutes"] is None:
        return None
    deadline = datetime.fromisoformat(row["started_at"]) + timedelta(minutes=row["time_limit_minutes"]) + GRACE
    return {**dict(row), "score": 0} if now > deadline else None


def _topics(stats: list[QuestionStat]) -> tuple[TopicStat, ...]:
    """The guides and cases behind wrong answers: most wrong answers first, then the higher wrong rate."""
    by_source: dict[str, tuple[Source, list[QuestionStat]]] = {}
    for q in stats:
        for source in q.sources:
            by_source.setdefault(source.id, (source, []))[1].append(q)
    topics = [
        TopicStat(
            source,
            tuple(sorted(q.id for q in group if q.wrong)),
            sum(q.answers for q in group),
            sum(q.wrong for q in group),
        )
        for source, group in by_source.values()
    ]
    return tuple(sorted((t for t in topics if t.wrong), key=lambda t: (-t.wrong, -t.rate, t.source.id)))


def _categories(stats: list[QuestionStat]) -> tuple[CategoryStat, ...]:
    """Wrong rate by case category, highest first."""
    sums: dict[str, list[int]] = {}
    for q in stats:
        pair = sums.setdefault(q.category, [0, 0])
        pair[0] += q.answers
        pair[1] += q.wrong
    found = [CategoryStat(c, answers, wrong) for c, (answers, wrong) in sums.items()]
    return tuple(sorted(found, key=lambda c: (-c.rate, -c.answers, c.category)))
