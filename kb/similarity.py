"""类案检索: read charges, key terms and citations from a case description; rank similar documents.

Ranking has two stages. A first pass scores documents by BM25F on the description's words; a
second pass re-ranks the best of them by adding how well their charges agree with the charges
read from the description (named in it, signalled by the fact patterns of data/charge_cues.txt,
or voted by the charges of the closest first-pass cases) and how many statute articles they share
with it (kb.charges reads the charges from a text). Measured on LeCaRD in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kb import analysis
from kb.charges import charge_signals, conduct
from kb.citations import article_label, extract_citations, find_abbreviations
from kb.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, TYPE_LAW
from kb.errors import QueryError
from kb.scoring import leaves as _leaves
from kb.scoring import norms
from kb.scoring import postings as _postings
from kb.scoring import segment_cache as _cache

MAX_TEXT_CHARS = 20000
KEY_TERMS = 120  # words of the description kept for the first pass, best tf-idf first
POOL = 100  # first-pass cases re-ranked
VOTERS = 20  # closest first-pass cases whose charges vote for the description's charges
VOTE_FLOOR = 0.3  # charges weaker than this share of the strongest are dropped
CHARGE_WEIGHT = 0.5  # charge agreement (0–1) beside the text score normalised to the best (1)
CITATION_WEIGHT = 0.2  # share of the description's cited articles a document also cites
NAMED_WEIGHT = 1.0  # a charge named or signalled in the text, beside the best-voted charge (1)
TITLE_FACTOR = 1.0  # a word in the title, beside the same word in the body (the schema boosts titles too)
SHOWN_TERMS = 12
MAX_DF_SHARE = 0.5  # in big indexes, words in more than this share of documents barely rank: skip them
SKIP_FROM_DOCS = 1000  # below this many documents nothing is skipped (every word may matter)
K1, B = 1.2, 0.75  # BM25F parameters, as the search service's Whoosh weighting uses
GUIDE_BOOST = 3.0  # a guide naming the charge in title or tags, or citing the same article
READ_SHARE = 0.6  # a charge is reported when its weight is at least this share of the strongest


@dataclass(frozen=True)
class SimilarHit:
    """One similar document with the reasons it was chosen."""

    id: str
    title: str
    type: str
    category: str
    score: float
    summary: str = ""
    path: str = ""
    year: int | None = None
    shared_charges: tuple[str, ...] = ()
    shared_terms: tuple[str, ...] = ()
    shared_laws: tuple[str, ...] = ()
    status: str = STATUS_CURRENT

    @property
    def explained(self) -> bool:
        """Whether it shares something nameable with the facts: a charge, an article or two key
        words (one word alone is often a generic one such as 价值)."""
        return bool(self.shared_charges or self.shared_laws or len(self.shared_terms) >= 2)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "category": self.category,
            "score": round(self.score, 4),
            "summary": self.summary,
            "path": self.path,
            "shared_charges": list(self.shared_charges),
            "shared_terms": list(self.shared_terms),
            "shared_laws": list(self.shared_laws),
        }


@dataclass(frozen=True)
class SimilarResults:
    """类案检索 results in three groups, with what was read from the facts."""

    cases: tuple[SimilarHit, ...]
    guides: tuple[SimilarHit, ...]
    laws: tuple[SimilarHit, ...]
    charges: tuple[str, ...]
    terms: tuple[str, ...]
    citations: tuple[str, ...]
    took_ms: float

    def to_json(self) -> dict:
        return {
            "took_ms": round(self.took_ms, 2),
            "charges": list(self.charges),
            "terms": list(self.terms),
            "citations": list(self.citations),
            "cases": [h.to_json() for h in self.cases],
            "guides": [h.to_json() for h in self.guides],
            "laws": [h.to_json() for h in self.laws],
        }


# -- charge agreement -------------------------------------------------------------------------


def charge_profile(signals: Counter, votes: Counter) -> dict[str, float]:
    """Weights 0–1 per charge: the first-pass cases' votes, plus charges the text itself signals."""
    profile: dict[str, float] = {}
    if votes:
        top = max(votes.values())
        profile = {c: v / top for c, v in votes.items()}
    if signals:
        top = max(signals.values())
        for charge, n in signals.items():
            profile[charge] = profile.get(charge, 0.0) + NAMED_WEIGHT * (0.5 + 0.5 * n / top)
    if not profile:
        return {}
    top = max(profile.values())
    return {c: w / top for c, w in profile.items() if w / top >= VOTE_FLOOR}


