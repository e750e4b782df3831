"""Search: query parsing, synonyms and citations, filters, facets, snippets; a thread-safe service."""

from __future__ import annotations

import heapq
import html
import itertools
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector, WrappingCollector
from whoosh.qparser import FieldAliasPlugin, MultifieldParser, PlusMinusPlugin
from whoosh.scoring import BM25F

from kb.content.documents import STATUS_CURRENT, TYPE_LAW
from kb.errors import IndexMissingError, QueryError
from kb.search import analysis, scoring
from kb.search.filters import Filters, filter_query
from kb.search.index import CURRENT_FILE, Resources, current_dir, load_resources
from kb.search.query import Concept, Understanding, normalise, understand
from kb.search.similarity import find_similar
from kb.search.spelling import Speller
from kb.settings import Settings

TEXT_FIELDS = ("title", "summary", "tags", "charges", "body")
FIELD_ALIASES = {
    "title": ["标题"],
    "summary": ["要旨"],
    "body": ["正文"],
    "tags": ["关键词"],
    "charges": ["罪名", "违法行为"],
    "category": ["类别"],
    "stage": ["环节", "办案环节"],
    "audience": ["层级"],
    "type": ["类型"],
    "status": ["状态"],
    "year": ["年份"],
    "case_type": ["性质"],
    "kind": ["种类"],
}
FACET_FIELDS = ("category", "type", "case_type", "stage", "audience", "year", "status", "kind")
MULTI_VALUED = {"stage", "audience"}
SYNONYM_BOOST = 0.6
CITATION_BOOST = 8.0
SUPERSEDED_FACTOR = 0.35
# Ranked, forgiving matching of plain queries (see _search_concepts).
CHAPTER_WEIGHT = 0.5  # an article's chapter heading (第十章 治安调解), below its own text
CONCEPT_FIELDS = {"title": 4.0, "summary": 2.0, "tags": 2.0, "body": 1.0, "chapter": CHAPTER_WEIGHT}
LEGAL_BOOST = 0.8  # a colloquial word's legal term (偷 → 盗窃), beside the word typed
BIGRAM_BOOST = 0.3  # the bigram safety net, below whole words
STEER_WEIGHT = 0.4
INTENT_FACTOR = 1.0  # with an intent word: articles' and toolbox guides' scores times this
INTENT_KINDS = frozenset(
    ("工具箱", "执法宝典")
)  # intent words' steer terms (几天 → 拘留 日以下), scored only where a concept matched
GRAPH_VOTERS = 10  # best-ranked guides and cases whose citations vote for articles (法条联想)
GRAPH_WEIGHT = 0.5  # an article's vote share times the best score
# Rank tiers (_tiers): "weighted" puts documents with every concept first, then by the share of
# the concepts' idf they cover in steps of RANK_STEP; "count" by the number of concepts covered.
RANK_MODE = "weighted"
# A plain query matches the documents covering at least this share of its concepts (rounded up;
# fewer when no document covers that many): one of two, two of three or four.
MIN_SHARE = 0.5
RANK_STEP = 0.1
# An associated article ranks with its best citer's coverage less one concept ("minus1": just
# below the documents citing it), with all of it (True) or with its own only (False).
GRAPH_LEND: bool | str = "minus1"
GRAPH_NEW = 3  # most-cited articles that join the results although no query word matches them
MIN_WILDCARD_PREFIX = 1
MAX_WILDCARD_TERMS = 200
DEFAULT_TIME_LIMIT = 3.0
SNIPPET_CHARS = 160
# Queries of plain words, synonyms and citations over these fields are scored by kb.search.scoring
# instead of Whoosh's matchers (same scores, about ten times faster); False forces Whoosh.
FAST_PATH = True
FAST_FIELDS = frozenset((*TEXT_FIELDS, "chapter", "laws", "article_key", "bigrams"))
# sort="newest" (and every empty query): latest issue date first.
NEWEST = [sorting.FieldFacet("issued", reverse=True)]


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
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "category": self.category,
            "score": round(self.score, 4),
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

    def explanation(self) -> tuple[str, ...]:
        """How the query was read, one Chinese line each (the CLI prints them; the app shows
        them with buttons to undo the reading)."""
        lines = []
        if self.corrected and self.understanding is not None:
            lines.append(f"已按“{self.understanding.corrected}”检索（输入为“{self.query}”）")
        for line in (self.mapped_line, self.ignored_line):
            if line:
                lines.append(line)
        if self.partial and self.total:
            lines.append(self.PARTIAL_LINE)
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
        raw = self.fields.get(key) or ""
        return tuple(v for v in raw.split(",") if v)


class _Weighting(BM25F):
    """BM25F that ranks documents no longer in force below those in force."""

    use_final = True

    def final(self, searcher, docnum, score):
        status = _status_column(searcher)[docnum]
        return score if status == STATUS_CURRENT else score * SUPERSEDED_FACTOR


def _status_column(searcher):
    reader = searcher.reader()
    col = getattr(reader, "_casekb_status", None)
    if col is None:
        col = reader.column_reader("status")
        try:
            reader._casekb_status = col
        except AttributeError:
            pass
    return col


