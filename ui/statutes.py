"""Which version of a cited article a document means (cached per index version)."""

from __future__ import annotations

import streamlit as st

from kb.content.vocabulary import STATUS_CURRENT
from kb.errors import KBError
from kb.rendering.markup import ArticleText
from kb.search.index import current_dir
from kb.settings import Settings
from kb.statutes.citations import article_label
from ui.services import empty_index, index_version, search_service, settings
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