def charge_agreement(profile: dict[str, float], doc_charges: Sequence[str]) -> float:
    """Cosine between the description's conduct weights and a document's (0–1)."""
    if not profile or not doc_charges:
        return 0.0
    weights: dict[str, float] = {}
    for charge, weight in profile.items():
        key = conduct(charge)
        weights[key] = max(weights.get(key, 0.0), weight)
    conducts = {conduct(c) for c in doc_charges}
    norm = math.sqrt(sum(w * w for w in weights.values())) * math.sqrt(len(conducts))
    return sum(weights.get(c, 0.0) for c in conducts) / norm


# -- terms ------------------------------------------------------------------------------------


# Words of a case narrative that say nothing about what happened (民警 is in every police case).
# They are rare in statutes and guides, so tf-idf over the whole index ranked them among a
# description's best words.
NARRATIVE_WORDS = frozenset(
    [
        "此前",
        "案发",
        "案发后",
        "随后",
        "当日",
        "当天",
        "次日",
        "当晚",
        "事后",
        "其后",
        "之后",
        "后来",
        "同时",
        "其中",
        "经查",
        "查明",
        "先后",
        "期间",
        "左右",
        "时许",
        "共计",
        "人民币",
        "民警",
        "结果",
        "发生",
        "进行",
        "称其",
        "情况",
        "相关",
        "有关",
    ]
)
_DATE_PART = re.compile(r"[日月时](?:晚|晚上|凌晨|上午|下午|中午|早上|早晨|夜|夜间|深夜|傍晚|许|左右)")


def telling(word: str) -> bool:
    """Whether a word can tell cases apart: not a single character, a number, an anonymised
    name (张某, 李某某, 某), a date fragment (日晚) or a narrative word (此前, 案发后)."""
    return (
        len(word) > 1
        and not any(ch.isdigit() for ch in word)
        and "某" not in word
        and word not in NARRATIVE_WORDS
        and not _DATE_PART.fullmatch(word)
    )


def key_terms(searcher, text: str, n: int | None = None) -> list[tuple[str, float]]:
    """The text's words that the index knows, as (word, weight 1 + log tf), best tf-idf first.

    Single characters, numbers and narrative words (see `telling`) are left out.
    """
    counts = Counter(w for w in analysis.words(text) if telling(w))
    total = max(1, searcher.doc_count_all())
    scored = []
    for word, tf in counts.items():
        df = searcher.doc_frequency("body", word) + searcher.doc_frequency("title", word)
        if df == 0:
            continue
        weight = 1 + math.log(tf)
        scored.append((word, weight, weight * math.log(1 + total / df)))
    scored.sort(key=lambda x: -x[2])
    return [(w, weight) for w, weight, _ in scored[: n or KEY_TERMS]]


def _split(raw: str | None) -> tuple[str, ...]:
    return tuple(v for v in (raw or "").split(",") if v)


# -- ranking ----------------------------------------------------------------------------------
#
# The first pass scores postings block by block instead of through Whoosh's Or matcher, which
# scores every posting with several Python calls each (measured: 3.4 µs a posting, 130 ms for a
# pasted description on 1,000 documents). Per-segment caches hold what the re-ranking needs
# (field lengths, charges, citations, type and status), so pool documents are never unpickled.


def _column(leaf, field: str) -> list[tuple[str, ...]]:
    """The values of a keyword or ID field for every document of one segment."""
    cache = _cache(leaf)
    key = ("column", field)
    if key not in cache:
        values: list[tuple[str, ...]] = [()] * leaf.doc_count_all()
        if field in leaf.schema:
            for term in leaf.lexicon(field):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                for docnum in leaf.postings(field, term).all_ids():
                    values[docnum] = (*values[docnum], text)
        cache[key] = values
    return cache[key]


def _norms(leaf, field: str, avgdl: float) -> list[float]:
    """kb.scoring.norms with this module's K1 and B, read at call time (lecard.py --set)."""
    return norms(leaf, field, avgdl, K1, B)


