"""Typo correction for queries: homophone and near-form slips, corrected only to words the index holds."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

# pypinyin's own tables, read directly: lazy_pinyin() on every index word costs ~1.5 s for
# 60,000 words, these lookups ~0.25 s. pinyin_key is held equal to lazy_pinyin by a
# differential test (tests/test_spelling.py), so a change of the tables' format shows up there.
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

HOMOPHONE = "同音"
NEAR_FORM = "形近"

MAX_WINDOW = 6  # longest span of a query that correct_text rewrites
MAX_KNOWN = 12  # longest known word looked for in a query
MAX_PASSES = 3  # rounds of correction over one run (a slip can hide the one next to it)
MAX_KEYS = 16  # toneless keys tried per span when several characters have two readings
# A single character the index holds as a word this often is a word of its own: 被查 and 人打
# are two words each (被 / 查, 人 / 打), not misspellings of 备查 and 人大.
STANDALONE_DF = 3
# A span made of known words and single characters is taken as written when each of those
# characters stands alone in this many times as many documents as the correction has.
ALONE_RATIO = 10

# Function and question characters that sit between the terms of correct queries (殴打他人的
# 后果, 醉驾怎么处罚). One of them that no known word explains is no sign of a slip; a slip
# still leaves its neighbours unexplained (寻衅滋是: 滋), so none is missed for it.
FUNCTION_CHARS = frozenset("的了在是和与及或等也就都而被把对从向于之其并且将该此为以由所着过吗呢吧啊怎么什哪谁几")

# Hand-written: pypinyin knows sounds, not shapes, and no glyph-similarity data ships with
# Python; a short list of the confusions seen in case files (handwriting, OCR, a slip in a
# shape-based input method) is more precise than a generic visual distance. Each group is a
# set of characters mistaken for one another; most pairs also differ in sound (未/末, 撤/撒),
# which is why the homophone step alone does not catch them.
NEAR_FORM_GROUPS = (
    "候侯",
    "己已巳",
    "未末",
    "拘驹",
    "询洵",
    "戊戌戍",
    "折析拆",
    "贷货",
    "撤撒",
    "拔拨",
    "酒洒",
    "窃窍",
    "券卷",
    "赡瞻",
    "戳戮",
    "侵浸",
    "冶治",
    "栽裁载",
    "徒徙",
    "崇祟",
    "暑署",
    "汩汨",
    "刺剌",
    "免兔",
    "千干于",
    "土士",
    "人入八",
    "日曰",
    "赢嬴",
    "扰忧",
    "辨辩辫",
    "侍待持特",
    "仑仓",
    "责贵",
    "鸟乌",
    "篡纂",
    "贝见",
    "醉碎",
    "即既",
    "历厉",
    "密蜜",
    "幕墓慕募暮",
    "胁协",
    "猥偎",
)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_WORD = re.compile(f"[{_CJK}]{{2,}}")
# Anonymised names are words whatever the surname (汪某 is not a slip for 王某), as in kb.search.analysis.
_ANONYMISED = re.compile(f"[{_CJK}]某某?")


@dataclass(frozen=True)
class Correction:
    """One corrected span: what was typed, the index word put in its place, and why (同音 or 形近)."""

    original: str
    corrected: str
    reason: str


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    word: str
    df: int
    reason: str


def _near_forms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in NEAR_FORM_GROUPS:
        for ch in group:
            table[ch] = table.get(ch, "") + group.replace(ch, "")
    return table


_NEAR = _near_forms()
_TONELESS: dict[str, str] = {}
_READINGS: dict[str, tuple[str, ...]] = {}


def _toneless(syllable: str) -> str:
    """Strip tone marks the way pypinyin's NORMAL style does (ü becomes v)."""
    plain = _TONELESS.get(syllable)
    if plain is None:
        decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
        plain = _TONELESS[syllable] = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain


def _readings(ch: str) -> tuple[str, ...]:
    """A character's toneless readings, the usual one first (empty when pypinyin has none)."""
    found = _READINGS.get(ch)
    if found is None:
        raw = PINYIN_DICT.get(ord(ch), "")
        found = _READINGS[ch] = tuple(dict.fromkeys(_toneless(s) for s in raw.split(",") if s))
    return found


def _syllables(word: str, other: dict[str, set[str]] | None = None) -> list[str] | None:
    """Toneless pinyin of a word as lazy_pinyin reads it (longest known phrase first).

    With `other`, note each character a phrase reads otherwise than usual (行 as hang in 银行).
    """
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for j in range(n, i + 1, -1):
            phrase = PHRASES_DICT.get(word[i:j])
            if phrase is not None and len(phrase) == j - i:
                for ch, reading in zip(word[i:j], phrase, strict=True):
                    syllable = _toneless(reading[0])
                    out.append(syllable)
                    if other is not None and syllable not in _readings(ch)[:1]:
                        other.setdefault(ch, set()).add(syllable)
                i = j
                break
        else:
            first = _readings(word[i])
            if not first:
                return None
            out.append(first[0])
            i += 1
    return out


