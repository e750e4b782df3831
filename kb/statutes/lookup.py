"""Looking up one article by law name, article number and version, as `indexer.py law` shows it."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.content.vocabulary import STATUS_CURRENT
from kb.errors import StatuteError
from kb.statutes.citations import Citation
from kb.statutes.concordance import align_versions
from kb.statutes.library import Article, LawVersion, StatuteLibrary, normalize_article
from kb.statutes.lineage import ArticleHistory, article_history


class UnknownArticleNumber(StatuteError):
    """The article number given cannot be read (a usage error: nothing was looked up)."""


@dataclass(frozen=True)
class ArticleLookup:
    """An article found, its version and status, and where it stands in the version in force."""

    article: Article
    version: LawVersion
    status: str  # 现行 / 已失效 / 尚未施行
    charges: tuple[str, ...]  # the charges named after it (only for an article in force)
    current: LawVersion | None  # the version in force when that is another version; else None
    match: Article | None  # the corresponding article in `current`, when there is one
    history: tuple[ArticleHistory, ...] = ()  # where it came from / went to in the versions before and after

    def to_json(self) -> dict:
        """The article as the CLI's JSON object."""
        found = self.article
        return {
            "id": found.id,
            "law": found.law,
            "title": found.title,
            "article": found.article,
            "label": found.label,
            "chapter": found.chapter,
            "version": found.version,
            "effective": found.effective.isoformat() if found.effective else None,
            "status": self.status,
            "charges": list(self.charges),
            "text": found.text,
            "history": [h.to_json() for h in self.history],
        }


def look_up_article(
    library: StatuteLibrary,
    law: str,
    article: str,
    version: str | None = None,
    charges_for: Callable[[str], Iterable[str]] | None = None,
    corrections: Path | None = None,
) -> ArticleLookup:
    """Find an article (default: in the version in force); `charges_for(key)` names the charges of one in force.

    `corrections` is the 新旧条文对照 correction file (default data/law_concordance.yaml).
    Raises StatuteError naming what was not found, with the closest choices; UnknownArticleNumber for a
    number that cannot be read.
    """
    versions = library.versions(law)
    if not versions:
        close = difflib.get_close_matches(law, library.laws(), 3, 0.3)
        hint = f"；相近的有：{'、'.join(close)}" if close else ""
        raise StatuteError(f"法规库中没有“{law}”{hint}")
    key = normalize_article(article)
    if key is None:
        raise UnknownArticleNumber(f"无法识别的条号“{article}”；例如 264、133-1、第一百三十三条之一")
    if version:
        named = [v.version for v in versions if v.version.startswith(version)]  # "2012" for 2012-10-26
        if len(named) != 1:
            listed = "、".join(v.version for v in versions)
            raise StatuteError(f"{versions[0].law}没有 {version} 版；可选：{listed}")
        version = named[0]
    found = library.article(law, key, version=version)
    if found is None:
        # in the version asked for: the one in force may hold the article, and then there is nothing to suggest
        cite = Citation(law=versions[0].law, article=key, paragraph=None, start=0, end=0, text=article, version=version)
        raise StatuteError(library.suggest(cite))
    status = library.status(found)
    charges = tuple(charges_for(found.key)) if charges_for is not None and status == STATUS_CURRENT else ()
    current = library.in_force(found.law)
    history = article_history(library, found, corrections)
    if current is None or current.version == found.version:
        return ArticleLookup(found, library.version_of(found), status, charges, None, None, history)
    return ArticleLookup(
        found,
        library.version_of(found),
        status,
        charges,
        current,
        _match(library, found, current, corrections),
        history,
    )


def _match(library: StatuteLibrary, found: Article, current: LawVersion, corrections: Path | None) -> Article | None:
    """The article of the version in force that the new-and-old concordance pairs with `found` (its first
    successor; the first predecessor for an article of a version not yet in force)."""
    order = [v.version for v in library.versions(found.law)]
    if order.index(current.version) > order.index(found.version):
        pairs = align_versions(library, found.law, found.version, current.version, corrections).successors(
            found.article
        )
        return next((p.new for p in pairs if p.new is not None), None)
    pairs = align_versions(library, found.law, current.version, found.version, corrections).predecessors(found.article)
    return next((p.old for p in pairs if p.old is not None), None)


__all__ = ["ArticleLookup", "UnknownArticleNumber", "look_up_article"]
