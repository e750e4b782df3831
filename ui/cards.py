"""The result card every list shows: a link to the document, its badges, an excerpt and more lines."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext

import streamlit as st

from ui.markup import md

DOCUMENT_PAGE = "app_pages/document.py"


def doc_link(title: str, params: Mapping[str, str], icon: str | None = None) -> None:
    """A client-side link to the document page (keeps the session); the title shown as typed."""
    st.page_link(DOCUMENT_PAGE, label=md(title), query_params=dict(params), icon=icon)


def card_body(meta: str, snippet: str | None = None, foot: str = "", hit: bool = False) -> None:
    """The lines under a card's link (HTML, escaped by the caller): badges, the excerpt (None: no
    line for it) and more details; `hit` draws them as a search result."""
    body = f'<div class="kb-meta">{meta}</div>'
    if snippet is not None:
        body += f'<div class="kb-snippet">{snippet}</div>'
    if foot:
        body += f'<div class="kb-meta">{foot}</div>'
    st.html(f'<div class="kb-hit">{body}</div>' if hit else body)


def card(
    title: str,
    params: Mapping[str, str],
    icon: str | None,
    meta: str,
    snippet: str | None = None,
    foot: str = "",
    hit: bool = False,
) -> None:
    """One document in a list: its link and card_body, in a bordered box; a search `hit` has no
    box (its lines are ruled off instead)."""
    with nullcontext() if hit else st.container(border=True):
        doc_link(title, params, icon)
        card_body(meta, snippet, foot, hit)
