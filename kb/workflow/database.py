"""The workflow database: connection, write transactions, stored text, and the schema as numbered migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kb.errors import MigrationError
from kb.settings import Settings
from kb.workflow.filechange import private_dir

BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Migration:
    """One schema step: its number (counted in PRAGMA user_version), the module that owns it, and its SQL."""

    number: int
    owner: str
    sql: str | Callable[[sqlite3.Connection], None]


# The workflow database's schema, in order. A change is a new step at the end; a step never changes once
# released. Steps 1-8 are the tables earlier releases created with CREATE … IF NOT EXISTS on every open,
# so a database from those releases (user_version 0, every table present) passes through them unchanged.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "kb.workflow.audit",
        """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
""",
    ),
    # users.failures and users.locked_until are left from the account lockout and no longer used.
    Migration(
        2,
        "kb.workflow.accounts",
        """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login TEXT NOT NULL DEFAULT ''
);
""",
    ),
    # An account whose password was set by someone else (the 管理员, or the operator at the command line)
    # has a row here until its owner changes the password; until then the app lets them do nothing else.
    Migration(
        3,
        "kb.workflow.accounts",
        """
CREATE TABLE IF NOT EXISTS password_must_change (
    name TEXT PRIMARY KEY,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
""",
    ),
    Migration(
        4,
        "kb.workflow.accounts",
        """
CREATE TABLE IF NOT EXISTS login_failures (
    name TEXT PRIMARY KEY,          -- the name as typed, whether or not such an account exists
    failures INTEGER NOT NULL,      -- failed logins in a row
    last REAL NOT NULL,             -- time of the last failure
    answer_at REAL NOT NULL         -- the next attempt for this name is answered from then on
);
""",
    ),
    Migration(
        5,
        "kb.workflow.sessions",
        """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,            -- names the session inside the server (a tab's state); never sent out
    token_hash TEXT UNIQUE,         -- SHA-256 of the cookie's token; NULL until the browser has taken it
    ticket_hash TEXT UNIQUE,        -- SHA-256 of the one-time ticket the login page hands its browser
    user TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL,
    expires REAL NOT NULL           -- the absolute end, however active the session is
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
""",
    ),
    # Committed with the transaction that makes the changes of a journal (kb.workflow.filechange.FileChanges.seal).
    Migration(
        6,
        "kb.workflow.publishing",
        """
CREATE TABLE IF NOT EXISTS file_changes (
    token TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
""",
    ),
    Migration(
        7,
        "kb.workflow.versions",
        """
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    action TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    draft_id INTEGER,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS versions_doc ON versions (doc_id, version);
""",
    ),
    Migration(
        8,
        "kb.workflow.drafts",
        """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_type TEXT NOT NULL,
    target_id TEXT NOT NULL DEFAULT '',   -- the published document a revision starts from
    base_version INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 1,       -- optimistic version: bumped by every save
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    published_version INTEGER NOT NULL DEFAULT 0
);
""",
    ),
    # The review queue (待复核): who is to review a document for one reason, and the "已复核，无需修改"
    # decisions, each tied to the reason it cleared (a reason's key names it: kind, law version, articles).
    Migration(
        9,
        "kb.workflow.reviewqueue",
        """
CREATE TABLE IF NOT EXISTS review_assignments (
    doc_id TEXT NOT NULL,
    reason_key TEXT NOT NULL,
    assignee TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, reason_key)
);
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    reason_key TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_decisions_doc ON review_decisions (doc_id, reason_key);
""",
    ),
    # An account's unit (a name from data/units.yaml) and tier (an audience of data/taxonomy.yaml); '' = not set.
    Migration(
        10,
        "kb.workflow.accounts",
        """
ALTER TABLE users ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT '';
""",
    ),
    # The documents each user has marked 已学习 on the learning paths (one mark counts on every path).
    Migration(
        11,
        "kb.workflow.progress",
        """
CREATE TABLE IF NOT EXISTS learning_marks (
    user TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (user, doc_id)
);
""",
    ),
    # Quiz files (quizzes/) edited in the app: drafts, and every published version of each file.
    Migration(
        12,
        "kb.workflow.quizdrafts",
        """
CREATE TABLE IF NOT EXISTS quiz_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    base_version INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    state TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quiz_versions (
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    draft_id INTEGER,
    at TEXT NOT NULL,
    PRIMARY KEY (path, version)
);
""",
    ),
    # Self-tests and exam sittings (exam_id NULL: a self-test), with each answer given. The unit and tier are
    # the account's when it answered, so a ranking by unit stays right after someone moves.
    Migration(
        13,
        "kb.workflow.selftests",
        """
CREATE TABLE IF NOT EXISTS quiz_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT '',
    exam_id INTEGER,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    score INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS quiz_attempts_exam ON quiz_attempts (exam_id, user) WHERE exam_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS quiz_attempts_user ON quiz_attempts (user);
CREATE TABLE IF NOT EXISTS quiz_answers (
    attempt_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    response TEXT NOT NULL,
    correct INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE INDEX IF NOT EXISTS quiz_answers_question ON quiz_answers (question_id);
""",
    ),
    # Exams (比武): who they are for, the questions drawn when created (kept as they were then), the time
    # limit and the window.
    Migration(
        14,
        "kb.workflow.exams",
        """
CREATE TABLE IF NOT EXISTS exams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    tier TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT '[]',
    questions TEXT NOT NULL,
    time_limit_minutes INTEGER NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
""",
    ),
)


def _statements(sql: str) -> Iterator[str]:
    # Split by hand rather than executescript(), which commits the open transaction first; a trigger's
    # BEGIN … END holds semicolons, so a statement ends where SQLite says it is complete.
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if pending.strip(" \n;") and sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def _apply(con: sqlite3.Connection, step: Migration) -> None:
    if callable(step.sql):
        step.sql(con)
    else:
        for statement in _statements(step.sql):
            con.execute(statement)


def migrate(con: sqlite3.Connection, steps: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the steps past PRAGMA user_version in order, in one transaction; return the version reached."""
    # The connection must be in autocommit mode (isolation_level None, or no transaction open).
    con.execute("BEGIN IMMEDIATE")
    step = None
    try:
        done = con.execute("PRAGMA user_version").fetchone()[0]  # read again, now under the write lock
        for step in steps:
            if step.number > done:
                _apply(con, step)
                con.execute(f"PRAGMA user_version = {int(step.number)}")
                done = step.number
    except BaseException as exc:
        con.execute("ROLLBACK")
        if step is None or not isinstance(exc, sqlite3.Error):
            raise
        raise MigrationError(f"数据库升级失败：第 {step.number} 步（{step.owner}）：{exc}") from exc
    con.execute("COMMIT")
    return done


def version(con: sqlite3.Connection) -> int:
    """The number of the last migration applied to this database (PRAGMA user_version)."""
    return con.execute("PRAGMA user_version").fetchone()[0]


def create_private(path: Path) -> bool:
    """Create the database file readable by its owner only, if missing; return whether it was created."""
    private_dir(path.parent)
    if path.exists():
        return False
    # Created here for its mode: SQLite would make it (and its -wal, -shm files, which copy
    # the database's mode) readable by every user of the machine.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return True


def _path(target: Settings | Path | str) -> Path:
    return Path(target.db_path if isinstance(target, Settings) else target)


def connect(target: Settings | Path | str) -> sqlite3.Connection:
    """Open the workflow database (WAL, busy timeout, manual transactions), applying missing migrations."""
    path = _path(target)
    create_private(path)  # a database deleted while the process runs gets its tables again
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so read-check-write is serialised
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if version(con) < MIGRATIONS[-1].number:
        con.execute("PRAGMA journal_mode = WAL")
        try:
            migrate(con)
        except BaseException:
            con.close()
            raise
    return con


@contextmanager
def transaction(target: Settings | Path | str) -> Iterator[sqlite3.Connection]:
    """Run a block in one write transaction (BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error)."""
    with closing(connect(target)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def now_text() -> str:
    """The current local time as stored in the database (ISO 8601, seconds, with offset)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


_SURROGATES = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text SQLite can store: lone surrogates (undecodable bytes from the command line) become U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format characters, surrogates, line separators


def visible(text: str) -> str:
    """Text safe to print: control and format characters shown as escapes such as \\x1b or \\u202e."""
    # so a name typed at the login form cannot recolour a terminal, move its cursor or reorder a log line
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _INVISIBLE else ch for ch in text
    )
