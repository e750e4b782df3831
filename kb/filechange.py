"""Changing one content file atomically: staged beside it, renamed over it, put back if the transaction fails."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from kb.settings import Settings


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


class FileChange:
    """A change to one content file made inside a database transaction, undone if that transaction fails.

    The rename comes last in the transaction; should the COMMIT itself fail after it, `undo` puts the
    old file back, so the file and the version history never disagree.
    """

    def __init__(self, target: Path):
        self.target = target
        self.backup: Path | None = None
        self.done = False

    def _keep_old(self) -> None:
        if self.target.exists():
            self.backup = self.target.with_name(f".{self.target.name}.{uuid.uuid4().hex[:8]}.bak")
            try:
                os.link(self.target, self.backup)
            except OSError:
                shutil.copy2(self.target, self.backup)

    def put(self, staged: Path) -> None:
        """Rename the staged file over the target (atomic); the old file stays intact if this fails."""
        self._keep_old()
        os.replace(staged, self.target)
        self.done = True
        _fsync_dir(self.target.parent)

    def remove(self) -> None:
        """Take the target away (withdraw), keeping it aside until the transaction commits."""
        self.backup = self.target.with_name(f".{self.target.name}.{uuid.uuid4().hex[:8]}.bak")
        os.replace(self.target, self.backup)
        self.done = True
        _fsync_dir(self.target.parent)

    def undo(self) -> None:
        """Put the old file back (or take the new one away); also right after a rename whose COMMIT failed."""
        if self.done:
            if self.backup is not None:
                os.replace(self.backup, self.target)
            else:
                remove_file(self.target)
            _fsync_dir(self.target.parent)
        elif self.backup is not None:
            remove_file(self.backup)
        self.backup, self.done = None, False

    def finish(self) -> None:
        """Drop the old file kept aside, once the transaction has committed."""
        if self.backup is not None:
            remove_file(self.backup)
        self.backup = None