def _scored_down(searcher) -> frozenset[int]:
    """The documents whose score _Weighting.final changes (not in force), cached on the reader."""
    reader = searcher.reader()
    found = getattr(reader, "_casekb_scored_down", None)
    if found is None:
        col = _status_column(searcher)
        found = frozenset(d for d, status in enumerate(col) if status != STATUS_CURRENT)
        try:
            reader._casekb_scored_down = found
        except AttributeError:
            pass
    return found


def split_values(raw: str | None) -> tuple[str, ...]:
    """Split a comma-joined stored keyword field."""
    return tuple(v for v in (raw or "").split(",") if v)


# -- query building ---------------------------------------------------------------------------

_TOKEN = re.compile(r'[+-]?"[^"]*"|\S+')
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def _segment_query(text: str, filler=lambda word: False) -> str:
    """Split unquoted Chinese runs into jieba words so each word is matched across fields;
    question and filler words of unsigned runs are left out."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        body = token.lstrip("+-")
        sign = token[: len(token) - len(body)]
        if (
            token in _OPERATORS
            or body.startswith('"')
            or ":" in body
            or "：" in body
            or any(ch in body for ch in "*?()[]{}^~")
        ):
            out.append(token.replace("：", ":"))
            continue
        words = analysis.words(body)
        if not sign:
            words = [w for w in words if not filler(w)] or words
        if not words:
            continue
        if len(words) == 1:
            out.append(sign + words[0])
        elif sign:
            out.append(sign + "(" + " ".join(words) + ")")
        else:
            out.extend(words)
    return " ".join(out)


def _parser(schema) -> MultifieldParser:
    parser = MultifieldParser(
        list(TEXT_FIELDS),
        schema,
        fieldboosts={"title": 4.0, "summary": 2.0, "tags": 2.0, "charges": 2.0, "body": 1.0, "chapter": CHAPTER_WEIGHT},
    )
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def _expand_synonyms(q: Q.Query, resources: Resources, schema) -> Q.Query:
    if isinstance(q, Q.Term) and q.fieldname in TEXT_FIELDS:
        alternatives = resources.synonyms.expand(q.text)
        if not alternatives:
            return q
        options: list[Q.Query] = [q]
        for alt in alternatives:
            tokens = analysis.words(alt) if q.fieldname != "charges" else [alt]
            if len(tokens) == 1:
                options.append(Q.Term(q.fieldname, tokens[0], boost=q.boost * SYNONYM_BOOST))
            elif tokens:
                options.append(Q.Phrase(q.fieldname, tokens, boost=q.boost * SYNONYM_BOOST))
        return Q.Or(options)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _expand_synonyms(sub, resources, schema))


def _phrases_as_words(q: Q.Query, schema) -> Q.Query:
    """A quoted phrase in a field that keeps no positions (charges, a comma-separated list: "盗窃,抢劫"
    is two of its words) as all of its words; Whoosh raises on such a phrase when it searches."""
    if isinstance(q, Q.Phrase) and q.fieldname in schema and not schema[q.fieldname].supports("positions"):
        return Q.And([Q.Term(q.fieldname, w, boost=q.boost) for w in q.words])
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _phrases_as_words(sub, schema))


def _check_wildcards(q: Q.Query, searcher) -> None:
    for sub in q.leaves() if not q.is_leaf() else [q]:
        if isinstance(sub, Q.Every):
            raise QueryError(f"通配符“*”范围过大；请在 * 或 ? 前至少写 {MIN_WILDCARD_PREFIX} 个字")
        if isinstance(sub, (Q.Wildcard, Q.Prefix)):
            try:  # Whoosh encodes the pattern to look it up; lone surrogates (undecodable bytes) cannot be
                sub.text.encode("utf-8")
            except UnicodeEncodeError:
                raise QueryError("通配符检索词中有无法识别的字符（不完整的编码）；请删除后重新输入") from None
            stem = re.split(r"[*?]", sub.text, maxsplit=1)[0]
            if len(stem) < MIN_WILDCARD_PREFIX:
                raise QueryError(f"通配符“{sub.text}”范围过大；请在 * 或 ? 前至少写 {MIN_WILDCARD_PREFIX} 个字")
            count = sum(1 for _ in sub._btexts(searcher.reader())) if hasattr(sub, "_btexts") else 0
            if count > MAX_WILDCARD_TERMS:
                raise QueryError(f"通配符“{sub.text}”匹配的词语过多（{count} 个）；请写得更具体一些")


def _plain_terms_query(text: str, schema) -> Q.Query | None:
    words = analysis.words(re.sub(r"[\"():：*?+\-^~\[\]{}]", " ", text))
    if not words:
        return None
    parts = [Q.Or([Q.Term(f, w) for f in ("title", "summary", "body")]) for w in words]
    return Q.And(parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query turned into a Whoosh query, plus what the snippets should mark."""

    query: Q.Query | None
    terms: tuple[str, ...]
    citations: tuple[str, ...]
    notice: str = ""


