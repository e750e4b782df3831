"""检索: one search box, facet filters with counts, highlighted results; all state in the URL."""

from __future__ import annotations

import html
import re

import streamlit as st

from kb.content.vocabulary import STATUS_CURRENT, type_label
from kb.errors import KBError
from kb.statutes.citations import articles_label
from kb.workflow import logins, searchlog
from ui import cards, markup, messages, services, style, urls, widgets
from ui.search_state import (
    FACETS,
    SORTS,
    clear_filters,
    go_to_page,
    on_change,
    on_page,
    read_url,
    search_literal,
    set_query,
    sync_widgets,
)

PER_PAGE = 10
# A document id as typed in the box (G-2024-001, c-2023-017): that document is listed first.
DOC_ID = re.compile(r"[A-Za-z]{1,4}-\d{4}-\d{1,4}")
# The date a result is sorted by when sorted by time (kb.search.service NEWEST: the `issued` field).
DATE_LABELS = {"guide": "印发日期", "case": "印发日期", "law": "施行日期"}
# On a phone-width window Streamlit stacks the two columns: the results come first, then the filters.
NARROW_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stColumn"]:has(.st-key-search_facets) { order: 2; }
  [data-testid="stColumn"]:has(.st-key-search_results) { order: 1; }
}
</style>"""
FALLBACK_POPULAR = ("盗窃", "醉驾", "电信网络诈骗", "取保候审", "殴打他人", "涉案财物", "证据", "未成年人")


def facet_label(field: str, value: str) -> str:
    if field == "type":
        return type_label(value)
    return str(value)


def facet_counts(state: dict, results) -> dict[str, dict[str, int]]:
    """Counts per facet value; a field's own filter is left out so its other values stay visible."""
    active = {f: state[f] for f in FACETS if state[f]}
    counts = dict(results.facets)
    for field in FACETS:
        if field in active or field == "status":
            others = {f: v for f, v in active.items() if f != field}
            result = services.search(
                state["q"],
                services.filter_items(others),
                per_page=1,
                old=field == "status",
                literal=state.get("lit", False),
            )
            counts[field] = result.facets.get(field, {})
    return counts


def render_facets(state: dict, counts: dict[str, dict[str, int]]) -> None:
    st.markdown("**筛选**")
    for field, (_, label) in FACETS.items():
        values = counts.get(field, {})
        if field == "year":
            # Statute articles have no year; the column's "missing" value must not show as a year.
            values = {y: n for y, n in values.items() if str(y).isdigit() and 1900 < int(y) < 2200}
        options = list(values)
        for chosen in state[field]:
            if chosen not in options:
                options.append(chosen)
        if field == "year":
            options.sort(reverse=True)
        elif field == "status":
            options.sort(key=lambda v: v != STATUS_CURRENT)
        if not options:
            continue
        st.pills(
            label,
            options,
            selection_mode="multi",
            key=f"search_f_{field}",
            # values come from documents and from the URL (?cat=…): shown as text, never as Markdown
            format_func=lambda v, f=field, c=values: f"{markup.md(facet_label(f, v))} {c.get(v, 0)}",
            on_change=on_change,
            wrap=True,
        )
    if any(state[f] for f in FACETS):
        st.button("清除全部筛选", icon=":material/filter_alt_off:", on_click=clear_filters, key="search_clear")
    st.caption(
        "默认只显示现行文档和现行法条；在“状态”中选择“不再参照”可查看被替代的旧版指引、案例，选择“已失效”可查看已失效的法条版本。"
    )


def sort_date(hit) -> str:
    """The date a result is sorted by when sorted by time, labelled ("印发日期：2024-06-01")."""
    if hit.type == "law":
        doc = services.document(hit.id)
        issued = doc.get("issued") if doc is not None else ""
    else:
        issued = next((d.get("issued") for d in services.indexed_documents() if d["id"] == hit.id), "")
    return f"{DATE_LABELS.get(hit.type, '日期')}：{issued or '未注明'}"


def render_hit(hit, q: str, by_date: bool = False) -> None:
    extra = []
    if by_date:  # sorted by time: the date sorted by, not only the year badge (which may differ)
        extra.append(html.escape(sort_date(hit)))
    if hit.charges:
        extra.append("罪名/违法行为：" + html.escape("、".join(hit.charges)))
    if hit.laws:
        extra.append("引用：" + html.escape(articles_label(hit.laws, limit=6)))
    if hit.superseded_by:
        extra.append(f"已由 {html.escape(hit.superseded_by)} 替代")
    if hit.missing:
        # As web search engines show it: which of the query's words this result lacks.
        extra.append('<span class="kb-missing">缺少：' + html.escape("、".join(hit.missing)) + "</span>")
    meta = markup.badges(hit.type, hit.category, hit.case_type, hit.year, hit.status)
    params = urls.doc_params(hit.id, "search", q)
    cards.card(hit.title, params, markup.TYPE_ICONS.get(hit.type), meta, hit.snippet, "　".join(extra), hit=True)


