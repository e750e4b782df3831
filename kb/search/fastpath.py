"""The fast evaluation path: BM25F over cached decoded postings, a whole list at a time; for search and 类案检索."""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict

from whoosh import query as Q

from kb.search import engine

POSTINGS_CACHE = 2_000_000  # decoded postings kept between queries (8 bytes each)

# Whoosh scores each posting through a tree of matchers with several Python calls (about 3 µs a
# posting); scoring whole decoded posting lists in comprehensions costs about a tenth of that.


def norms(leaf, field: str, avgdl: float, k1: float, b: float) -> list[float]:
    """K1 · (1 − B + B · length / average length) for every document of one segment."""
    cache = engine.reader_cache(leaf)
    key = ("norms", field, avgdl, k1, b)
    found = cache.get(key)
    if found is None:
        # Searches in other threads share the segment reader: copy the keys, tolerate races.
        for old in [k for k in list(cache) if k[:2] == ("norms", field)]:
            cache.pop(old, None)
        found = cache[key] = [
            k1 * (1 - b + b * (leaf.doc_field_length(d, field) or 0) / avgdl) for d in range(leaf.doc_count_all())
        ]
    return found


_postings_lock = threading.Lock()
_postings_cache: OrderedDict[tuple, tuple[array, array]] = OrderedDict()
_postings_held = 0


def postings(leaf, field: str, word: str) -> tuple[array, array]:
    """A term's docnums and weights in one segment, decoded once and kept in a shared LRU cache.

    Whoosh stores each block of postings as a zlib-compressed pickle that includes the positions;
    decoding it was 40% of a 类案检索 query on 10,000 documents. Segments never change once
    written (deletions are kept apart), so their segment id is a safe cache key.
    """
    global _postings_held
    segment = engine.segment_id(leaf)
    key = (segment, field, word) if segment is not None else None
    if key is not None:
        with _postings_lock:
            found = _postings_cache.get(key)
            if found is not None:
                _postings_cache.move_to_end(key)
                return found
    ids, weights = array("I"), array("f")
    for block_ids, block_weights in engine.blocks(leaf, field, word):
        ids.extend(block_ids)
        weights.extend(block_weights)
    if key is not None and len(ids) <= POSTINGS_CACHE // 4:
        with _postings_lock:
            if key not in _postings_cache:
                _postings_cache[key] = (ids, weights)
                _postings_held += len(ids)
            while _postings_held > POSTINGS_CACHE and _postings_cache:
                _, (old, _) = _postings_cache.popitem(last=False)
                _postings_held -= len(old)
    return ids, weights


# -- Whoosh queries of words, evaluated exactly as Whoosh's matchers score them ---------------


def bag_of_words(q: Q.Query, fields: frozenset[str]) -> bool:
    """True when q is only And and Or over single-word Terms in `fields` (no phrase, wildcard,
    range, NOT or Every): the queries `matches` evaluates."""
    if type(q) is Q.Term:
        return q.fieldname in fields and isinstance(q.text, str)
    if type(q) is Q.And:
        return all(bag_of_words(sub, fields) for sub in q.subqueries)
    if type(q) is Q.Or:
        return (
            not q.minmatch
            and not q.scale
            and q.matcher_type != Q.Or.SPLIT_MATCHER
            and all(bag_of_words(sub, fields) for sub in q.subqueries)
        )
    return False


class Timeout(Exception):
    """The deadline passed while evaluating a query."""


def matches(searcher, q: Q.Query, deadline: float | None = None) -> tuple[dict[int, float], bool]:
    """Every live document a bag_of_words query matches, with the score Whoosh would give it
    before the weighting's `final`, and whether the deadline cut the evaluation short.

    Segments are evaluated in order, as Whoosh does; on a timeout the documents of the segments
    finished so far are returned.
    """
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        # This reader's deletions (fixed for its life); the cached posting lists include deleted documents.
        deleted = engine.deleted(sub.reader())
        try:
            scores = _Segment(searcher, sub, deadline).scores(q)
        except Timeout:
            return out, True
        if deleted:
            scores = {d: s for d, s in scores.items() if d not in deleted}
        if offset:
            out.update({offset + d: s for d, s in scores.items()})
        else:
            out.update(scores)
    return out, False


class _Node:
    """One matcher of the tree Whoosh would build; compares like Whoosh's matchers do when
    `make_weighted_tree` sorts them (never less than another), so the trees have the same shape."""

    __slots__ = ("scores",)

    def __init__(self, scores: dict[int, float]):
        self.scores = scores

    def __lt__(self, other) -> bool:
        return False


def _union(a: _Node, b: _Node) -> _Node:
    """UnionMatcher: a document in either, scored a + b where in both."""
    small, big = (a.scores, b.scores) if len(a.scores) <= len(b.scores) else (b.scores, a.scores)
    get = big.get
    for d, s in small.items():
        other = get(d)
        big[d] = s if other is None else other + s
    return _Node(big)


def _intersection(a: _Node, b: _Node) -> _Node:
    """IntersectionMatcher: a document in both, scored a + b."""
    small, big = (a.scores, b.scores) if len(a.scores) <= len(b.scores) else (b.scores, a.scores)
    return _Node({d: s + big[d] for d, s in small.items() if d in big})


