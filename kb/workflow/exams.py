"""Exams (比武): assembled by the legal section from the question bank, taken once within a window, and scored
automatically (kb.workflow.rankings ranks them)."""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

from kb.content.catalog import load_content_taxonomy
from kb.content.quizzes import FILL, Question, grade
from kb.errors import AuthError, PublishError
from kb.roles import AUDIT, READ, ROLE_ADMIN, ROLE_REVIEWER
from kb.settings import Settings
from kb.workflow import accounts, audit, database
from kb.workflow.accounts import User
from kb.workflow.questionbank import check_questions, usable_questions

# The table exams is kb.workflow.database's migration 14. A sitting is a row of quiz_attempts (migration 13)
# with exam_id set, one per person (UNIQUE(exam_id, user)); its answers are rows of quiz_answers.
SOURCE = "比武"  # quiz_attempts.source of an exam sitting (self-tests name their path or category)
# A submission is accepted up to one minute after the time limit, for the page's round trip; later it is
# refused, the sitting closed and marked 超时 with nothing counted. Every sitting has the full time limit:
# a sitting may only start while the whole limit fits before the window closes, so when the window closes
# every sitting has ended, and answers, explanations and ranks can be shown (one grace minute later).
GRACE = timedelta(minutes=1)
MAX_TITLE_CHARS = 60
MAX_QUESTIONS = 200
MAX_MINUTES = 600
SUBMITTED, TIMED_OUT, UNSUBMITTED, IN_PROGRESS = "已交卷", "超时", "未交卷", "答题中"
PENDING, OPEN, CLOSED = "未开始", "进行中", "已结束"
ALL_TIERS = "全部层级"
ORGANIZERS = (ROLE_REVIEWER, ROLE_ADMIN)  # the legal section: both hold AUDIT (REVIEW is the 审核's alone)


@dataclass(frozen=True)
class Exam:
    """One exam: whom it is for, the questions drawn when it was created (kept as they were), its time limit and
    window."""

    id: int
    title: str
    tier: str  # "" for every tier
    categories: tuple[str, ...]  # () for every category
    questions: tuple[Question, ...]
    time_limit_minutes: int
    opens_at: datetime
    closes_at: datetime
    created_by: str
    created_at: str

    @property
    def limit(self) -> timedelta:
        return timedelta(minutes=self.time_limit_minutes)

    @property
    def latest_start(self) -> datetime:
        """The last moment a sitting may start and still have the whole time limit inside the window."""
        return self.closes_at - self.limit

    def state(self, now: datetime) -> str:
        """未开始, 进行中 (the window is open) or 已结束."""
        return PENDING if now < self.opens_at else OPEN if now < self.closes_at else CLOSED

    def is_over(self, now: datetime) -> bool:
        """Whether every sitting has ended: results, answers and explanations may be shown."""
        return now >= self.closes_at + GRACE

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "tier": self.tier,
            "categories": list(self.categories),
            "questions": len(self.questions),
            "time_limit_minutes": self.time_limit_minutes,
            "opens_at": _text(self.opens_at),
            "closes_at": _text(self.closes_at),
            "created_by": self.created_by,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Sitting:
    """One person's sitting of an exam: their unit and tier when they started, the time taken and the score."""

    id: int
    exam_id: int
    user: str
    unit: str
    tier: str
    started_at: datetime
    finished_at: datetime | None
    score: int
    total: int
    status: str  # 答题中 / 已交卷 / 超时 / 未交卷
    deadline: datetime  # started_at + time limit

    @property
    def seconds(self) -> int | None:
        """Time used: to the submission; the whole limit for 超时 and 未交卷; None while answering."""
        if self.status == SUBMITTED and self.finished_at is not None:
            return int((self.finished_at - self.started_at).total_seconds())
        if self.status in (TIMED_OUT, UNSUBMITTED):
            return int((self.deadline - self.started_at).total_seconds())
        return None


@dataclass(frozen=True)
class AnswerReview:
    """One question of a sitting after the exam is over: the answer given, whether it was right, and why."""

    position: int
    question: Question
    response: str
    correct: bool


# ---------------------------------------------------------------- helpers


def current_time(now: datetime | None = None) -> datetime:
    """`now` (or the present), with its offset and to the second."""
    return _aware(now or datetime.now())


def _aware(moment: datetime) -> datetime:
    """A time with its offset (a naive one is taken as local time), to the second."""
    return (moment if moment.tzinfo else moment.astimezone()).replace(microsecond=0)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def shown(moment: datetime) -> str:
    """A time as the pages and messages show it: 2026-12-10 09:00."""
    return moment.strftime("%Y-%m-%d %H:%M")  # in the offset it was given (the server's local time)


