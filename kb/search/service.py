"""The search service: the one object the CLI and the app search through, composing the query
language (querylang), plain-query ranking (concepts), evaluation (matching), snippets and the
searcher pool with its caches (searchers); it returns the project's own dataclasses (results)."""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from kb.content.documents import TYPE_LAW
from kb.content.vocabulary import split_keywords
from kb.search import concepts as ranking
from kb.search import engine, matching
from kb.search.filters import Filters
from kb.search.index import current_dir, load_resources
from kb.search.query import Concept, Understanding, normalise, understand
from kb.search.querylang import check_wildcards, everything, parse_query
from kb.search.results import Hit, SearchResults, StoredDocument, card_fields
from kb.search.searchers import NEWEST, IndexCaches, SearcherPool
from kb.search.similarity import SimilarResults, find_similar
from kb.search.snippets import SNIPPET_CHARS, concept_terms, make_snippet
from kb.settings import Settings

DEFAULT_TIME_LIMIT = 3.0


class SearchService:
    """The one object the CLI and the app search through; safe to share across threads."""

    def __init__(
        self, settings: Settings, time_limit: float = DEFAULT_TIME_LIMIT, charges: Sequence[str] | None = None
    ):
        self.settings = settings
        self.time_limit = time_limit
        self.resources = load_resources(settings, charges)
        self._charges = charges
        self._pool = SearcherPool(settings.index_dir)
        self._caches = IndexCaches(self._pool)
        self._listed: tuple[object, frozenset[str]] = (None, frozenset())  # resources, their listed words

    @contextmanager
    def _searcher(self) -> Iterator:
        """Borrow a Whoosh searcher for this thread (kb.search's own modules and their tests only)."""
        # jieba's dictionary is one per process: where services over other data folders loaded
        # theirs since (tests, benchmarks), this one's is loaded again before its queries are cut.
        if not self.resources.in_use():
            self.resources = load_resources(self.settings, self._charges)
        with self._pool.searcher() as s:
            yield s

    def open(self) -> None:
        """Open the index now rather than at the first search."""
        with self._searcher():
            pass

    def close(self) -> None:
        self._pool.close()

    def exists(self) -> bool:
        """True when an index has been built."""
        return current_dir(self.settings.index_dir) is not None

    def search(
        self,
        query: str,
        filters: Filters | Mapping[str, object] | None = None,
        page: int = 1,
        per_page: int = 10,
        include_superseded: bool = False,
        sort: str = "relevance",
        literal: bool = False,
    ) -> SearchResults:
        """Search; an empty query lists everything the filters allow (newest first).

        A plain query is read by kb.search.query (fillers out, colloquial words mapped, typos corrected
        unless `literal`) and ranked forgivingly (kb.search.concepts); a query in the query
        language is parsed strictly."""
        started = time.perf_counter()
        if not isinstance(filters, Filters):
            filters = Filters.of(filters)
        page = max(1, int(page))
        per_page = max(1, min(int(per_page), 100))
        limit = page * per_page
        with self._searcher() as searcher:
            und = self.understand(query, searcher, literal=literal)
            allowed = self._caches.allowed(searcher, filters, include_superseded)
            sortedby = NEWEST if sort == "newest" else None
            if not und.explicit and (und.concepts or und.citations):
                found, concepts, corrected, terms, notice = self._search_plain(
                    searcher, query, und, allowed, limit, sortedby
                )
            else:
                found, terms, notice = self._search_strict(searcher, query, und, allowed, limit, sortedby)
                concepts, corrected = (), False
            start = (page - 1) * per_page
            hits = tuple(
                self._hit(searcher.stored_fields(docnum), score, terms, concepts, found.coverage.get(docnum, 0))
                for score, docnum in found.top[start : start + per_page]
            )
            facets = self._caches.facets(searcher, found.matched)
        took = (time.perf_counter() - started) * 1000
        notice = notice or ("检索超时，仅显示部分结果" if found.timed_out else "")
        return SearchResults(
            query,
            len(found.matched),
            took,
            hits,
            facets,
            page,
            per_page,
            terms,
            notice,
            found.timed_out,
            und if (und.concepts or und.citations or und.explicit) else None,
            found.partial,
            corrected,
            literal,
            found.complete,
        )

    def _search_plain(self, searcher, query: str, und: Understanding, allowed, limit: int, sortedby):
        """A plain query ranked forgivingly; its typo corrections kept only when they find more
        than the words as typed. Returns (matches, concepts, corrected, marked terms, notice)."""
        concepts = und.concepts
        found = ranking.search_concepts(searcher, und, allowed, limit, sortedby, self._caches, self.time_limit)
        corrected = False
        if und.corrections:
            typed = self.understand(query)  # as typed: no correction, the word lists still apply
            plain = ranking.search_concepts(searcher, typed, allowed, limit, sortedby, self._caches, self.time_limit)
            corrected = ranking.better(found, len(und.concepts), plain, len(typed.concepts))
            if not corrected:
                found, concepts = plain, typed.concepts
        return found, concepts, corrected, concept_terms(concepts), ""

    def _search_strict(self, searcher, query: str, und: Understanding, allowed, limit: int, sortedby):
        """A query in the query language (or an empty one), every word required.
        Returns (matches, marked terms, notice)."""
        parsed = parse_query(query, searcher.schema, self.resources, und)
        q = parsed.query
        if q is None:
            q = everything()
            sortedby = NEWEST
        else:
            check_wildcards(q, searcher)
        matched, top, timed_out = matching.evaluate(
            searcher, q, allowed, limit, sortedby, self.time_limit, self._caches
        )
        return ranking.ConceptMatches(matched, top, timed_out, {}, False), parsed.terms, parsed.notice

    def warm(self) -> None:
        """Build what the first plain query would otherwise build: the typo corrector over the
        index's words, the article table, the facet columns and the articles' definitions (the
        app's start-up calls this)."""
        with self._searcher() as searcher:
            self._caches.speller(searcher)
            self._caches.articles(searcher)
            self._caches.facet_values(searcher)
            ranking.definitions(searcher, self._caches)

    def understand(self, query: str, searcher=None, literal: bool = False) -> Understanding:
        """How the search reads a query (kb.search.query.understand with this index's vocabulary)."""
        text = normalise(query)
        if not text:
            return Understanding("")
        speller = known = None
        r = self.resources
        if not literal and searcher is not None:
            speller, vocabulary = self._caches.speller(searcher)
            # The word lists' own words are typed on purpose (牌照 → 号牌 is no slip for 拍照; 家暴 is
            # no 家 / 暴), though the index may not hold them.
            if self._listed[0] is not r:
                words = (*r.thesaurus.words(), *r.query_words.words(), *r.synonyms.terms())
                self._listed = (r, frozenset(words))
            listed = self._listed[1]

            def known(word: str) -> bool:
                return word in vocabulary or word in listed

        return understand(text, r.synonyms, r.thesaurus, r.query_words, speller=speller, known=known, literal=literal)

    def _hit(
        self,
        stored: dict,
        score,
        terms: Sequence[str],
        concepts: Sequence[Concept] = (),
        covered: int = 0,
    ) -> Hit:
        score = score or 0.0
        words = [c.word for c in concepts]
        matched = tuple(w for i, w in enumerate(words) if covered >> i & 1)
        missing = tuple(w for w in words if w not in matched) if concepts else ()
        body = stored.get("body", "")
        return Hit(
            **card_fields(stored, score),
            snippet=make_snippet(body, terms) if terms else html.escape(stored.get("summary") or body[:SNIPPET_CHARS]),
            laws=split_keywords(stored.get("laws")),
            case_type=stored.get("case_type", ""),
            superseded_by=stored.get("superseded_by", ""),
            charges=split_keywords(stored.get("charges")),
            stage=split_keywords(stored.get("stage")),
            matched=matched,
            missing=missing,
        )

    def document(self, doc_id: str) -> StoredDocument | None:
        """Return the stored fields of one document."""
        with self._searcher() as searcher:
            stored = searcher.document(id=doc_id)
        return StoredDocument(dict(stored)) if stored else None

    def documents(self, limit: int | None = None, **where: str) -> list[StoredDocument]:
        """Stored fields of every document whose keyword fields have the given values (all when
        none), by id; with a limit, the first `limit` in index order."""
        with self._searcher() as searcher:
            return [StoredDocument(stored) for stored in engine.stored_documents(searcher, where, limit)]

    def articles(self) -> list[StoredDocument]:
        """Every indexed statute article, all versions, by id."""
        return self.documents(type=TYPE_LAW)

    def citing(self, key: str) -> list[StoredDocument]:
        """Documents whose citations include an article key (刑法:264)."""
        return [d for d in self.documents(laws=key) if d["article_key"] != key]

    def term_counts(self, fields: tuple[str, ...] = ("title", "body")) -> dict[str, Counter]:
        """Document id -> how often each indexed word occurs in `fields` (baselines in benchmarks/)."""
        with self._searcher() as searcher:
            return engine.term_counts(searcher, fields)

    def stats(self) -> dict:
        """Counts by type, category, year and status over the whole index."""
        with self._searcher() as searcher:
            live = engine.live_documents(searcher)
            facets = self._caches.facets(searcher, live)
            return {"total": len(live), "index_dir": str(current_dir(self.settings.index_dir)), "facets": facets}

    def similar(
        self, text: str | None = None, doc_id: str | None = None, filters=None, limit: int = 10
    ) -> SimilarResults:
        """类案检索: similar cases, applicable guides and statute articles for a case description."""
        with self._searcher() as searcher:
            return find_similar(self, searcher, text=text, doc_id=doc_id, filters=filters, limit=limit)


__all__ = [
    "Filters",
    "Hit",
    "SearchResults",
    "SearchService",
    "StoredDocument",
    "make_snippet",
    "parse_query",
]