def _score_pass(searcher, clauses, accept, n: int) -> list[tuple[float, object, int, int]]:
    """The n best accepted documents for weighted clauses, as (score, leaf, local, global docnum).

    A clause is (field, word, boost): text fields score BM25F like the search service; keyword
    fields add the boost to every document holding the word. `accept` is an _Acceptor.
    """
    total = max(1, searcher.doc_count_all())
    leaves = _leaves(searcher)
    accs: list[dict[int, float]] = [{} for _ in leaves]
    for field, word, boost in clauses:
        if field not in searcher.schema:
            continue
        df = searcher.doc_frequency(field, word)
        if not df:
            continue
        text_field = field in ("title", "summary", "body")
        if text_field:
            if total >= SKIP_FROM_DOCS and df > MAX_DF_SHARE * total:
                continue
            avgdl = searcher.avg_field_length(field) or 1.0
            c = boost * searcher.idf(field, word) * (K1 + 1)
        for (leaf, _), acc in zip(leaves, accs, strict=True):
            if (field, word) not in leaf:
                continue
            get = acc.get
            if text_field:
                norms = _norms(leaf, field, avgdl)
                ids, weights = _postings(leaf, field, word)
                for d, w in zip(ids, weights, strict=True):
                    acc[d] = get(d, 0.0) + c * w / (w + norms[d])
            else:
                for d in _postings(leaf, field, word)[0]:
                    acc[d] = get(d, 0.0) + boost
    best: list[tuple[float, object, int, int]] = []
    for (leaf, offset), acc in zip(leaves, accs, strict=True):
        ok = accept.locals(leaf)
        top = heapq.nlargest(n + 1, ((score, local) for local, score in acc.items() if local in ok))
        best.extend((score, leaf, local, offset + local) for score, local in top if accept.extra(offset + local))
    return heapq.nlargest(n, best, key=lambda x: x[0])


class _Acceptor:
    """Which documents a pass may return: right type, in force, not deleted, passing the filters."""

    def __init__(self, searcher, filters: dict, doc_type: str, exclude: int | None):
        from kb.search import Filters, filter_query

        self.wanted = (("type", (doc_type,)), ("status", tuple(filters.get("status") or (STATUS_CURRENT,))))
        self.exclude = exclude
        extra = {k: v for k, v in filters.items() if k not in ("type", "status")}
        self.allowed = None
        if extra:  # other facet filters: ask Whoosh once for the set
            fq = filter_query(Filters.of(extra), include_superseded=True)
            self.allowed = set(fq.docs(searcher)) if fq is not None else None

    def locals(self, leaf) -> set[int]:
        """Local docnums of one segment with the wanted type and status, cached per segment."""
        cache = _cache(leaf)
        key = ("accept", self.wanted)
        if key not in cache:
            columns = [(_column(leaf, field), set(values)) for field, values in self.wanted]
            cache[key] = {
                d
                for d in range(leaf.doc_count_all())
                if not leaf.is_deleted(d) and all(not values.isdisjoint(col[d]) for col, values in columns)
            }
        return cache[key]

    def extra(self, docnum: int) -> bool:
        return docnum != self.exclude and (self.allowed is None or docnum in self.allowed)


