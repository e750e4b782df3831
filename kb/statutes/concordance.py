"""The concordance of two versions of a law (新旧条文对照): each old article paired with its successors by content."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.errors import StatuteError
from kb.statutes.corrections import CORRECTIONS_FILE, CORRECTIONS_NAME, Correction, read_corrections
from kb.statutes.lawrefbook import Article, LawShelf, LawVersion

CHANGE_SAME = "文字未变"  # same number, same text (ignoring whitespace/punctuation width)
CHANGE_RENUMBERED = "仅条号变化"  # different number, same text
CHANGE_MODIFIED = "内容修改"  # text changed (number may or may not change)
CHANGE_DELETED = "删除"  # old article with no successor
CHANGE_ADDED = "新增"  # new article with no predecessor
CHANGES = (CHANGE_SAME, CHANGE_RENUMBERED, CHANGE_MODIFIED, CHANGE_DELETED, CHANGE_ADDED)

# Similarity (Dice over bigrams weighted by IDF) at or above which two articles may be paired one to one.
PAIR_THRESHOLD = 0.3
# The same, for an article moved out of order (into another chapter): it must be clearly the same provision.
MOVE_THRESHOLD = 0.5
# Share of an article's bigrams found in another at or above which it counts as split off from
# (or merged into) that article, beside the one-to-one pair.
PART_THRESHOLD = 0.6


class ConcordanceError(StatuteError):
    """No concordance can be built: the law is unknown, has one version, or a version is unknown."""


@dataclass(frozen=True)
class DiffPiece:
    """One run of a character diff: text kept ("equal"), added ("insert") or removed ("delete")."""

    kind: str
    text: str


@dataclass(frozen=True)
class ArticlePair:
    """An old article and its successor in the new version (either may be None: 新增 / 删除)."""

    old: Article | None
    new: Article | None
    change: str
    corrected: bool = False
    note: str = ""

    def diff(self) -> tuple[DiffPiece, ...]:
        """The character-level diff from the old article's text to the new one's."""
        return diff_texts(self.old.text if self.old else "", self.new.text if self.new else "")


@dataclass(frozen=True)
class Concordance:
    """Every article of two versions of a law, paired: new-article order, deletions after their old neighbour."""

    law: str
    old: LawVersion
    new: LawVersion
    pairs: tuple[ArticlePair, ...]

    def successors(self, old_article: str) -> tuple[ArticlePair, ...]:
        """The pairs of an old article ("43", "133-1"): its successors, or one 删除 pair."""
        return tuple(p for p in self.pairs if p.old is not None and p.old.article == old_article)

    def predecessors(self, new_article: str) -> tuple[ArticlePair, ...]:
        """The pairs of a new article: its predecessors, or one 新增 pair."""
        return tuple(p for p in self.pairs if p.new is not None and p.new.article == new_article)

    def count(self, change: str) -> int:
        """How many pairs have a change class."""
        return sum(1 for p in self.pairs if p.change == change)


# -- text comparison --------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """The text as compared: full-width letters, digits and punctuation folded (NFKC), whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _folded(text: str) -> list[str]:
    return [unicodedata.normalize("NFKC", c) for c in text]


