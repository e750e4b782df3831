"""An article's lineage across versions: where it came from in the version before and where it went in the
version after, in one sentence each (本条为2012年版第四十三条修改而来)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.statutes.concordance import (
    CHANGE_MODIFIED,
    CHANGE_RENUMBERED,
    CHANGE_SAME,
    ArticlePair,
    Concordance,
    align_versions,
)
from kb.statutes.library import Article, LawVersion, StatuteLibrary

DIRECTION_FROM = "from"  # where an article came from, in the version before its own
DIRECTION_TO = "to"  # where it went, in the version after


@dataclass(frozen=True)
class ArticleHistory:
    """Where an article came from in the version before, or went to in the version after, in one sentence."""

    direction: str  # DIRECTION_FROM / DIRECTION_TO
    other: LawVersion  # the version before (from) or after (to)
    pairs: tuple[ArticlePair, ...]
    text: str  # 本条为2012年版第四十三条修改而来 / 2012年版第四十三条在2025年修订后为第五十一条

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles of the other version this one corresponds to (none for 新增 / 删除)."""
        side = [p.old if self.direction == DIRECTION_FROM else p.new for p in self.pairs]
        return tuple(a for a in side if a is not None)

    @property
    def change(self) -> str:
        """The change class; 内容修改 when the pairs differ (an article split into a changed and an unchanged one)."""
        changes = {p.change for p in self.pairs}
        return changes.pop() if len(changes) == 1 else CHANGE_MODIFIED

    def to_json(self) -> dict:
        """The history as the CLI's JSON object."""
        return {
            "direction": self.direction,
            "version": self.other.version,
            "articles": [a.article for a in self.articles],
            "labels": [a.label for a in self.articles],
            "change": self.change,
            "corrected": any(p.corrected for p in self.pairs),
            "note": "；".join(p.note for p in self.pairs if p.note),
            "text": self.text,
        }


def article_history(
    library: StatuteLibrary, article: Article, corrections: Path | None = None
) -> tuple[ArticleHistory, ...]:
    """Where an article came from (the version before its own) and went to (the version after), when the
    library holds those versions; () for a law with one version. `corrections` as for align_versions."""
    versions = library.versions(article.law)
    at = next((k for k, v in enumerate(versions) if v.version == article.version), None)
    if at is None:
        return ()
    out = []
    if at > 0:
        before = align_versions(library, article.law, versions[at - 1].version, article.version, corrections)
        pairs = before.predecessors(article.article)
        out.append(ArticleHistory(DIRECTION_FROM, before.old, pairs, describe_origin(before, pairs)))
    if at + 1 < len(versions):
        after = align_versions(library, article.law, article.version, versions[at + 1].version, corrections)
        pairs = after.successors(article.article)
        out.append(ArticleHistory(DIRECTION_TO, after.new, pairs, describe_fate(after, pairs)))
    return tuple(out)


def _year(version: LawVersion) -> str:
    return f"{version.version[:4]}年" if version.version[:4].isdigit() else f"{version.version} "


def _labels(articles: list[Article]) -> str:
    return "、".join(a.label for a in articles)


def describe_origin(concordance: Concordance, pairs: tuple[ArticlePair, ...]) -> str:
    """本条为2012年版第四十三条修改而来: where a new article came from."""
    old = f"{_year(concordance.old)}版"
    olds = [p.old for p in pairs if p.old is not None]
    if not olds:
        return f"本条为{_year(concordance.new)}修订新增，{old}无对应条文"
    change = {p.change for p in pairs}
    if change == {CHANGE_SAME}:
        return f"本条与{old}{_labels(olds)}相同，文字未变"
    if change <= {CHANGE_SAME, CHANGE_RENUMBERED}:
        return f"本条即{old}{_labels(olds)}，仅条号变化，文字未变"
    split = len(olds) == 1 and len(concordance.successors(olds[0].article)) > 1
    verb = "合并修改而来" if len(olds) > 1 else "拆分修改而来" if split else "修改而来"
    return f"本条为{old}{_labels(olds)}{verb}"


def describe_fate(concordance: Concordance, pairs: tuple[ArticlePair, ...]) -> str:
    """2012年版第四十三条在2025年修订后为第五十一条: what became of an old article."""
    old = pairs[0].old if pairs and pairs[0].old else None
    label = old.label if old else ""
    head = f"{_year(concordance.old)}版{label}"
    news = [p.new for p in pairs if p.new is not None]
    revised = f"在{_year(concordance.new)}修订"
    if not news:
        return f"{head}{revised}时删除，{_year(concordance.new)}版无对应条文"
    change = {p.change for p in pairs}
    if change == {CHANGE_SAME}:
        return f"{head}{revised}后仍为{_labels(news)}，文字未变"
    if len(news) > 1:
        return f"{head}{revised}后分为{_labels(news)}，内容有修改"
    if change == {CHANGE_RENUMBERED}:
        return f"{head}{revised}后为{_labels(news)}，仅条号变化，文字未变"
    still = "仍" if old is not None and news[0].article == old.article else ""
    return f"{head}{revised}后{still}为{_labels(news)}，内容有修改"


__all__ = ["DIRECTION_FROM", "DIRECTION_TO", "ArticleHistory", "article_history", "describe_fate", "describe_origin"]
