"""The project's vocabulary, declared once: document types, statuses, search facets and their small formatters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    """A kind of document: its stored key, its Chinese label and the content folder it lives in."""

    key: str  # stored in the index and front matter: guide / case / law
    label: str  # 指引 / 案例 / 法条
    folder: str | None  # guides/ or casebook/; None for statute articles (read from the statute library)


TYPE_GUIDE = "guide"
TYPE_CASE = "case"
TYPE_LAW = "law"
TYPES: tuple[DocType, ...] = (
    DocType(TYPE_GUIDE, "指引", "guides"),
    DocType(TYPE_CASE, "案例", "casebook"),
    DocType(TYPE_LAW, "法条", None),
)
TYPE_KEYS: tuple[str, ...] = tuple(t.key for t in TYPES)
TYPE_LABELS: dict[str, str] = {t.key: t.label for t in TYPES}
FOLDER_TYPES: dict[str, str] = {t.folder: t.key for t in TYPES if t.folder}


@dataclass(frozen=True)
class Status:
    """A document status: the Chinese value stored and shown, an English key for code and CSS, who may have it."""

    value: str  # 现行 / 不再参照 / 已失效 / 尚未施行, as written in front matter and stored in the index
    key: str  # current / superseded / expired / pending (CSS classes, identifiers)
    in_force: bool  # shown and searched by default
    types: tuple[str, ...]  # the document types that can have it


STATUS_CURRENT = "现行"
STATUS_SUPERSEDED = "不再参照"  # a guide or case replaced by a newer document (superseded_by)
STATUS_EXPIRED = "已失效"  # a statute version no longer in force
STATUS_PENDING = "尚未施行"  # a statute version not yet in force
STATUSES: tuple[Status, ...] = (
    Status(STATUS_CURRENT, "current", True, TYPE_KEYS),
    Status(STATUS_SUPERSEDED, "superseded", False, (TYPE_GUIDE, TYPE_CASE)),
    Status(STATUS_EXPIRED, "expired", False, (TYPE_LAW,)),
    Status(STATUS_PENDING, "pending", False, (TYPE_LAW,)),
)
# The statuses an author may write in a guide's or case's front matter.
DOCUMENT_STATUSES: tuple[str, ...] = tuple(s.value for s in STATUSES if TYPE_GUIDE in s.types)


@dataclass(frozen=True)
class Facet:
    """A search facet: the index field, its label above the filter, its URL parameter, its short name in counts."""

    field: str  # the stored index field (and the Filters attribute)
    label: str  # heading of the filter on the search page
    param: str  # URL query parameter on the search page
    noun: str  # short name in statistics and document metadata (类型：指引 3、案例 5)
    multi: bool = False  # a comma-joined keyword field: one document can have several values
    integer: bool = False  # values are whole numbers (year)


# In the order the search page shows the filters.
FACETS: tuple[Facet, ...] = (
    Facet("type", "类型", "type", "类型"),
    Facet("case_type", "刑事 / 行政", "ctype", "性质"),
    Facet("category", "类别", "cat", "类别"),
    Facet("stage", "办案环节", "stage", "办案环节", multi=True),
    Facet("audience", "适用层级", "aud", "适用层级", multi=True),
    Facet("kind", "指引种类", "kind", "种类"),
    Facet("year", "年份", "year", "年份", integer=True),
    Facet("status", "状态", "status", "状态"),
)
FACET_FIELDS: tuple[str, ...] = tuple(f.field for f in FACETS)
MULTI_VALUED: frozenset[str] = frozenset(f.field for f in FACETS if f.multi)


def facet(field: str) -> Facet:
    """The facet of an index field; KeyError for a field that is not a facet."""
    for f in FACETS:
        if f.field == field:
            return f
    raise KeyError(field)


def type_label(doc_type: str) -> str:
    """指引 / 案例 / 法条 for a type key; an unknown key as it is."""
    return TYPE_LABELS.get(doc_type, doc_type)


def status_key(status: str) -> str:
    """The English key (current, superseded …) of a status value; an unknown value as it is."""
    return next((s.key for s in STATUSES if s.value == status), status)


def in_force(status: str | None) -> bool:
    """Whether a stored status means 现行 (a document without a status is 现行)."""
    return status in (None, "", STATUS_CURRENT)


def split_keywords(raw: str | None) -> tuple[str, ...]:
    """A comma-joined stored keyword field (stage, audience, laws, charges …) as a tuple, empty parts dropped."""
    return tuple(v for v in (raw or "").split(",") if v)


def join_keywords(values: Iterable[str]) -> str:
    """Values as one comma-joined keyword field; a comma inside a value becomes a full-width "，"."""
    return ",".join(v.replace(",", "，") for v in values)


__all__ = [
    "DOCUMENT_STATUSES",
    "FACETS",
    "FACET_FIELDS",
    "FOLDER_TYPES",
    "MULTI_VALUED",
    "STATUSES",
    "STATUS_CURRENT",
    "STATUS_EXPIRED",
    "STATUS_PENDING",
    "STATUS_SUPERSEDED",
    "TYPES",
    "TYPE_CASE",
    "TYPE_GUIDE",
    "TYPE_KEYS",
    "TYPE_LABELS",
    "TYPE_LAW",
    "DocType",
    "Facet",
    "Status",
    "facet",
    "in_force",
    "join_keywords",
    "split_keywords",
    "status_key",
    "type_label",
]