def find_similar(service, searcher, text: str | None = None, doc_id: str | None = None, filters=None, limit: int = 10):
    """Find similar cases, applicable guides and articles for a pasted case description or a document."""
    from kb.search import Filters

    started = time.perf_counter()
    exclude: int | None = None
    own_charges: tuple[str, ...] = ()
    own_laws: tuple[str, ...] = ()
    if doc_id:
        stored = searcher.document(id=doc_id)
        if not stored:
            raise QueryError(f"找不到 id 为“{doc_id}”的文档；请检查 id")
        exclude = searcher.document_number(id=doc_id)
        text = "\n".join(str(stored.get(k) or "") for k in ("title", "summary", "body"))
        own_charges = _split(stored.get("charges"))
        own_laws = _split(stored.get("laws"))
    text = (text or "").strip()
    if not text:
        raise QueryError("请输入案情描述（或指定文档 id）")
    text = text[:MAX_TEXT_CHARS]
    vocabulary = tuple(service.resources.charges)
    signals = charge_signals(text, vocabulary, service.resources.cues)
    for charge in own_charges:
        signals[charge] += max(signals.values(), default=1) or 1
    cites = extract_citations(text, abbreviations=find_abbreviations(text))
    cite_keys = list(dict.fromkeys([*own_laws, *(c.key for c in cites)]))
    terms = key_terms(searcher, text)
    shown = tuple(w for w, _ in terms[:SHOWN_TERMS])
    base = dict((filters if isinstance(filters, Filters) else Filters.of(filters)).items())

    clauses = [("body", w, weight) for w, weight in terms]
    if TITLE_FACTOR:
        clauses += [("title", w, weight * TITLE_FACTOR) for w, weight in terms]
    pool = _score_pass(searcher, clauses, _Acceptor(searcher, base, TYPE_CASE, exclude), max(POOL, limit))
    votes: Counter = Counter()
    for _, leaf, local, _ in pool[:VOTERS]:
        votes.update(_column(leaf, "charges")[local])
    profile = charge_profile(signals, votes)
    best = max((s for s, *_ in pool), default=0.0) or 1.0
    ranked = []
    for score, leaf, local, docnum in pool:
        laws = _column(leaf, "laws")[local]
        shared_cites = sum(1 for k in laws if k in cite_keys) / len(cite_keys) if cite_keys else 0.0
        agreement = charge_agreement(profile, _column(leaf, "charges")[local])
        ranked.append((score / best + CHARGE_WEIGHT * agreement + CITATION_WEIGHT * shared_cites, docnum, laws))
    ranked.sort(key=lambda x: -x[0])
    # Shown to the officer and used to find guides: only charges close to the strongest one.
    strongest = max(profile.values(), default=0.0)
    # One name per conduct (盗窃罪 or 盗窃, whichever weighs more), at most three.
    by_conduct: dict[str, str] = {}
    for charge in sorted(profile, key=lambda c: -profile[c]):
        if profile[charge] >= READ_SHARE * strongest:
            by_conduct.setdefault(conduct(charge), charge)
    read_charges = tuple(by_conduct.values())[:3]
    top = [(s, searcher.stored_fields(d)) for s, d, _ in ranked[:limit]]
    # A shared charge is named only when its conduct is one read from the facts: a charge only
    # some first-pass cases voted for ranks, but is no reason to show.
    read = {conduct(c) for c in read_charges}
    cases = tuple(_hit(s, stored, read, cite_keys, shown) for s, stored in top)
    guide_clauses = [("body", w, weight) for w, weight in terms[:40]] + [
        ("title", w, weight) for w, weight in terms[:40]
    ]
    for charge in read_charges:
        stem = charge[:-1] if charge.endswith("罪") else charge
        guide_clauses += [("title", w, GUIDE_BOOST) for w in analysis.words(stem)] + [("tags", stem, GUIDE_BOOST)]
    guide_clauses += [("laws", k, GUIDE_BOOST) for k in cite_keys]
    found = _score_pass(searcher, guide_clauses, _Acceptor(searcher, base, TYPE_GUIDE, exclude), max(3, limit // 2))
    guides = tuple(_hit(s, searcher.stored_fields(d), read, cite_keys, shown) for s, _, _, d in found)
    laws = _articles(searcher, cite_keys, [(s, stored) for s, stored in top], exclude_id=doc_id, limit=limit)
    took = (time.perf_counter() - started) * 1000
    return SimilarResults(cases, guides, laws, read_charges, shown, tuple(cite_keys), took)


def _hit(score: float, stored, read: set[str], cite_keys: Sequence[str], terms: Sequence[str]) -> SimilarHit:
    body = analysis.fold(str(stored.get("title") or "") + str(stored.get("body") or ""))
    return SimilarHit(
        id=stored["id"],
        title=stored.get("title", ""),
        type=stored.get("type", ""),
        category=stored.get("category", ""),
        score=float(score),
        summary=stored.get("summary", ""),
        path=stored.get("path", ""),
        year=stored.get("year") or None,
        shared_charges=tuple(c for c in _split(stored.get("charges")) if conduct(c) in read),
        shared_terms=tuple(t for t in terms if t in body)[:8],
        shared_laws=tuple(article_label(k) for k in _split(stored.get("laws")) if k in cite_keys),
        status=stored.get("status", STATUS_CURRENT),
    )


def _articles(searcher, cite_keys: list[str], cases: Sequence[tuple[float, dict]], exclude_id: str | None, limit: int):
    """Articles cited in the facts, then those most cited by the similar cases."""
    counts: Counter = Counter({k: 100 for k in cite_keys})
    for rank, (_, stored) in enumerate(cases):
        for key in _split(stored.get("laws")):
            counts[key] += 1.0 / (rank + 1)
    out: list[SimilarHit] = []
    for key, weight in counts.most_common(limit):
        # by key alone: adding status=现行 to the query walks the postings of every document in force
        versions = [d for d in searcher.documents(article_key=key) if d.get("status") == STATUS_CURRENT]
        stored = versions[0] if versions else None
        label = article_label(key)
        if stored and stored.get("id") != exclude_id:
            out.append(
                SimilarHit(
                    id=stored["id"],
                    title=stored.get("title", label),
                    type=TYPE_LAW,
                    category=stored.get("law", ""),
                    score=float(weight),
                    summary=(stored.get("body") or "")[:200],
                    path=stored.get("path", ""),
                    shared_laws=(label,),
                )
            )
        elif not stored:
            out.append(
                SimilarHit(id="", title=label, type=TYPE_LAW, category="", score=float(weight), shared_laws=(label,))
            )
    return tuple(out)
