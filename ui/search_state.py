"""The search page's state: read from and written to the URL, loaded into and read from its widgets."""

from __future__ import annotations

import streamlit as st

from kb.content import vocabulary

# facet field -> (URL parameter, label), in the order the filters are shown
FACETS = {f.field: (f.param, f.label) for f in vocabulary.FACETS}
SORTS = {"relevance": "按相关度", "newest": "按时间"}


def read_url() -> dict:
    """The page state as it is in the URL."""
    qp = st.query_params
    state: dict = {"q": qp.get("q", ""), "sort": qp.get("sort", "relevance"), "lit": qp.get("lit") == "1"}
    for field, (param, _) in FACETS.items():
        values = [v for v in qp.get_all(param) if v]
        state[field] = tuple(values)
    try:
        state["page"] = max(1, int(qp.get("page", "1")))
    except ValueError:
        state["page"] = 1
    if state["sort"] not in SORTS:
        state["sort"] = "relevance"
    return state


def write_url(state: dict) -> None:
    """Put the page state into the URL (dropping defaults) so it can be shared and reloaded."""
    params: dict[str, object] = {}
    if state["q"]:
        params["q"] = state["q"]
    for field, (param, _) in FACETS.items():
        if state[field]:
            params[param] = list(state[field])
    if state["sort"] != "relevance":
        params["sort"] = state["sort"]
    if state["page"] > 1:
        params["page"] = str(state["page"])
    if state.get("lit"):
        params["lit"] = "1"
    st.query_params.from_dict(params)
    st.session_state["search_url"] = state


def widget_state() -> dict:
    """The page state as the widgets hold it (page number reset by the callbacks)."""
    state = dict(st.session_state["search_url"])
    state["q"] = (st.session_state.get("search_q") or "").strip()
    for field in FACETS:
        state[field] = tuple(st.session_state.get(f"search_f_{field}") or ())
    state["sort"] = st.session_state.get("search_sort") or "relevance"
    return state


def on_change() -> None:
    """A widget changed: new search from page 1 (a new query is read as usual again)."""
    state = widget_state()
    if state["q"] != st.session_state["search_url"]["q"]:
        state["lit"] = False
        # Only a new query in the box is a search to count: not a facet, sort or page change, a rerun,
        # a link or a reload.
        st.session_state["search_log_pending"] = True
    state["page"] = 1
    write_url(state)


def go_to_page(page: int, scroll: bool = True) -> None:
    """Another page of results; it is shown from its top (`scroll`), not where the last one ended."""
    state = dict(st.session_state["search_url"])
    state["page"] = page
    write_url(state)
    if scroll:
        st.session_state["search_scroll"] = st.session_state.get("search_scroll_n", 0) + 1


def set_query(q: str) -> None:
    """A suggestion was clicked: search for it with the current filters."""
    st.session_state["search_q"] = q
    on_change()


def search_literal(literal: bool) -> None:
    """ "按原词检索" / "按理解检索": the same query with or without the reading of kb.search.query."""
    state = dict(st.session_state["search_url"])
    state["lit"] = literal
    state["page"] = 1
    write_url(state)


def clear_filters() -> None:
    """清除全部筛选: every facet emptied, a new search from page 1."""
    for field in FACETS:
        st.session_state[f"search_f_{field}"] = []
    on_change()


def sync_widgets(url: dict) -> None:
    """When the URL changed from outside (first load, a link, back button), load it into the widgets.

    Also when the widgets are gone: Streamlit drops a widget's value once a run on another page
    leaves it out, so after Back from a document the box would be empty above its own results."""
    if st.session_state.get("search_url") == url and all(k in st.session_state for k in ("search_q", "search_sort")):
        return
    st.session_state["search_q"] = url["q"]
    for field in FACETS:
        st.session_state[f"search_f_{field}"] = list(url[field])
    st.session_state["search_sort"] = url["sort"]
    st.session_state["search_url"] = url


def on_page(key: str) -> None:
    """The pagination widget `key` moved: show that page of results."""
    go_to_page(int(st.session_state.get(key) or 1))
