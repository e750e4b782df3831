"""Snippets: an excerpt around the densest cluster of the searched words, each marked."""

from __future__ import annotations

import html
from collections.abc import Sequence

from kb.search import analysis
from kb.search.query import Concept

SNIPPET_CHARS = 160


def make_snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """Return an HTML-escaped excerpt around the densest cluster of terms, each wrapped in <mark>."""
    if not text:
        return ""
    folded = analysis.fold(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    if not spans:
        excerpt = text[:width]
        return html.escape(excerpt) + ("…" if len(text) > width else "")
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    best_start, best_count = merged[0][0], 0
    j = 0
    for i, (s, _) in enumerate(merged):
        while j < len(merged) and merged[j][1] <= s + width:
            j += 1
        distinct = len({folded[a:b] for a, b in merged[i:j]})
        if distinct > best_count:
            best_start, best_count = s, distinct
    start = max(0, best_start - width // 4)
    end = min(len(text), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in merged:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")


def concept_terms(concepts: Sequence[Concept]) -> tuple[str, ...]:
    """The words snippets mark for a concept query: every term's words, longest first."""
    found: dict[str, None] = {}
    for concept in concepts:
        for term in concept.terms:
            folded = analysis.fold(term)
            found[folded] = None
    return tuple(sorted(found, key=len, reverse=True))


__all__ = ["SNIPPET_CHARS", "concept_terms", "make_snippet"]
