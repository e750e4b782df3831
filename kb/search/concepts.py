"""Ranked, forgiving matching of plain queries: each concept scored on its own, documents tiered by
the concepts they cover, and the articles the best documents cite associated (法条联想)."""

from __future__ import annotations

import heapq
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kb.content.documents import TYPE_LAW
from kb.content.vocabulary import split_keywords
from kb.search import engine, matching
from kb.search.charges import conduct
from kb.search.query import Concept, Understanding
from kb.search.querylang import citation_clause, concept_query, defining_clause, notion_clause, steer_query
from kb.search.searchers import SUPERSEDED_FACTOR, IndexCaches

STEER_WEIGHT = 0.4
GRAPH_VOTERS = 10  # best-ranked guides and cases whose citations vote for articles (法条联想)
GRAPH_WEIGHT = 0.5  # an article's vote share times the best score
# Rank tiers (_tiers): "weighted" puts documents with every concept first, then by the share of
# the concepts' idf they cover in steps of RANK_STEP; "count" by the number of concepts covered.
RANK_MODE = "weighted"
# A plain query matches the documents covering at least this share of its concepts (rounded up;
# fewer when no document covers that many): one of two, two of three or four.
MIN_SHARE = 0.5
# … or, with WEIGHTED_FROM concepts or more, at least this share of their idf (_share): 行政处罚法第四十一条 covers two words of
# 电子眼拍的违章 不告诉车主能直接罚吗, 电子眼 (电子技术监控设备) the rarest; six concepts asked for three.
WEIGHTED_SHARE = 0.3
WEIGHTED_FROM = 4  # concepts: with three, one is a third of the weight already
RANK_STEP = 0.1
# When fewer than FILL documents cover that share, those covering fewer concepts (down to one) fill
# the page below them, best first: a long question whose answer shares only its rarest word (侦查员是
# 嫌疑人表哥 要回避吗 → 刑事诉讼法第二十九条, which says 回避 and nothing else typed) is not cut to one
# or two documents that share its common words. The documents above keep their order.
FILL = 10
# An associated article ranks with its best citer's coverage less the rarest concept it covers
# ("minus_rarest": below the citer, and below a document that itself covers that concept), less the
# last concept typed ("minus1", before session 7), with all of it (True) or with its own only (False).
GRAPH_LEND: bool | str = "minus_rarest"
# The articles defining a charge a statute question names (_defining): their own coverage plus every
# concept but one ("minus1"), every concept (True), or no such rule (False).
DEFINING_LEND: bool | str = "minus1"
GRAPH_NEW = 3  # most-cited articles that join the results although no query word matches them
# The first ARTICLE_BY results hold the best-ranked statute article when one is among the first
# ARTICLE_WITHIN: guides and cases cover more of a question's words than a short article does, and
# an officer asking 能不能 / 多久 / 怎么罚 wants the rule itself near the top. (Counted in the first
# ARTICLE_WITHIN whatever the page size, so every page agrees on the order.)
ARTICLE_BY = 3
ARTICLE_WITHIN = 20  # 10 until session 10: six more tune statute questions in the first three at 20, none lost
# What an intent word names by itself (还能立案吗 → 【不再追诉】, see data/query_words.txt): the
# NOTION_MAX current articles saying it (best by the concepts they cover, then by score) rank right
# below the documents covering every concept, although they may share no word with the query.
NOTION_MAX = 3
NOTION_WEIGHT = 1.0  # their notion score, added to their own
# A notion said by at most this many current articles (不再追诉: one) is the answer by itself: they
# rank first, above the documents covering every concept too; a common one (不予处罚) needs the facts.
NOTION_FIRST = 3
NOTION_TIMED = True  # … and, with a time said, the articles stating a period first (_notions)
# A period written out (六个月, 二年), not _TIME_SAID: an article saying 期限 or 之日起 states none.
_TIME_STATED = re.compile(r"[一二三四五六七八九十两]+个?(?:年|月)")
NOTION_NEEDS = True  # … and, sharing no word with the query, only when the query speaks of time (_TIME_SAID)
_TIME_SAID = re.compile(
    r"[0-9一二三四五六七八九十两几多半]+ *(?:年|个月|月|周|天|日)|以前|之前|过了|多久|多长时间|时效|期限|年前|月前|天前"
)
# An article defining a word the query types (…的，是累犯; “入户抢劫”，是指…; 应当认定为入户抢劫) answers
# "算累犯吗" by itself: it ranks with the documents covering every concept but one (_defined).
DEFINED_LEND = True
# … a word typed or its synonym, not a legal term the thesaurus maps a word to: 摩托车 → 机动车 does not
# make 道路交通安全法第一百一十九条 (“机动车”，是指…) an answer to every question about a motorbike.
DEFINED_TYPED = True
_DEFINES = re.compile(
    r"的，是([^，。；、“”（）\s]{2,8})[，。；]"
    r"|“([^“”]{2,10})”，?(?:是指|包括)"
    r"|所称([^，。；“”]{2,10})，?是指"
    r"|认定为“?([^，。；“”（）\s]{2,8})”?[，。；]"
    r"|的，属于([^，。；、“”（）\s]{2,8})[，。；]"
)


