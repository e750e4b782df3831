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
from kb.statutes.numerals import cn_to_int, int_to_cn

MAX_QUERY_CHARS = 300
# A token with any of these is the query language (phrase, exclusion, field, wildcard, group):
# such a query is parsed strictly, as the search syntax documents it.
_EXPLICIT = re.compile(r'"|(^|\s)[+-]\S|\S:\S|[*?()\[\]{}^~]|(^|\s)(AND|OR|NOT|ANDNOT|ANDMAYBE)(\s|$)')
# A number with the unit that follows it (3000元, 80毫克, 24小时) stays one concept: jieba would
# otherwise glue the unit to the next word (3000 / 元够). 70多岁 and 3000来块 are read as 70岁, 3000块.
_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:多|来)?(万元|万块钱|万块|万|千元|元|块钱|块|毫克|克|千克|公斤|小时|分钟|日|天|个月|月|年|次|岁|人|张|部|辆|周岁)?"
)
NUMERALS = True  # a number typed in digits is also searched as written in Chinese (_numeral)
# The ages the statutes draw lines at (不满十四周岁, 已满十六周岁, 七十周岁以上, 已满七十五周岁): an age typed
# as a number (15岁, 76周岁) is also searched as the lines it falls between (_ages).
AGES = (12, 14, 16, 18, 70, 75)
_AGE_UNITS = ("岁", "周岁")
# An age written in Chinese numerals, as one word (十五岁, 七十六周岁) or a numeral before 岁 / 周岁.
_CN_AGE = re.compile(r"([一二三四五六七八九十]{1,3})(周岁|岁)?")
_CN_DIGITS = "一二三四五六七八九十"
_UNDER = frozenset({"不满", "未满", "不到", "没满", "没到", "未到", "小于", "低于"})
_AGE_LINE = re.compile(r"(已满|不满|未满)?[一二三四五六七八九十]{1,3}周岁(以上|以下)?")
MINOR = ("未成年人",)  # what the statutes call anyone under eighteen (讯问未成年犯罪嫌疑人 for 审16岁的)
AGE_NOTIONS = True  # the articles saying an age's lines join the results as notions do (kb.search.concepts)
# A concept that is itself a word its query's intent steers toward (多少钱够刑事立案: 立案) asks what
# the intent asks: any of the intent's steer words (数额较大, 追诉 …) covers it (_steered).
STEERED_CONCEPTS = True
REGROUP = True  # 行 / 拘几天 read as 行拘 / 几天 (_regroup)
GUARD_VERBS = True  # no typo correction of a span holding a one-character legal verb (_correct)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ONE_DIGIT = re.compile(r"[0-9]")
# 了 and a vague amount between a verb and its object: 喝了酒, 喝了点酒, 喝了两杯酒, 打了一顿人 stay readable.
_GLUED_LE = re.compile(r"([\u3400-\u9fff])了(?:一点|点儿|点|一些|些|几口|两口|几杯|两杯|一顿|顿)?([\u3400-\u9fff])")


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
    cut: list[str] = []
    if not literal:
        rest = _unglue(rest, known, thesaurus)
        rest, cut = _cut_fillers(rest, query_words, thesaurus.single_words())
    corrections: tuple[Correction, ...] = ()
    if speller is not None and known is not None and not literal and rest:
        rest, corrections = _correct(rest, speller, known, thesaurus.single_words())
    concepts, fillers, intents, steer, lines = _read_words(rest, synonyms, thesaurus, query_words, known, literal)
    fillers = [*cut, *fillers]
    notions = [notion_target(w) for w in steer if notion_target(w)]
    if AGE_NOTIONS:
        notions += lines  # an age's lines are what the articles answering it say (已满七十五周岁: 刑法第十七条之一)
    steer = [w for w in steer if not notion_target(w)]
    if STEERED_CONCEPTS and steer:
        concepts = _steered(concepts, steer)
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


def _cut_fillers(text: str, query_words: QueryWords, verbs: frozenset[str]) -> tuple[str, list[str]]:
    """The filler words holding a one-character legal verb (偷偷, 悄悄打听) taken out before
    segmentation: jieba would cut 偷偷开车 as 偷 / 偷开车 and read a theft. Longest first."""
    cut: list[str] = []
    for word in sorted(query_words.fillers, key=len, reverse=True):
        if len(word) > 1 and word in text and verbs.intersection(word):
            text = text.replace(word, " ")
            cut.append(word)
    return text, cut


