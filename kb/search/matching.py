"""Evaluating a query to every match and the top ranks: by Whoosh's collectors or, for queries of
words, by kb.search.fastpath (same scores, about ten times faster)."""

from __future__ import annotations

import heapq
import itertools
import time

from whoosh import query as Q
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector, WrappingCollector

from kb.search import engine, fastpath
from kb.search.querylang import TEXT_FIELDS
from kb.search.searchers import IndexCaches, Weighting

# Queries of plain words, synonyms and citations over these fields are scored by kb.search.fastpath
# instead of Whoosh's matchers (same scores, about ten times faster); False forces Whoosh.
FAST_PATH = True
FAST_FIELDS = frozenset((*TEXT_FIELDS, "chapter", "laws", "article_key", "bigrams"))


def evaluate(
    searcher, q: Q.Query, allowed, limit: int, sortedby, time_limit: float, caches: IndexCaches
) -> tuple[set[int], list, bool]:
    """Every match of a strict query, the first `limit` as (score or sort key, docnum), and
    whether time ran out: by the cheapest way that gives Whoosh's own results."""
    if allowed is not None and not allowed:
        # Whoosh's FilterCollector reads an empty allow set as no filter at all.
        return set(), [], False
    if FAST_PATH and type(q) is Q.Every and sortedby is not None:
        return search_every(searcher, allowed, limit, caches)
    if FAST_PATH and is_fast(searcher, q):
        return search_fast(searcher, q, allowed, limit, sortedby, time_limit, caches)
    return search_whoosh(searcher, q, allowed, limit, sortedby, time_limit)


def search_whoosh(searcher, q, allowed, limit: int, sortedby, time_limit: float) -> tuple[set[int], list, bool]:
    """Every match, the first `limit` as (score or sort key, docnum), and whether time ran out."""
    timed_out = False
    # The time limit must wrap the base collector: a wrapper around FilterCollector
    # would bypass its filtering.
    base = searcher.collector(limit=limit, sortedby=sortedby)
    # Visit every match (the total and facets need them): no pruning of sub-matchers.
    if getattr(base, "replace", 0):
        base.replace = 0
    timed = TimeLimitCollector(base, timelimit=time_limit, use_alarm=False)
    recording = Recording(timed)
    limited = FilterCollector(recording, allowed) if allowed is not None else recording
    try:
        searcher.search_with_collector(q, limited)
    except TimeLimit:
        timed_out = True
    return recording.docnums, limited.results().top_n, timed_out


def is_fast(searcher, q) -> bool:
    """Whether kb.search.fastpath can evaluate the query exactly as Whoosh would."""
    return isinstance(searcher.weighting, Weighting) and fastpath.bag_of_words(q, FAST_FIELDS)


def search_fast(
    searcher, q, allowed, limit: int, sortedby, time_limit: float, caches: IndexCaches
) -> tuple[set[int], list, bool]:
    """As search_whoosh, scoring whole posting lists (kb.search.fastpath) instead of matcher trees.

    Ranked like Whoosh's TopCollector (score after `final`, then docnum) or, sorted, like its
    SortingCollector (the sort facet's key, then docnum; the key stands in for the score).
    """
    scores, timed_out = fastpath.matches(searcher, q, time.perf_counter() + time_limit)
    matched = set(scores) if allowed is None else allowed.intersection(scores)
    if sortedby is not None:
        keyed = [kd for kd in caches.newest(searcher) if kd[1] in matched]
        return matched, keyed[:limit], timed_out
    weighting = searcher.weighting
    if weighting.use_final:
        for d in engine.scored_down(searcher).intersection(matched):
            scores[d] = weighting.final(searcher, d, scores[d])
    best = heapq.nsmallest(limit, ((0 - scores[d], d) for d in matched))
    return matched, [(0 - negated, d) for negated, d in best], timed_out


def search_every(searcher, allowed, limit: int, caches: IndexCaches) -> tuple[set[int], list, bool]:
    """An empty query, newest first: what Whoosh's Every query sorted by date returns, read
    from the cached order (visiting and sorting 10,000 documents took ~140 ms a search)."""
    order = caches.newest(searcher)
    matched = {d for _, d in order} if allowed is None else allowed
    return matched, list(itertools.islice((kd for kd in order if kd[1] in matched), limit)), False


class Recording(WrappingCollector):
    """Records every document the scoring pass collects, for the total and the facets, so the
    query is not evaluated twice (phrases checked positions twice); keeps the time limit, which
    FilterCollector's own loop would otherwise skip."""

    def __init__(self, timed: TimeLimitCollector):
        super().__init__(timed)
        self.docnums: set[int] = set()

    def collect(self, sub_docnum):
        if self.child.timedout:
            raise TimeLimit
        self.docnums.add(self.offset + sub_docnum)
        return self.child.collect(sub_docnum)


def clause_scores(searcher, q: Q.Query, deadline: float) -> tuple[dict[int, float], bool]:
    """Every live document a clause matches with its score before `final`: by kb.search.fastpath, or,
    with FAST_PATH off, by Whoosh's own matchers (the differential tests compare the two)."""
    if FAST_PATH:
        return fastpath.matches(searcher, q, deadline)
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, sub.context(weighting=searcher.weighting))
        while m.is_active():
            out[offset + m.id()] = m.score()
            m.next()
        if time.perf_counter() > deadline:
            return out, True
    return out, False


__all__ = ["FAST_FIELDS", "FAST_PATH", "clause_scores", "evaluate"]