def _exam(row) -> Exam:
    return Exam(
        id=row["id"],
        title=row["title"],
        tier=row["tier"],
        categories=tuple(json.loads(row["categories"])),
        questions=tuple(Question.from_json(q) for q in json.loads(row["questions"])),
        time_limit_minutes=row["time_limit_minutes"],
        opens_at=datetime.fromisoformat(row["opens_at"]),
        closes_at=datetime.fromisoformat(row["closes_at"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _sitting(row, exam: Exam, now: datetime) -> Sitting:
    started = datetime.fromisoformat(row["started_at"])
    finished = datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None
    deadline = started + exam.limit
    if finished is None:
        status = UNSUBMITTED if now > deadline + GRACE else IN_PROGRESS
    else:
        status = TIMED_OUT if finished > deadline + GRACE else SUBMITTED
    return Sitting(
        row["id"],
        row["exam_id"],
        row["user"],
        row["unit"],
        row["tier"],
        started,
        finished,
        row["score"],
        row["total"],
        status,
        deadline,
    )


def _organizer(settings: Settings, actor: User | str | None) -> User:
    """The actor re-read, enabled and of the legal section (审核 or 管理员); refusals are audited."""
    user = accounts.require(settings, actor, READ)
    if not user.can(AUDIT):
        audit.log(settings, user.name, "denied", "", f"{user.role}试图创建比武")
        roles = "或".join(f"“{r}”" for r in ORGANIZERS)
        raise AuthError(f"用户“{user.name}”（{user.role}）不能组织比武；需要{roles}角色")
    return user


# ---------------------------------------------------------------- exams


def create_exam(
    settings: Settings,
    actor: User | str | None,
    title: str,
    *,
    tier: str,
    categories: Collection[str],
    count: int,
    time_limit_minutes: int,
    opens_at: datetime,
    closes_at: datetime,
    seed: int | None = None,
    now: datetime | None = None,
) -> Exam:
    """Assemble an exam: `count` questions drawn at random (`seed` repeats a draw) from the usable questions for
    `tier` ("" every tier) and `categories` (empty: every category), kept as they are now. By the legal section
    only; every problem with the request is named in one refusal; audited."""
    user = _organizer(settings, actor)
    now = current_time(now)
    title = database.storable((title or "").strip())
    tier = (tier or "").strip()
    categories = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    taxonomy = load_content_taxonomy(settings)
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    problems: list[str] = []
    if not title:
        problems.append("请填写比武名称")
    elif len(title) > MAX_TITLE_CHARS:
        problems.append(f"比武名称过长（{len(title)} 字）；不超过 {MAX_TITLE_CHARS} 字")
    if tier and tier not in taxonomy.audiences:
        problems.append(f"未知层级“{tier}”；可选：{'、'.join(taxonomy.audiences)}，或不限层级")
    unknown = [c for c in categories if c not in taxonomy.categories]
    if unknown:
        problems.append(f"未知类别“{'、'.join(unknown)}”；类别见 data/taxonomy.yaml")
    if not 1 <= count <= MAX_QUESTIONS:
        problems.append(f"题量应为 1 至 {MAX_QUESTIONS} 道，实际为 {count}")
    if not 1 <= time_limit_minutes <= MAX_MINUTES:
        problems.append(f"答题时限应为 1 至 {MAX_MINUTES} 分钟，实际为 {time_limit_minutes}")
    if closes_at <= opens_at:
        problems.append(f"截止时间（{shown(closes_at)}）应晚于开始时间（{shown(opens_at)}）")
    elif closes_at - opens_at < timedelta(minutes=time_limit_minutes):
        problems.append(f"开放时间（{shown(opens_at)} 至 {shown(closes_at)}）短于答题时限 {time_limit_minutes} 分钟")
    elif closes_at <= now:
        problems.append(f"截止时间（{shown(closes_at)}）已过；请选择将来的时间")
    pool = [
        q
        for q in usable_questions(check_questions(settings))
        if (not tier or tier in q.tiers) and (not categories or q.category in categories)
    ]
    if 1 <= count <= MAX_QUESTIONS and len(pool) < count:
        scope = f"层级：{tier or '不限'}；类别：{'、'.join(categories) or '不限'}"
        problems.append(f"符合条件的可用题目只有 {len(pool)} 道（{scope}），不足 {count} 道；请减少题量或放宽条件")
    if problems:
        raise PublishError("无法创建比武：" + "；".join(problems))
    drawn = random.Random(seed).sample(sorted(pool, key=lambda q: q.id), count)
    with database.transaction(settings) as con:
        exam_id = con.execute(
            "INSERT INTO exams (title, tier, categories, questions, time_limit_minutes, opens_at, closes_at,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                title,
                tier,
                json.dumps(list(categories), ensure_ascii=False),
                json.dumps([q.to_json() for q in drawn], ensure_ascii=False),
                time_limit_minutes,
                _text(opens_at),
                _text(closes_at),
                user.name,
                database.now_text(),
            ),
        ).lastrowid
        detail = (
            f"{title}；层级：{tier or '不限'}；类别：{'、'.join(categories) or '不限'}；{count} 道题；"
            f"限时 {time_limit_minutes} 分钟；{shown(opens_at)} 至 {shown(closes_at)}"
        )
        audit.record(con, user.name, "exam_create", f"比武 {exam_id}", detail)
    return get_exam(settings, exam_id)


def get_exam(settings: Settings, exam_id: int) -> Exam:
    """The exam, or PublishError when there is none by that number."""
    with closing(database.connect(settings)) as con:
        row = con.execute("SELECT * FROM exams WHERE id = ?", (exam_id,)).fetchone()
    if row is None:
        raise PublishError(f"比武 {exam_id} 不存在")
    return _exam(row)


def list_exams(settings: Settings) -> tuple[Exam, ...]:
    """Every exam, the latest window first."""
    with closing(database.connect(settings)) as con:
        rows = con.execute("SELECT * FROM exams ORDER BY opens_at DESC, id DESC").fetchall()
    return tuple(_exam(r) for r in rows)


def _for(exam: Exam, user: User) -> bool:
    return not exam.tier or exam.tier == user.tier


def find_exam_questions_in_play(settings: Settings, now: datetime | None = None) -> frozenset[str]:
    """The ids of the questions of every exam open now (until its answers may be shown): a self-test holds them
    back, or a taker could read their answers and explanations there during the exam."""
    now = current_time(now)
    return frozenset(
        q.id for e in list_exams(settings) if e.opens_at <= now and not e.is_over(now) for q in e.questions
    )


def exams_open_to(settings: Settings, user: User, now: datetime | None = None) -> tuple[Exam, ...]:
    """The exams whose window is open now and that are for the user's tier (or for every tier)."""
    now = current_time(now)
    return tuple(e for e in list_exams(settings) if e.state(now) == OPEN and _for(e, user))


# ---------------------------------------------------------------- sittings


def _row(con, exam_id: int, name: str):
    return con.execute("SELECT * FROM quiz_attempts WHERE exam_id = ? AND user = ?", (exam_id, name)).fetchone()


def sitting_of(settings: Settings, user: User | str, exam_id: int, now: datetime | None = None) -> Sitting | None:
    """The user's sitting of the exam, or None when they have not started it."""
    exam, name = get_exam(settings, exam_id), user.name if isinstance(user, User) else user
    with closing(database.connect(settings)) as con:
        row = _row(con, exam_id, name)
    return _sitting(row, exam, current_time(now)) if row else None


def list_sittings(settings: Settings, user: User | str, now: datetime | None = None) -> tuple[Sitting, ...]:
    """The user's sittings of every exam, the latest start first."""
    name, now = user.name if isinstance(user, User) else user, current_time(now)
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT * FROM quiz_attempts WHERE exam_id IS NOT NULL AND user = ? ORDER BY started_at DESC, id DESC",
            (name,),
        ).fetchall()
    exams = {e.id: e for e in list_exams(settings)}
    return tuple(_sitting(r, exams[r["exam_id"]], now) for r in rows if r["exam_id"] in exams)


def start_exam(settings: Settings, user: User | str, exam_id: int, now: datetime | None = None) -> Sitting:
    """Start the user's one sitting (its clock starts now; unit and tier recorded as they are now); a sitting
    still in progress is returned as it is, a finished one refuses a second start."""
    taker, exam, now = accounts.require(settings, user, READ), get_exam(settings, exam_id), current_time(now)
    with database.transaction(settings) as con:
        row = _row(con, exam.id, taker.name)
        if row is not None:
            sitting = _sitting(row, exam, now)
            if sitting.status == IN_PROGRESS:
                return sitting
            raise PublishError(f"你已参加过比武“{exam.title}”（{sitting.status}）；每人只能参加一次")
        if not _for(exam, taker):
            raise AuthError(
                f"比武“{exam.title}”面向{exam.tier}；你的层级是{taker.tier or '未设置'}（层级由管理员在账号管理中设置）"
            )
        if now < exam.opens_at:
            raise PublishError(f"比武“{exam.title}”尚未开始；开始时间 {shown(exam.opens_at)}")
        if now >= exam.closes_at:
            raise PublishError(f"比武“{exam.title}”已于 {shown(exam.closes_at)} 截止")
        if now > exam.latest_start:
            raise PublishError(
                f"比武“{exam.title}”将于 {shown(exam.closes_at)} 截止，剩余时间已不足答题时限 "
                f"{exam.time_limit_minutes} 分钟，不能再开始（最晚开始时间 {shown(exam.latest_start)}）"
            )
        con.execute(
            "INSERT INTO quiz_attempts (user, unit, tier, exam_id, source, started_at, total) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (taker.name, taker.unit, taker.tier, exam.id, SOURCE, _text(now), len(exam.questions)),
        )
        row = _row(con, exam.id, taker.name)
    return _sitting(row, exam, now)


def response_text(question: Question, response: str | Sequence[str] | None) -> str:
    """A response as stored: letters joined by “、”, blanks by “；”, else the text."""
    if response is None:
        return ""
    if isinstance(response, str):
        return response.strip()
    parts = [str(r).strip() for r in response]
    return ("；" if question.type == FILL else "、").join(parts)


def submit_exam(
    settings: Settings,
    user: User | str,
    exam_id: int,
    responses: Mapping[str, str | Sequence[str] | None],
    now: datetime | None = None,
) -> Sitting:
    """Hand in the user's answers (question id → response; a question left out is wrong) and score them with
    kb.content.quizzes.grade. After the time limit and GRACE the sitting is closed as 超时, nothing counted,
    and PublishError says so."""
    taker, exam, now = accounts.require(settings, user, READ), get_exam(settings, exam_id), current_time(now)
    late: Sitting | None = None
    with database.transaction(settings) as con:
        row = _row(con, exam.id, taker.name)
        if row is None:
            raise PublishError(f"你还没有开始比武“{exam.title}”")
        sitting = _sitting(row, exam, now)
        if sitting.finished_at is not None:
            raise PublishError(f"你已交卷（{sitting.status}）；比武“{exam.title}”每人只能提交一次")
        if now > sitting.deadline + GRACE:
            con.execute("UPDATE quiz_attempts SET finished_at = ?, score = 0 WHERE id = ?", (_text(now), row["id"]))
            audit.record(con, taker.name, "exam_submit", f"比武 {exam.id}", f"{TIMED_OUT}：答卷未计分")
            late = sitting
        else:
            score = 0
            for position, question in enumerate(exam.questions, 1):
                given = responses.get(question.id)
                correct = bool(given) and grade(question, given)
                score += correct
                con.execute(
                    "INSERT INTO quiz_answers (attempt_id, position, question_id, response, correct, answered_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        row["id"],
                        position,
                        question.id,
                        database.storable(response_text(question, given)),
                        int(correct),
                        _text(now),
                    ),
                )
            con.execute(
                "UPDATE quiz_attempts SET finished_at = ?, score = ? WHERE id = ?", (_text(now), score, row["id"])
            )
            audit.record(con, taker.name, "exam_submit", f"比武 {exam.id}", f"得分 {score} / {len(exam.questions)}")
        row = _row(con, exam.id, taker.name)
    if late is not None:
        raise PublishError(
            f"已超过答题时限：你于 {late.started_at:%H:%M:%S} 开始，限时 {exam.time_limit_minutes} 分钟，"
            f"应在 {late.deadline:%H:%M:%S} 前交卷（另有 1 分钟宽限）；本次答卷不计分，记为“{TIMED_OUT}”"
        )
    return _sitting(row, exam, now)


