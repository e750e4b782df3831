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
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kb.content.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, TYPE_LAW
from kb.errors import QueryError
from kb.search import analysis, classifier
from kb.search.charges import ChargeTable, charge_cues, charges_alleged, charges_named, conduct, same_offence
from kb.search.classifier import ChargeCounts, Reading, charge_agreement, charge_profile, charges_read, read_charges
from kb.search.filters import Filters, filter_query
from kb.search.scoring import leaves as _leaves
from kb.search.scoring import norms
from kb.search.scoring import postings as _postings
from kb.search.scoring import segment_cache as _cache
from kb.statutes.citations import article_label, extract_citations, find_abbreviations

MAX_TEXT_CHARS = 20000
KEY_TERMS = 120  # words of the description kept for the first pass, best tf-idf first
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
SHOWN_TERMS = 12
MAX_DF_SHARE = 0.5  # in big indexes, words in more than this share of documents barely rank: skip them
SKIP_FROM_DOCS = 1000  # below this many documents nothing is skipped (every word may matter)
K1, B = 1.2, 0.75  # BM25F parameters, as the search service's Whoosh weighting uses
GUIDE_BOOST = 3.0  # a guide naming the charge in title or tags, or citing the same article
# Reading the charge (benchmarks/RESULTS.md 1.3; the classifier's constants are in kb.search.classifier).
NAMED_EVIDENCE = 3.0  # log odds for a conduct the text names as the case's (涉嫌盗窃, 构成盗窃罪)
CUE_EVIDENCE = 2.0  # log odds for a conduct whose fact pattern (data/charge_cues.txt) the text shows
VOTERS = 20  # closest first-pass cases whose charges vote when kb.search.classifier.VOTE_WEIGHT is set
WORD_CACHE = 50_000  # words whose per-charge shares are kept per segment (a few hundred bytes each)


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
# A numeral with or without its measure word (两张, 每张, 一名, 两瓶, 十年); 多次 stays (a legal element).
_QUANTITY = re.compile(
    r"第?[零一二两三四五六七八九十百千万几每半各数]+"
    r"[个只张瓶名辆部次块条件元斤克台把根支袋箱包盒间处家位人口份笔户起套双对副杯碗本层栋日天年月周岁]?"
)


