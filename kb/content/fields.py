"""The front-matter fields as data (type, required, example, allowed values) and the checks of their values."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kb.content.documents import STATUS_CURRENT, STATUS_SUPERSEDED, TYPE_GUIDE
from kb.content.taxonomy import Taxonomy
from kb.content.vocabulary import DOCUMENT_STATUSES

MAX_TAGS = 7
MAX_ID_LENGTH = 64  # a file name: ids like G-2024-001 are ten characters
ID_PATTERN = re.compile(rf"^[A-Za-z0-9-]{{1,{MAX_ID_LENGTH}}}$")

# How a problem is reported: (line, field, message[, severity]).
Report = Callable[..., None]
# A statute citation parser (kb.statutes.citations.parse_citation): None for text that is no citation.
CitationParser = Callable[[str], object | None]


@dataclass(frozen=True)
class FieldRule:
    """How one front-matter key is checked."""

    kind: str  # "str", "list", "date", "int"
    required: bool
    example: str
    choices: str | None = None  # taxonomy attribute holding the allowed values


COMMON_FIELDS: dict[str, FieldRule] = {
    "id": FieldRule("str", True, "G-2024-001"),
    "title": FieldRule("str", True, "规范接报案工作指引"),
    "category": FieldRule("str", True, "盗窃", "categories"),
    "tags": FieldRule("list", False, "[关键词1, 关键词2]"),
    "laws": FieldRule("list", False, "[刑法第二百六十四条]"),
    "audience": FieldRule("list", True, "[办案民警]", "audiences"),
    "status": FieldRule("str", True, STATUS_CURRENT, "statuses"),
    "issued": FieldRule("date", True, "2024-03-01"),
    "version": FieldRule("int", True, "1"),
    "supersedes": FieldRule("list", False, "[G-2022-001]"),
    "superseded_by": FieldRule("str", False, "G-2025-001"),
    "summary": FieldRule("str", True, "一至三句话的要旨"),
    "review_by": FieldRule("date", False, "2026-12-31"),
}
GUIDE_FIELDS: dict[str, FieldRule] = {
    "kind": FieldRule("str", True, "办案指引", "kinds"),
    "stage": FieldRule("list", True, "[接报案]", "stages"),
}
CASE_FIELDS: dict[str, FieldRule] = {
    "case_type": FieldRule("str", True, "刑事", "case_types"),
    "charges": FieldRule("list", True, "[盗窃罪]"),
    "year": FieldRule("int", True, "2023"),
    "unit": FieldRule("str", True, "某县公安局某派出所"),
    "stage": FieldRule("list", False, "[调查取证]", "stages"),
    "guides": FieldRule("list", False, "[G-2024-001]"),
}
KIND_NAMES = {"str": "文本", "list": "列表", "date": "日期（YYYY-MM-DD）", "int": "整数"}
CHOICE_NAMES = {
    "categories": "类别",
    "audiences": "适用层级",
    "statuses": "状态",
    "kinds": "指引种类",
    "stages": "办案环节",
    "case_types": "案件性质",
}
CHOICE_VALUES = {"statuses": DOCUMENT_STATUSES, "case_types": ("刑事", "行政")}


def rules_for(doc_type: str) -> dict[str, FieldRule]:
    """Return the field rules for a document type."""
    extra = GUIDE_FIELDS if doc_type == TYPE_GUIDE else CASE_FIELDS
    return {**COMMON_FIELDS, **extra}


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int):
        return "整数"
    if isinstance(value, date):
        return "日期"
    return "文本"


_DATE_LIKE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def impossible_date(name: str, raw: object, example: str = "2024-03-01") -> str:
    """The problem message for a YYYY-MM-DD that is no day of the calendar (2026-13-45, 2026-02-30);
    "" for anything else (a real date, or text that is no date at all)."""
    m = _DATE_LIKE.fullmatch(raw) if isinstance(raw, str) else None
    if m is None:
        return ""
    year, month, day = (int(g) for g in m.groups())
    what = f"日期“{raw.strip()}”不存在："
    if year < 1:
        return f"{what}没有公元 0 年；请改正，例如 {name}: {example}"
    if not 1 <= month <= 12:
        return f"{what}没有 {month} 月（月份为 1 至 12）；请改正，例如 {name}: {example}"
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return ""
    if day < 1:
        return f"{what}没有 {day} 日；请改正，例如 {name}: {year:04d}-{month:02d}-01"
    return f"{what}{year} 年 {month} 月只有 {last} 天；请改正，例如 {name}: {year:04d}-{month:02d}-{last:02d}"


def _coerce(value: Any, rule: FieldRule) -> tuple[Any, bool]:
    """Return (value in the rule's type, ok)."""
    if rule.kind == "str":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            return text, bool(text) or not rule.required
        return None, False
    if rule.kind == "list":
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            return tuple(str(v).strip() for v in value if str(v).strip()), True
        return None, False
    if rule.kind == "date":
        if isinstance(value, date):
            return value, True
        try:
            return date.fromisoformat(str(value)), True
        except ValueError:
            return None, False
    if rule.kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, True
        if isinstance(value, str) and value.strip().isdigit():
            return int(value), True
        return None, False
    raise AssertionError(rule.kind)


def field_values(
    meta: dict,
    lines: dict[str, int],
    rules: dict[str, FieldRule],
    taxonomy: Taxonomy,
    report: Report,
    default_line: int,
) -> dict[str, Any]:
    """Each field's value in its rule's type; unknown keys, missing, mistyped and unlisted values reported."""
    for key in meta:
        if str(key) not in rules:
            report(lines.get(str(key), 1), str(key), f"未知字段“{key}”；可用字段：{'、'.join(rules)}")
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        line = lines.get(name, default_line)
        raw = meta.get(name)
        if raw is None or raw == "" or raw == []:
            if rule.required:
                report(line, name, f"缺少必填字段；请添加，例如 {name}: {rule.example}")
            continue
        value, ok = _coerce(raw, rule)
        if not ok:
            impossible = impossible_date(name, raw, rule.example) if rule.kind == "date" else ""
            report(
                line,
                name,
                impossible
                or f"应为{KIND_NAMES[rule.kind]}，实际为{_describe(raw)}“{raw}”；例如 {name}: {rule.example}",
            )
            continue
        if rule.choices:
            allowed = CHOICE_VALUES.get(rule.choices) or getattr(taxonomy, rule.choices)
            items = value if isinstance(value, tuple) else (value,)
            bad = [v for v in items if v not in allowed]
            for v in bad:
                report(line, name, f"未知{CHOICE_NAMES[rule.choices]}“{v}”；可选：{'、'.join(allowed)}")
            if bad:
                continue
        values[name] = value
    return values


def check_values(
    values: dict[str, Any],
    lines: dict[str, int],
    report: Report,
    default_line: int,
    parse_citation: CitationParser | None = None,
) -> None:
    """The rules across values: id form, tag count, citations (when a parser is given), version, successor, year."""

    def at(name: str) -> int:
        return lines.get(name, default_line)

    _check_id(values, at("id"), report)
    tags = values.get("tags", ())
    if len(tags) > MAX_TAGS:
        report(at("tags"), "tags", f"关键词最多 {MAX_TAGS} 个，实际 {len(tags)} 个；请删减")
    for cite in values.get("laws", ()) if parse_citation is not None else ():
        if parse_citation(cite) is None:
            report(
                at("laws"),
                "laws",
                f"无法识别的法条引用“{cite}”；请写成“法律名称第X条”，例如 刑法第二百六十四条",
            )
    version = values.get("version")
    if version is not None and version < 1:
        report(at("version"), "version", f"版本号应为正整数，实际为 {version}")
    if values.get("status") == STATUS_SUPERSEDED and not values.get("superseded_by"):
        report(
            at("status"),
            "superseded_by",
            "状态为“不再参照”时须填写 superseded_by（替代它的新文档 id）",
            "warning",
        )
    year = values.get("year")
    if year is not None and not 1979 <= year <= 2100:
        report(at("year"), "year", f"年份“{year}”不合理；请填写办结年份，例如 2023")


def _check_id(values: dict[str, Any], line: int, report: Report) -> None:
    """An id too long or not of letters, digits and hyphens is reported and dropped from `values`."""
    doc_id = values.get("id")
    if doc_id is not None and len(doc_id) > MAX_ID_LENGTH:
        report(
            line,
            "id",
            f"id 过长（{len(doc_id)} 个字符，上限 {MAX_ID_LENGTH} 个）；id 也是文件名，请写成 G-2024-001 这样的编号",
        )
        values.pop("id")
    elif doc_id is not None and not ID_PATTERN.match(doc_id):
        report(line, "id", f"id“{doc_id}”不合法；只能使用英文字母、数字和连字符，例如 G-2024-001")
        values.pop("id")
