"""Front matter in raw draft text: read it leniently (for the preview too), set keys in place, guess the type."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from kb.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, split_front_matter
from kb.errors import PublishError

_KEY_LINE = re.compile(r"^(id|title|category)\s*:\s*(.*?)\s*$", re.M)


def read_meta_leniently(text: str) -> dict:
    """Front matter as a dict; when the YAML is broken, the simple `key: value` lines still found."""
    source = split_front_matter(text.replace("\r\n", "\n"))
    if source.front_matter is None:
        return {}
    try:
        meta = yaml.safe_load(source.front_matter)
    except yaml.YAMLError:
        # still place the file where it belongs, so the problems name the right path
        return {k: v.strip("'\"") for k, v in _KEY_LINE.findall(source.front_matter)}
    return meta if isinstance(meta, dict) else {}


def set_front_matter(text: str, updates: dict[str, object]) -> str:
    """Set scalar front-matter keys, keeping every other line as the author wrote it."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise PublishError("缺少 front matter；文件须以“---”行开始")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise PublishError("front matter 没有结束的“---”行")
    for key, value in updates.items():
        new_line = f"{key}: {value}"
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        at = next((i for i in range(1, end) if pattern.match(lines[i])), None)
        if at is None:
            lines.insert(end, new_line)
            end += 1
            continue
        stop = at + 1
        while stop < end and lines[stop][:1] in (" ", "\t", "-"):  # a block list or folded value
            stop += 1
        lines[at:stop] = [new_line]
        end -= stop - at - 1
    return "\n".join(lines)


def guess_type(text: str, default: str = TYPE_GUIDE) -> str:
    """指引 or 案例 from the front matter's keys (case_type / kind), else `default`."""
    meta = read_meta_leniently(text)
    if "case_type" in meta or "charges" in meta:
        return TYPE_CASE
    if "kind" in meta:
        return TYPE_GUIDE
    return default


@dataclass(frozen=True)
class DraftView:
    """What a preview needs from a draft's text: the front matter fields shown above the body, and the body."""

    doc_type: str
    id: str
    title: str
    summary: str
    category: str
    case_type: str
    year: str
    status: str
    body: str
    supersedes: tuple[str, ...] = ()


def draft_view(text: str, doc_type: str = TYPE_GUIDE) -> DraftView:
    """Split a draft for the live preview, tolerating broken front matter (the body is still shown)."""
    text = text.replace("\r\n", "\n")
    meta = read_meta_leniently(text)
    body = split_front_matter(text).body

    def get(key: str) -> str:
        value = meta.get(key)
        return "" if value is None or isinstance(value, (list, dict)) else str(value).strip()

    return DraftView(
        guess_type(text, doc_type),
        get("id"),
        get("title"),
        get("summary"),
        get("category"),
        get("case_type"),
        get("year"),
        get("status") or STATUS_CURRENT,
        body,
        tuple(str(v) for v in meta.get("supersedes") or () if v) if isinstance(meta.get("supersedes"), list) else (),
    )
