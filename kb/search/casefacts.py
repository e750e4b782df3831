"""Reading a case description for 类案检索: its telling words (tf-idf over the index) and the charges
they point to (kb.search.classifier's naive Bayes over the index's own charge-labelled documents)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from kb.search import analysis
from kb.search.charges import same_offence
from kb.search.classifier import ChargeCounts, Reading, read_charges
from kb.search.engine import leaves as _leaves
from kb.search.engine import reader_cache as _cache
from kb.search.fastpath import postings as _postings

KEY_TERMS = 120  # words of the description kept for the first pass, best tf-idf first
SHOWN_TERMS = 12
# Reading the charge (benchmarks/RESULTS.md 1.3; the classifier's constants are in kb.search.classifier).
NAMED_EVIDENCE = 3.0  # log odds for a conduct the text names as the case's (涉嫌盗窃, 构成盗窃罪)
CUE_EVIDENCE = 2.0  # log odds for a conduct whose fact pattern (data/charge_cues.txt) the text shows
WORD_CACHE = 50_000  # words whose per-charge shares are kept per segment (a few hundred bytes each)

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


# -- per-segment tables -------------------------------------------------------------------


def column(leaf, field: str) -> list[tuple[str, ...]]:
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
        labelled = column(leaf, "charges")
        n = leaf.doc_count_all()
        names: dict[str, int] = {}
        slots = np.full((max((len(c) for c in labelled), default=0), n), -1, dtype=np.int64)
        inverse = np.zeros(n)
        for d, charges in enumerate(labelled):
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


__all__ = ["charge_counts", "column", "key_terms", "read_facts", "shown_terms", "telling"]
