"""The editor's form over a draft's Markdown: front matter ↔ field values, the next free id, statute choices."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml

from kb.content.catalog import published_documents
from kb.content.documents import TYPE_CASE, TYPE_GUIDE, split_front_matter
from kb.content.fields import CHOICE_VALUES, FieldRule, rules_for
from kb.content.frontmatter import (
    MAPPING_MESSAGE,
    UnreadableFrontMatter,
    key_lines,
    load_front_matter,
    read_front_matter,
)
from kb.content.templates import FIELD_ORDER, TEMPLATES, field_label
from kb.errors import KBError
from kb.settings import Settings
from kb.statutes.citations import article_label
from kb.workflow.accounts import User
from kb.workflow.drafts import STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED, list_drafts

if TYPE_CHECKING:
    from kb.search.service import SearchService

ID_PREFIXES = {TYPE_GUIDE: "G", TYPE_CASE: "C"}
# The bundled content numbers each type in one series across the years (G-2024-016, G-2025-017,
# C-2022-066, C-2025-067): the year says when, the serial is never reused.
_NUMBERED_ID = re.compile(r"^([A-Z])-(\d{4})-(\d+)$")
OPEN_STATES = (STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED)


class FormError(KBError):
    """A draft's text the form cannot show without losing some of it; `line` counts from 1."""

    def __init__(self, line: int, message: str):
        super().__init__(f"第 {line} 行：{message}")
        self.line = line


@dataclass(frozen=True)
class FormField:
    """One front-matter key as the form shows it."""

    key: str
    label: str
    rule: FieldRule
    always: bool  # written even when empty (the template has it)

    @property
    def choices(self) -> str | None:
        """The taxonomy attribute (or fixed list) the value is picked from."""
        return self.rule.choices


@dataclass(frozen=True)
class DraftForm:
    """A draft as the form holds it: each key's value (text, list, date or integer) and the body."""

    doc_type: str
    values: Mapping[str, Any] = field(hash=False)
    body: str = ""


def _template_keys(doc_type: str) -> frozenset[str]:
    source = split_front_matter(TEMPLATES[doc_type].format(id="X", today="2000-01-01", year=2000, sections=""))
    return frozenset(load_front_matter(source.front_matter or ""))


@cache
def form_fields(doc_type: str) -> tuple[FormField, ...]:
    """Every front-matter key of a document type, in file order, with its Chinese label."""
    rules = rules_for(doc_type)
    always = _template_keys(doc_type)
    return tuple(FormField(k, field_label(doc_type, k), rules[k], k in always) for k in FIELD_ORDER[doc_type])


def choice_values(form_field: FormField, taxonomy: Any) -> tuple[str, ...]:
    """The values a pick list offers (from the taxonomy, or validation's fixed lists)."""
    name = form_field.choices
    if name is None:
        return ()
    return tuple(CHOICE_VALUES.get(name) or getattr(taxonomy, name))


def empty_value(rule: FieldRule) -> Any:
    """What a field holds when the text does not give it."""
    return {"str": "", "list": [], "date": None, "int": None}[rule.kind]


def _lines(front_matter: str, first_line: int) -> dict[str, int]:
    """The line of each top-level key; FormError for a key written twice (the form has one field for it)."""
    lines: dict[str, int] = {}
    for name, line in key_lines(front_matter, first_line):
        if name in lines:
            raise FormError(line, f"字段“{name}”写了两次（另见第 {lines[name]} 行）；请在源码中删去其中一行")
        lines[name] = line
    return lines


def _value(raw: Any, form_field: FormField, line: int) -> Any:
    """The form's value for one raw YAML value; FormError when the form cannot show it as it is."""
    rule, key = form_field.rule, form_field.key
    where = f"{key}（{form_field.label}）"
    if raw is None:
        return empty_value(rule)
    if isinstance(raw, bool) or (isinstance(raw, list) and any(isinstance(v, bool) for v in raw)):
        raise FormError(line, f"{where}中有 YAML 读作是/否的值（yes、no、true、false 等）；请在源码中给它加上引号")
    if rule.kind == "str":
        if isinstance(raw, (list, dict)):
            raise FormError(
                line, f"{where}应为一段文本，实际为{'列表' if isinstance(raw, list) else '映射'}；请在源码中改正"
            )
        return raw.isoformat() if isinstance(raw, date) else str(raw)
    if rule.kind == "list":
        items = raw if isinstance(raw, list) else [raw]
        if any(isinstance(v, (list, dict)) for v in items):
            raise FormError(line, f"{where}应为文本列表，如 {key}: {rule.example}；请在源码中改正")
        return [v.isoformat() if isinstance(v, date) else str(v) for v in items if v is not None]
    if rule.kind == "date":
        if isinstance(raw, date) and not isinstance(raw, datetime):
            return raw
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            raise FormError(line, f"{where}“{raw}”不是有效的日期；请写成 YYYY-MM-DD，例如 {rule.example}") from None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    raise FormError(line, f"{where}“{raw}”不是整数；例如 {key}: {rule.example}")


