"""Query understanding: an officer's own words turned into the concepts a search scores."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kb.errors import QueryError
from kb.search import analysis
from kb.search.spelling import Correction, Speller
from kb.search.synonyms import Synonyms
from kb.search.thesaurus import QueryWords, Thesaurus, notion_target
from kb.statutes.citations import extract_citations
from kb.statutes.numerals import int_to_cn

MAX_QUERY_CHARS = 300
# A token with any of these is the query language (phrase, exclusion, field, wildcard, group):
# such a query is parsed strictly, as the search syntax documents it.
_EXPLICIT = re.compile(r'"|(^|\s)[+-]\S|\S:\S|[*?()\[\]{}^~]|(^|\s)(AND|OR|NOT|ANDNOT|ANDMAYBE)(\s|$)')
# A number with the unit that follows it (3000元, 80毫克, 24小时) stays one concept: jieba would
# otherwise glue the unit to the next word (3000 / 元够).
_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(万元|千元|元|块钱|块|毫克|克|千克|公斤|小时|分钟|日|天|个月|月|年|次|岁|人|张|部|辆|周岁)?"
)
NUMERALS = True  # a number typed in digits is also searched as written in Chinese (_numeral)
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Concept:
    """One thing the officer asked about: the word as typed and every term that stands for it."""

    word: str
    synonyms: tuple[str, ...] = ()  # from data/synonyms.txt (equivalent terms)
    legal: tuple[str, ...] = ()  # from data/colloquial.txt (the legal terms a colloquial word leads to)

    @property
    def terms(self) -> tuple[str, ...]:
        """Everything searched for this concept, the typed word first."""
        return tuple(dict.fromkeys((self.word, *self.legal, *self.synonyms)))


@dataclass(frozen=True)
class Understanding:
    """How a query was read: its concepts, citations, what was left out and what was changed."""

    text: str
    concepts: tuple[Concept, ...] = ()
    citations: tuple[str, ...] = ()  # article keys (刑法:264)
    fillers: tuple[str, ...] = ()  # question and filler words left out
    intents: tuple[str, ...] = ()  # intent words typed (几天, 立案标准)
    steer: tuple[str, ...] = ()  # the words those intents steer the ranking toward
    corrections: tuple[Correction, ...] = ()
    explicit: bool = False  # uses the query language: parsed strictly
    rest: str = ""  # the query without its citations (what the strict parser reads)
    # What intent words name by themselves (【不再追诉】 in data/query_words.txt): the articles saying
    # it answer the question although they share no word with it (kb.search.concepts._notions).
    notions: tuple[str, ...] = ()

    @property
    def mapped(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Colloquial words and the legal terms searched for them (偷 → 盗窃)."""
        return tuple((c.word, c.legal) for c in self.concepts if c.legal)

    @property
    def corrected(self) -> str:
        """The query with its typos corrected (the text itself when there were none)."""
        text = self.text
        for c in self.corrections:
            text = text.replace(c.original, c.corrected)
        return text


def normalise(text: str) -> str:
    """Full-width punctuation of the query language to its ASCII form; the length checked."""
    text = text.strip().replace("：", ":").replace("“", '"').replace("”", '"').replace("（", "(").replace("）", ")")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"检索词过长（{len(text)} 字，上限 {MAX_QUERY_CHARS} 字）；请精简检索词，或到“类案检索”粘贴案情"
        )
    return text


def is_explicit(text: str) -> bool:
    """Whether the query uses the query language (quotes, -word, OR, field:, wildcards, groups)."""
    return bool(_EXPLICIT.search(text))