def review_sitting(
    settings: Settings, user: User | str, exam_id: int, now: datetime | None = None
) -> tuple[AnswerReview, ...]:
    """The user's answers with the right answers and explanations: only once the exam is over."""
    exam, now = get_exam(settings, exam_id), current_time(now)
    name = user.name if isinstance(user, User) else user
    if not exam.is_over(now):
        raise PublishError(f"比武“{exam.title}”于 {shown(exam.closes_at)} 截止，截止后公布答案与解析")
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT position, response, correct FROM quiz_answers JOIN quiz_attempts ON attempt_id = id"
            " WHERE exam_id = ? AND user = ?",
            (exam.id, name),
        ).fetchall()
    given = {r["position"]: r for r in rows}
    return tuple(
        AnswerReview(
            n,
            q,
            given[n]["response"] if n in given else "",
            bool(given[n]["correct"]) if n in given else False,
        )
        for n, q in enumerate(exam.questions, 1)
    )


def sittings(settings: Settings, exam: Exam, now: datetime | None = None) -> tuple[Sitting, ...]:
    """Every sitting of the exam, in the order started."""
    with closing(database.connect(settings)) as con:
        rows = con.execute("SELECT * FROM quiz_attempts WHERE exam_id = ? ORDER BY id", (exam.id,)).fetchall()
    return tuple(_sitting(r, exam, current_time(now)) for r in rows)