def popular() -> list[str]:
    """The 常用检索 buttons: pinned by the legal section, from the log for those who may see it, the defaults."""
    s = services.settings()
    return searchlog.popular_queries(s, logins.current_user(st.session_state, s), FALLBACK_POPULAR)


def log_search(state: dict, total: int) -> None:
    """Count a typed query once, under this session's random id (never the user's name)."""
    session = st.session_state.setdefault("search_session", searchlog.new_session())
    facets = [f for f in FACETS if state[f]]
    searchlog.record_search(services.settings(), state["q"], total, facets, session=session)


MAX_SUGGESTIONS = 8
FEW_RESULTS = 3  # fewer results than this for several words: suggest fewer or other words


def suggestions(state: dict, results, svc) -> list[tuple[str, int]]:
    """Other words that do find something: synonyms, single words of the query, matching vocabulary."""
    q = state["q"]
    und = results.understanding
    words = [c.word for c in und.concepts] if und is not None and und.concepts else [t for t in results.terms if t]
    words = [w for w in words if len(w) > 1 and not svc.resources.query_words.is_filler(w)]
    candidates: list[str] = []
    for word in words:
        candidates.extend(svc.resources.synonyms.expand(word))
        candidates.extend(svc.resources.thesaurus.lookup(word))
    if len(words) > 1:
        candidates.extend(words)  # fewer words: each one alone
    vocabulary = [*svc.resources.taxonomy.categories, *svc.resources.charges]
    candidates.extend(v for v in vocabulary if any(len(w) >= 2 and (w in v or v in w) for w in words))
    filters = services.filter_items({f: state[f] for f in FACETS})
    found: list[tuple[str, int]] = []
    for word in dict.fromkeys(candidates):
        if word == q or len(word) < 2 or svc.resources.query_words.is_filler(word) or len(found) >= MAX_SUGGESTIONS:
            continue
        try:
            total = services.search(word, filters, per_page=1).total
        except KBError:
            continue
        if total:
            found.append((word, total))
    return found


