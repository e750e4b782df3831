"""Facet filters and the Whoosh filter query they make; shared by search and 类案 (similarity)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

from whoosh import query as Q

from kb.content.documents import STATUS_CURRENT
from kb.content.vocabulary import facet


@dataclass(frozen=True)
class Filters:
    """Facet filters: OR within one field, AND across fields; empty means no restriction."""

    category: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    case_type: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    status: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, object] | None = None, **kwargs: object) -> Filters:
        """Build filters from a mapping of field to a value or a list of values."""
        merged = {**(values or {}), **kwargs}
        out = {}
        for f in fields(cls):
            raw = merged.get(f.name)
            if raw in (None, "", (), []):
                continue
            items = raw if isinstance(raw, (list, tuple, set)) else [raw]
            out[f.name] = tuple(int(v) if facet(f.name).integer else str(v) for v in items)
        return cls(**out)

    def items(self) -> Iterator[tuple[str, tuple]]:
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                yield f.name, value


def filter_query(filters: Filters, include_superseded: bool) -> Q.Query | None:
    """Turn facet filters into a Whoosh filter query."""
    parts: list[Q.Query] = []
    for name, values in filters.items():
        terms = [Q.Term(name, v) for v in values]
        parts.append(terms[0] if len(terms) == 1 else Q.Or(terms))
    if not filters.status and not include_superseded:
        parts.append(Q.Term("status", STATUS_CURRENT))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


__all__ = ["Filters", "filter_query"]
