"""What publish, supersede, withdraw and recovery share: the lock, the journaled transaction, the step hook,
re-indexing, and the result they return."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.content.documents import Document
from kb.errors import KBError, PublishError
from kb.settings import Settings
from kb.workflow import database
from kb.workflow.filechange import FileChanges, private_dir

JOURNAL_DIR = "publish-journal"  # beside the database: journals of changes in progress, and the lock
LOCK_TIMEOUT = 30.0
# The steps of a publish, in order; each calls _step(name) (file steps once per file changed).
STEPS = ("staged", "recorded", "journaled", "backed_up", "renamed", "committed", "finished")

# The file_changes table is committed with the transaction that makes the changes of a journal
# (kb.workflow.filechange.FileChanges.seal); it is kb.workflow.database's migration 6.


@dataclass(frozen=True)
class PublishResult:
    """What a publish, supersede or withdraw did."""

    doc_id: str
    version: int
    path: str
    document: Document | None
    superseded: tuple[str, ...] = ()
    indexed: bool = True
    warning: str = ""


def _step(name: str) -> None:
    """Called at each step of STEPS; does nothing. Tests replace it to crash a publish at that step."""


def _file_step(name: str) -> None:
    _step(name)  # looked up at each call, so that a test's replacement is seen


# -- the lock and the journal ------------------------------------------------------------------


def journal_dir(settings: Settings) -> Path:
    """Where the journals of file changes in progress are kept (beside the database)."""
    return settings.db_path.parent / JOURNAL_DIR


@contextmanager
def publish_lock(settings: Settings, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One publish, supersede, withdraw or recovery at a time, across threads and processes.

    Recovery must never mistake another process's staged file for a crash's leftover.
    """
    folder = private_dir(journal_dir(settings))
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishError("另一个发布、替代或撤回正在进行；请稍后重试") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def committed(con: sqlite3.Connection, token: str) -> bool:
    """Whether the transaction that sealed the journal `token` committed."""
    return con.execute("SELECT 1 FROM file_changes WHERE token = ?", (token,)).fetchone() is not None


def _abandon(settings: Settings, changes: FileChanges) -> None:
    """After a failure: undo the file changes, unless the transaction committed after all (then the
    next start completes them from the journal, as it does when the database cannot say)."""
    try:
        with closing(database.connect(settings)) as con:
            done = committed(con, changes.token)
    except (sqlite3.Error, OSError):
        return
    if not done:
        changes.undo()


@contextmanager
def journaled(
    settings: Settings, label: str, failed: Callable[[BaseException], None] | None = None
) -> Iterator[tuple[sqlite3.Connection, FileChanges]]:
    """One transaction whose file changes are journaled and sealed in it: on any failure they are undone
    (then `failed` runs, and may raise in the failure's place); once it commits they are finished."""
    changes = FileChanges(journal_dir(settings), label, _file_step)
    try:
        with database.transaction(settings) as con:
            changes.seal(con)
            yield con, changes
    except BaseException as exc:
        _abandon(settings, changes)
        if failed is not None:
            failed(exc)
        raise
    _step("committed")
    changes.finish()
    _step("finished")


# -- re-indexing -------------------------------------------------------------------------------


def reindex(settings: Settings, docs: list[Document], removed: Iterable[str] = ()) -> tuple[bool, str]:
    """Update the index; when that fails, leave a marker so that the next start or build catches up."""
    from kb.search.index import index_documents, mark_needs_repair  # late: loading the analyzer is slow

    try:
        index_documents(settings, docs, list(removed))
    except Exception as exc:  # any failure: the files are published, the index must not stay silently stale
        reason = str(exc) if isinstance(exc, KBError) else f"{type(exc).__name__}: {exc}"
        changed = "、".join([d.id for d in docs] + list(removed))
        mark_needs_repair(settings.index_dir, f"{changed} 未写入索引（{reason}）")
        return False, (
            f"文件已发布，但检索索引未更新（{reason}）；已记下待修复，"
            "下次启动应用或运行 python indexer.py build 时自动补上"
        )
    return True, ""
