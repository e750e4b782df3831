"""The workflow database connection and its append-only audit log (who did what, when), with CSV export."""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kb.settings import Settings
from kb.workflow.filechange import private_dir

BUSY_TIMEOUT_MS = 10_000

# action code -> label shown to users; codes are stored, labels only displayed
ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "登录延迟",
    "logout": "退出登录",
    "user_add": "新增用户",
    "user_passwd": "修改密码",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "user_role": "修改角色",
    "draft_create": "新建草稿",
    "upload": "上传文件",
    "save": "保存草稿",
    "save_refused": "保存被拒（版本冲突）",
    "submit": "提交审核",
    "return": "退回修改",
    "publish": "发布",
    "publish_failed": "发布失败",
    "supersede": "标记不再参照",
    "withdraw": "撤回",
    "discard": "作废草稿",
    "recover": "启动恢复",
    "denied": "越权被拒",
    "popular_pin": "固定常用检索",
    "popular_hide": "隐藏检索词",
    "popular_reset": "取消固定或隐藏",
}

_SCHEMA = """
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
"""

_schemas: list[str] = [_SCHEMA]
_ready: dict[str, int] = {}  # database path -> number of schemas applied


def register_schema(sql: str) -> None:
    """Add tables (CREATE … IF NOT EXISTS) that connect() creates in every database it opens."""
    if sql not in _schemas:
        _schemas.append(sql)


def _path(target: Settings | Path | str) -> Path:
    return Path(target.db_path if isinstance(target, Settings) else target)


def connect(target: Settings | Path | str) -> sqlite3.Connection:
    """Open the workflow database (WAL, busy timeout, manual transactions), creating missing tables."""
    path = _path(target)
    private_dir(path.parent)
    fresh = not path.exists()  # a database deleted while the process runs gets its tables again
    if fresh:
        # Created here for its mode: SQLite would make it (and its -wal, -shm files, which copy
        # the database's mode) readable by every user of the machine.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so read-check-write is serialised
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    key = str(path.resolve())
    if fresh or _ready.get(key) != len(_schemas):
        con.execute("PRAGMA journal_mode = WAL")
        for sql in _schemas:
            con.executescript(sql)
        _ready[key] = len(_schemas)
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
    """Text SQLite can store: lone surrogates (a name typed as undecodable bytes on the command
    line) become U+FFFD instead of failing the write."""
    return _SURROGATES.sub("\ufffd", text)


_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format characters, surrogates, line separators


def visible(text: str) -> str:
    """Text safe to print: control and format characters (escape sequences, bidi overrides,
    line breaks) shown as escapes such as \\x1b or \\u202e, so a name typed at the login form
    cannot recolour a terminal, move its cursor or reorder a line of the audit log."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _INVISIBLE else ch for ch in text
    )


def record(con: sqlite3.Connection, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one entry inside the caller's transaction, so it commits (or not) with the action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        # bounded: a failed login records whatever name was typed
        (
            now_text(),
            storable((actor or "")[:100]),
            action,
            storable((target or "")[:200]),
            storable((detail or "")[:2000]),
        ),
    )


def log(settings: Settings | Path | str, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one entry in its own transaction (for events that change nothing else, like a failed login)."""
    with transaction(settings) as con:
        record(con, actor, action, target, detail)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str

    @property
    def label(self) -> str:
        """The action in Chinese."""
        return ACTIONS.get(self.action, self.action)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "label": self.label,
            "target": self.target,
            "detail": self.detail,
        }


def read_entries(
    settings: Settings | Path | str,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Read the log, newest first, optionally filtered; callers check who may see it."""
    where, args = [], []
    for column, value in (("actor", actor), ("action", action), ("target", target)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    sql = "SELECT id, at, actor, action, target, detail FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        args.append(int(limit))
    with closing(connect(settings)) as con:
        return [AuditEntry(**dict(row)) for row in con.execute(sql, args)]


CSV_HEADER = ("序号", "时间", "用户", "操作", "对象", "说明")


def _cell(value: object) -> str:
    text = str(value)
    # Spreadsheet programs run cells that start with these as formulas; defuse them.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(entries: Iterable[AuditEntry]) -> bytes:
    """The entries as CSV in UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow([e.id, e.at, _cell(e.actor), e.label, _cell(e.target), _cell(e.detail)])
    return buffer.getvalue().encode("utf-8-sig")
