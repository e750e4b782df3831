"""The statutes in the app: which version of a cited article a document means, and a law's 新旧条文对照
(cached per index version)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date

import streamlit as st

from kb.content.vocabulary import STATUS_CURRENT
from kb.errors import KBError
from kb.rendering.markup import ArticleText
from kb.search.index import current_dir
from kb.settings import Settings
from kb.statutes.citations import article_label
from kb.statutes.concordance import (
    CHANGE_ADDED,
    CHANGE_DELETED,
    CHANGE_MODIFIED,
    CHANGE_RENUMBERED,
    CHANGE_SAME,
    CORRECTIONS_NAME,
    ArticlePair,
    Concordance,
    DiffPiece,
    align_versions,
)
from kb.statutes.lawrefbook import number_label
from kb.statutes.library import Article, LawVersion, StatuteLibrary
from kb.statutes.lineage import DIRECTION_FROM, ArticleHistory, article_history
from ui.markup import excerpt
from ui.services import data_path, empty_index, index_version, search_service, settings
from ui.urls import doc_url


@st.cache_data(max_entries=4096, show_spinner=False)
def _article_versions(s: Settings, version: str, key: str) -> tuple[dict, ...]:
    """Every indexed version of one article (current and no longer in force)."""
    try:
        results = search_service(s).search(article_label(key), {"type": "law"}, per_page=30, include_superseded=True)
    except KBError:
        return ()
    out = []
    for hit in results.hits:
        stored = search_service(s).document(hit.id)
        if stored is not None and stored["article_key"] == key:
            out.append({k: stored.get(k, "") for k in ("id", "status", "law_version", "effective", "body")})
    return tuple(out)


def article(key: str, on: str | None = None) -> ArticleText | None:
    """The article a citation means on date `on` (the citing document's issue date; default today).

    None when the statute library is not indexed or does not hold the article.
    """
    s = settings()
    if current_dir(s.index_dir) is None or empty_index(s, index_version(s)):
        return None
    versions = _article_versions(s, index_version(s), key)
    if not versions:
        return None
    current = [v for v in versions if v["status"] == STATUS_CURRENT]
    chosen = None
    if on:
        dated = [v for v in versions if v["effective"] and v["effective"] <= on]
        chosen = max(dated, key=lambda v: v["effective"]) if dated else None
    chosen = chosen or (current[0] if current else versions[0])
    note = ""
    if chosen["status"] != STATUS_CURRENT:
        note = f"（{chosen['law_version']} 版，{chosen['status']}；本文印发时有效的文本）"
    elif chosen["law_version"]:
        note = f"（{chosen['law_version']} 版）"
    return ArticleText(key, article_label(key), chosen["body"], doc_url(chosen["id"]), note)


# -- 新旧条文对照 on the law page -------------------------------------------------------------------

# The 对照表's filter: URL value (cmp=…) -> label, and the change class each keeps ("" keeps all).
COMPARE_FILTERS = {"": "全部", "修改": "仅内容修改", "条号": "仅条号变化", "新增": "仅新增", "删除": "仅删除"}
_FILTER_CHANGES = {"修改": CHANGE_MODIFIED, "条号": CHANGE_RENUMBERED, "新增": CHANGE_ADDED, "删除": CHANGE_DELETED}
# A CSS class per change class (the row's colour in the table).
_CHANGE_CLASSES = {
    CHANGE_SAME: "same",
    CHANGE_RENUMBERED: "renumbered",
    CHANGE_MODIFIED: "modified",
    CHANGE_DELETED: "deleted",
    CHANGE_ADDED: "added",
}
EXCERPT = 40  # characters of an article's text in the 对照表


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@st.cache_resource(max_entries=16, show_spinner=False)
def _indexed_library(law: str, version: str, _rows: tuple[dict, ...]) -> StatuteLibrary:
    """One law's indexed versions as a statute library, so that the page compares what the index holds
    (cached per law and index version; the concordance is then cached on it)."""
    grouped: dict[str, list[dict]] = {}
    for row in _rows:
        grouped.setdefault(row["law_version"], []).append(row)
    ordered = sorted(grouped.items(), key=lambda item: (item[1][0]["effective"] or item[0], item[0]))
    versions = []
    for at, (name, rows) in enumerate(ordered):
        expires = _date(ordered[at + 1][1][0]["effective"]) if at + 1 < len(ordered) else None
        articles = tuple(
            Article(
                id=r["id"],
                law=law,
                title=law,
                article=r["article"],
                label=number_label(r["article"]),
                chapter=r["chapter"],
                text=r["body"],
                version=name,
                effective=_date(r["effective"]),
                line=0,
                path="",
            )
            for r in rows
        )
        versions.append(LawVersion(law, law, name, _date(rows[0]["effective"]), expires, "", articles))
    return StatuteLibrary({law: tuple(versions)}, ())


def law_concordance(law: str, rows: Sequence[dict]) -> Concordance | None:
    """The 对照 of a law's two newest indexed versions; None for a law with one version."""
    if len({r["law_version"] for r in rows}) < 2:
        return None
    library = _indexed_library(law, index_version(), tuple(rows))
    try:
        return align_versions(library, law, corrections=data_path(CORRECTIONS_NAME))
    except KBError:
        return None


def law_article_history(law: str, rows: Sequence[dict], version: str, article: str) -> tuple[ArticleHistory, ...]:
    """Where one indexed article came from and went to in the law's other versions."""
    if len({r["law_version"] for r in rows}) < 2:
        return ()
    library = _indexed_library(law, index_version(), tuple(rows))
    found = library.article(law, article, version=version)
    if found is None:
        return ()
    try:
        return article_history(library, found, data_path(CORRECTIONS_NAME))
    except KBError:
        return ()


def filter_counts(table: Concordance) -> dict[str, int]:
    """How many pairs each filter of COMPARE_FILTERS keeps."""
    return {key: len(filter_pairs(table, key)) for key in COMPARE_FILTERS}


def filter_pairs(table: Concordance, key: str) -> list[ArticlePair]:
    """The pairs a filter keeps ("" keeps all)."""
    change = _FILTER_CHANGES.get(key)
    return [p for p in table.pairs if change is None or p.change == change]


def concordance_html(table: Concordance, pairs: Sequence[ArticlePair], href: Callable[[Article], str]) -> str:
    """The 对照表: old article, new article (each a link), the change, and the text's beginning."""

    def cell(found: Article | None) -> str:
        if found is None:
            return '<td class="kb-meta">（无）</td>'
        return f'<td><a href="{html.escape(href(found))}" target="_self">{html.escape(found.label)}</a></td>'

    head = (
        f"<tr><th>{html.escape(table.old.version)} 版</th><th>{html.escape(table.new.version)} 版</th>"
        "<th>变化</th><th>条文（新版；删除的为旧版）</th></tr>"
    )
    rows = []
    for p in pairs:
        shown = p.new or p.old
        note = (
            f'<span class="kb-meta" title="{html.escape(p.note)}">（人工更正：{html.escape(p.note)}）</span>'
            if p.corrected
            else ""
        )
        rows.append(
            f'<tr class="kb-cmp-{_CHANGE_CLASSES[p.change]}">{cell(p.old)}{cell(p.new)}'
            f"<td>{html.escape(p.change)}{note}</td>"
            f'<td class="kb-meta">{html.escape(excerpt(shown.text if shown else "", EXCERPT))}</td></tr>'
        )
    if not rows:
        rows.append('<tr><td colspan="4" class="kb-meta">没有这一类条文。</td></tr>')
    return f'<div class="kb-concordance-wrap"><table class="kb-concordance">{head}{"".join(rows)}</table></div>'


def diff_html(pieces: Sequence[DiffPiece]) -> str:
    """A character diff as escaped text with <del> (removed) and <ins> (added) runs."""
    tags = {"delete": "del", "insert": "ins"}
    out = []
    for piece in pieces:
        text = html.escape(piece.text)
        tag = tags.get(piece.kind)
        out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return f'<div class="kb-article-diff">{"".join(out)}</div>'


def history_html(history: ArticleHistory) -> str:
    """One sentence of an article's history and, for changed text, the character diff against each
    counterpart (the old text struck through in red, the new underlined in green)."""
    parts = [f'<p class="kb-article-history-text">{html.escape(history.text)}</p>']
    for pair in history.pairs:
        if pair.change != CHANGE_MODIFIED or pair.old is None or pair.new is None:
            continue
        other = pair.old if history.direction == DIRECTION_FROM else pair.new
        parts.append(
            f'<div class="kb-meta">与{html.escape(other.version)} 版{html.escape(other.label)}对照：'
            f"<del>删去的文字</del>　<ins>增加的文字</ins></div>{diff_html(pair.diff())}"
        )
    if any(p.corrected for p in history.pairs):
        notes = "；".join(p.note for p in history.pairs if p.note)
        parts.append(f'<div class="kb-meta">（此对照经法制大队人工更正：{html.escape(notes)}）</div>')
    return f'<div class="kb-article-history">{"".join(parts)}</div>'