def render_understanding(state: dict, results) -> None:
    """What the search made of the query: corrected typos, colloquial words searched as legal
    terms, words left out, and partial results; each reading can be undone with one click."""
    und = results.understanding
    if state.get("lit"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.caption("已按原词检索（未作口语转换和纠错）。")
            st.button("恢复智能理解", key="search_understood", on_click=search_literal, args=(False,), type="tertiary")
    if und is None or und.explicit:
        return
    if results.corrected:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(f"已按“**{markup.md(und.corrected)}**”检索；")
            st.button(
                f"仍按“{markup.md(state['q'])}”检索",
                key="search_typed",
                on_click=search_literal,
                args=(True,),
                type="tertiary",
            )
    if results.mapped_line:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.caption(markup.md(results.mapped_line))
            st.button("只按原词检索", key="search_literal", on_click=search_literal, args=(True,), type="tertiary")
    if results.ignored_line:
        st.caption(markup.md(results.ignored_line))
    if results.partial_line:
        st.caption(results.partial_line)


def render_empty(state: dict, results, svc) -> None:
    """No results: suggest other words, loosening the filters and popular searches."""
    st.info(f"没有找到与“{markup.md(state['q'])}”相关的文档。", icon=":material/search_off:")
    if any(state[f] for f in FACETS):
        st.markdown("- 当前设置了筛选条件，可以放宽或清除筛选后再试。")
        st.button("清除筛选后重新检索", on_click=clear_filters, key="search_clear_empty")
    st.markdown("- 换一种说法：用简称或全称（如“醉驾”与“危险驾驶”），或减少检索词。")
    st.markdown("- 要按案情查找相似案例，请使用“类案检索”，可粘贴整段案情。")
    others = suggestions(state, results, svc)
    if others:
        st.markdown("**试试这些说法**")
        with st.container(horizontal=True):
            for i, (word, total) in enumerate(others):
                st.button(f"{markup.md(word)}（{total}）", key=f"search_syn_{i}", on_click=set_query, args=(word,))
    st.markdown("**常用检索**")
    with st.container(horizontal=True):
        for i, word in enumerate(popular()):
            st.button(markup.md(word), key=f"search_pop_empty_{i}", on_click=set_query, args=(word,))


def render_few(state: dict, results, svc) -> None:
    """Few results for several words: offer the words or other phrasings that find more."""
    more = [(word, total) for word, total in suggestions(state, results, svc) if total > results.total]
    if not more:
        return
    st.caption("结果较少。减少检索词或换一种说法，可以找到更多：")
    with st.container(horizontal=True):
        for i, (word, total) in enumerate(more):
            st.button(f"{markup.md(word)}（{total}）", key=f"search_more_{i}", on_click=set_query, args=(word,))


def render_id_match(q: str) -> bool:
    """A document id typed in the box: that document first, above the results for the words."""
    token = q.strip()
    if not DOC_ID.fullmatch(token):
        return False
    doc = services.document(token.upper()) or services.document(token)
    if doc is None:
        return False
    with st.container(border=True, key="search_id_match"):
        st.caption(f"编号为 {markup.md(doc['id'])} 的文档")
        cards.doc_link(
            doc["title"] or doc["id"], urls.doc_params(doc["id"], "search"), markup.TYPE_ICONS.get(doc["type"])
        )
        meta = markup.badges(
            doc["type"], doc.get("category", ""), doc.get("case_type", ""), doc.get("year"), doc.get("status", "")
        )
        cards.card_body(meta)
    return True


def render_pagination(results) -> None:
    if results.pages <= 1:
        return
    current = min(results.page, results.pages)
    # One widget per current page: its default is then always right, and the URL stays the truth.
    key = f"search_page_{current}"
    with st.container(horizontal=True, horizontal_alignment="center", vertical_alignment="center"):
        st.pagination(results.pages, default=current, key=key, on_change=on_page, args=(key,))
        st.caption(f"第 {results.page} / {results.pages} 页")


def search_box() -> None:
    """The box the words are typed in; Enter searches."""
    st.text_input(
        "检索词",
        key="search_q",
        placeholder="输入罪名、关键词或法条，如：多次盗窃、醉驾 取保候审、刑法第二百六十四条，按回车检索",
        on_change=on_change,
        label_visibility="collapsed",
        icon=":material/search:",
        max_chars=300,
    )


def run_search(state: dict):
    """The page of results and the facet counts for the state; a typed query is logged; a page past
    the last one goes to the last."""
    typed = st.session_state.pop("search_log_pending", False)
    with messages.or_stop():
        results = services.search(
            state["q"],
            services.filter_items({f: state[f] for f in FACETS}),
            page=state["page"],
            per_page=PER_PAGE,
            sort=state["sort"],
            literal=state.get("lit", False),
        )
        counts = facet_counts(state, results)
    if typed and state["q"]:
        log_search(state, results.total)
    if results.page > results.pages:
        go_to_page(results.pages, scroll=False)
        st.rerun()
    return results, counts


def results_head(state: dict, results) -> None:
    """How many results and how fast, the sort order, what the search made of the words."""
    scroll = st.session_state.pop("search_scroll", None)
    if scroll is not None:
        st.session_state["search_scroll_n"] = scroll
        style.scroll_to("st-key-search_results", scroll)
    head = st.columns([3, 1], vertical_alignment="center")
    what = f"“{html.escape(state['q'])}”" if state["q"] else "全部文档"
    head[0].html(f'<div class="kb-meta">{what}：共 {results.total} 条结果（用时 {results.took_ms:.0f} 毫秒）</div>')
    with head[1]:
        widgets.switch("排序", SORTS, "search_sort", on_change)
    if results.notice:
        st.caption(markup.md(results.notice))
    render_understanding(state, results)
    if not state["q"] and not any(state[f] for f in FACETS):
        with st.container(horizontal=True):
            st.caption("常用检索：")
            for i, word in enumerate(popular()):
                st.button(markup.md(word), key=f"search_pop_{i}", on_click=set_query, args=(word,), type="tertiary")


def render_results(state: dict, results, svc) -> None:
    """The results column: its head, the document whose id was typed, the hits, help when few or none."""
    results_head(state, results)
    found = results.page == 1 and render_id_match(state["q"])
    if results.total == 0:
        if not found:
            render_empty(state, results, svc)
        return
    # an empty box lists the newest first, whatever the sort says (kb.search.service)
    by_date = state["sort"] == "newest" or not state["q"]
    for hit in results.hits:
        render_hit(hit, state["q"], by_date)
    if results.total < FEW_RESULTS and len([t for t in results.terms if t]) > 1:
        render_few(state, results, svc)
    render_pagination(results)


def main() -> None:
    sync_widgets(read_url())
    st.title("检索")
    search_box()
    svc = services.require_service()
    if services.index_is_empty():
        st.info(services.EMPTY_MESSAGE, icon=":material/inbox:")
        return
    state = st.session_state["search_url"]
    results, counts = run_search(state)
    st.html(NARROW_CSS)
    left, right = st.columns([1, 3], gap="large")
    with left, st.container(key="search_facets"):
        render_facets(state, counts)
    with right, st.container(key="search_results"):
        render_results(state, results, svc)


main()
