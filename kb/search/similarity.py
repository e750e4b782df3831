"""类案检索: read charges, key terms and citations from a case description; rank similar documents.

Ranking has two stages. A first pass scores documents by BM25F on the description's words; a
second pass re-ranks the best of them by adding the probability that they share the conduct read
from the description and how many statute articles they share with it. The charge is read by
kb.search.classifier, a naive Bayes model over the index's own charge-labelled documents (cases by their
front-matter charges, articles by the charges they define), with extra evidence when the text
names a charge or shows a fact pattern of data/charge_cues.txt: when the reading is uncertain its
probability is spread and the facts decide. Measured on LeCaRD in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kb.content.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, TYPE_LAW
from kb.content.vocabulary import split_keywords
from kb.errors import QueryError
from kb.search import analysis, classifier
from kb.search.casefacts import column, key_terms, read_facts, shown_terms
from kb.search.charges import ChargeTable, charge_cues, charges_alleged, charges_named, conduct
from kb.search.classifier import Reading, charge_agreement, charge_profile, charges_read
from kb.search.engine import leaves as _leaves
from kb.search.engine import reader_cache as _cache
from kb.search.fastpath import norms
from kb.search.fastpath import postings as _postings
from kb.search.filters import Filters, filter_query
from kb.search.results import card_fields, card_json
from kb.statutes.citations import article_label, extract_citations, find_abbreviations

MAX_TEXT_CHARS = 20000
POOL = 100  # first-pass cases re-ranked
CHARGE_WEIGHT = (
    1.0  # the probability of sharing the conduct read (0–1) scales the text score (best = 1) by up to 1 + this
)
# "mult": text × (1 + CHARGE_WEIGHT × agreement), so a shared charge lifts a case in proportion to its
# facts and a weak match of the right charge does not jump over strong matches deeper in the list;
# "add" (text + CHARGE_WEIGHT × agreement, CHARGE_WEIGHT 0.5) was the rule before (RESULTS.md 1.4).
COMBINE = "mult"
CITATION_WEIGHT = 0.2  # share of the description's cited articles a document also cites
TITLE_FACTOR = 1.0  # a word in the title, beside the same word in the body (the schema boosts titles too)
MAX_DF_SHARE = 0.5  # in big indexes, words in more than this share of documents barely rank: skip them
SKIP_FROM_DOCS = 1000  # below this many documents nothing is skipped (every word may matter)
K1, B = 1.2, 0.75  # BM25F parameters, as the search service's Whoosh weighting uses
GUIDE_BOOST = 3.0  # a guide naming the charge in title or tags, or citing the same article
VOTERS = 20  # closest first-pass cases whose charges vote when kb.search.classifier.VOTE_WEIGHT is set


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
            **card_json(self),
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
    confidence: float = 0.0  # the probability of the likeliest conduct read (0–1); 1 for a document's own charges

    def to_json(self) -> dict:
        return {
            "took_ms": round(self.took_ms, 2),
            "charges": list(self.charges),
            "confidence": round(self.confidence, 3),
            "terms": list(self.terms),
            "citations": list(self.citations),
            "cases": [h.to_json() for h in self.cases],
            "guides": [h.to_json() for h in self.guides],
            "laws": [h.to_json() for h in self.laws],
        }


# -- ranking ----------------------------------------------------------------------------------
#
# The first pass scores postings block by block instead of through Whoosh's Or matcher, which
# scores every posting with several Python calls each (measured: 3.4 µs a posting, 130 ms for a
# pasted description on 1,000 documents). Per-segment caches hold what the re-ranking needs
# (field lengths, charges, citations, type and status), so pool documents are never unpickled.


def _norms(leaf, field: str, avgdl: float) -> list[float]:
    """kb.search.fastpath.norms with this module's K1 and B, read at call time (lecard.py --set)."""
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
            columns = [(column(leaf, field), set(values)) for field, values in self.wanted]
            cache[key] = {
                d
                for d in range(leaf.doc_count_all())
                if not leaf.is_deleted(d) and all(not values.isdisjoint(col[d]) for col, values in columns)
            }
        return cache[key]

    def extra(self, docnum: int) -> bool:
        return docnum != self.exclude and (self.allowed is None or docnum in self.allowed)


@dataclass(frozen=True)
class _Facts:
    """What was read from a description (or a document): its words, charges and citations."""

    text: str
    exclude: int | None  # the document itself, when one was given
    own_charges: tuple[str, ...]
    cite_keys: tuple[str, ...]
    terms: list[tuple[str, float]]
    reading: Reading
    shown: tuple[str, ...]


