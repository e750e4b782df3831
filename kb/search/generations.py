"""The index folder's layout: generation folders, the CURRENT file naming the live one, and each one's build record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.files import write_atomic

CURRENT_FILE = "CURRENT"  # names the live generation folder (gen-000042) of an index folder
META_FILE = "casekb-meta.json"  # in a generation folder: the fingerprint and file hashes it was built from


def read_meta(gen_dir: Path) -> dict:
    """Read a generation's build metadata (fingerprint and file hashes)."""
    try:
        return json.loads((gen_dir / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def switch(index_dir: Path, gen_dir: Path, previous: Path | None) -> None:
    """Make `gen_dir` the live generation and remove all others but `previous` (the one live until now)."""
    write_atomic(index_dir / CURRENT_FILE, gen_dir.name.encode("utf-8"))
    # The previous generation stays until the next switch: searches already running on it
    # may still open its (non-compound) files.
    keep = {gen_dir.name} | ({previous.name} if previous is not None else set())
    for old in sorted(index_dir.glob("gen-*")):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder numbered after the highest one."""
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    path = index_dir / f"gen-{max(numbers, default=0) + 1:06d}"
    path.mkdir(mode=0o700)
    return path


def drop_abandoned(index_dir: Path, live: Path | None) -> None:
    """Remove generations newer than the live one: a full build that died before switching to it."""
    if live is None or not live.name[4:].isdigit():
        return
    for gen in index_dir.glob("gen-*"):
        if gen.name[4:].isdigit() and int(gen.name[4:]) > int(live.name[4:]):
            shutil.rmtree(gen, ignore_errors=True)


__all__ = ["CURRENT_FILE", "META_FILE", "drop_abandoned", "new_generation", "read_meta", "switch"]
