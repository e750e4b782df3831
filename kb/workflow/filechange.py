"""Changing content files atomically: staged beside the target, renamed over it inside a database
transaction, and journaled so that a crash at any moment is rolled back or completed at the next start."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from kb.files import private_dir, write_atomic
from kb.settings import Settings

Step = Callable[[str], None]


def stage_file(settings: Settings, rel: str, text: str) -> Path:
    """Write `text` to a hidden temporary file in the target folder, flushed to disk."""
    target = settings.content_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    with tmp.open("wb") as fh:
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_file(path: Path) -> None:
    """Delete a file if it is there."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _backup_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.bak")


def _keep_copy(target: Path, backup: Path) -> None:
    """Keep the file as it is under `backup`: a hard link, or a whole copy renamed into place (a
    backup is never half written, since undoing puts it back over the target)."""
    try:
        os.link(target, backup)
    except OSError:
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        shutil.copy2(target, partial)
        os.replace(partial, backup)


class FileChanges:
    """Changes to content files made inside one database transaction: all kept or all undone.

    Before the first file is touched, a journal naming every staged file, target and backup is
    written (flushed) to `journal_dir`, and `seal` puts the journal's token in the transaction.
    The renames come last in the transaction. After a crash, `settle_journal` decides from the
    token alone: in the database, the transaction committed and the backups are dropped; not
    there, it did not and every target is put back as it was.
    """

    def __init__(self, journal_dir: Path, label: str = "", step: Step | None = None):
        self.token = uuid.uuid4().hex
        self.journal = journal_dir / f"{self.token}.json"
        self.label = label
        self.entries: list[dict] = []
        self._step = step or (lambda name: None)

    def _write_journal(self) -> None:
        private_dir(self.journal.parent)
        data = {"token": self.token, "label": self.label, "entries": self.entries}
        write_atomic(self.journal, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        _fsync_dir(self.journal.parent)

    def seal(self, con) -> None:
        """Record the token inside the caller's transaction: it commits exactly when the changes do."""
        con.execute("INSERT INTO file_changes (token, label) VALUES (?, ?)", (self.token, self.label))

    def put(self, target: Path, staged: Path) -> None:
        """Rename the staged file over the target (atomic), keeping the old file aside until `finish`."""
        entry = {"op": "put", "target": str(target), "staged": str(staged), "backup": "", "existed": target.exists()}
        if entry["existed"]:
            entry["backup"] = str(_backup_name(target))
        self.entries.append(entry)
        self._write_journal()
        self._step("journaled")
        try:
            if entry["existed"]:
                _keep_copy(target, Path(entry["backup"]))
                self._step("backed_up")
            os.replace(staged, target)
            _fsync_dir(target.parent)
        except BaseException:
            _undo(entry)
            raise
        self._step("renamed")

    def remove(self, target: Path) -> None:
        """Take the target away (withdraw, a move), keeping it aside until `finish`."""
        entry = {"op": "remove", "target": str(target), "staged": "", "backup": str(_backup_name(target))}
        entry["existed"] = True
        self.entries.append(entry)
        self._write_journal()
        self._step("journaled")
        try:
            os.replace(target, entry["backup"])
            _fsync_dir(target.parent)
        except BaseException:
            _undo(entry)
            raise
        self._step("renamed")

    def undo(self) -> None:
        """Put every target back as it was (the transaction did not commit), then drop the journal."""
        for entry in reversed(self.entries):
            _undo(entry)
        remove_file(self.journal)
        self.entries = []

    def finish(self) -> None:
        """Drop the old files kept aside and the journal, once the transaction has committed.

        Best effort: whatever is left is cleaned at the next start (the journal says how).
        """
        try:
            for entry in self.entries:
                _finish(entry)
            remove_file(self.journal)
        except OSError:
            pass
        self.entries = []


def _undo(entry: dict) -> bool:
    """Put one target back; True when a file on disk changed. Safe to repeat (recovery may crash too)."""
    target, staged, backup = Path(entry["target"]), entry.get("staged") or "", entry.get("backup") or ""
    changed = False
    if entry.get("existed"):
        if backup and os.path.lexists(backup):
            os.replace(backup, target)  # the old file, whether or not the rename had happened
            changed = True
    elif staged and not os.path.lexists(staged) and target.exists():
        remove_file(target)  # the staged file was renamed into a place where no file was
        changed = True
    if staged and os.path.lexists(staged):
        remove_file(Path(staged))
    if changed:
        _fsync_dir(target.parent)
    return changed


def _finish(entry: dict) -> bool:
    backup = entry.get("backup") or ""
    if backup and os.path.lexists(backup):
        remove_file(Path(backup))
        return True
    return False


def journals(journal_dir: Path) -> Iterator[Path]:
    """The journals of changes that were not finished or undone (a crash happened), oldest first."""
    if not journal_dir.is_dir():
        return iter(())
    return iter(sorted(journal_dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns))


def settle_journal(journal: Path, committed: Callable[[str], bool]) -> tuple[str, str, list[str]]:
    """Complete or undo the changes of one journal left by a crash; return (outcome, label, targets changed).

    `outcome` is "committed" (backups dropped) or "rolled_back" (targets put back); `committed(token)`
    answers from the database. The caller removes the journal once it has recorded what was done
    (settling again is harmless). A journal that cannot be read was being written when the crash
    came, before any file was touched: it is written in full and renamed into place.
    """
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        token, label, entries = data["token"], data.get("label", ""), list(data["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return "rolled_back", "", []
    if committed(token):
        return "committed", label, [e["target"] for e in entries if _finish(e)]
    return "rolled_back", label, [e["target"] for e in reversed(entries) if _undo(e)]


__all__ = [
    "FileChanges",
    "journals",
    "private_dir",
    "remove_file",
    "settle_journal",
    "stage_file",
]