def telling(word: str) -> bool:
    """Whether a word can tell cases apart: not a single character, a number or quantity (两张),
    an anonymised name (张某, 李某某, 某), a date fragment (日晚) or a narrative word (此前, 案发后)."""
    return (
        len(word) > 1
        and not any(ch.isdigit() for ch in word)
        and "某" not in word
        and word not in NARRATIVE_WORDS
        and not _DATE_PART.fullmatch(word)
        and not _QUANTITY.fullmatch(word)
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


def shown_terms(terms: Sequence[tuple[str, float]], reading: Reading) -> tuple[str, ...]:
    """The key terms shown to the officer: those that speak for the charges read (positive
    evidence), strongest first. Words no labelled document links to a charge (白色, 别问) are
    left out; with no labelled documents at all, the best tf-idf words."""
    if not reading.probabilities:
        return tuple(w for w, _ in terms[:SHOWN_TERMS])
    return tuple(w for w, _ in reading.evidence[:SHOWN_TERMS])


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


def _labels(leaf) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """One segment's charge-labelled documents, cached: the charge names, each document's
    charges as indices into them (a row per label slot, −1 for none), 1 / body length (0 for
    documents without charges and deleted ones), and how many documents each charge has."""
    cache = _cache(leaf)
    found = cache.get("labels")
    if found is None:
        column = _column(leaf, "charges")
        n = leaf.doc_count_all()
        names: dict[str, int] = {}
        slots = np.full((max((len(c) for c in column), default=0), n), -1, dtype=np.int64)
        inverse = np.zeros(n)
        for d, charges in enumerate(column):
            length = leaf.doc_field_length(d, "body") or 0 if charges else 0
            if not length or leaf.is_deleted(d):
                continue
            inverse[d] = 1.0 / length
            for k, charge in enumerate(charges):
                slots[k, d] = names.setdefault(charge, len(names))
        docs = np.zeros(len(names))
        for row in slots:
            docs += np.bincount(row[row >= 0], minlength=len(names))
        found = cache["labels"] = (tuple(names), slots, inverse, docs)
    return found


def _word_shares(leaf, word: str) -> tuple[np.ndarray, float, int]:
    """One word in one segment's labelled documents, cached (segments never change): its summed
    share (tf / body length) per charge of the segment, over all of them, and how many have it."""
    cache = _cache(leaf).setdefault("word shares", {})
    found = cache.get(word)
    if found is None:
        names, slots, inverse, _ = _labels(leaf)
        per_charge = np.zeros(len(names))
        total, spread = 0.0, 0
        if names and ("body", word) in leaf:
            ids, weights = _postings(leaf, "body", word)
            local = np.frombuffer(ids, dtype=np.uint32)
            share = np.frombuffer(weights, dtype=np.float32) * inverse[local]
            for slot in slots:
                cls = slot[local]
                keep = cls >= 0
                per_charge += np.bincount(cls[keep], weights=share[keep], minlength=len(names))
            total, spread = float(share.sum()), int(np.count_nonzero(share))
        found = (per_charge, total, spread)
        if len(cache) < WORD_CACHE:
            cache[word] = found
    return found


def charge_counts(searcher, words: Sequence[str]) -> ChargeCounts:
    """What kb.search.classifier.read_charges needs to know of `words`, from the index's own postings
    of its charge-labelled documents (cases and statute articles with `charges`)."""
    classes: dict[str, int] = {}
    segments = []
    for leaf, _ in _leaves(searcher):
        names, _, inverse, docs = _labels(leaf)
        if names:
            remap = np.array([classes.setdefault(c, len(classes)) for c in names], dtype=np.int64)
            segments.append((leaf, inverse, docs, remap))
    counts = np.zeros((len(words), len(classes)))
    background = np.zeros(len(words))
    spread = np.zeros(len(words))
    class_docs = np.zeros(len(classes))
    labelled = 0
    for leaf, inverse, docs, remap in segments:
        class_docs[remap] += docs
        labelled += int(np.count_nonzero(inverse))
        for i, word in enumerate(words):
            per_charge, total, n = _word_shares(leaf, word)
            if n:
                counts[i, remap] += per_charge
                background[i] += total
                spread[i] += n
    return ChargeCounts(tuple(classes), counts, background, spread, class_docs, labelled)


def read_facts(searcher, terms: Sequence[tuple[str, float]], named=(), cued=()) -> Reading:
    """The charges the description's key terms point to, by naive Bayes over the index's labelled
    documents, with extra evidence for the conducts the text names or whose fact patterns it shows."""
    words = [w for w, _ in terms]
    known = charge_counts(searcher, words)
    bonus = [
        NAMED_EVIDENCE
        if any(same_offence(c, n) for n in named)
        else CUE_EVIDENCE
        if any(same_offence(c, n) for n in cued)
        else 0.0
        for c in known.classes
    ]
    return read_charges(words, [wt for _, wt in terms], known, bonus)


def _norms(leaf, field: str, avgdl: float) -> list[float]:
    """kb.search.scoring.norms with this module's K1 and B, read at call time (lecard.py --set)."""
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
    named = charges_alleged(text, vocabulary)
    cued = charge_cues(text, vocabulary, service.resources.cues)
    cites = extract_citations(text, abbreviations=find_abbreviations(text))
    cite_keys = list(dict.fromkeys([*own_laws, *(c.key for c in cites)]))
    terms = key_terms(searcher, text)
    reading = read_facts(searcher, terms, named, cued)
    if own_charges:  # a document's own charges are known, not read
        reading = Reading(tuple((c, 1 / len(own_charges)) for c in own_charges), reading.evidence)
    shown = shown_terms(terms, reading)
    base = dict((filters if isinstance(filters, Filters) else Filters.of(filters)).items())

    clauses = [("body", w, weight) for w, weight in terms]
    if TITLE_FACTOR:
        clauses += [("title", w, weight * TITLE_FACTOR) for w, weight in terms]
    pool = _score_pass(searcher, clauses, _Acceptor(searcher, base, TYPE_CASE, exclude), max(POOL, limit))
    votes: Counter = Counter()
    for _, leaf, local, _ in pool[:VOTERS] if classifier.VOTE_WEIGHT else ():
        votes.update(_column(leaf, "charges")[local])
    profile = charge_profile(reading, votes)
    confidence = 1.0 if own_charges else max(profile.values(), default=0.0)
    best = max((s for s, *_ in pool), default=0.0) or 1.0
    ranked = []
    for score, leaf, local, docnum in pool:
        laws = _column(leaf, "laws")[local]
        shared_cites = sum(1 for k in laws if k in cite_keys) / len(cite_keys) if cite_keys else 0.0
        agreement = charge_agreement(profile, _column(leaf, "charges")[local])
        text_score = score / best
        if COMBINE == "mult":
            combined = text_score * (1 + CHARGE_WEIGHT * agreement)
        else:
            combined = text_score + CHARGE_WEIGHT * agreement
        ranked.append((combined + CITATION_WEIGHT * shared_cites, docnum, laws))
    ranked.sort(key=lambda x: -x[0])
    read_charges = charges_read(profile, {**reading.as_dict(), **dict.fromkeys(own_charges, 1.0)})
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
    wanted = max(3, limit // 2)
    found = _score_pass(searcher, guide_clauses, _Acceptor(searcher, base, TYPE_GUIDE, exclude), 3 * wanted)
    guides = []
    for s, _, _, d in found:
        stored = searcher.stored_fields(d)
        # A guide to one offence (醉驾, 殴打他人) applies only when the facts read as that offence.
        about = charges_named(f"{stored.get('title') or ''} {stored.get('tags') or ''}", vocabulary)
        if about and not any(conduct(c) in read for c in about):
            continue
        guides.append(_hit(s, stored, read, cite_keys, shown))
    guides = tuple(guides[:wanted])
    defining = [k for c in read_charges for k in service.resources.charge_table.articles(c)]
    laws = _articles(
        searcher,
        cite_keys,
        # only cases that share something nameable with the facts, as the page lists them
        [(s, stored) for (s, stored), hit in zip(top, cases, strict=True) if hit.explained],
        exclude_id=doc_id,
        limit=limit,
        defining=defining,
        read=read,
        table=service.resources.charge_table,
    )
    took = (time.perf_counter() - started) * 1000
    return SimilarResults(cases, guides, laws, read_charges, shown, tuple(cite_keys), took, confidence)


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
        for key in _split(stored.get("laws")):
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
