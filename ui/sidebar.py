"""The sidebar shown on every page: the app name and what the index holds."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import streamlit as st

from kb.content.vocabulary import STATUS_CURRENT, type_label
from kb.search.index import current_dir
from ui.services import COUNTED_TYPES, corpus_counts, settings

_LOG = logging.getLogger("casekb.app")


def sidebar(counts: bool = True) -> None:
    """The sidebar shown on every page; `counts=False` leaves out what the index holds (for a
    visitor who has not logged in where login is required)."""
    with st.sidebar:
        st.markdown("### :material/balance: 案例指引库")
        st.caption("办案指引 · 精品案例 · 法条 —— 仅限内网使用")
        s = settings()
        if not counts or current_dir(s.index_dir) is None:
            return
        try:
            by_type = corpus_counts()
        except Exception:  # the sidebar must never take a page down with it
            _LOG.exception("sidebar counts failed")
            return
        parts = [f"{type_label(t)} {n}" for t, n in current_counts(by_type).items() if n]
        if parts:
            st.caption("现行：" + " · ".join(parts), help=COUNTS_HELP)
        if other := other_counts_text(by_type):
            st.caption(f"另有{other}，检索时默认不显示")


COUNTS_HELP = (
    "与检索页“类型”筛选的计数相同：只计现行文档。法条按条计，同一条文的每个版本各算一条；"
    "已被新版本取代的旧版本条文标为“已失效”，单独计数。"
)

# How a type's documents outside 现行 are named and counted: 已失效 articles, 不再参照 guides.
OTHER_UNITS = {"guide": "篇", "case": "篇", "law": "条"}


def current_counts(by_type: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """现行 documents by type, in menu order."""
    return {t: by_type.get(t, {}).get(STATUS_CURRENT, 0) for t in COUNTED_TYPES}


def other_counts_text(by_type: Mapping[str, Mapping[str, int]]) -> str:
    """The documents not 现行, named by status: "已失效的法条 119 条、不再参照的指引 3 篇"; "" when none."""
    parts = [
        f"{status}的{type_label(t)} {n} {OTHER_UNITS[t]}"
        for t in COUNTED_TYPES
        for status, n in by_type.get(t, {}).items()
        if status != STATUS_CURRENT and n
    ]
    return "、".join(parts)