@lru_cache(maxsize=4096)
def diff_texts(old: str, new: str) -> tuple[DiffPiece, ...]:
    """A character diff of two texts as equal / insert / delete runs (a replacement is a delete then an insert).

    Characters are compared by their NFKC form, so a colon's width (: / ：) is no change; an equal run shows
    the new text's characters."""
    matcher = difflib.SequenceMatcher(None, _folded(old), _folded(new), autojunk=False)
    pieces: list[DiffPiece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(DiffPiece("equal", new[j1:j2]))
            continue
        if i2 > i1:
            pieces.append(DiffPiece("delete", old[i1:i2]))
        if j2 > j1:
            pieces.append(DiffPiece("insert", new[j1:j2]))
    return tuple(pieces)


def classify(old: Article | None, new: Article | None) -> str:
    """The change class of a pair."""
    if old is None:
        return CHANGE_ADDED
    if new is None:
        return CHANGE_DELETED
    if normalize_text(old.text) != normalize_text(new.text):
        return CHANGE_MODIFIED
    return CHANGE_SAME if old.article == new.article else CHANGE_RENUMBERED


# -- the alignment ----------------------------------------------------------------------------


def _monotone_pairs(sim: list[list[float]], rows: list[int], cols: list[int]) -> list[tuple[int, int]]:
    """The order-keeping one-to-one pairing of rows to cols with the greatest total similarity
    (a longest-common-subsequence style dynamic programme; only pairs at PAIR_THRESHOLD or above count)."""
    n, m = len(rows), len(cols)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, here, below = sim[rows[i]], best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            score = row[cols[j]]
            take = score + below[j + 1] if score >= PAIR_THRESHOLD else -1.0
            here[j] = max(take, below[j], here[j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        score = sim[rows[i]][cols[j]]
        if score >= PAIR_THRESHOLD and best[i][j] == score + best[i + 1][j + 1]:
            pairs.append((rows[i], cols[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _weights(texts: list[str]) -> dict[str, float]:
    """Inverse document frequency of each bigram over the texts of both versions: the boilerplate of
    penalties (处十日以上十五日以下拘留) says little about which provision an article is."""
    counts: dict[str, int] = {}
    for text in texts:
        for gram in _bigrams(text):
            counts[gram] = counts.get(gram, 0) + 1
    total = len(texts) + 1
    return {gram: math.log(total / n) for gram, n in counts.items()}


def _align(old: list[Article], new: list[Article]) -> list[tuple[int, int, float]]:
    """(old index, new index, score) links: order-keeping pairs, then moved articles, then splits and merges."""
    old_texts = [normalize_text(a.text) for a in old]
    new_texts = [normalize_text(a.text) for a in new]
    weight = _weights(old_texts + new_texts)
    old_grams = [_bigrams(t) for t in old_texts]
    new_grams = [_bigrams(t) for t in new_texts]
    old_mass = [sum(weight[g] for g in grams) for grams in old_grams]
    new_mass = [sum(weight[g] for g in grams) for grams in new_grams]
    shared = [[sum(weight[g] for g in a & b) for b in new_grams] for a in old_grams]
    sim = [
        [2 * shared[i][j] / (old_mass[i] + new_mass[j]) if old_mass[i] + new_mass[j] else 0.0 for j in range(len(new))]
        for i in range(len(old))
    ]
    links = [(i, j, sim[i][j]) for i, j in _monotone_pairs(sim, list(range(len(old))), list(range(len(new))))]
    # Articles moved out of order (into another chapter): best remaining pairs, greatest first; a
    # weaker one only when each is the other's closest article in the whole law.
    free_old = set(range(len(old))) - {i for i, _, _ in links}
    free_new = set(range(len(new))) - {j for _, j, _ in links}
    best_new = [max(range(len(new)), key=lambda j: (row[j], -j)) if new else -1 for row in sim]
    best_old = [max(range(len(old)), key=lambda i: (sim[i][j], -i)) if old else -1 for j in range(len(new))]

    def movable(i: int, j: int) -> bool:
        score = sim[i][j]
        return score >= MOVE_THRESHOLD or (score >= PAIR_THRESHOLD and best_new[i] == j and best_old[j] == i)

    moved = sorted(
        ((sim[i][j], i, j) for i in free_old for j in free_new if movable(i, j)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for score, i, j in moved:
        if i in free_old and j in free_new:
            links.append((i, j, score))
            free_old.discard(i)
            free_new.discard(j)
    # Splits: a new article left over whose text is mostly found in one old article; merges alike.
    for j in sorted(free_new):
        share, i = max(
            ((shared[i][j] / new_mass[j] if new_mass[j] else 0.0, i) for i in range(len(old))), default=(0.0, -1)
        )
        if share >= PART_THRESHOLD:
            links.append((i, j, share))
    for i in sorted(free_old):
        share, j = max(
            ((shared[i][j] / old_mass[i] if old_mass[i] else 0.0, j) for j in range(len(new))), default=(0.0, -1)
        )
        if share >= PART_THRESHOLD:
            links.append((i, j, share))
    return links


def _version(versions: list[LawVersion], wanted: str | None, default: LawVersion, law: str) -> LawVersion:
    if wanted is None:
        return default
    found = [v for v in versions if v.version.startswith(wanted)]
    if len(found) != 1:
        listed = "、".join(v.version for v in versions)
        raise ConcordanceError(f"{law}没有 {wanted} 版；可选：{listed}")
    return found[0]


_CACHE: weakref.WeakKeyDictionary[LawShelf, dict] = weakref.WeakKeyDictionary()


def align_versions(
    library: LawShelf,
    law: str,
    old: str | None = None,
    new: str | None = None,
    corrections: Path | None = None,
) -> Concordance:
    """The concordance of two versions of a law (default: its two newest), by content, with the
    correction file's entries (default data/law_concordance.yaml) applied. Cached per library.

    Raises ConcordanceError when the law is unknown, has fewer than two versions, a version is unknown or
    the old version is not older than the new one.
    """
    versions = library.versions(law)
    if not versions:
        close = difflib.get_close_matches(law, library.laws(), 3, 0.3)
        hint = f"；相近的有：{'、'.join(close)}" if close else ""
        raise ConcordanceError(f"法规库中没有“{law}”{hint}")
    name = versions[0].law
    if len(versions) < 2:
        others = "、".join(laws_with_versions(library)) or "无"
        raise ConcordanceError(f"{name}在法规库中只有 {versions[0].version} 一个版本，无从对照；有两个版本的：{others}")
    old_version = _version(versions, old, versions[-2], name)
    new_version = _version(versions, new, versions[-1], name)
    if old_version is new_version:
        raise ConcordanceError(f"新旧版本相同（{old_version.version}）；请选两个不同的版本")
    if versions.index(old_version) > versions.index(new_version):  # a reversed table reads 新增 as 删除
        raise ConcordanceError(
            f"旧版本应早于新版本：{old_version.version} 版晚于 {new_version.version} 版；请交换新旧版本"
        )
    path = Path(corrections) if corrections is not None else CORRECTIONS_FILE
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    key = (name, old_version.version, new_version.version, str(path), stamp)
    cache = _CACHE.setdefault(library, {})
    if key not in cache:
        entries = [
            c
            for c in read_corrections(path, library)[0]
            if (c.law, c.old_version, c.new_version) == (name, old_version.version, new_version.version)
        ]
        cache[key] = _build(name, old_version, new_version, entries)
    return cache[key]


def _build(law: str, old_version: LawVersion, new_version: LawVersion, entries: list[Correction]) -> Concordance:
    old, new = list(old_version.articles), list(new_version.articles)
    old_at = {a.article: i for i, a in enumerate(old)}
    new_at = {a.article: j for j, a in enumerate(new)}
    fixed_old = {old_at[n] for c in entries for n in c.old}
    fixed_new = {new_at[n] for c in entries for n in c.new}
    rest_old = [i for i in range(len(old)) if i not in fixed_old]
    rest_new = [j for j in range(len(new)) if j not in fixed_new]
    links: dict[tuple[int, int], tuple[bool, str]] = {}
    for i, j, _ in _align([old[i] for i in rest_old], [new[j] for j in rest_new]):
        links[rest_old[i], rest_new[j]] = (False, "")
    for c in entries:
        for n in c.old:
            for m in c.new:
                links[old_at[n], new_at[m]] = (True, c.note)
    gaps: dict[tuple[int | None, int | None], tuple[bool, str]] = {}
    for c in entries:
        if not c.new:
            gaps.update({(old_at[n], None): (True, c.note) for n in c.old})
        if not c.old:
            gaps.update({(None, new_at[m]): (True, c.note) for m in c.new})
    pairs = _ordered(old, new, links, gaps)
    return Concordance(law, old_version, new_version, tuple(pairs))


def _ordered(
    old: list[Article],
    new: list[Article],
    links: dict[tuple[int, int], tuple[bool, str]],
    gaps: dict[tuple[int | None, int | None], tuple[bool, str]],
) -> list[ArticlePair]:
    """The pairs in new-article order; an old article without successor right after its old neighbour."""
    by_new: dict[int, list[int]] = {}
    for i, j in links:
        by_new.setdefault(j, []).append(i)
    out: list[tuple[int | None, int | None]] = []
    for j in range(len(new)):
        olds = sorted(by_new.get(j, []))
        out.extend([(i, j) for i in olds] or [(None, j)])
    paired = {i for i, _ in links}
    for i in range(len(old)):
        if i in paired:
            continue
        at = max((k + 1 for k, (o, _) in enumerate(out) if o is not None and o == i - 1), default=0)
        out.insert(at, (i, None))
    pairs = []
    for i, j in out:
        a = old[i] if i is not None else None
        b = new[j] if j is not None else None
        corrected, note = (links.get((i, j)) if i is not None and j is not None else gaps.get((i, j))) or (False, "")
        pairs.append(ArticlePair(a, b, classify(a, b), corrected, note))
    return pairs


def laws_with_versions(library: LawShelf) -> list[str]:
    """The laws the library holds in two or more versions, sorted."""
    return [law for law in library.laws() if len(library.versions(law)) >= 2]


__all__ = [
    "CHANGES",
    "CHANGE_ADDED",
    "CHANGE_DELETED",
    "CHANGE_MODIFIED",
    "CHANGE_RENUMBERED",
    "CHANGE_SAME",
    "CORRECTIONS_FILE",
    "CORRECTIONS_NAME",
    "ArticlePair",
    "Concordance",
    "ConcordanceError",
    "DiffPiece",
    "align_versions",
    "classify",
    "diff_texts",
    "laws_with_versions",
    "normalize_text",
]