def _unglue(text: str, known: Callable[[str], bool] | None, thesaurus: Thesaurus) -> str:
    """A verb and its object with 了 (and a vague amount: 点, 两杯) between them, as one word when
    they make one the index or the thesaurus knows: 吸了毒 → 吸毒, 喝了点酒 → 喝酒, 报了警 → 报警
    (jieba would leave lone characters, and lone characters are no concepts); 偷了东西 stays as
    typed."""

    def joined(m: re.Match) -> str:
        word = m.group(1) + m.group(2)
        return word if thesaurus.lookup(word) or (known is not None and known(word)) else m.group(0)

    return _GLUED_LE.sub(joined, text)


def _correct(
    text: str, speller: Speller, known: Callable[[str], bool], verbs: frozenset[str]
) -> tuple[str, tuple[Correction, ...]]:
    """The speller's corrections, less those of a span holding a one-character legal verb of the
    thesaurus (罚、打、拘): typed on purpose, it is read as that verb, never as a slip (不罚 is not
    不法, 打成 not 达成, 狗主人罚 not 狗主认罚)."""
    corrected, corrections = speller.correct_text(text, known)
    if not GUARD_VERBS:
        return corrected, corrections
    kept = tuple(c for c in corrections if not verbs.intersection(c.original))
    if len(kept) == len(corrections):
        return corrected, corrections
    for c in kept:  # each correction replaces its own span; the others stay as typed
        text = text.replace(c.original, c.corrected, 1)
    return text, kept


def _citations(text: str) -> tuple[tuple[str, ...], str]:
    """The article keys the query cites, and the query without those citations."""
    cites = extract_citations(text)
    keys = tuple(dict.fromkeys(c.key for c in cites))
    rest = text
    for cite in reversed(cites):
        rest = rest[: cite.start] + " " + rest[cite.end :]
    return keys, re.sub(r"\s+", " ", rest).strip()


def _regroup(words: list[str], synonyms: Synonyms, thesaurus: Thesaurus, query_words: QueryWords) -> list[str]:
    """A lone character that jieba cut off a listed word glued to an intent or filler word put back:
    行 / 拘几天 → 行拘 / 几天 (jieba prefers the intent word 拘几天, and 行 alone means nothing)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        after = words[i + 1] if i + 1 < len(words) else ""
        if REGROUP and len(word) == 1 and len(after) >= 3:
            joined, rest = word + after[0], after[1:]
            listed = thesaurus.lookup(joined) or synonyms.expand(joined)
            if listed and (query_words.is_filler(rest) or query_words.intent_of(rest)):
                out += [joined, rest]
                i += 2
                continue
        out.append(word)
        i += 1
    return out


def _steered(concepts: dict[str, Concept], steer: list[str]) -> dict[str, Concept]:
    """Concepts the intent steers toward (立案 beside 够刑事) also found by its other steer words:
    the officer's 立案 in 偷多少钱够刑事立案 is the threshold the interpretations call 数额较大."""
    out = {}
    for word, c in concepts.items():
        if any(t in steer for t in c.terms):
            extra = tuple(w for w in dict.fromkeys(steer) if w not in c.terms)
            c = Concept(c.word, (*c.synonyms, *extra), c.legal)
        out[word] = c
    return out