def parse_query(text: str, schema, resources: Resources, understanding: Understanding | None = None) -> ParsedQuery:
    """Parse the query language strictly (every word required); citations become `laws` keys;
    unparsable input falls back to words. Question and filler words are left out."""
    und = understanding or understand(text, resources.synonyms, resources.thesaurus, resources.query_words)
    keys = und.citations
    rest = und.rest
    notice = ""
    parsed: Q.Query | None = None
    if rest.count('"') % 2 or rest.count("(") != rest.count(")"):
        rest = rest.replace('"', " ").replace("(", " ").replace(")", " ")
        notice = "检索式中的引号或括号不配对，已按普通词语检索"
    rest = re.sub(r":\s+", ":", rest)
    filler = resources.query_words.is_filler
    if rest:
        try:
            parsed = _parser(schema).parse(_segment_query(rest, filler))
            if parsed is Q.NullQuery or _has_errors(parsed):
                raise ValueError("unparsable")
        except Exception:
            parsed = _plain_terms_query(rest, schema)
            notice = notice or "检索式无法解析，已按普通词语检索"
        if parsed is not None:
            parsed = _expand_synonyms(_phrases_as_words(parsed, schema), resources, schema)
    clauses: list[Q.Query] = [_citation_clause(key) for key in keys]
    if parsed is not None and parsed is not Q.NullQuery:
        clauses.append(parsed)
    query = None if not clauses else (clauses[0] if len(clauses) == 1 else Q.And(clauses))
    terms = _highlight_terms(query)
    return ParsedQuery(query, terms, keys, notice)


def _citation_clause(key: str) -> Q.Query:
    """Documents citing an article, the article itself far above them."""
    return Q.Or([Q.Term("laws", key), Q.Term("article_key", key, boost=CITATION_BOOST)])


def steer_query(words: Sequence[str]) -> Q.Query:
    """What intent words steer toward: each steer word in titles and bodies, or, when jieba
    splits it (日以下 is 五日 / 以下 in a penalty article), its bigrams."""
    options: list[Q.Query] = []
    for word in dict.fromkeys(words):
        tokens = analysis.words(word)
        if len(tokens) == 1:
            options.extend(Q.Term(f, tokens[0]) for f in ("title", "body"))
        else:
            grams = [Q.Term("bigrams", g) for g in dict.fromkeys(analysis.bigrams(word))]
            if grams:
                options.append(grams[0] if len(grams) == 1 else Q.And(grams))
    return Q.Or(options)


def concept_query(concept: Concept) -> Q.Query:
    """Every way a document can match one concept: the word, its legal terms and synonyms in
    the text fields (multi-word terms as all their words), as a charge name, and through the
    bigram net."""
    options: list[Q.Query] = []
    weighted = [(concept.word, 1.0)]
    weighted += [(t, LEGAL_BOOST) for t in concept.legal]
    weighted += [(t, SYNONYM_BOOST) for t in concept.synonyms]
    for term, boost in weighted:
        tokens = analysis.words(term)
        if len(tokens) == 1:
            options.extend(Q.Term(f, tokens[0], boost=fb * boost) for f, fb in CONCEPT_FIELDS.items())
        elif tokens:
            options.append(
                Q.And(
                    [Q.Or([Q.Term(f, t, boost=fb) for f, fb in CONCEPT_FIELDS.items()]) for t in tokens],
                    boost=boost,
                )
            )
        options.append(Q.Term("charges", analysis.fold(term), boost=2.0 * boost))
        grams = list(dict.fromkeys(analysis.bigrams(term)))
        if grams and len(grams) == len(term) - 1:  # all Chinese: the net applies
            net = [Q.Term("bigrams", g) for g in grams]
            options.append(net[0] if len(net) == 1 else Q.And(net))
            options[-1].boost = BIGRAM_BOOST * boost
    return Q.Or(options)


def _has_errors(q: Q.Query) -> bool:
    if isinstance(q, Q.Query) and q.__class__.__name__ == "ErrorQuery":
        return True
    return any(_has_errors(c) for c in q.children()) if not q.is_leaf() else False


def _highlight_terms(q: Q.Query | None) -> tuple[str, ...]:
    if q is None:
        return ()
    found: dict[str, None] = {}
    for sub in [q] if q.is_leaf() else q.leaves():
        if isinstance(sub, Q.Phrase) and sub.fieldname in TEXT_FIELDS:
            found["".join(sub.words)] = None
        elif isinstance(sub, Q.Term) and sub.fieldname in TEXT_FIELDS and isinstance(sub.text, str):
            found[sub.text] = None
    return tuple(sorted(found, key=len, reverse=True))


# -- snippets ---------------------------------------------------------------------------------


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


# -- the service ------------------------------------------------------------------------------


