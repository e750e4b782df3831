"""Search results as the project's own dataclasses: hits, a page of results, a stored document."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from kb.content.documents import STATUS_CURRENT
from kb.content.vocabulary import split_keywords
from kb.search.query import Understanding

CARD_FIELDS = ("id", "title", "type", "category")  # with the score: what every result card shows


def card_json(hit) -> dict:
    """The fields every result card shares (a search hit, a 类案 hit), as JSON."""
    return {**{name: getattr(hit, name) for name in CARD_FIELDS}, "score": round(hit.score, 4)}


def card_fields(stored, score) -> dict:
    """The fields every hit reads the same way from a document's stored fields."""
    return {
        **{name: stored.get(name, "") for name in CARD_FIELDS if name != "id"},
        "id": stored["id"],
        "score": float(score),
        "summary": stored.get("summary", ""),
        "path": stored.get("path", ""),
        "year": stored.get("year") or None,
        "status": stored.get("status", STATUS_CURRENT),
    }


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    type: str
    category: str
    score: float
    snippet: str
    path: str
    status: str = STATUS_CURRENT
    summary: str = ""
    laws: tuple[str, ...] = ()
    year: int | None = None
    case_type: str = ""
    superseded_by: str = ""
    charges: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()  # the query's concepts this document matches (plain queries)
    missing: tuple[str, ...] = ()  # the concepts it does not match ("缺少：…")

    @property
    def plain_snippet(self) -> str:
        """The snippet as plain text, without marks or HTML escapes."""
        return html.unescape(self.snippet.replace("<mark>", "").replace("</mark>", ""))

    def to_json(self) -> dict:
        return {
            **card_json(self),
            "snippet": self.plain_snippet,
            "path": self.path,
            "matched": list(self.matched),
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class SearchResults:
    """A page of hits with the total, timing and facet counts."""

    query: str
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    page: int = 1
    per_page: int = 10
    terms: tuple[str, ...] = ()
    notice: str = ""
    timed_out: bool = False
    understanding: Understanding | None = None  # how the query was read (None for an empty query)
    partial: bool = False  # some results miss some of the query's concepts
    corrected: bool = False  # the typos of understanding.corrections were corrected in the search
    literal: bool = False  # searched as typed: no colloquial mapping, no correction
    complete: bool = False  # some result covers every concept (the partial ones come after it)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def mapped_line(self) -> str:
        """按“盗窃”检索了“偷”: the colloquial words searched as legal terms ("" when none)."""
        und = self.understanding
        if und is None or self.literal:
            return ""
        return "；".join(f"按“{'、'.join(legal)}”检索了“{word}”" for word, legal in und.mapped)

    @property
    def ignored_line(self) -> str:
        """The words not searched as such: intent words and question or filler words."""
        und = self.understanding
        if und is None or not (und.fillers or und.intents):
            return ""
        return "未作为检索词：" + "、".join((*und.intents, *und.fillers))

    PARTIAL_LINE = "部分匹配：没有文档同时包含全部检索词，以下结果按包含检索词的多少排列，每条注明缺少的词。"
    FILLED_LINE = "包含全部检索词的文档排在前面；其后的结果只包含部分检索词，每条注明缺少的词。"

    @property
    def partial_line(self) -> str:
        """What the page says of results that miss some concept ("" when none does)."""
        if not (self.partial and self.total):
            return ""
        return self.FILLED_LINE if self.complete else self.PARTIAL_LINE

    def explanation(self) -> tuple[str, ...]:
        """How the query was read, one Chinese line each (the CLI prints them; the app shows
        them with buttons to undo the reading)."""
        lines = []
        if self.corrected and self.understanding is not None:
            lines.append(f"已按“{self.understanding.corrected}”检索（输入为“{self.query}”）")
        for line in (self.mapped_line, self.ignored_line):
            if line:
                lines.append(line)
        if self.partial_line:
            lines.append(self.partial_line)
        return tuple(lines)

    def to_json(self) -> dict:
        und = self.understanding
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "partial": self.partial,
            "understood": None
            if und is None
            else {
                "concepts": [c.word for c in und.concepts],
                "mapped": {word: list(legal) for word, legal in und.mapped},
                "ignored": list(und.fillers),
                "intents": list(und.intents),
                "citations": list(und.citations),
                "corrected": und.corrected if self.corrected else "",
            },
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
        }


@dataclass(frozen=True)
class StoredDocument:
    """Everything the index stores for one document."""

    fields: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        return self.fields.get(key)

    def get(self, key: str, default=None):
        value = self.fields.get(key)
        return default if value in (None, "") else value

    def values(self, key: str) -> tuple[str, ...]:
        """A comma-joined keyword field as a tuple."""
        return split_keywords(self.fields.get(key))


__all__ = ["Hit", "SearchResults", "StoredDocument", "card_fields", "card_json"]