@dataclass(frozen=True)
class ConceptMatches:
    """What a plain query matched: every match, the top ranks, and which concepts each covers."""

    matched: set[int]
    top: list  # (score or sort key, docnum), best first
    timed_out: bool
    coverage: dict[int, int]  # docnum -> bitmask of the concepts it covers
    partial: bool  # some matched documents miss some concept
    complete: bool = False  # some matched document covers every concept


def search_concepts(
    searcher, und: Understanding, allowed, limit: int, sortedby, caches: IndexCaches, time_limit: float
) -> ConceptMatches:
    """Ranked, forgiving matching: each concept (and citation) is scored on its own; a
    document's rank tier comes from the concepts it covers (_tiers), then the sum of their
    BM25F scores. Documents covering at least MIN_SHARE of the concepts match; when none
    covers that many, those covering the most do, so a page is empty only when no concept
    matches anything. Intent words add their steer terms' scores; the articles cited by the
    best guides and cases gain a share of the best score (法条联想); the articles saying what an
    intent word names (还能立案吗 → 不再追诉) rank right below the documents covering every concept."""
    deadline = time.perf_counter() + time_limit
    clauses = [concept_query(c) for c in und.concepts] + [citation_clause(k) for k in und.citations]
    n = len(clauses)
    per_clause, timed_out = _score_clauses(searcher, clauses, allowed, deadline)
    mask, score = _coverage(per_clause)
    steered: set[int] = set()
    if und.steer and score:
        found, late = matching.clause_scores(searcher, steer_query(und.steer), deadline)
        timed_out = timed_out or late
        steered = score.keys() & found.keys()
        for d in steered:
            score[d] += STEER_WEIGHT * found[d]
    weighting = searcher.weighting
    if weighting.use_final and score:
        for d in engine.scored_down(searcher).intersection(score):
            score[d] = weighting.final(searcher, d, score[d])
    weights = _weights(searcher, per_clause)
    tier = _tiers(weights, n)
    effective = mask
    if not und.citations:  # an article named in the query needs no association
        effective = _lend(mask, associate_articles(searcher, mask, score, allowed, tier, caches, weights))
        if und.steer and DEFINING_LEND:
            effective = _lend(effective, _defining(searcher, und, allowed, mask, steered, n, deadline))
        if DEFINED_LEND:
            effective = _lend(effective, _defined(searcher, und, score, mask, n, caches))
    counts = {m: m.bit_count() for m in set(effective.values())}
    best = max(counts.values(), default=0)
    threshold = min(best, max(1, math.ceil(n * MIN_SHARE - 1e-9)))
    good = {m for m, c in counts.items() if c >= threshold}
    if WEIGHTED_SHARE and RANK_MODE == "weighted" and n >= WEIGHTED_FROM:
        # … or a large enough share of the query's weight: the rarest word alone may be the point
        good |= {m for m in counts if _share(weights, m) >= WEIGHTED_SHARE}
    matched = {d for d, m in effective.items() if m in good}
    filled = _fill(effective, counts, threshold, matched)
    full = (1 << n) - 1
    raised: dict[int, float] = {}
    if und.notions and NOTION_MAX and not und.citations:
        # Below the documents covering every concept (above them when the notion is rare) and above
        # every partial tier, in both modes; among themselves, by the number of concepts they cover.
        covers = {d: effective.get(d, 0).bit_count() for d in score}
        timed = bool(_TIME_SAID.search(und.text))
        notions = _notions(searcher, und, allowed, score, deadline, covers, timed)
        raised = {
            d: tier(full) + (0.5 if rare else -0.5) + 0.01 * covers.get(d, 0)
            for d, rare in notions.items()
            # A rare notion sharing no word with the query answers it only when the query speaks of
            # time (过了6年 还能立案吗): 家里不追究 还立案吗 asks about something else.
            if not (NOTION_NEEDS and rare and not covers.get(d, 0) and not timed)
        }
        matched |= raised.keys()
    everything = matched | filled
    partial = bool(everything) and any(mask.get(d, 0) != full for d in everything)
    complete = any(mask.get(d, 0) == full for d in everything)
    if sortedby is not None:
        newest = caches.newest(searcher)
        top = [kd for kd in newest if kd[1] in matched]
        if filled and len(top) < limit:  # the fill comes after, newest first too
            top += [kd for kd in newest if kd[1] in filled]
        top = top[:limit]
    else:
        if raised or filled:  # tiers per document: the raised ones are not ranked by their mask
            tiers = {d: max(tier(effective.get(d, 0)), raised.get(d, 0.0)) for d in matched}
            floor = min(tiers.values(), default=0.0)
            # Below every document above (a tier is at most 1.0 short of a full mask's 2.0).
            tiers.update({d: floor - 2.0 + tier(effective[d]) for d in filled})
        else:
            tiers = {m: tier(m) for m in good}
        matched |= filled
        top = _rank(searcher, und, matched, tiers, effective, score, limit, caches, per_doc=bool(raised or filled))
    matched |= filled
    return ConceptMatches(matched, top, timed_out, mask, partial, complete)