class _SearcherPool:
    """Hands out Whoosh searchers one thread at a time; reopens after a commit or a switch."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._idle: list = []
        self._ix = None
        self._gen: str | None = None
        self._pointer_mtime: float | None = None

    def _pointer_state(self) -> float | None:
        try:
            return (self.index_dir / CURRENT_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _open(self):
        path = current_dir(self.index_dir)
        if path is None:
            raise IndexMissingError(f"索引不存在：{self.index_dir}；请先运行 python indexer.py build")
        self._ix = whoosh_index.open_dir(str(path))
        self._gen = path.name
        for s in self._idle:
            s.close()
        self._idle = []

    @contextmanager
    def searcher(self) -> Iterator:
        with self._lock:
            state = self._pointer_state()
            if self._ix is None or state != self._pointer_mtime:
                self._open()
                self._pointer_mtime = state
            s = self._idle.pop() if self._idle else self._ix.searcher(weighting=_Weighting())
        try:
            if not s.up_to_date():
                # Searcher.refresh() reuses segment readers and misses new deletions in them
                # (a re-indexed document then shows twice), so open a fresh searcher instead.
                s.close()
                s = self._ix.searcher(weighting=_Weighting())
            yield s
        finally:
            with self._lock:
                if s.up_to_date() and getattr(s, "_casekb_gen", self._gen) == self._gen:
                    s._casekb_gen = self._gen
                    self._idle.append(s)
                else:
                    s.close()

    def close(self) -> None:
        with self._lock:
            for s in self._idle:
                s.close()
            self._idle = []


class SearchService:
    """The one object the CLI and the app search through; safe to share across threads."""

    def __init__(
        self, settings: Settings, time_limit: float = DEFAULT_TIME_LIMIT, charges: Sequence[str] | None = None
    ):
        self.settings = settings
        self.time_limit = time_limit
        self.resources = load_resources(settings, charges)
        self._pool = _SearcherPool(settings.index_dir)
        self._facet_cache: dict[tuple, dict[str, list]] = {}
        self._allowed_cache: dict[tuple, set[int]] = {}
        self._newest_cache: tuple[tuple, list[tuple]] | None = None
        self._articles_cache: tuple[tuple, dict[str, tuple[int, ...]]] | None = None
        self._speller_cache: tuple[str | None, Speller, dict[str, int]] | None = None
        self._facet_lock = threading.Lock()

    @contextmanager
    def searcher(self) -> Iterator:
        """Borrow a searcher for this thread (returned to the pool afterwards)."""
        with self._pool.searcher() as s:
            yield s

    def close(self) -> None:
        self._pool.close()

    def exists(self) -> bool:
        """True when an index has been built."""
        return current_dir(self.settings.index_dir) is not None

    # facets

    def _facet_values(self, searcher) -> dict[str, list]:
        """docnum -> values for every facet field, built once per index generation."""
        reader = searcher.reader()
        key = (self._pool._gen, _reader_key(reader))
        with self._facet_lock:
            cached = self._facet_cache.get(key)
            if cached is not None:
                return cached
        table: dict[str, list] = {}
        size = reader.doc_count_all()
        for name in FACET_FIELDS:
            values: list = [None] * size
            if name == "year":
                continue
            for text in reader.lexicon(name):
                term = text.decode("utf-8") if isinstance(text, bytes) else text
                for docnum in reader.postings(name, text).all_ids():
                    if name in MULTI_VALUED:
                        values[docnum] = (*values[docnum], term) if values[docnum] else (term,)
                    else:
                        values[docnum] = term
            table[name] = values
        years = reader.column_reader("year") if size and reader.has_column("year") else None
        # Documents without a year read back as 0 or as the column's sentinel; neither is a year.
        table["year"] = [y if years is not None and 1900 < (y := years[i]) < 3000 else None for i in range(size)]
        with self._facet_lock:
            self._facet_cache = {key: table}
        return table

    def _facets(self, searcher, docnums: set[int]) -> dict[str, dict[str, int]]:
        table = self._facet_values(searcher)
        out: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            # Count the column's values in C first, then expand tuples and drop blanks: the
            # per-document Python loop cost 8 ms a search on 8,000 matches.
            raw = Counter(map(table[name].__getitem__, docnums))
            counter: Counter = Counter()
            for value, n in raw.items():
                if value in (None, "", 0):
                    continue
                if isinstance(value, tuple):
                    for v in value:
                        counter[v] += n
                else:
                    counter[str(value)] += n
            out[name] = dict(counter.most_common())
        return out

    def _allowed(self, searcher, filters: Filters, include_superseded: bool) -> set[int] | None:
        """The documents the filters allow, cached per index state (the default filter, status
        现行, took 25-40 ms a search to evaluate on 10,000 documents)."""
        fq = filter_query(filters, include_superseded)
        if fq is None:
            return None
        key = (self._pool._gen, _reader_key(searcher.reader()), filters, include_superseded)
        with self._facet_lock:
            cached = self._allowed_cache.get(key)
        if cached is None:
            cached = set(fq.docs(searcher))  # a set: Whoosh filters take set or DocIdSet, read-only here
            with self._facet_lock:
                if len(self._allowed_cache) > 64 or any(k[:2] != key[:2] for k in self._allowed_cache):
                    self._allowed_cache = {}
                self._allowed_cache[key] = cached
        return cached

    # search

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
        unless `literal`) and ranked forgivingly (_search_concepts); a query in the query
        language is parsed strictly."""
        started = time.perf_counter()
        if not isinstance(filters, Filters):
            filters = Filters.of(filters)
        page = max(1, int(page))
        per_page = max(1, min(int(per_page), 100))
        limit = page * per_page
        with self.searcher() as searcher:
            und = self.understand(query, searcher, literal=literal)
            allowed = self._allowed(searcher, filters, include_superseded)
            sortedby = NEWEST if sort == "newest" else None
            coverage: dict[int, int] = {}
            partial = corrected = False
            if not und.explicit and (und.concepts or und.citations):
                concepts = und.concepts
                found = self._search_concepts(searcher, und, allowed, limit, sortedby)
                if und.corrections:
                    # Keep the correction only when it finds more than the words as typed.
                    typed = self.understand(query)  # as typed: no correction, the word lists still apply
                    plain = self._search_concepts(searcher, typed, allowed, limit, sortedby)
                    corrected = _better(found, len(und.concepts), plain, len(typed.concepts))
                    if not corrected:
                        found, concepts = plain, typed.concepts
                matched, top, timed_out, coverage, partial = found
                terms = _concept_terms(concepts)
                notice = ""
            else:
                parsed = parse_query(query, searcher.schema, self.resources, und)
                q = parsed.query
                terms, notice = parsed.terms, parsed.notice
                if q is None:
                    q = Q.Every()
                    sortedby = NEWEST
                else:
                    _check_wildcards(q, searcher)
                if allowed is not None and not allowed:
                    # Whoosh's FilterCollector reads an empty allow set as no filter at all.
                    matched, top, timed_out = set(), [], False
                elif FAST_PATH and type(q) is Q.Every and sortedby is not None:
                    matched, top, timed_out = self._search_every(searcher, allowed, limit)
                elif FAST_PATH and self._fast(searcher, q):
                    matched, top, timed_out = self._search_fast(searcher, q, allowed, limit, sortedby)
                else:
                    matched, top, timed_out = self._search_whoosh(searcher, q, allowed, limit, sortedby)
                concepts = ()
            start = (page - 1) * per_page
            hits = tuple(
                self._hit(searcher.stored_fields(docnum), score, terms, concepts, coverage.get(docnum, 0))
                for score, docnum in top[start : start + per_page]
            )
            facets = self._facets(searcher, matched)
        took = (time.perf_counter() - started) * 1000
        notice = notice or ("检索超时，仅显示部分结果" if timed_out else "")
        return SearchResults(
            query,
            len(matched),
            took,
            hits,
            facets,
            page,
            per_page,
            terms,
            notice,
            timed_out,
            und if (und.concepts or und.citations or und.explicit) else None,
            partial,
            corrected,
            literal,
        )

    def warm(self) -> None:
        """Build what the first plain query would otherwise build: the typo corrector over the
        index's words, the article table and the facet columns (the app's start-up calls this)."""
        with self.searcher() as searcher:
            self._speller(searcher)
            self._articles(searcher)
            self._facet_values(searcher)

    def understand(self, query: str, searcher=None, literal: bool = False) -> Understanding:
        """How the search reads a query (kb.search.query.understand with this index's vocabulary)."""
        text = normalise(query)
        if not text:
            return Understanding("")
        speller = known = None
        if not literal and searcher is not None:
            speller, vocabulary = self._speller(searcher)
            known = vocabulary.__contains__
        r = self.resources
        return understand(text, r.synonyms, r.thesaurus, r.query_words, speller=speller, known=known, literal=literal)

    def _speller(self, searcher) -> tuple[Speller, dict[str, int]]:
        """The typo corrector over this index's own words, built once per index generation."""
        key = self._pool._gen
        with self._facet_lock:
            cached = self._speller_cache
            if cached is not None and cached[0] == key:
                return cached[1], cached[2]
        reader = searcher.reader()
        vocabulary: dict[str, int] = {}
        for name in ("title", "body"):
            for btext, df in _lexicon_frequencies(reader, name):
                word = btext.decode("utf-8")
                if df > vocabulary.get(word, 0):
                    vocabulary[word] = df
        speller = Speller(vocabulary)
        with self._facet_lock:
            self._speller_cache = (key, speller, vocabulary)
        return speller, vocabulary

    def _search_concepts(self, searcher, und: Understanding, allowed, limit: int, sortedby):
        """Ranked, forgiving matching: each concept (and citation) is scored on its own; a
        document's rank tier comes from the concepts it covers (_tiers), then the sum of their
        BM25F scores. Documents covering at least MIN_SHARE of the concepts match; when none
        covers that many, those covering the most do, so a page is empty only when no concept
        matches anything. Intent words add their steer terms' scores; the articles cited by the
        best guides and cases gain a share of the best score (法条联想).

        Returns (matched docnums, top (score or sort key, docnum), timed out, per-document
        bitmask of the concepts covered, whether the matched documents miss some concept)."""
        deadline = time.perf_counter() + self.time_limit
        clauses = [concept_query(c) for c in und.concepts] + [_citation_clause(k) for k in und.citations]
        n = len(clauses)
        per_clause: list[dict[int, float]] = []
        timed_out = False
        for clause in clauses:
            found, late = _clause_scores(searcher, clause, deadline)
            if allowed is not None:
                found = {d: sc for d, sc in found.items() if d in allowed}
            per_clause.append(found)
            timed_out = timed_out or late
        # Bitmasks of the concepts each document covers: one int a document, and the tier of
        # each distinct mask computed once (a per-document tuple cost ~10 ms at 10,000 documents).
        mask: dict[int, int] = {}
        score: dict[int, float] = {}
        for i, found in enumerate(per_clause):
            bit = 1 << i
            get_mask, get_score = mask.get, score.get
            for d, sc in found.items():
                mask[d] = get_mask(d, 0) | bit
                score[d] = get_score(d, 0.0) + sc
        if und.steer and score:
            found, late = _clause_scores(searcher, steer_query(und.steer), deadline)
            timed_out = timed_out or late
            for d in score.keys() & found.keys():
                score[d] += STEER_WEIGHT * found[d]
        weighting = searcher.weighting
        if weighting.use_final and score:
            for d in _scored_down(searcher).intersection(score):
                score[d] = weighting.final(searcher, d, score[d])
        tier = _tiers(searcher, per_clause, n)
        effective = mask
        if not und.citations:  # an article named in the query needs no association
            lent = self._associate_articles(searcher, mask, score, allowed, tier)
            if lent:
                effective = dict(mask)
                for d, m in lent.items():
                    if m.bit_count() > effective.get(d, 0).bit_count():
                        effective[d] = m
        counts = {m: m.bit_count() for m in set(effective.values())}
        best = max(counts.values(), default=0)
        threshold = min(best, max(1, math.ceil(n * MIN_SHARE - 1e-9)))
        good = {m for m, c in counts.items() if c >= threshold}
        matched = {d for d, m in effective.items() if m in good}
        full = (1 << n) - 1
        partial = bool(matched) and any(mask.get(d, 0) != full for d in matched)
        if sortedby is not None:
            top = [kd for kd in self._newest(searcher) if kd[1] in matched][:limit]
        else:
            tiers = {m: tier(m) for m in good}
            ranked = heapq.nsmallest(limit, ((0 - tiers[effective[d]], 0 - score[d], d) for d in matched))
            if und.citations:
                # An article the query names comes first, whatever the other words match.
                articles = self._articles(searcher)
                named = [d for key in und.citations for d in articles.get(key, ()) if d in matched]
                named.sort(key=lambda d: (0 - score[d], d))
                ranked = [(0, 0 - score[d], d) for d in named] + [r for r in ranked if r[2] not in named]
                ranked = ranked[:limit]
            top = [(0 - negated, d) for _, negated, d in ranked]
        return matched, top, timed_out, mask, partial

    def _associate_articles(self, searcher, mask: dict[int, int], score: dict[int, float], allowed, tier):
        """法条联想: the articles the best-matching guides and cases cite gain a share of the best
        score and rank with the documents citing them: they borrow their best citer's coverage
        (GRAPH_LEND), returned as a mask per article. An article that matches no word of the
        query joins only when it is among the GRAPH_NEW most cited."""
        if not score:
            return {}
        types = self._facet_values(searcher)["type"]
        voters = heapq.nsmallest(
            GRAPH_VOTERS, ((0 - tier(mask[d]), 0 - score[d], d) for d in score if types[d] != TYPE_LAW)
        )
        if not voters:
            return {}
        articles = self._articles(searcher)
        votes: Counter = Counter()
        reach: dict[str, int] = {}
        for rank, (_, _, d) in enumerate(voters):
            for key in split_values(searcher.stored_fields(d).get("laws")):
                votes[key] += 1.0 / (rank + 1)
                reach.setdefault(key, mask[d])  # voters come best first
        if not votes:
            return {}
        top_score = max(score.values())
        strongest = max(votes.values())
        newcomers = {key for key, _ in votes.most_common(GRAPH_NEW)}
        down = _scored_down(searcher)
        lent: dict[int, int] = {}
        for key, vote in votes.items():
            for d in articles.get(key, ()):
                if (allowed is not None and d not in allowed) or (d not in score and key not in newcomers):
                    continue
                bonus = GRAPH_WEIGHT * vote / strongest * top_score
                score[d] = score.get(d, 0.0) + (bonus * SUPERSEDED_FACTOR if d in down else bonus)
                mask.setdefault(d, 0)
                m = reach[key]
                if GRAPH_LEND == "minus1" and m:
                    lent[d] = m & ~(1 << (m.bit_length() - 1))  # one concept fewer than the citer
                elif GRAPH_LEND:
                    lent[d] = m
        return lent

    def _articles(self, searcher) -> dict[str, tuple[int, ...]]:
        """article key (刑法:264) -> the docnums of that article's versions, once per index state."""
        key = (self._pool._gen, _reader_key(searcher.reader()))
        with self._facet_lock:
            if self._articles_cache is not None and self._articles_cache[0] == key:
                return self._articles_cache[1]
        reader = searcher.reader()
        table: dict[str, tuple[int, ...]] = {}
        for btext in reader.lexicon("article_key"):
            docs = tuple(d for d in reader.postings("article_key", btext).all_ids())
            table[btext.decode("utf-8")] = docs
        with self._facet_lock:
            self._articles_cache = (key, table)
        return table

    def _search_whoosh(self, searcher, q, allowed, limit: int, sortedby) -> tuple[set[int], list, bool]:
        """Every match, the first `limit` as (score or sort key, docnum), and whether time ran out."""
        timed_out = False
        # The time limit must wrap the base collector: a wrapper around FilterCollector
        # would bypass its filtering.
        base = searcher.collector(limit=limit, sortedby=sortedby)
        # Visit every match (the total and facets need them): no pruning of sub-matchers.
        if getattr(base, "replace", 0):
            base.replace = 0
        timed = TimeLimitCollector(base, timelimit=self.time_limit, use_alarm=False)
        recording = _Recording(timed)
        limited = FilterCollector(recording, allowed) if allowed is not None else recording
        try:
            searcher.search_with_collector(q, limited)
        except TimeLimit:
            timed_out = True
        return recording.docnums, limited.results().top_n, timed_out

    @staticmethod
    def _fast(searcher, q) -> bool:
        """Whether kb.search.scoring can evaluate the query exactly as Whoosh would."""
        return isinstance(searcher.weighting, _Weighting) and scoring.bag_of_words(q, FAST_FIELDS)

    def _search_fast(self, searcher, q, allowed, limit: int, sortedby) -> tuple[set[int], list, bool]:
        """As _search_whoosh, scoring whole posting lists (kb.search.scoring) instead of matcher trees.

        Ranked like Whoosh's TopCollector (score after `final`, then docnum) or, sorted, like its
        SortingCollector (the sort facet's key, then docnum; the key stands in for the score).
        """
        scores, timed_out = scoring.matches(searcher, q, time.perf_counter() + self.time_limit)
        matched = set(scores) if allowed is None else allowed.intersection(scores)
        if sortedby is not None:
            keyed = [kd for kd in self._newest(searcher) if kd[1] in matched]
            return matched, keyed[:limit], timed_out
        weighting = searcher.weighting
        if weighting.use_final:
            for d in _scored_down(searcher).intersection(matched):
                scores[d] = weighting.final(searcher, d, scores[d])
        best = heapq.nsmallest(limit, ((0 - scores[d], d) for d in matched))
        return matched, [(0 - negated, d) for negated, d in best], timed_out

    def _search_every(self, searcher, allowed, limit: int) -> tuple[set[int], list, bool]:
        """An empty query, newest first: what Whoosh's Every query sorted by date returns, read
        from the cached order (visiting and sorting 10,000 documents took ~140 ms a search)."""
        order = self._newest(searcher)
        matched = {d for _, d in order} if allowed is None else allowed
        return matched, list(itertools.islice((kd for kd in order if kd[1] in matched), limit)), False

    def _newest(self, searcher) -> list[tuple]:
        """Every live document as (sort key, docnum), ordered as Whoosh's SortingCollector
        orders them for NEWEST (the facet's key, then docnum); built once per index state."""
        key = (self._pool._gen, _reader_key(searcher.reader()))
        with self._facet_lock:
            if self._newest_cache is not None and self._newest_cache[0] == key:
                return self._newest_cache[1]
        # A field facet's categorizer reads columns, never the current match (matcher None).
        categorizer = sorting.MultiFacet.from_sortedby(NEWEST).categorizer(searcher)
        keyed = []
        for sub, offset in searcher.leaf_searchers():
            categorizer.set_searcher(sub, offset)
            key_for = categorizer.key_for
            keyed.extend((key_for(None, d), d + offset) for d in sub.reader().all_doc_ids())
        keyed.sort()
        with self._facet_lock:
            self._newest_cache = (key, keyed)
        return keyed

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
            id=stored["id"],
            title=stored.get("title", ""),
            type=stored.get("type", ""),
            category=stored.get("category", ""),
            score=float(score),
            snippet=make_snippet(body, terms) if terms else html.escape(stored.get("summary") or body[:SNIPPET_CHARS]),
            path=stored.get("path", ""),
            status=stored.get("status", STATUS_CURRENT),
            summary=stored.get("summary", ""),
            laws=split_values(stored.get("laws")),
            year=stored.get("year") or None,
            case_type=stored.get("case_type", ""),
            superseded_by=stored.get("superseded_by", ""),
            charges=split_values(stored.get("charges")),
            stage=split_values(stored.get("stage")),
            matched=matched,
            missing=missing,
        )

    def document(self, doc_id: str) -> StoredDocument | None:
        """Return the stored fields of one document."""
        with self.searcher() as searcher:
            stored = searcher.document(id=doc_id)
        return StoredDocument(dict(stored)) if stored else None

    def documents(self, query: Q.Query | None = None, limit: int | None = None) -> list[StoredDocument]:
        """Return stored fields of every document matching a Whoosh query (all when None)."""
        with self.searcher() as searcher:
            q = query or Q.Every()
            results = searcher.search(q, limit=limit, sortedby="id" if limit is None else None)
            return [StoredDocument(dict(r)) for r in results]

    def articles(self) -> list[StoredDocument]:
        """Every indexed statute article, all versions, by id."""
        return self.documents(Q.Term("type", TYPE_LAW))

    def citing(self, key: str) -> list[StoredDocument]:
        """Documents whose citations include an article key (刑法:264)."""
        return [d for d in self.documents(Q.Term("laws", key)) if d["article_key"] != key]

    def stats(self) -> dict:
        """Counts by type, category, year and status over the whole index."""
        with self.searcher() as searcher:
            everything = set(range(searcher.reader().doc_count_all()))
            live = {d for d in everything if not searcher.reader().is_deleted(d)}
            facets = self._facets(searcher, live)
            return {"total": len(live), "index_dir": str(current_dir(self.settings.index_dir)), "facets": facets}

    def similar(self, text: str | None = None, doc_id: str | None = None, filters=None, limit: int = 10):
        """类案检索: similar cases, applicable guides and statute articles for a case description."""
        with self.searcher() as searcher:
            return find_similar(self, searcher, text=text, doc_id=doc_id, filters=filters, limit=limit)


