"""Low-level file helpers every layer uses: private folders, atomic writes, decoding text of unknown encoding."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

# Display names of the encodings an author's file may come in, for messages.
ENCODING_LABELS = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030", "big5": "Big5", "utf-16": "UTF-16"}


def private_dir(path: Path) -> Path:
    """Create a folder, and any missing parents, readable by this user only (0700); return it.

    Folders that already exist keep their mode: an administrator may have chosen it.
    """
    missing: list[Path] = []
    at = Path(path)
    while not at.exists():
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
    return Path(path)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file atomically (a flushed temporary beside it, renamed over it), readable by this user
    only unless `mode` says otherwise.

    The temporary is named `.<name>.<random>.tmp`: writers in other processes never share one, and a
    reader of the folder can tell (and clean up) what a killed writer left.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode != 0o600:  # mkstemp makes the file 0600 whatever the umask
            os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def decode(data: bytes, encodings: Iterable[str]) -> tuple[str, str] | None:
    """The text and the encoding of the first of `encodings` that decodes all of `data`; None when none does."""
    # Trial decoding rather than a detector library: the candidates are few and known, and the
    # first that fits is the answer the messages promise (GBK before Big5 for mainland files).
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


__all__ = ["ENCODING_LABELS", "decode", "private_dir", "write_atomic"]