def find_similar(
    service, searcher, text: str | None = None, doc_id: str | None = None, filters=None, limit: int = 10
) -> SimilarResults:
    """Find similar cases, applicable guides and articles for a pasted case description or a document."""
    started = time.perf_counter()
    facts = _read(service, searcher, text, doc_id)
    base = dict((filters if isinstance(filters, Filters) else Filters.of(filters)).items())
    top, profile = _similar_cases(searcher, facts, base, limit)
    confidence = 1.0 if facts.own_charges else max(profile.values(), default=0.0)
    charges = charges_read(profile, {**facts.reading.as_dict(), **dict.fromkeys(facts.own_charges, 1.0)})
    # A shared charge is named only when its conduct is one read from the facts: a charge only
    # some first-pass cases voted for ranks, but is no reason to show.
    read = {conduct(c) for c in charges}
    cases = tuple(_hit(s, stored, read, facts.cite_keys, facts.shown) for s, stored in top)
    vocabulary = tuple(service.resources.charges)
    guides = _guides(searcher, facts, base, charges, read, vocabulary, limit)
    defining = [k for c in charges for k in service.resources.charge_table.articles(c)]
    laws = _articles(
        searcher,
        list(facts.cite_keys),
        # only cases that share something nameable with the facts, as the page lists them
        [(s, stored) for (s, stored), hit in zip(top, cases, strict=True) if hit.explained],
        exclude_id=doc_id,
        limit=limit,
        defining=defining,
        read=read,
        table=service.resources.charge_table,
    )
    took = (time.perf_counter() - started) * 1000
    return SimilarResults(cases, guides, laws, charges, facts.shown, facts.cite_keys, took, confidence)


def _read(service, searcher, text: str | None, doc_id: str | None) -> _Facts:
    """The description's key terms, the charges they read as and its citations; for a document
    id, its own text, charges and citations."""
    exclude: int | None = None
    own_charges: tuple[str, ...] = ()
    own_laws: tuple[str, ...] = ()
    if doc_id:
        stored = searcher.document(id=doc_id)
        if not stored:
            raise QueryError(f"找不到 id 为“{doc_id}”的文档；请检查 id")
        exclude = searcher.document_number(id=doc_id)
        text = "\n".join(str(stored.get(k) or "") for k in ("title", "summary", "body"))
        own_charges = split_keywords(stored.get("charges"))
        own_laws = split_keywords(stored.get("laws"))
    text = (text or "").strip()
    if not text:
        raise QueryError("请输入案情描述（或指定文档 id）")
    text = text[:MAX_TEXT_CHARS]
    vocabulary = tuple(service.resources.charges)
    named = charges_alleged(text, vocabulary)
    cued = charge_cues(text, vocabulary, service.resources.cues)
    cites = extract_citations(text, abbreviations=find_abbreviations(text))
    cite_keys = tuple(dict.fromkeys([*own_laws, *(c.key for c in cites)]))
    terms = key_terms(searcher, text)
    reading = read_facts(searcher, terms, named, cued)
    if own_charges:  # a document's own charges are known, not read
        reading = Reading(tuple((c, 1 / len(own_charges)) for c in own_charges), reading.evidence)
    return _Facts(text, exclude, own_charges, cite_keys, terms, reading, shown_terms(terms, reading))


def _similar_cases(searcher, facts: _Facts, base: dict, limit: int) -> tuple[list, dict[str, float]]:
    """The `limit` best cases as (score, stored fields): the first pass by the description's words,
    re-ranked by the conduct they share (the charge profile, also returned) and the articles."""
    terms, cite_keys = facts.terms, facts.cite_keys
    clauses = [("body", w, weight) for w, weight in terms]
    if TITLE_FACTOR:
        clauses += [("title", w, weight * TITLE_FACTOR) for w, weight in terms]
    pool = _score_pass(searcher, clauses, _Acceptor(searcher, base, TYPE_CASE, facts.exclude), max(POOL, limit))
    votes: Counter = Counter()
    for _, leaf, local, _ in pool[:VOTERS] if classifier.VOTE_WEIGHT else ():
        votes.update(column(leaf, "charges")[local])
    profile = charge_profile(facts.reading, votes)
    best = max((s for s, *_ in pool), default=0.0) or 1.0
    ranked = []
    for score, leaf, local, docnum in pool:
        laws = column(leaf, "laws")[local]
        shared_cites = sum(1 for k in laws if k in cite_keys) / len(cite_keys) if cite_keys else 0.0
        agreement = charge_agreement(profile, column(leaf, "charges")[local])
        text_score = score / best
        if COMBINE == "mult":
            combined = text_score * (1 + CHARGE_WEIGHT * agreement)
        else:
            combined = text_score + CHARGE_WEIGHT * agreement
        ranked.append((combined + CITATION_WEIGHT * shared_cites, docnum, laws))
    ranked.sort(key=lambda x: -x[0])
    return [(s, searcher.stored_fields(d)) for s, d, _ in ranked[:limit]], profile