class _Recording(WrappingCollector):
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


def _clause_scores(searcher, q: Q.Query, deadline: float) -> tuple[dict[int, float], bool]:
    """Every live document a clause matches with its score before `final`: by kb.search.scoring, or,
    with FAST_PATH off, by Whoosh's own matchers (the differential tests compare the two)."""
    if FAST_PATH:
        return scoring.matches(searcher, q, deadline)
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, sub.context(weighting=searcher.weighting))
        while m.is_active():
            out[offset + m.id()] = m.score()
            m.next()
        if time.perf_counter() > deadline:
            return out, True
    return out, False


def _tiers(searcher, per_clause: Sequence[dict], n: int):
    """A rank tier from the bitmask of the concepts a document covers: by count ("count"), or,
    in "weighted" mode, every concept first and then the covered share of the concepts' idf (a
    rare concept such as 病危 outweighs a common one such as 老人), in steps of RANK_STEP."""
    if RANK_MODE == "count":
        return int.bit_count
    total = max(1, searcher.doc_count())
    weights = [math.log(1 + total / (1 + len(found))) for found in per_clause]
    whole = sum(weights) or 1.0
    full = (1 << n) - 1

    memo: dict[int, float] = {}

    def weighted(m: int) -> float:
        found = memo.get(m)
        if found is None:
            share = sum(w for i, w in enumerate(weights) if m >> i & 1) / whole
            found = memo[m] = 2.0 if m == full else round(share / RANK_STEP) * RANK_STEP
        return found

    return weighted