def understand(
    text: str,
    synonyms: Synonyms,
    thesaurus: Thesaurus,
    query_words: QueryWords,
    *,
    speller: Speller | None = None,
    known: Callable[[str], bool] | None = None,
    literal: bool = False,
) -> Understanding:
    """Read a query: citations, then (unless it uses the query language) typos corrected,
    question and filler words left out, intent words noted, colloquial words mapped to legal
    terms. `literal` keeps the words as typed (no thesaurus, no correction)."""
    text = normalise(text)
    keys, rest = _citations(text)
    if is_explicit(rest):
        return Understanding(text, citations=keys, explicit=True, rest=rest)
    corrections: tuple[Correction, ...] = ()
    if speller is not None and known is not None and not literal and rest:
        rest, corrections = speller.correct_text(rest, known)
    concepts, fillers, intents, steer = _read_words(rest, synonyms, thesaurus, query_words, known, literal)
    notions = [notion_target(w) for w in steer if notion_target(w)]
    steer = [w for w in steer if not notion_target(w)]
    if not concepts and not keys:
        # Nothing but filler (怎么办): search the words typed rather than nothing.
        kept = [w for w in dict.fromkeys(fillers) if len(w) > 1 and w not in analysis.STOP_WORDS]
        concepts = {w: Concept(w, synonyms.expand(w)) for w in kept}
        fillers = [w for w in fillers if w not in concepts]
    return Understanding(
        text,
        tuple(concepts.values()),
        keys,
        tuple(dict.fromkeys(fillers)),
        tuple(dict.fromkeys(intents)),
        tuple(dict.fromkeys(steer)),
        corrections,
        False,
        rest,
        tuple(dict.fromkeys(notions)),
    )


def _citations(text: str) -> tuple[tuple[str, ...], str]:
    """The article keys the query cites, and the query without those citations."""
    cites = extract_citations(text)
    keys = tuple(dict.fromkeys(c.key for c in cites))
    rest = text
    for cite in reversed(cites):
        rest = rest[: cite.start] + " " + rest[cite.end :]
    return keys, re.sub(r"\s+", " ", rest).strip()


def _read_words(
    rest: str,
    synonyms: Synonyms,
    thesaurus: Thesaurus,
    query_words: QueryWords,
    known: Callable[[str], bool] | None,
    literal: bool,
) -> tuple[dict[str, Concept], list[str], list[str], list[str]]:
    """The plain query's words sorted out: concepts (by word), fillers, intent words and the
    words those intents steer toward."""
    concepts: dict[str, Concept] = {}
    fillers: list[str] = []
    intents: list[str] = []
    steer: list[str] = []
    words = _words(rest)
    while words:
        word = words.pop(0)
        glued = (
            None
            if query_words.is_filler(word) or query_words.intent_of(word) or thesaurus.lookup(word)
            # 能罚 → 能 罚 (a one-character legal verb of the thesaurus), 能先 → 能 先
            else query_words.pieces(word, analysis.STOP_WORDS | thesaurus.single_words(), lone_tail=True)
        )
        if glued and (known is None or not known(word)):
            words[:0] = glued  # 最多能 → 最多 能: each part read on its own
            continue
        if query_words.is_filler(word) or word in analysis.STOP_WORDS:
            fillers.append(word)
            continue
        targets = query_words.intent_of(word)
        if targets:
            intents.append(word)
            steer.extend(targets)
            continue
        legal = () if literal else tuple(t for t in thesaurus.lookup(word) if t != word) or _numeral(word)
        if len(word) == 1 and _CJK.match(word) and not legal:
            # A lone character (做、来、用) is never a word of the index: it would only make
            # every result partial.
            fillers.append(word)
            continue
        if word not in concepts:
            same = synonyms.expand(word)
            for term in legal:
                same = (*same, *synonyms.expand(term))
            concepts[word] = Concept(word, tuple(dict.fromkeys(t for t in same if t != word)), legal)
    return concepts, fillers, intents, steer


def _numeral(word: str) -> tuple[str, ...]:
    """A number typed in digits, as the statutes write it (12 -> 十二, 1000 -> 一千): they never use
    digits. One digit (one character, found everywhere), years (1900–2100) and very large
    numbers are left alone."""
    if not NUMERALS or not (word.isascii() and word.isdigit()) or len(word) > 5:  # "¹".isdigit() too
        return ()
    n = int(word)
    return () if n < 10 or 1900 <= n <= 2100 else (int_to_cn(n),)


def _words(text: str) -> list[str]:
    """The query's words: numbers with their units kept whole, the rest segmented by jieba."""
    out: list[str] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        out.extend(analysis.words(text[pos : m.start()], drop_stops=False))
        out.append(m.group(1))  # the index holds 3000 and 元 apart: the number is the concept
        pos = m.end()
    out.extend(analysis.words(text[pos:], drop_stops=False))
    return out


__all__ = ["Concept", "Understanding", "is_explicit", "normalise", "understand"]