def _fill(effective: dict[int, int], counts: dict[int, int], threshold: int, matched: set[int]) -> set[int]:
    """The documents covering fewer than `threshold` concepts that fill a short page (FILL): the
    largest coverage first, one count at a time, down to one concept; none already `matched` (by
    their share of the query's weight)."""
    filled: set[int] = set()
    lower = threshold - 1
    while len(matched) + len(filled) < FILL and lower >= 1:
        filled.update(d for d, m in effective.items() if counts.get(m) == lower and d not in matched)
        lower -= 1
    return filled


def _score_clauses(searcher, clauses, allowed, deadline: float) -> tuple[list[dict[int, float]], bool]:
    """Each clause's matches with their scores, restricted to the allowed documents."""
    per_clause: list[dict[int, float]] = []
    timed_out = False
    for clause in clauses:
        found, late = matching.clause_scores(searcher, clause, deadline)
        if allowed is not None:
            found = {d: sc for d, sc in found.items() if d in allowed}
        per_clause.append(found)
        timed_out = timed_out or late
    return per_clause, timed_out


def _coverage(per_clause: Sequence[dict[int, float]]) -> tuple[dict[int, int], dict[int, float]]:
    """Bitmasks of the concepts each document covers and its summed score: one int a document,
    and the tier of each distinct mask computed once (a per-document tuple cost ~10 ms at 10,000
    documents)."""
    mask: dict[int, int] = {}
    score: dict[int, float] = {}
    for i, found in enumerate(per_clause):
        bit = 1 << i
        get_mask, get_score = mask.get, score.get
        for d, sc in found.items():
            mask[d] = get_mask(d, 0) | bit
            score[d] = get_score(d, 0.0) + sc
    return mask, score


def _defining(
    searcher, und: Understanding, allowed, mask: dict[int, int], steered: set[int], n: int, deadline: float
) -> dict[int, int]:
    """A statute question naming a charge (袭警 判几年; 倒卖个人信息 names 侵犯公民个人信息罪 alone): the
    articles defining that charge answer it, so they rank with the documents covering every concept
    but one, and their own ("minus1"), or every concept (True). Only those the question's intent
    words steer to: 判几年 (有期徒刑) picks the crime's article, 拘几天 (拘留) the 违法行为's."""
    full = (1 << n) - 1
    charges = _charge_words(searcher)
    lent: dict[int, int] = {}
    for concept in und.concepts:
        names = _charges_named(concept, charges)
        if not names:
            continue
        found, _ = matching.clause_scores(searcher, defining_clause(names), deadline)
        for d in found:
            if d in steered and (allowed is None or d in allowed):
                lent[d] = full if DEFINING_LEND is True else mask.get(d, 0) | full & ~(1 << (n - 1))
    return lent


def _defined(
    searcher, und: Understanding, score: dict[int, float], mask: dict[int, int], n: int, caches
) -> dict[int, int]:
    """The current articles defining a word of the query (刑法第六十五条 for 累犯) or two words typed
    together (入户 抢劫), matched already, with every concept but one (the last they miss)."""
    if not score:
        return {}
    table = definitions(searcher, caches)
    full = (1 << n) - 1
    lent: dict[int, int] = {}
    words = [c.word for c in und.concepts]
    glued = [a + b for a, b in zip(words, words[1:], strict=False)]  # 入户 / 抢劫: 入户抢劫
    typed = [t for c in und.concepts for t in ((c.word, *c.synonyms) if DEFINED_TYPED else c.terms)]
    for term in dict.fromkeys([*typed, *glued]):
        for d in table.get(term, ()):
            own = mask.get(d, 0)
            missing = [i for i in range(n) if not own >> i & 1]
            if d in score and len(missing) > 1:
                lent[d] = full & ~(1 << missing[-1])
    return lent


