"""Published-version history in the workflow database, and the documents due for review (复核日期)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta

from kb.content.catalog import Published, find_published, load_content_taxonomy
from kb.content.documents import STATUS_CURRENT
from kb.content.frontmatter import read_meta_leniently
from kb.content.validation import load_content
from kb.errors import PublishError
from kb.roles import PERMISSIONS, REVIEW, ROLES
from kb.settings import Settings
from kb.statutes.citations import parse_citation
from kb.workflow import database

ACTION_LABELS = {"import": "原有版本", "publish": "发布", "supersede": "标记不再参照", "withdraw": "撤回"}
REVIEW_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Version:
    """One stored state of a published document."""

    doc_id: str
    version: int
    path: str
    text: str
    action: str
    at: str
    actor: str
    note: str

    @property
    def label(self) -> str:
        return f"第 {self.version} 版 · {ACTION_LABELS.get(self.action, self.action)} · {self.at[:16].replace('T', ' ')} · {self.actor}"


@dataclass(frozen=True)
class ReviewItem:
    """A document whose review-by date (复核日期) has passed or is near."""

    id: str
    title: str
    path: str
    review_by: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class Retirement:
    """How a document went out of use: withdrawn (撤回) or marked 不再参照, when, by whom and why."""

    doc_id: str
    action: str  # "withdraw" or "supersede"
    at: str
    actor: str
    reason: str  # the reason given when withdrawing; for a supersede, the note ("由 … 替代")
    title: str  # the document's title in its last text
    replaced_by: str  # its superseded_by, "" when none

    @property
    def day(self) -> str:
        """The date, YYYY-MM-DD."""
        return self.at[:10]

    @property
    def role(self) -> str:
        """The role that did it: withdrawing and superseding need the review permission, which only
        this role holds (history keeps the account's name, not its role at the time, which may have changed)."""
        return "或".join(r for r in ROLES if REVIEW in PERMISSIONS[r])


# -- writing history, inside the caller's transaction ------------------------------------------


def read_latest_version(con: sqlite3.Connection, doc_id: str) -> int:
    """The highest version stored for a document, 0 when it has no history."""
    return con.execute("SELECT COALESCE(MAX(version), 0) FROM versions WHERE doc_id = ?", (doc_id,)).fetchone()[0]


def add_version(
    con: sqlite3.Connection,
    doc_id: str,
    version: int,
    rel: str,
    text: str,
    action: str,
    actor: str,
    draft_id: int | None = None,
    note: str = "",
) -> None:
    """Store one state of a document (`action` is a key of ACTION_LABELS)."""
    con.execute(
        "INSERT INTO versions (doc_id, version, path, text, action, at, actor, draft_id, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc_id, version, rel, text, action, database.now_text(), actor, draft_id, note),
    )


def keep_baseline(con: sqlite3.Connection, current: Published | None) -> None:
    """Store the file as it is now if history does not have it (documents written before publishing existed)."""
    if current is None:
        return
    known = con.execute(
        "SELECT 1 FROM versions WHERE doc_id = ? AND version = ? AND action != 'withdraw'",
        (current.id, current.version),
    ).fetchone()
    if not known:
        add_version(con, current.id, current.version, current.path, current.text, "import", "")


# -- reading history and review dates ----------------------------------------------------------


def history(settings: Settings, doc_id: str) -> list[Version]:
    """Every stored state of a document, oldest first (including withdrawals)."""
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT doc_id, version, path, text, action, at, actor, note FROM versions WHERE doc_id = ?"
            " ORDER BY version, id",
            (doc_id,),
        ).fetchall()
    return [Version(**dict(r)) for r in rows]


def version_text(settings: Settings, doc_id: str, version: int) -> str:
    """The text of one stored version; PublishError when there is none."""
    with closing(database.connect(settings)) as con:
        row = con.execute(
            "SELECT text FROM versions WHERE doc_id = ? AND version = ? AND action != 'withdraw' ORDER BY id DESC",
            (doc_id, int(version)),
        ).fetchone()
    if row is None:
        current = find_published(settings, doc_id)
        if current is not None and current.version == int(version):
            return current.text
        raise PublishError(f"{doc_id} 没有第 {version} 版的记录")
    return row[0]


def _retirement(row) -> Retirement:
    meta = read_meta_leniently(row["text"])
    title = meta.get("title")
    replaced_by = meta.get("superseded_by")
    return Retirement(
        row["doc_id"],
        row["action"],
        row["at"],
        row["actor"],
        row["note"],
        title.strip() if isinstance(title, str) else "",
        replaced_by.strip() if isinstance(replaced_by, str) else "",
    )


def _last_row(settings: Settings, where: str, doc_id: str) -> sqlite3.Row | None:
    """The newest history row of a document matching `where`; PublishError when the database cannot be read."""
    sql = f"SELECT doc_id, action, at, actor, note, text FROM versions WHERE doc_id = ?{where} ORDER BY id DESC LIMIT 1"
    try:
        with closing(database.connect(settings)) as con:
            return con.execute(sql, (doc_id,)).fetchone()
    except (sqlite3.Error, OSError) as exc:
        raise PublishError(f"无法读取版本记录（{settings.db_path}）：{exc}") from exc


def withdrawal(settings: Settings, doc_id: str) -> Retirement | None:
    """The withdrawal of a document whose last recorded state is withdrawn; None otherwise."""
    row = _last_row(settings, "", doc_id)
    return _retirement(row) if row is not None and row["action"] == "withdraw" else None


def superseded_on(settings: Settings, doc_id: str) -> Retirement | None:
    """The last time a document was marked 不再参照 through this system; None when never."""
    row = _last_row(settings, " AND action = 'supersede'", doc_id)
    return _retirement(row) if row is not None else None


def documents_with_history(settings: Settings) -> list[str]:
    """Ids that have stored versions, sorted."""
    with closing(database.connect(settings)) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT doc_id FROM versions ORDER BY doc_id")]


def due_for_review(
    settings: Settings, today: date | None = None, within_days: int = REVIEW_WINDOW_DAYS
) -> list[ReviewItem]:
    """Documents in force whose review-by date (复核日期) is past or within `within_days`, soonest first."""
    today = today or date.today()
    horizon = today + timedelta(days=within_days)
    content = load_content(settings.content_dir, load_content_taxonomy(settings), parse_citation)
    items = [
        ReviewItem(d.id, d.title, d.path, d.review_by, (d.review_by - today).days)
        for d in content.documents
        if d.review_by is not None and d.status == STATUS_CURRENT and d.review_by <= horizon
    ]
    return sorted(items, key=lambda i: (i.review_by, i.id))


__all__ = [
    "Retirement",
    "ReviewItem",
    "Version",
    "add_version",
    "documents_with_history",
    "due_for_review",
    "history",
    "keep_baseline",
    "read_latest_version",
    "superseded_on",
    "version_text",
    "withdrawal",
]
