"""Learning progress: each user's 已学习 marks on the learning paths, and path completion by person, unit and tier."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass

from kb.content.learning import LEARNING_FILE, load_learning_paths
from kb.errors import KBError
from kb.roles import READ
from kb.settings import Settings
from kb.workflow import accounts, database
from kb.workflow.accounts import User

MAX_ID_CHARS = 64
NO_UNIT = "未设置单位"
# The table (learning_marks) is kb.workflow.database's migration 11. A mark belongs to a document, not a
# path: a guide read on the 法制员 path counts on the 单位负责人 path too.


@dataclass(frozen=True)
class Mark:
    """One document a user marked as learned, and when."""

    doc_id: str
    marked_at: str


@dataclass(frozen=True)
class PersonProgress:
    """One account's completion of its own tier's learning path."""

    name: str
    unit: str
    tier: str
    done: int
    total: int

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {"name": self.name, "unit": self.unit, "tier": self.tier, "done": self.done, "total": self.total}


@dataclass(frozen=True)
class GroupProgress:
    """Completion of a tier's path over a group of people (one unit, or every unit when `unit` is "")."""

    unit: str
    tier: str
    people: int
    finished: int  # people who have learned the whole path
    done: int  # marks on the path, summed over the people
    total: int  # path length times people

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {
            "unit": self.unit,
            "tier": self.tier,
            "people": self.people,
            "finished": self.finished,
            "done": self.done,
            "total": self.total,
        }


@dataclass(frozen=True)
class ProgressReport:
    """Per person, per unit and tier, and per tier; `untiered` counts enabled accounts left out for want of a tier."""

    people: tuple[PersonProgress, ...]
    units: tuple[GroupProgress, ...]
    tiers: tuple[GroupProgress, ...]
    untiered: int


def _learner(settings: Settings, user: User | str) -> str:
    # re-read: a disabled or deleted account records nothing
    return accounts.require(settings, user, READ).name


def _doc_id(doc_id: str) -> str:
    doc_id = (doc_id or "").strip()
    if not doc_id or len(doc_id) > MAX_ID_CHARS:
        raise KBError(f"文档编号“{database.storable(doc_id[:MAX_ID_CHARS])}”不合法")
    return doc_id


def mark_learned(settings: Settings, user: User | str, doc_id: str) -> None:
    """Record that the user has learned the document (marking it again keeps the first time)."""
    name, doc_id = _learner(settings, user), _doc_id(doc_id)
    with database.transaction(settings) as con:
        con.execute(
            "INSERT OR IGNORE INTO learning_marks (user, doc_id, marked_at) VALUES (?, ?, ?)",
            (name, doc_id, database.now_text()),
        )


def unmark_learned(settings: Settings, user: User | str, doc_id: str) -> None:
    """Take the user's 已学习 mark off the document (nothing happens when there is none)."""
    name, doc_id = _learner(settings, user), _doc_id(doc_id)
    with database.transaction(settings) as con:
        con.execute("DELETE FROM learning_marks WHERE user = ? AND doc_id = ?", (name, doc_id))


def list_learned(settings: Settings, user: User | str) -> tuple[Mark, ...]:
    """The documents the user has marked as learned, oldest mark first."""
    name = user.name if isinstance(user, User) else user
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT doc_id, marked_at FROM learning_marks WHERE user = ? ORDER BY marked_at, doc_id", (name,)
        ).fetchall()
    return tuple(Mark(r["doc_id"], r["marked_at"]) for r in rows)


def _group(unit: str, tier: str, people: Iterable[PersonProgress]) -> GroupProgress:
    people = list(people)
    return GroupProgress(
        unit=unit,
        tier=tier,
        people=len(people),
        finished=sum(1 for p in people if p.total and p.done == p.total),
        done=sum(p.done for p in people),
        total=sum(p.total for p in people),
    )


def summarize_progress(settings: Settings, unit: str | None = None, tier: str | None = None) -> ProgressReport:
    """How far each enabled account with a tier has got along its tier's path, and the sums by unit and by tier.

    `unit` and `tier` keep only the accounts of that unit or tier. People without a unit are grouped
    under NO_UNIT; accounts without a tier have no path and are only counted in `untiered`.
    """
    tiers = accounts.tier_choices(settings)
    loaded = load_learning_paths(settings.data_dir / LEARNING_FILE, tiers)
    paths = {t: {step.id for step in steps} for t, steps in loaded.paths.items()}
    with closing(database.connect(settings)) as con:
        marks: dict[str, set[str]] = {}
        for row in con.execute("SELECT user, doc_id FROM learning_marks"):
            marks.setdefault(row["user"], set()).add(row["doc_id"])
    chosen = [
        u
        for u in accounts.list_users(settings)
        if not u.disabled and (unit is None or u.unit == unit) and (tier is None or u.tier == tier)
    ]
    unit_order = {name: n for n, name in enumerate(accounts.unit_choices(settings))}
    tier_order = {name: n for n, name in enumerate(tiers)}

    def place(u) -> tuple:
        return (u.unit == "", unit_order.get(u.unit, len(unit_order)), u.unit, tier_order.get(u.tier, len(tiers)))

    people = tuple(
        PersonProgress(
            u.name,
            u.unit or NO_UNIT,
            u.tier,
            len(marks.get(u.name, set()) & paths.get(u.tier, set())),
            len(paths.get(u.tier, ())),
        )
        for u in sorted((u for u in chosen if u.tier), key=lambda u: (*place(u), u.name))
    )
    by_unit: dict[tuple[str, str], list[PersonProgress]] = {}
    by_tier: dict[str, list[PersonProgress]] = {}
    for p in people:
        by_unit.setdefault((p.unit, p.tier), []).append(p)
        by_tier.setdefault(p.tier, []).append(p)
    return ProgressReport(
        people=people,
        units=tuple(_group(u, t, group) for (u, t), group in by_unit.items()),
        tiers=tuple(_group("", t, by_tier[t]) for t in sorted(by_tier, key=lambda t: tier_order.get(t, len(tiers)))),
        untiered=sum(1 for u in chosen if not u.tier),
    )
