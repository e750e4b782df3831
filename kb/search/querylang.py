"""The query language: a query parsed strictly into a Whoosh query; the clauses of plain queries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from whoosh import query as Q
from whoosh.qparser import FieldAliasPlugin, MultifieldParser, PlusMinusPlugin

from kb.content.documents import TYPE_LAW
from kb.errors import QueryError
from kb.search import analysis, engine
from kb.search.index import Resources
from kb.search.query import Concept, Understanding, understand
from kb.search.thesaurus import law_target
from kb.statutes.names import ALIASES, LAW_SUFFIXES, canonical_law_name

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
SYNONYM_BOOST = 0.6
CITATION_BOOST = 8.0
# Ranked, forgiving matching of plain queries (kb.search.concepts).
CHAPTER_WEIGHT = 0.5  # an article's chapter heading (第十章 治安调解), below its own text
CONCEPT_FIELDS = {"title": 4.0, "summary": 2.0, "tags": 2.0, "body": 1.0, "chapter": CHAPTER_WEIGHT}
LEGAL_BOOST = 0.8  # a colloquial word's legal term (偷 → 盗窃), beside the word typed
BIGRAM_BOOST = 0.3  # the bigram safety net, below whole words
LAW_BOOST = 1.0  # an article of the law a word names (治安 → 《治安管理处罚法》, see data/colloquial.txt)
MIN_WILDCARD_PREFIX = 1
MAX_WILDCARD_TERMS = 200


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


def check_wildcards(q: Q.Query, searcher) -> None:
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
            count = engine.expansions(sub, searcher.reader())
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
    clauses: list[Q.Query] = [citation_clause(key) for key in keys]
    if parsed is not None and parsed is not Q.NullQuery:
        clauses.append(parsed)
    query = None if not clauses else (clauses[0] if len(clauses) == 1 else Q.And(clauses))
    terms = highlight_terms(query)
    return ParsedQuery(query, terms, keys, notice)


def everything() -> Q.Query:
    """The query every document matches (an empty query lists them newest first)."""
    return Q.Every()


def citation_clause(key: str) -> Q.Query:
    """Documents citing an article, the article itself far above them."""
    return Q.Or([Q.Term("laws", key), Q.Term("article_key", key, boost=CITATION_BOOST)])


def defining_clause(names: Sequence[str]) -> Q.Query:
    """The statute articles labelled with any of these charges (刑法第二百七十七条【妨害公务罪、袭警罪】
    for 袭警罪)."""
    return Q.And([Q.Or([Q.Term("charges", n) for n in dict.fromkeys(names)]), Q.Term("type", TYPE_LAW)])


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


def notion_clause(notion: str) -> Q.Query:
    """The statute articles saying a notion (不再追诉) in their text, heading or chapter: the word
    itself, or, when jieba splits it, all of its bigrams."""
    tokens = analysis.words(notion)
    if len(tokens) == 1:
        found: Q.Query = Q.Or([Q.Term(f, tokens[0]) for f in ("title", "body", "chapter")])
    else:
        found = Q.And([Q.Term("bigrams", g) for g in dict.fromkeys(analysis.bigrams(notion))])
    return Q.And([found, Q.Term("type", TYPE_LAW)])


def concept_query(concept: Concept) -> Q.Query:
    """Every way a document can match one concept: the word, its legal terms and synonyms in
    the text fields (multi-word terms as all their words), as a charge name, and through the
    bigram net."""
    options: list[Q.Query] = []
    weighted = [(concept.word, 1.0)]
    weighted += [(t, LEGAL_BOOST) for t in concept.legal]
    weighted += [(t, SYNONYM_BOOST) for t in concept.synonyms]
    for term, boost in weighted:
        if law := law_target(term):
            options.append(Q.Term("law", law, boost=LAW_BOOST * boost))
            continue
        if term in ALIASES or term.endswith(LAW_SUFFIXES):  # 治安法: the articles of that law
            options.append(Q.Term("law", canonical_law_name(term), boost=LAW_BOOST * boost))
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
        folded = analysis.fold(term)
        options.append(Q.Term("charges", folded, boost=2.0 * boost))
        if not folded.endswith("罪"):  # a conduct (袭警) also finds what is labelled with its 罪名 (袭警罪)
            options.append(Q.Term("charges", folded + "罪", boost=2.0 * boost))
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


def highlight_terms(q: Q.Query | None) -> tuple[str, ...]:
    if q is None:
        return ()
    found: dict[str, None] = {}
    for sub in [q] if q.is_leaf() else q.leaves():
        if isinstance(sub, Q.Phrase) and sub.fieldname in TEXT_FIELDS:
            found["".join(sub.words)] = None
        elif isinstance(sub, Q.Term) and sub.fieldname in TEXT_FIELDS and isinstance(sub.text, str):
            found[sub.text] = None
    return tuple(sorted(found, key=len, reverse=True))


__all__ = [
    "ParsedQuery",
    "check_wildcards",
    "citation_clause",
    "concept_query",
    "everything",
    "notion_clause",
    "parse_query",
    "steer_query",
]
