"""Page links and list pages' state in the URL: parameters, document links, the 返回 link."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from ui.markup import md


def pin_url(page: str) -> None:
    """Write the query parameters back so the browser's address bar shows them (`page`: its url_path).

    st.page_link to the page that is already open runs it with the new parameters but leaves the
    old ones in the address bar; a shared or reloaded URL would then show the wrong thing.
    """
    if st.session_state.get("kb_page") != page:
        # Another page (a link, Back, a reload): the browser shows its address already; writing the
        # parameters now would add a history entry for them under the previous page's path, and Back
        # would land there instead of on the list that was left.
        st.session_state["kb_page"] = page
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.query_params.from_dict(params)


def page_url(page: str, /, **params: object) -> str:
    """A relative URL to an app page with query parameters (for links inside HTML)."""
    clean = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    return page + ("?" + urlencode(clean, doseq=True) if clean else "")


def doc_url(doc_id: str, q: str | None = None) -> str:
    """The link to one document, carrying the search terms to highlight."""
    return page_url("doc", id=doc_id, q=q)


# -- list pages keep their whole state in the URL ----------------------------------------------
# One way for every list page: each run reads the URL (url_param) and loads it into the widgets,
# whose callback writes a changed value back (bind, url_from_widget). The URL is then the truth for
# a reload, a shared link and Back. Streamlit 1.67's own bind="query-params" is not used: it names
# the URL parameter after the widget key (search_q), writes a toggle as "true" rather than "1" and
# takes the parameter out of st.query_params' hands, which would break every bookmark and link
# (?q=, ?cat=, ?old=1) and the pages' links that set several parameters at once.

# page name (app_pages/<name>.py) -> what its 返回 link says
LIST_PAGES = {"search": "检索", "casebook": "案例库", "guides": "办案指引", "learning": "学习路径"}
BACK = "from"  # a document link's parameter naming the list it was opened from, with that list's state


def url_param(name: str, default: str = "", choices: Collection[str] | None = None) -> str:
    """One query parameter, stripped; `default` when it is missing or not one of `choices`."""
    value = st.query_params.get(name, default).strip()
    return value if choices is None or value in choices else default


def set_url_params(**values: object) -> None:
    """Put values into the URL in one step (one history entry for Back); None, "" or False removes one."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    for name, value in values.items():
        if value is None or value == "" or value is False:
            params.pop(name, None)
        else:
            params[name] = "1" if value is True else str(value)
    st.query_params.from_dict(params)


def set_url_param(name: str, value: object, default: object = "") -> None:
    """Put one value into the URL; the default (or nothing) removes the parameter."""
    set_url_params(**{name: None if value == default else value})


def url_from_widget(name: str, key: str, default: object = "") -> None:
    """A widget's on_change: its value (session key `key`) into the URL parameter `name`."""
    set_url_param(name, st.session_state.get(key), default)


def bind(key: str, param: str, value: object, default: object = "") -> dict[str, object]:
    """Show `value` (read from URL parameter `param`) in widget `key`, and write its changes back.

    Returns the widget's key, on_change and args: `st.selectbox(label, options, **bind(...))`;
    the `default` value leaves the parameter out of the URL."""
    st.session_state[key] = value
    return {"key": key, "on_change": url_from_widget, "args": (param, key, default)}


def here(page: str) -> str:
    """This list page with its whole state, as a document link's `from` ("casebook?cat=盗窃")."""
    return page_url(page, **{k: st.query_params.get_all(k) for k in st.query_params})


def doc_params(doc_id: str, page: str, q: str = "") -> dict[str, str]:
    """The query parameters of a link from list page `page` to one document (st.page_link)."""
    params = {"id": doc_id, "q": q, BACK: here(page)}
    return {k: v for k, v in params.items() if v}


def back_target(back: str) -> tuple[str, list[tuple[str, str]]] | None:
    """A `from` value as (page name, its query parameters); None for anything but a list page."""
    page, _, query = back.partition("?")
    if page not in LIST_PAGES:
        return None
    return page, parse_qsl(query, keep_blank_values=False)


def back_link(q: str = "") -> None:
    """The document page's 返回 link: to the list it was opened from, with all its filters."""
    target = back_target(st.query_params.get(BACK, ""))
    if target is None:
        if q:  # an older link or a bookmark: back to a search for its words
            st.page_link(
                "app_pages/search.py", label=f"返回检索“{md(q)}”", query_params={"q": q}, icon=":material/arrow_back:"
            )
        return
    page, params = target
    words = dict(params).get("q", "") if page == "search" else ""
    label = f"返回{LIST_PAGES[page]}" + (f"“{md(words)}”" if words else "")
    st.page_link(f"app_pages/{page}.py", label=label, query_params=params, icon=":material/arrow_back:")


# Hand-written: Streamlit has no call that scrolls the page. The anchor is drawn by an element of