def _guides(searcher, facts: _Facts, base: dict, charges, read: set[str], vocabulary, limit: int):
    """Guides on the description's words, the charges read and the articles it cites; a guide to
    one offence (醉驾, 殴打他人) only when the facts read as that offence."""
    terms = facts.terms
    guide_clauses = [("body", w, weight) for w, weight in terms[:40]] + [
        ("title", w, weight) for w, weight in terms[:40]
    ]
    for charge in charges:
        stem = charge[:-1] if charge.endswith("罪") else charge
        guide_clauses += [("title", w, GUIDE_BOOST) for w in analysis.words(stem)] + [("tags", stem, GUIDE_BOOST)]
    guide_clauses += [("laws", k, GUIDE_BOOST) for k in facts.cite_keys]
    wanted = max(3, limit // 2)
    found = _score_pass(searcher, guide_clauses, _Acceptor(searcher, base, TYPE_GUIDE, facts.exclude), 3 * wanted)
    guides = []
    for s, _, _, d in found:
        stored = searcher.stored_fields(d)
        about = charges_named(f"{stored.get('title') or ''} {stored.get('tags') or ''}", vocabulary)
        if about and not any(conduct(c) in read for c in about):
            continue
        guides.append(_hit(s, stored, read, facts.cite_keys, facts.shown))
    return tuple(guides[:wanted])


def _hit(score: float, stored, read: set[str], cite_keys: Sequence[str], terms: Sequence[str]) -> SimilarHit:
    body = analysis.fold(str(stored.get("title") or "") + str(stored.get("body") or ""))
    return SimilarHit(
        **card_fields(stored, score),
        shared_charges=tuple(c for c in split_keywords(stored.get("charges")) if conduct(c) in read),
        shared_terms=tuple(t for t in terms if t in body)[:8],
        shared_laws=tuple(article_label(k) for k in split_keywords(stored.get("laws")) if k in cite_keys),
    )


def _offences_of(table: ChargeTable, law: str) -> list[str]:
    """The charges a law's name names (最高人民法院…关于办理盗窃刑事案件适用法律若干问题的解释 -> 盗窃罪)."""
    return charges_named(law, table.names()) if law and table.charges else []


def _articles(
    searcher,
    cite_keys: list[str],
    cases: Sequence[tuple[float, dict]],
    exclude_id: str | None,
    limit: int,
    defining: Sequence[str] = (),
    read: set[str] = frozenset(),
    table: ChargeTable = ChargeTable(),
):
    """Articles cited in the facts, then those that define the charges read, then those most cited
    by the similar cases; an article defining another offence than those read is left out."""
    counts: Counter = Counter({k: 100 for k in cite_keys})
    for key in defining:
        counts[key] += 50
    for rank, (_, stored) in enumerate(cases):
        for key in split_keywords(stored.get("laws")):
            counts[key] += 1.0 / (rank + 1)
    out: list[SimilarHit] = []
    for key, weight in counts.most_common(3 * limit):
        if len(out) >= limit:
            break
        # by key alone: adding status=现行 to the query walks the postings of every document in force
        versions = [d for d in searcher.documents(article_key=key) if d.get("status") == STATUS_CURRENT]
        stored = versions[0] if versions else None
        label = article_label(key)
        # A case's article on another offence (刑法第二百六十四条 when the facts do not read as 盗窃),
        # or an interpretation about one (关于办理盗窃刑事案件…的解释), is no help with these facts.
        offences = table.charges_for(key) or _offences_of(table, stored.get("law", "") if stored else "")
        chosen = key in cite_keys or key in defining
        if not chosen and offences and not any(conduct(c) in read for c in offences):
            continue
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
