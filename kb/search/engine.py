"""The Whoosh adapter: readers, per-reader tables and the codec internals the fast scorer reads."""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping

import whoosh
from whoosh import query as Q
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util import make_weighted_tree

from kb.content.documents import STATUS_CURRENT

# `blocks` reads the private block fields of whoosh 2.7's posting reader (_ids, _weights,
# _read_ids, _read_weights, _next_block); another version reads postings one at a time through
# the public matcher API (slower, same values). tests/test_fastpath.py compares both with Whoosh.
CODEC_VERSIONS = ((2, 7),)
_CODEC_KNOWN = tuple(whoosh.__version__[:2]) in CODEC_VERSIONS

# Tables built from one reader live as long as that reader (a weak key: dropped with it),
# instead of as attributes attached to Whoosh's objects.
_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def reader_cache(reader) -> dict:
    """A dict of tables kept for one reader (a segment's or a searcher's) while it lives."""
    cache = _tables.get(reader)  # read without the lock: the weighting asks once a scored document
    if cache is None:
        with _tables_lock:
            cache = _tables.get(reader)
            if cache is None:
                cache = _tables[reader] = {}
    return cache


def leaf_readers(reader) -> list[tuple[object, int]]:
    """The segment readers of a reader with their docnum offsets."""
    return [(reader, 0)] if reader.is_atomic() else list(reader.leaf_readers())


def leaves(searcher) -> list[tuple[object, int]]:
    """The segment readers of a searcher with their docnum offsets."""
    return leaf_readers(searcher.reader())


def reader_key(reader) -> tuple:
    """Identifies what a reader sees: its segments, their offsets, sizes and live documents
    (a delete-only commit keeps every segment and size but not the live count)."""
    parts = []
    for sub, offset in leaf_readers(reader):
        segment = sub.segment() if hasattr(sub, "segment") else None
        segment_id = segment.segment_id() if segment is not None else ""
        parts.append((segment_id, offset, sub.doc_count_all(), sub.doc_count()))
    return tuple(parts)


def segment_id(leaf) -> str | None:
    """A segment reader's segment id (segments never change once written), or None."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else None


def blocks(leaf, field: str, word: str):
    """Yield (docnums, weights) of a term's postings in one segment, a block at a time.

    Deleted documents are included, whatever this reader's deletions, so the lists can be cached
    per segment; the caller removes the deleted documents.
    """
    m = leaf.postings(field, word)
    if isinstance(m, FilterMatcher):
        # The deletion filter skipped the leading deleted documents when it was made: rewind.
        # Without this, a reader that saw later deletions cached a shorter list, and an older
        # searcher still in use missed a live document (a search during a publish lost a hit).
        m = m.child
        m.reset()
    if _CODEC_KNOWN and hasattr(m, "_read_ids") and hasattr(m, "_next_block"):  # whole blocks
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            yield m._ids, m._weights
            m._next_block()
        return
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    yield ids, weights


def bm25_parameters(weighting) -> tuple[float, float, dict[str, float]]:
    """K1, B and the per-field B of a BM25F weighting (the last is private to Whoosh)."""
    return weighting.K1, weighting.B, getattr(weighting, "_field_B", {})


def deleted(reader) -> set[int] | tuple:
    """A segment reader's deleted docnums (fixed for its life); () when none."""
    if not reader.has_deletions():
        return ()
    return getattr(reader, "deleted_docs_set", None) or set(reader.deleted_docs())


def status_column(searcher):
    """The `status` column of a searcher's reader, opened once per reader."""
    cache = reader_cache(searcher.reader())
    col = cache.get("status")
    if col is None:
        col = cache["status"] = searcher.reader().column_reader("status")
    return col


def scored_down(searcher) -> frozenset[int]:
    """The documents not in force (their score is lowered), once per reader."""
    cache = reader_cache(searcher.reader())
    found = cache.get("scored down")
    if found is None:
        col = status_column(searcher)
        found = cache["scored down"] = frozenset(d for d, status in enumerate(col) if status != STATUS_CURRENT)
    return found


def lexicon_frequencies(reader, field: str) -> Iterator[tuple[bytes, int]]:
    """(word, document frequency) of a field's words across the index's segments."""
    if field not in reader.schema:
        return
    # Each segment's terms are read in one sequential pass and summed here: a MultiReader's
    # iter_field looks every term up again in every segment (6 s against 0.7 s for the body
    # field at 10,000 documents in three segments, the bulk of the server's warm-up).
    leaves = [reader] if reader.is_atomic() else [leaf for leaf, _ in reader.leaf_readers()]
    frequencies: dict[bytes, int] = {}
    for leaf in leaves:
        if field not in leaf.schema:
            continue
        for btext, info in leaf.iter_field(field):
            frequencies[btext] = frequencies.get(btext, 0) + info.doc_frequency()
    yield from sorted(frequencies.items())  # in term order, as the reader gives them


def expansions(q: Q.Query, reader) -> int:
    """How many indexed words a wildcard or prefix query stands for (0 for other queries)."""
    return sum(1 for _ in q._btexts(reader)) if hasattr(q, "_btexts") else 0


def stored_documents(searcher, where: Mapping[str, str], limit: int | None) -> list[dict]:
    """Stored fields of the documents whose fields hold the given words (all when none): by id,
    or the first `limit` in index order."""
    terms = [Q.Term(name, value) for name, value in where.items()]
    q = (terms[0] if len(terms) == 1 else Q.And(terms)) if terms else Q.Every()
    return [dict(hit) for hit in searcher.search(q, limit=limit, sortedby="id" if limit is None else None)]


def live_documents(searcher) -> set[int]:
    """Every docnum not deleted."""
    reader = searcher.reader()
    return {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}


def term_counts(searcher, fields: tuple[str, ...]) -> dict[str, Counter]:
    """Document id -> how often each word occurs in `fields` (raw counts, field boosts undone)."""
    reader = searcher.reader()
    ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
    counts: dict[str, Counter] = {doc_id: Counter() for doc_id in ids.values()}
    for field in fields:
        boost = searcher.schema[field].format.field_boost or 1.0
        for term in reader.lexicon(field):
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            m = reader.postings(field, term)
            while m.is_active():
                counts[ids[m.id()]][text] += round(m.weight() / boost)
                m.next()
    return counts


__all__ = [
    "blocks",
    "bm25_parameters",
    "deleted",
    "expansions",
    "leaf_readers",
    "leaves",
    "lexicon_frequencies",
    "live_documents",
    "make_weighted_tree",
    "reader_cache",
    "reader_key",
    "scored_down",
    "segment_id",
    "status_column",
    "stored_documents",
    "term_counts",
]