def _read_words(
    rest: str,
    synonyms: Synonyms,
    thesaurus: Thesaurus,
    query_words: QueryWords,
    known: Callable[[str], bool] | None,
    literal: bool,
) -> tuple[dict[str, Concept], list[str], list[str], list[str], list[str]]:
    """The plain query's words sorted out: concepts (by word), fillers, intent words, the
    words those intents steer toward, and the statutes' age lines of the ages typed (_ages)."""
    concepts: dict[str, Concept] = {}
    fillers: list[str] = []
    intents: list[str] = []
    steer: list[str] = []
    lines: list[str] = []
    words = _regroup(_words(rest), synonyms, thesaurus, query_words)
    ages = {m.group(1) for m in _NUMBER.finditer(rest) if m.group(2) in _AGE_UNITS}
    previous = ""
    while words:
        word = words.pop(0)
        before, previous = previous, word
        glued = (
            None
            if query_words.is_filler(word) or query_words.intent_of(word) or thesaurus.lookup(word)
            # 能罚 → 能 罚 (a one-character legal verb of the thesaurus), 能先 → 能 先
            else query_words.pieces(word, analysis.STOP_WORDS | thesaurus.single_words(), lone_tail=True)
        )
        if glued and (known is None or not known(word)):
            words[:0] = glued  # 最多能 → 最多 能: each part read on its own
            continue
        if (
            query_words.is_filler(word)
            or word in analysis.STOP_WORDS
            or (_ONE_DIGIT.fullmatch(word) and word not in ages)
        ):
            # A one-digit number (3天, 2次) is a detail of the case: the statutes write numbers in
            # words and the index holds lone digits only in dates, so it matched noise.
            fillers.append(word)
            continue
        targets = query_words.intent_of(word)
        if targets:
            intents.append(word)
            steer.extend(targets)
            continue
        legal = () if literal else tuple(t for t in thesaurus.lookup(word) if t != word) or _numeral(word)
        age = "" if literal or thesaurus.lookup(word) else _age(word, before, words, ages)
        if age:
            legal = tuple(dict.fromkeys((*legal, *_ages(age))))
        lines.extend(t for t in legal if _AGE_LINE.fullmatch(t))  # also the thesaurus's (七十多岁 → 七十周岁)
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
    return concepts, fillers, intents, steer, lines


def _numeral(word: str) -> tuple[str, ...]:
    """A number typed in digits, as the statutes write it (12 -> 十二, 1000 -> 一千): they never use
    digits. One digit (one character, found everywhere), years (1900–2100) and very large
    numbers are left alone."""
    if not NUMERALS or not (word.isascii() and word.isdigit()) or len(word) > 5:  # "¹".isdigit() too
        return ()
    n = int(word)
    return () if n < 10 or 1900 <= n <= 2100 else (int_to_cn(n),)


def _age(word: str, before: str, following: list[str], ages: set[str]) -> str:
    """The age a word types, in digits: 15 (typed 15岁), 十五岁, or 十五 before 周岁 (taken out of
    `following`); one less after 不满 / 不到 (不满14岁 is at most 13); "" when it is none (or is the
    tail of a numeral jieba cut: 七 / 十六周岁)."""
    if word in ages:
        n = int(word)
    else:
        m = _CN_AGE.fullmatch(word)
        if (
            m is None
            or (before and before[-1] in _CN_DIGITS)
            or not (m.group(2) or following[:1] in (["岁"], ["周岁"]))
        ):
            return ""
        if not m.group(2):
            following.pop(0)
        n = cn_to_int(m.group(1))
    return str(n - 1 if before in _UNDER else n)


def _ages(word: str) -> tuple[str, ...]:
    """An age typed as a number, as the statutes' age lines it falls under: a minor's the line it has
    passed and every line up to eighteen it has not (15 -> 已满十四周岁, 不满十六周岁, 不满十八周岁);
    from seventy, the old-age lines passed (76 -> 七十周岁以上, 已满七十周岁, 已满七十五周岁). An adult
    under seventy has passed 已满十八周岁 alone."""
    if not word.isascii() or not word.isdigit() or not 0 < int(word) <= 120:
        return ()
    n = int(word)
    passed = [a for a in AGES if a <= n]
    if n < 70:
        out = [f"已满{int_to_cn(passed[-1])}周岁"] if passed else []
        return (*out, *(f"不满{int_to_cn(a)}周岁" for a in AGES if n < a <= 18), *(MINOR if n < 18 else ()))
    old = [a for a in passed if a >= 70]
    return tuple(t for a in old for t in (f"{int_to_cn(a)}周岁以上", f"已满{int_to_cn(a)}周岁"))


def _words(text: str) -> list[str]:
    """The query's words: numbers with their units kept whole, the rest segmented by jieba."""
    out: list[str] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        out.extend(analysis.words(text[pos : m.start()], drop_stops=False))
        number = m.group(1)
        if (m.group(2) or "").startswith("万") and (tens := float(number) * 10000).is_integer():
            number = str(int(tens))  # 3万块 is 30000
        out.append(number)  # the index holds 3000 and 元 apart: the number is the concept
        pos = m.end()
    out.extend(analysis.words(text[pos:], drop_stops=False))
    return out


__all__ = ["Concept", "Understanding", "is_explicit", "normalise", "understand"]