def definitions(searcher, caches: IndexCaches) -> dict[str, tuple[int, ...]]:
    """Word -> the current articles defining it (_DEFINES), read from their text once per reader."""
    cache = engine.reader_cache(searcher.reader())
    found = cache.get("definitions")
    if found is None:
        articles = caches.articles(searcher)
        down = engine.scored_down(searcher) if articles else frozenset()
        table: dict[str, list[int]] = {}
        for docs in articles.values():
            for d in docs:
                if d in down:
                    continue
                for m in _DEFINES.finditer(searcher.stored_fields(d).get("body", "")):
                    table.setdefault(next(g for g in m.groups() if g), []).append(d)
        found = cache["definitions"] = {w: tuple(ds) for w, ds in table.items()}
    return found


def _charge_words(searcher) -> tuple[str, ...]:
    """Every charge some document is labelled with, cached per reader."""
    cache = engine.reader_cache(searcher.reader())
    found = cache.get("charge words")
    if found is None:
        found = cache["charge words"] = tuple(
            word.decode("utf-8") for word, _ in engine.lexicon_frequencies(searcher.reader(), "charges")
        )
    return found


def _charges_named(concept: Concept, charges: Sequence[str]) -> list[str]:
    """The charges a concept names: a charge equal to one of its terms (or to it plus 罪), else
    the one conduct whose name contains a term (个人信息 -> 侵犯公民个人信息罪), if only one does."""
    terms = [t for t in concept.terms if len(t) >= 2]
    exact = [c for c in charges if c in terms or c.removesuffix("罪") in terms]
    if exact:
        return exact
    containing = [c for c in charges if any(t in c for t in terms)]
    return containing if len({conduct(c) for c in containing}) == 1 else []


def _notions(
    searcher, und: Understanding, allowed, score: dict[int, float], deadline: float, covers, timed: bool
) -> dict[int, bool]:
    """The current articles saying what the query's intent words name (还能立案吗 → 不再追诉: 刑法第八十七条),
    at most NOTION_MAX: best first by the number of concepts they cover (`covers`), then by their
    own score plus the notion's, which is added to theirs. Each with whether its notion is rare
    (said by at most NOTION_FIRST current articles)."""
    down = engine.scored_down(searcher)
    found: dict[int, float] = {}
    rare: set[int] = set()
    for notion in und.notions:
        hits, _ = matching.clause_scores(searcher, notion_clause(notion), deadline)
        current = {d: sc for d, sc in hits.items() if d not in down}
        if len(current) <= NOTION_FIRST:
            rare.update(current)
        for d, sc in current.items():
            if (allowed is None or d in allowed) and sc > found.get(d, 0.0):
                found[d] = sc
    # A query that says a time (过了7个月) asks about a time limit: the articles that state one
    # (六个月以内没有被发现的，不再处罚) come before those of the same notions that do not (NOTION_TIMED).
    untimed = (
        {d for d in found if not _TIME_STATED.search(searcher.stored_fields(d).get("body", ""))}
        if timed and NOTION_TIMED
        else set()
    )
    best = heapq.nsmallest(
        NOTION_MAX,
        found,
        key=lambda d: (d in untimed, 0 - covers.get(d, 0), 0 - score.get(d, 0.0) - NOTION_WEIGHT * found[d], d),
    )
    for d in best:
        score[d] = score.get(d, 0.0) + NOTION_WEIGHT * found[d]
    return {d: d in rare for d in best}


def _lend(mask: dict[int, int], lent: dict[int, int]) -> dict[int, int]:
    """The masks with each associated article's borrowed coverage where it covers more."""
    if not lent:
        return mask
    effective = dict(mask)
    for d, m in lent.items():
        if m.bit_count() > effective.get(d, 0).bit_count():
            effective[d] = m
    return effective