class _Stats:
    """What Whoosh's estimate_size reads from a segment reader, with document frequencies cached:
    a term-table lookup costs about 2 µs and a query asks for each term's twice a segment."""

    def __init__(self, reader):
        self.reader = reader
        self.schema = reader.schema
        cache = engine.reader_cache(reader)
        self._df = cache.setdefault("df", {})
        if len(self._df) > 100_000:
            self._df.clear()
        self._count = reader.doc_count()

    def doc_count(self) -> int:
        return self._count

    def doc_frequency(self, field: str, btext: bytes) -> int:
        key = (field, btext)
        df = self._df.get(key)
        if df is None:
            df = self._df[key] = self.reader.doc_frequency(field, btext)
        return df


class _Segment:
    """Scores of one segment's documents for a query tree.

    Follows Whoosh 2.7's matcher construction (query/compound.py, query/terms.py) so that floating
    point sums are added in the same order: And is a tree of intersections; Or, left to choose
    (AUTO_MATCHER), an array accumulated clause by clause when it has more than two clauses in a
    segment of at most 5,000 documents (the search context never asks for the current match),
    otherwise a tree of unions; both trees are weighted by each clause's estimated size. A
    compound of one clause is that clause, its boost ignored.
    """

    def __init__(self, top, sub, deadline: float | None):
        self.top = top
        self.searcher = sub
        self.stats = _Stats(sub.reader())
        self.deadline = deadline
        self.k1, self.b, self.field_b = engine.bm25_parameters(top.weighting)

    def scores(self, q: Q.Query) -> dict[int, float]:
        if type(q) is Q.Term:
            return self._term(q)
        subs = q.subqueries
        if not subs:
            return {}
        if len(subs) == 1:
            return self.scores(subs[0])
        stats = self.stats
        if type(q) is Q.And:
            tree = engine.make_weighted_tree(
                _intersection, [(0 - s.estimate_size(stats), _Node(self.scores(s))) for s in subs]
            )
        elif self._union_tree(q):
            tree = engine.make_weighted_tree(_union, [(s.estimate_size(stats), _Node(self.scores(s))) for s in subs])
        else:
            return self._array_union(q)
        scores = tree.scores
        if q.boost != 1.0:
            boost = q.boost
            scores = {d: s * boost for d, s in scores.items()}
        return scores

    def _union_tree(self, q: Q.Or) -> bool:
        """Or._matcher's choice: a tree of unions (DefaultOr) or an array (PreloadedOr)."""
        if q.matcher_type == Q.Or.AUTO_MATCHER:
            n = len(q.subqueries)
            return n < q.TOO_MANY_CLAUSES and (n == 2 or self.searcher.doc_count_all() > 5000)
        return q.matcher_type == Q.Or.DEFAULT_MATCHER

    def _array_union(self, q: Q.Or) -> dict[int, float]:
        """ArrayUnionMatcher: each clause's score times the Or's boost added in clause order to
        0.0; documents whose sum is not positive do not match."""
        boost = q.boost
        acc: dict[int, float] = {}
        for sub in q.subqueries:
            scores = self.scores(sub)
            if boost != 1.0:
                scores = {d: s * boost for d, s in scores.items()}
            if not acc:
                acc = {d: 0.0 + s for d, s in scores.items()}
                continue
            small, big = (scores, acc) if len(scores) <= len(acc) else (acc, scores)
            get = big.get
            for d, s in small.items():
                other = get(d)
                big[d] = (0.0 + s) if other is None else other + s
            acc = big
        return {d: s for d, s in acc.items() if s > 0}

    def _term(self, q: Q.Term) -> dict[int, float]:
        field, text = q.fieldname, q.text
        schema = self.searcher.schema
        if field not in schema:
            return {}
        fieldobj = schema[field]
        try:
            btext = fieldobj.to_bytes(text)
        except ValueError:
            return {}
        if not self.stats.doc_frequency(field, btext):  # Whoosh: (field, btext) not in reader
            return {}
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Timeout
        reader = self.stats.reader
        ids, weights = postings(reader, field, text)
        boost = q.boost
        if not fieldobj.scorable:  # WeightScorer: the posting's weight
            if boost != 1.0:
                return {d: w * boost for d, w in zip(ids, weights, strict=True)}
            return dict(zip(ids, weights, strict=True))
        # BM25FScorer: idf and average length of the whole index, lengths of this segment,
        # Whoosh's bm25() (whoosh/scoring.py) written out with the same operations in the same order.
        top = self.top
        idf = top.idf(field, btext)
        k1 = self.k1
        k1p1 = k1 + 1
        nm = norms(reader, field, top.avg_field_length(field) or 1, k1, self.field_b.get(field, self.b))
        if boost != 1.0:
            return {d: idf * ((w * k1p1) / (w + nm[d])) * boost for d, w in zip(ids, weights, strict=True)}
        return {d: idf * ((w * k1p1) / (w + nm[d])) for d, w in zip(ids, weights, strict=True)}