def _better(found, n_found: int, other, n_other: int) -> bool:
    """Whether a corrected query's results are at least as good as the typed one's: its best
    document covers as large a share of its concepts. (A typo's characters often fall out of
    the typed query as lone characters, so the typed query looks complete with fewer words:
    on a tie the correction, made of the index's own words, wins.)"""

    def best_share(result, n: int) -> float:
        matched, masks = result[0], result[3]
        return max((masks.get(d, 0).bit_count() for d in matched), default=0) / max(n, 1)

    return best_share(found, n_found) >= best_share(other, n_other) and bool(found[0])


def _concept_terms(concepts: Sequence[Concept]) -> tuple[str, ...]:
    """The words snippets mark for a concept query: every term's words, longest first."""
    found: dict[str, None] = {}
    for concept in concepts:
        for term in concept.terms:
            folded = analysis.fold(term)
            found[folded] = None
    return tuple(sorted(found, key=len, reverse=True))


def _lexicon_frequencies(reader, field: str) -> Iterator[tuple[bytes, int]]:
    """(word, document frequency) of a field's words across the index's segments."""
    if field not in reader.schema:
        return
    for btext, info in reader.iter_field(field):
        yield btext, info.doc_frequency()


def _reader_key(reader) -> tuple:
    """Identifies what a reader sees: its segments, their offsets, sizes and live documents
    (a delete-only commit keeps every segment and size but not the live count)."""
    parts = []
    for sub, offset in _subreaders(reader):
        segment = sub.segment() if hasattr(sub, "segment") else None
        segment_id = segment.segment_id() if segment is not None else ""
        parts.append((segment_id, offset, sub.doc_count_all(), sub.doc_count()))
    return tuple(parts)


def _subreaders(reader) -> list:
    if reader.is_atomic():
        return [(reader, 0)]
    return list(reader.leaf_readers())


__all__ = [
    "Filters",
    "Hit",
    "SearchResults",
    "SearchService",
    "StoredDocument",
    "make_snippet",
    "parse_query",
]
