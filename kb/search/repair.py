"""An index that missed a change to the files: the marker a publish writes when it cannot index, and why to catch up."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

from kb.content.documents import iter_content_files
from kb.files import private_dir, write_atomic
from kb.search.generations import META_FILE, read_meta
from kb.settings import Settings

REPAIR_FILE = "NEEDS_REPAIR"


def mark_needs_repair(index_dir: Path, reason: str) -> bool:
    """Note that the index missed a change to the files (a publish could not update it, a crash);
    the next build, or the app's next start, brings it up to date. False when it cannot be written."""
    path = Path(index_dir) / REPAIR_FILE
    reasons = read_repair_marker(index_dir).get("reasons", [])[-9:] + [reason]
    record = {"token": uuid.uuid4().hex, "at": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        private_dir(path.parent)
        write_atomic(path, json.dumps({**record, "reasons": reasons}, ensure_ascii=False).encode("utf-8"))
    except OSError:
        return False
    return True


def read_repair_marker(index_dir: Path) -> dict:
    """The repair marker ({} when there is none)."""
    try:
        data = json.loads((Path(index_dir) / REPAIR_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def clear_repair_marker(index_dir: Path, seen: dict) -> None:
    """Remove the marker a build has answered; one written meanwhile (another publish) stays."""
    if read_repair_marker(index_dir).get("token") == seen.get("token"):
        try:
            (index_dir / REPAIR_FILE).unlink()
        except FileNotFoundError:
            pass


def catch_up_reason(settings: Settings, live: Path | None) -> str:
    """Why the index whose live generation is `live` must catch up with the files ("" when it need not):
    a repair marker, or content files added, changed or deleted since it was last written (a crash in between)."""
    if live is None:
        return ""
    marker = read_repair_marker(settings.index_dir)
    if marker:
        return "；".join(marker.get("reasons", [])) or "上次发布未能更新索引"
    try:
        written = (live / META_FILE).stat().st_mtime_ns
    except OSError:
        return "索引缺少构建记录"
    indexed = set(read_meta(live).get("docs", {}))
    files = iter_content_files(settings.content_dir)
    if {p.relative_to(settings.content_dir).as_posix() for p in files} != indexed:
        return "内容文件与索引不一致"
    if any(p.stat().st_mtime_ns > written for p in files):
        return "内容文件比索引新"
    return ""


__all__ = ["REPAIR_FILE", "catch_up_reason", "clear_repair_marker", "mark_needs_repair", "read_repair_marker"]
