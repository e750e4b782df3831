"""类案检索: pick key terms, charges and citations from a case description and find similar documents."""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from whoosh import query as Q

from kb import analysis
from kb.citations import article_label, extract_citations, find_abbreviations
from kb.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, TYPE_LAW
from kb.errors import QueryError

MAX_TEXT_CHARS = 20000
KEY_TERMS = 30
CHARGE_BOOST = 6.0
CITATION_BOOST = 3.0
TITLE_FACTOR = 0.6
_EXPLICIT_CHARGE = re.compile(r"[\u4e00-\u9fff、]{2,20}罪")


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


def charge_variants(charge: str) -> list[str]:
    """Phrases that signal a charge in facts: 盗窃罪 -> 盗窃; 走私、贩卖毒品罪 -> 走私毒品, 贩卖毒品."""
    stem = charge[:-1] if charge.endswith("罪") else charge
    parts = [p for p in stem.split("、") if p]
    if len(parts) <= 1:
        return [stem] if len(stem) >= 2 else []
    last = parts[-1]
    obj = last[2:] if len(last) > 2 else ""
    variants = [p + obj if len(p) <= 2 and obj else p for p in parts]
    return [v for v in variants if len(v) >= 2]


def detect_charges(text: str, charges: Iterable[str], limit: int = 3) -> list[str]:
    """Likely charges (罪名 / 违法行为), most mentioned first; named charges (“构成盗窃罪”) count most."""
    folded = analysis.fold(text)
    known = {c: charge_variants(c) for c in charges}
    scores: Counter = Counter()
    explicit = set(_EXPLICIT_CHARGE.findall(folded))
    for charge, variants in known.items():
        if charge in explicit or any(charge in e for e in explicit):
            scores[charge] += 10
        for v in variants:
            n = folded.count(v)
            if n:
                scores[charge] += n
    # a longer charge that contains a shorter one's phrase wins (电信网络诈骗 over 诈骗)
    ranked = [c for c, _ in scores.most_common()]
    return ranked[:limit]


def key_terms(searcher, text: str, n: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The n words of the text with the highest tf-idf against the index's body field."""
    counts = Counter(w for w in analysis.words(text) if len(w) > 1 and not w.isdigit())
    total = max(1, searcher.doc_count())
    scored = []
    for word, tf in counts.items():
        df = searcher.doc_frequency("body", word)
        if df == 0:
            continue
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        scored.append((word, (1 + math.log(tf)) * idf))
    scored.sort(key=lambda x: -x[1])
    return scored[:n]


def _hit(searcher, hit, doc_charges: Sequence[str], cite_keys: set[str], terms: set[str]) -> SimilarHit:
    stored = hit.fields()
    laws = tuple(v for v in (stored.get("laws") or "").split(",") if v)
    charges = tuple(v for v in (stored.get("charges") or "").split(",") if v)
    matched = tuple(
        dict.fromkeys(
            (t.decode("utf-8") if isinstance(t, bytes) else t)
            for f, t in (hit.matched_terms() if hit.results.has_matched_terms() else [])
            if f in ("body", "title")
        )
    )
    return SimilarHit(
        id=stored["id"],
        title=stored.get("title", ""),
        type=stored.get("type", ""),
        category=stored.get("category", ""),
        score=float(hit.score or 0.0),
        summary=stored.get("summary", ""),
        path=stored.get("path", ""),
        year=stored.get("year") or None,
        shared_charges=tuple(c for c in charges if c in doc_charges),
        shared_terms=tuple(t for t in matched if t in terms)[:8],
        shared_laws=tuple(article_label(k) for k in laws if k in cite_keys),
        status=stored.get("status", STATUS_CURRENT),
    )


def find_similar(service, searcher, text: str | None = None, doc_id: str | None = None, filters=None, limit: int = 10):
    """Find similar cases, applicable guides and articles for a pasted case description or a document."""
    started = time.perf_counter()
    exclude: str | None = None
    own_charges: tuple[str, ...] = ()
    own_laws: tuple[str, ...] = ()
    if doc_id:
        stored = searcher.document(id=doc_id)
        if not stored:
            raise QueryError(f"找不到 id 为“{doc_id}”的文档；请检查 id")
        exclude = doc_id
        text = "\n".join(str(stored.get(k) or "") for k in ("title", "summary", "body"))
        own_charges = tuple(v for v in (stored.get("charges") or "").split(",") if v)
        own_laws = tuple(v for v in (stored.get("laws") or "").split(",") if v)
    text = (text or "").strip()
    if not text:
        raise QueryError("请输入案情描述（或指定文档 id）")
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    charges = list(own_charges) or detect_charges(text, service.resources.charges)
    cites = extract_citations(text, abbreviations=find_abbreviations(text))
    cite_keys = list(dict.fromkeys([*own_laws, *(c.key for c in cites)]))
    terms = key_terms(searcher, text)
    clauses: list[Q.Query] = []
    for word, weight in terms:
        clauses.append(Q.Term("body", word, boost=weight))
        clauses.append(Q.Term("title", word, boost=weight * TITLE_FACTOR))
    for charge in charges:
        clauses.append(Q.Term("charges", charge, boost=CHARGE_BOOST))
    for key in cite_keys:
        clauses.append(Q.Term("laws", key, boost=CITATION_BOOST))
    term_set = {w for w, _ in terms}
    if not clauses:
        return SimilarResults((), (), (), tuple(charges), (), tuple(cite_keys), (time.perf_counter() - started) * 1000)
    q = Q.Or(clauses)
    from kb.search import Filters, filter_query

    base = filters if isinstance(filters, Filters) else Filters.of(filters)

    def group(doc_type: str, n: int) -> tuple[SimilarHit, ...]:
        fq = filter_query(Filters.of({**dict(base.items()), "type": doc_type}), include_superseded=False)
        mask = Q.Term("id", exclude) if exclude else None
        results = searcher.search(q, limit=n, filter=fq, mask=mask, terms=True)
        return tuple(_hit(searcher, h, charges, set(cite_keys), term_set) for h in results)

    cases = group(TYPE_CASE, limit)
    guides = group(TYPE_GUIDE, max(3, limit // 2))
    laws = _articles(searcher, cite_keys, cases, exclude, limit)
    took = (time.perf_counter() - started) * 1000
    return SimilarResults(
        cases, guides, laws, tuple(charges), tuple(w for w, _ in terms[:12]), tuple(cite_keys), took
    )


def _articles(searcher, cite_keys: list[str], cases: Sequence[SimilarHit], exclude: str | None, limit: int):
    """Articles cited in the facts, then those most cited by the similar cases."""
    counts: Counter = Counter({k: 100 for k in cite_keys})
    for rank, case in enumerate(cases):
        stored = searcher.document(id=case.id) or {}
        for key in (stored.get("laws") or "").split(","):
            if key:
                counts[key] += 1.0 / (rank + 1)
    out: list[SimilarHit] = []
    for key, weight in counts.most_common(limit):
        stored = searcher.document(article_key=key, status=STATUS_CURRENT)
        if stored and stored.get("id") != exclude:
            out.append(
                SimilarHit(
                    id=stored["id"],
                    title=stored.get("title", article_label(key)),
                    type=TYPE_LAW,
                    category=stored.get("law", ""),
                    score=float(weight),
                    summary=(stored.get("body") or "")[:200],
                    path=stored.get("path", ""),
                    shared_laws=(article_label(key),),
                )
            )
        elif not stored:
            out.append(SimilarHit(id="", title=article_label(key), type=TYPE_LAW, category="", score=float(weight), shared_laws=(article_label(key),)))
    return tuple(out)
