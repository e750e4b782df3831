"""Differences between two front matters, field by field, as data or an escaped table."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import yaml

from kb.content.documents import TYPE_GUIDE
from kb.content.frontmatter import load_front_matter
from kb.content.templates import field_label
from kb.errors import KBError

FIELD_CHANGED, FIELD_ADDED, FIELD_REMOVED = "changed", "added", "removed"
_CHANGE_NOTES = {FIELD_ADDED: "（新增）", FIELD_REMOVED: "（删除）", FIELD_CHANGED: ""}


@dataclass(frozen=True)
class FieldChange:
    """One front-matter field that differs: `changed`, `added` or `removed`, with its values as shown."""

    key: str
    label: str
    change: str
    old: str
    new: str


def field_value(value: object) -> str:
    """A front-matter value as a reader sees it: dates as YYYY-MM-DD, lists joined with 、."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(field_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{field_value(v)}" for k, v in value.items())
    return str(value)


def read_fields(front_matter: str | None) -> dict | None:
    """The front matter as a mapping ({} when there is none); None when it cannot be read."""
    if front_matter is None:
        return {}
    try:
        meta = load_front_matter(front_matter)
    except (yaml.YAMLError, KBError):
        return None
    if meta is None:
        return {}
    return meta if isinstance(meta, dict) else None


def field_changes(old: dict, new: dict, doc_type: str = TYPE_GUIDE) -> tuple[FieldChange, ...]:
    """The fields whose shown value differs, in the new text's order, then the removed ones; labelled as the
    editor labels them."""
    changes: list[FieldChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        label = field_label(doc_type, str(key))
        if key not in old:
            changes.append(FieldChange(str(key), label, FIELD_ADDED, "", field_value(new[key])))
        elif key not in new:
            changes.append(FieldChange(str(key), label, FIELD_REMOVED, field_value(old[key]), ""))
        elif field_value(old[key]) != field_value(new[key]):
            changes.append(FieldChange(str(key), label, FIELD_CHANGED, field_value(old[key]), field_value(new[key])))
    return tuple(changes)


def fields_html(changes: Sequence[FieldChange]) -> str:
    """The changed fields as an escaped table: 字段 / 原值 / 新值."""
    rows = []
    for c in changes:
        old = f"<del>{html.escape(c.old)}</del>" if c.old else "—"
        new = f"<ins>{html.escape(c.new)}</ins>" if c.new else "—"
        label = html.escape(c.label) + _CHANGE_NOTES[c.change]
        rows.append(f'<tr class="kb-diff-field-{c.change}"><td>{label}</td><td>{old}</td><td>{new}</td></tr>')
    return (
        '<table class="kb-diff-fields"><thead><tr><th>字段</th><th>原值</th><th>新值</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