def read_form(text: str, doc_type: str) -> DraftForm:
    """The form's values for a draft's text; FormError (with the line) when some of it would be lost."""
    source = split_front_matter(text.replace("\r\n", "\n"))
    if source.front_matter is None:
        raise FormError(1, "缺少 front matter；全文须以“---”行开始，写完字段后再以“---”行结束")
    try:
        meta = read_front_matter(source)
    except UnreadableFrontMatter as exc:
        raise FormError(exc.line, str(exc)) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FormError(source.front_matter_line, MAPPING_MESSAGE)
    lines = _lines(source.front_matter, source.front_matter_line)
    fields = {f.key: f for f in form_fields(doc_type)}
    for key in meta:
        if str(key) not in fields:
            raise FormError(
                lines.get(str(key), source.front_matter_line),
                f"表单中没有字段“{key}”；可用字段：{'、'.join(fields)}。请在源码中删除或改正",
            )
    values = {key: _value(meta.get(key), f, lines.get(key, source.front_matter_line)) for key, f in fields.items()}
    body = source.body[1:] if source.body.startswith("\n") else source.body
    return DraftForm(doc_type, values, body)


class _Dumper(yaml.SafeDumper):
    """Front matter as the bundled files write it: one line a key, lists in brackets, empty values blank."""


_Dumper.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(type(None), lambda d, v: d.represent_scalar("tag:yaml.org,2002:null", ""))
_Dumper.add_representer(
    str,
    lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"' if "\n" in v else None),
)


def write_form(form: DraftForm) -> str:
    """The Markdown a form's values make: keys in file order; optional keys only when they have a value."""
    out: dict[str, Any] = {}
    for f in form_fields(form.doc_type):
        value = form.values.get(f.key, empty_value(f.rule))
        if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
            if not f.always:
                continue
            value = [] if f.rule.kind == "list" else None
        out[f.key] = list(value) if isinstance(value, (list, tuple)) else value
    # PyYAML decides which texts need quotes (2024-01-01, yes, a: b …) and escapes them.
    front = yaml.dump(out, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)
    return f"---\n{front}---\n" + (f"\n{form.body}" if form.body else "")


# -- the next id --------------------------------------------------------------------------------


def next_id(settings: Settings, actor: User | str, doc_type: str, today: date | None = None) -> str:
    """The next free id for a new draft: this year's prefix, the serial after the highest one used
    by a published document or an open draft of the type (G-2026-104)."""
    prefix = ID_PREFIXES[doc_type]
    used = set(published_documents(settings)) | {d.doc_id for d in list_drafts(settings, actor, OPEN_STATES)}
    serials = [int(m[3]) for m in map(_NUMBERED_ID.match, used) if m and m[1] == prefix]
    year = (today or date.today()).year
    return f"{prefix}-{year}-{max(serials, default=0) + 1:03d}"


# -- statute choices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleChoice:
    """A statute article found for the citation picker: the citation as front matter writes it, and its text."""

    citation: str
    text: str


def find_articles(service: SearchService, query: str, limit: int = 10) -> tuple[ArticleChoice, ...]:
    """Articles in force matching words (殴打) or a citation (治安管理处罚法第五十一条), best first;
    QueryError for a query search refuses."""
    query = query.strip()
    if not query:
        return ()
    results = service.search(query, {"type": ["law"]}, per_page=limit)
    found: dict[str, ArticleChoice] = {}
    for hit in results.hits:
        stored = service.document(hit.id)
        key = stored.get("article_key") if stored is not None else None
        if key:
            citation = article_label(key)
            found.setdefault(citation, ArticleChoice(citation, (stored.get("body") or "").strip()))
    return tuple(found.values())