def _rank(
    searcher,
    und: Understanding,
    matched,
    tiers,
    effective,
    score,
    limit: int,
    caches: IndexCaches,
    per_doc: bool = False,
) -> list:
    """The first `limit` matches as (score, docnum): by tier (of a mask, or `per_doc` of a document),
    then score; named articles first."""
    depth = max(limit, ARTICLE_WITHIN)
    if per_doc:
        ranked = heapq.nsmallest(depth, ((0 - tiers[d], 0 - score.get(d, 0.0), d) for d in matched))
    else:
        ranked = heapq.nsmallest(depth, ((0 - tiers[effective[d]], 0 - score[d], d) for d in matched))
    if ARTICLE_BY and len(ranked) > ARTICLE_BY:
        types = caches.facet_values(searcher)["type"]
        if not any(types[d] == TYPE_LAW for _, _, d in ranked[:ARTICLE_BY]):
            first = next((i for i, (_, _, d) in enumerate(ranked[:ARTICLE_WITHIN]) if types[d] == TYPE_LAW), None)
            if first is not None:
                ranked.insert(ARTICLE_BY - 1, ranked.pop(first))
    ranked = ranked[:limit]
    if und.citations:
        # An article the query names comes first, whatever the other words match.
        articles = caches.articles(searcher)
        named = [d for key in und.citations for d in articles.get(key, ()) if d in matched]
        named.sort(key=lambda d: (0 - score[d], d))
        ranked = [(0, 0 - score[d], d) for d in named] + [r for r in ranked if r[2] not in named]
        ranked = ranked[:limit]
    return [(0 - negated, d) for _, negated, d in ranked]


def _weights(searcher, per_clause: Sequence[dict]) -> list[float]:
    """Each concept's idf over the documents it matched."""
    total = max(1, searcher.doc_count())
    return [math.log(1 + total / (1 + len(found))) for found in per_clause]


def associate_articles(
    searcher,
    mask: dict[int, int],
    score: dict[int, float],
    allowed,
    tier,
    caches: IndexCaches,
    weights: Sequence[float] = (),
) -> dict[int, int]:
    """法条联想: the articles the best-matching guides and cases cite gain a share of the best
    score and rank with the documents citing them: they borrow their best citer's coverage
    (GRAPH_LEND), returned as a mask per article. An article that matches no word of the
    query joins only when it is among the GRAPH_NEW most cited."""
    if not score:
        return {}
    types = caches.facet_values(searcher)["type"]
    voters = heapq.nsmallest(
        GRAPH_VOTERS, ((0 - tier(mask[d]), 0 - score[d], d) for d in score if types[d] != TYPE_LAW)
    )
    if not voters:
        return {}
    articles = caches.articles(searcher)
    votes: Counter = Counter()
    reach: dict[str, int] = {}
    for rank, (_, _, d) in enumerate(voters):
        for key in split_keywords(searcher.stored_fields(d).get("laws")):
            votes[key] += 1.0 / (rank + 1)
            reach.setdefault(key, mask[d])  # voters come best first
    if not votes:
        return {}
    top_score = max(score.values())
    strongest = max(votes.values())
    newcomers = {key for key, _ in votes.most_common(GRAPH_NEW)}
    down = engine.scored_down(searcher)
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
            elif GRAPH_LEND == "minus_rarest" and m and weights:
                rarest = max((i for i in range(len(weights)) if m >> i & 1), key=lambda i: weights[i])
                lent[d] = m & ~(1 << rarest)
            elif GRAPH_LEND:
                lent[d] = m
    return lent


def _share(weights: Sequence[float], m: int) -> float:
    """The share of the concepts' idf (_weights) a coverage bitmask holds (0–1)."""
    return sum(w for i, w in enumerate(weights) if m >> i & 1) / (sum(weights) or 1.0)


def _tiers(weights: Sequence[float], n: int):
    """A rank tier from the bitmask of the concepts a document covers: by count ("count"), or,
    in "weighted" mode, every concept first and then the covered share of the concepts' idf (a
    rare concept such as 病危 outweighs a common one such as 老人), in steps of RANK_STEP."""
    if RANK_MODE == "count":
        return int.bit_count
    full = (1 << n) - 1

    memo: dict[int, float] = {}

    def weighted(m: int) -> float:
        found = memo.get(m)
        if found is None:
            found = memo[m] = 2.0 if m == full else round(_share(weights, m) / RANK_STEP) * RANK_STEP
        return found

    return weighted


def better(found: ConceptMatches, n_found: int, other: ConceptMatches, n_other: int) -> bool:
    """Whether a corrected query's results are at least as good as the typed one's: its best
    document covers as large a share of its concepts. (A typo's characters often fall out of
    the typed query as lone characters, so the typed query looks complete with fewer words:
    on a tie the correction, made of the index's own words, wins.)"""

    def best_share(result: ConceptMatches, n: int) -> float:
        return max((result.coverage.get(d, 0).bit_count() for d in result.matched), default=0) / max(n, 1)

    return best_share(found, n_found) >= best_share(other, n_other) and bool(found.matched)


__all__ = ["ConceptMatches", "associate_articles", "better", "search_concepts"]