def pinyin_key(word: str) -> str:
    """Return the toneless pinyin of a word, syllables joined by spaces (empty if a character has none)."""
    found = _syllables(word)
    return " ".join(found) if found else ""


def reference_key(word: str) -> str:
    """Return pypinyin's own lazy_pinyin reading, the slow reference pinyin_key must agree with."""
    return " ".join(lazy_pinyin(word))


def _max_changes(length: int) -> int:
    # Officers slip on one character of a term; a span with two differences out of four is
    # more often another word that happens to sound the same (其实 / 歧视).
    return 1 if length <= 4 else 2


class Speller:
    """Corrects query words to the index's own vocabulary by sound (同音) or by shape (形近)."""

    def __init__(self, vocabulary: Mapping[str, int], min_df: int = 3, rare_df: int = 0, dominance: int = 50):
        """Index the words of two or more CJK characters by toneless pinyin.

        `vocabulary` maps word to document frequency; its single characters only serve as
        evidence that a character stands alone. A correction is a word in at least `min_df`
        documents (rarer ones are mostly segmentation debris: 刑是, 一罚). A vocabulary word
        counts as correct unless it is in at most `rare_df` documents and a word sounding the
        same is in `dominance` times as many. That is off by default: on the index, the rare
        words it would change are mostly real (权力 1 → 权利 161, 发挥 → 发回, 意外 → 以外,
        食用 → 适用); leaving misspelt words out of `vocabulary` is the safer way to correct them.
        """
        self.rare_df = rare_df
        self.dominance = dominance
        self.min_df = min_df
        self._freq: dict[str, int] = {}
        self._char_df = {w: df for w, df in vocabulary.items() if len(w) == 1 and _CJK_WORD.fullmatch(w * 2)}
        self._alone = FUNCTION_CHARS | {ch for ch, df in self._char_df.items() if df >= STANDALONE_DF}
        self._by_key: dict[str, list[str]] = {}
        # A character's other readings count only where the index itself reads it so (行 as
        # hang in 银行): pypinyin also lists archaic ones (控 qiang, 租 ju) that match by chance.
        self._other: dict[str, set[str]] = {}
        self._spoken: dict[str, tuple[str, ...]] = {}
        for word, df in vocabulary.items():
            if df <= 0 or len(word) < 2 or not _CJK_WORD.fullmatch(word):
                continue
            syllables = _syllables(word, self._other)
            if syllables is None:
                continue
            self._freq[word] = df
            self._by_key.setdefault(" ".join(syllables), []).append(word)
        self._longest = min(max(map(len, self._freq), default=2), MAX_KNOWN)

    def __len__(self) -> int:
        return len(self._freq)

    def __contains__(self, word: object) -> bool:
        return word in self._freq

    def frequency(self, word: str) -> int:
        """Document frequency of a vocabulary word (0 when absent)."""
        return self._freq.get(word, 0)

    def correct(self, word: str) -> Correction | None:
        """Return the vocabulary word a misspelt query word most likely stands for, or None."""
        if len(word) < 2 or not _CJK_WORD.fullmatch(word) or self._is_solid(word):
            return None
        found = self._best(word, 0, frozenset())
        return Correction(word, found.word, found.reason) if found else None

    def correct_text(self, text: str, known: Callable[[str], bool]) -> tuple[str, tuple[Correction, ...]]:
        """Correct the misspelt spans of a whole query; `known(word)` says whether the index has a word."""
        pieces: list[str] = []
        corrections: list[Correction] = []
        last = 0
        for run in _CJK_RUN.finditer(text):
            for cand in self._correct_run(run.group(), known):
                start, end = run.start() + cand.start, run.start() + cand.end
                pieces += [text[last:start], cand.word]
                corrections.append(Correction(text[start:end], cand.word, cand.reason))
                last = end
        pieces.append(text[last:])
        return "".join(pieces), tuple(corrections)

    # -- internals ---------------------------------------------------------------------------

    def _is_solid(self, word: str) -> bool:
        """A vocabulary word that is not a rare spelling of a far more frequent word."""
        df = self._freq.get(word, 0)
        if not df:
            return False
        if df > self.rare_df:
            return True
        found = self._best(word, 0, frozenset())
        return found is None or found.df < self.dominance * df

    def _spoken_as(self, ch: str) -> tuple[str, ...]:
        """The readings a typed character may stand for: its usual one, then those the index uses."""
        found = self._spoken.get(ch)
        if found is None:
            every = _readings(ch)
            other = self._other.get(ch, ())
            found = self._spoken[ch] = every[:1] + tuple(r for r in every[1:] if r in other)
        return found

    @staticmethod
    def _keys(chars: list[tuple[str, ...]]) -> Iterator[str]:
        """The toneless keys a typed span may stand for, one reading per character (at most MAX_KEYS)."""
        for combo in itertools.islice(itertools.product(*chars), MAX_KEYS):
            yield " ".join(combo)

    def _best(self, span: str, start: int, fixed: frozenset[int]) -> _Candidate | None:
        """The most frequent same-sounding word, else near-form word, for a span; `fixed` positions stay."""
        n = len(span)
        if n == 2 and span[0] in self._alone and span[1] in self._alone:
            return None
        limit = _max_changes(n)
        chars = [self._spoken_as(ch) for ch in span]
        best: _Candidate | None = None
        if all(chars):
            seen: set[str] = set()
            for key in self._keys(chars):
                for word in self._by_key.get(key, ()):
                    if word == span or word in seen:
                        continue
                    seen.add(word)
                    changed = [k for k in range(n) if word[k] != span[k]]
                    if len(changed) > limit or fixed.intersection(changed):
                        continue
                    df = self._freq[word]
                    if df < self.min_df:
                        continue
                    if best is None or (df, word) > (best.df, best.word):
                        best = _Candidate(start, start + n, word, df, HOMOPHONE)
        if best is not None:
            return best
        for k, ch in enumerate(span):
            if k in fixed:
                continue
            for alt in _NEAR.get(ch, ""):
                word = span[:k] + alt + span[k + 1 :]
                df = self._freq.get(word, 0)
                if df >= self.min_df and (best is None or (df, word) > (best.df, best.word)):
                    best = _Candidate(start, start + n, word, df, NEAR_FORM)
        return best

    def _explained(self, run: str, cand: _Candidate, fixed: frozenset[int]) -> bool:
        """Whether the span reads as known words plus characters the index often has on their own.

        讯问时 is 讯问 / 时 (时 alone in 399 documents), not a slip for 讯问室 (3); 帮信最 is a
        slip for 帮信罪 (3), as 最 stands alone in only 8.
        """
        bar = ALONE_RATIO * cand.df
        return all(
            k in fixed or run[k] in FUNCTION_CHARS or self._char_df.get(run[k], 0) >= bar
            for k in range(cand.start, cand.end)
        )

    def _correct_run(self, run: str, known: Callable[[str], bool]) -> list[_Candidate]:
        """Corrections for one run of CJK characters, non-overlapping, in order.

        Taken longest first, then by frequency. A slip next to another (末成年人询文) is found on
        a second pass, once its neighbour is corrected; corrections keep the length, so spans
        found on later passes are spans of the run as typed.
        """
        chosen: list[_Candidate] = []
        taken = [False] * len(run)
        for _ in range(MAX_PASSES):
            added = []
            for cand in self._candidates(run, known):
                if not any(taken[cand.start : cand.end]):
                    taken[cand.start : cand.end] = [True] * (cand.end - cand.start)
                    added.append(cand)
            if not added:
                break
            chosen += added
            for cand in added:
                run = run[: cand.start] + cand.word + run[cand.end :]
        return sorted(chosen, key=lambda c: c.start)

    def _candidates(self, run: str, known: Callable[[str], bool]) -> list[_Candidate]:
        """Every span of the run that looks misspelt with its best correction, the preferred first."""
        n = len(run)
        if n < 2:
            return []
        solid: list[tuple[int, int]] = []
        for i in range(n - 1):
            for j in range(i + 2, min(n, i + max(self._longest, MAX_WINDOW)) + 1):
                span = run[i:j]
                if span in self._freq:
                    if self._is_solid(span):
                        solid.append((i, j))
                elif j - i <= MAX_WINDOW and (known(span) or _ANONYMISED.fullmatch(span)):
                    solid.append((i, j))
        covered = [False] * n
        for i, j in solid:
            covered[i:j] = [True] * (j - i)
        # Characters no known word explains: a span needs one to be suspect. One that the index
        # does not hold on its own either, next to a span, means the span is likely a piece of a
        # word the index lacks (牌照 in 牌照为皖, 笔记本), so the span is left alone.
        lone = [not covered[k] and ch not in FUNCTION_CHARS for k, ch in enumerate(run)]
        loose = [0, *itertools.accumulate(lone)]
        if not loose[-1]:
            return []
        stray = [lone[k] and self._char_df.get(ch, 0) < STANDALONE_DF for k, ch in enumerate(run)]
        # Known words are taken at their word, most frequent first: a correction may neither
        # change their characters nor cut through them. One that overlaps a more frequent one
        # (行行 inside 执行行政, 世居 inside 监世居住) is a chance pairing and binds nothing.
        hard: list[tuple[int, int]] = []
        for i, j in sorted(solid, key=lambda s: (-self._freq.get(run[s[0] : s[1]], 0), s[0] - s[1])):
            if not any(a < i < b < j or i < a < j < b for a, b in hard):
                hard.append((i, j))
        fixed = frozenset(k for i, j in hard for k in range(i, j))
        inside = [any(a < k < b for a, b in hard) for k in range(n + 1)]
        found: list[_Candidate] = []
        for i in range(n - 1):
            if inside[i]:
                continue
            for j in range(i + 2, min(n, i + MAX_WINDOW) + 1):
                if inside[j] or loose[j] == loose[i] or (i and stray[i - 1]) or (j < n and stray[j]):
                    continue
                cand = self._best(run[i:j], i, frozenset(k - i for k in fixed if i <= k < j))
                if cand is not None and not self._explained(run, cand, fixed):
                    found.append(cand)
        found.sort(key=lambda c: (c.start - c.end, c.reason != HOMOPHONE, -c.df, c.start))
        return found
