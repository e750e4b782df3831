"""案例库: exemplary cases grouped 刑事 / 行政 → category, with counts, filters and year sorting."""

from __future__ import annotations

import html
from collections import Counter

import streamlit as st

from app_pages import shared
from kb.content.taxonomy import load_taxonomy
from kb.errors import KBError

SORTS = {"new": "年份从新到旧", "old": "年份从旧到新"}
ALL = "全部"


def pick_category(cat: str, group: str = "") -> None:
    """A category (or a whole group) chosen in the sidebar."""
    shared.set_url_params(cat=cat, ctype=group)


def groups_of(cases: list[dict]) -> dict[str, Counter]:
    """刑事 / 行政 (/ 综合) -> category counts, in taxonomy order."""
    try:
        taxonomy = load_taxonomy(shared.data_path("taxonomy.yaml"))
        order = {c: i for i, c in enumerate(taxonomy.categories)}
    except KBError:
        taxonomy, order = None, {}
    out: dict[str, Counter] = {}
    for case in cases:
        group = case.get("case_type") or (taxonomy.group_of(case["category"]) if taxonomy else "") or "其他"
        out.setdefault(group, Counter())[case["category"]] += 1
    ranked = {"刑事": 0, "行政": 1}
    return {
        g: Counter(dict(sorted(c.items(), key=lambda kv: (order.get(kv[0], 999), kv[0]))))
        for g, c in sorted(out.items(), key=lambda kv: ranked.get(kv[0], 9))
    }


def card(case: dict) -> None:
    with st.container(border=True):
        st.page_link(
            "app_pages/document.py",
            label=shared.md(case["title"]),
            query_params=shared.doc_params(case["id"], "casebook"),
            icon=":material/gavel:",
        )
        meta = shared.badges("case", case["category"], case.get("case_type", ""), case.get("year"), case.get("status"))
        # sorted by 年份 (the badge), then 印发日期: both on the card, so the order reads right
        issued = f" 印发日期：{html.escape(case['issued'])}" if case.get("issued") else ""
        charges = "、".join(shared.split(case.get("charges")))
        st.html(
            f'<div class="kb-meta">{meta}{issued}</div>'
            f'<div class="kb-snippet"><strong>办案要旨：</strong>{shared.excerpt(case.get("summary") or "", 160)}</div>'
            + (f'<div class="kb-meta">罪名/违法行为：{html.escape(charges)}</div>' if charges else "")
        )


def main() -> None:
    st.title("案例库")
    shared.require_service()
    cases = [d for d in shared.catalog() if d["type"] == "case"]
    if not cases:
        st.info("案例库还没有案例。案例放在 casebook/<类别>/ 下，重建索引后即可在此浏览。", icon=":material/inbox:")
        return
    cat = shared.url_param("cat")
    ctype = shared.url_param("ctype")
    charge = shared.url_param("charge")
    stage = shared.url_param("stage")
    sort = shared.url_param("sort", "new", SORTS)
    old = shared.url_param("old") == "1"

    groups = groups_of(cases)
    with st.sidebar:
        st.markdown("**案例分类**")
        st.button(
            f"全部案例（{len(cases)}）",
            key="casebook_all",
            on_click=pick_category,
            args=("",),
            type="primary" if not cat and not ctype else "secondary",
            width="stretch",
        )
        for group, counts in groups.items():
            with st.expander(f"{shared.md(group)}（{sum(counts.values())}）", expanded=True):
                st.button(
                    f"全部{shared.md(group)}案例",
                    key=f"casebook_group_{group}",
                    on_click=pick_category,
                    args=("", group),
                    type="primary" if ctype == group and not cat else "tertiary",
                    icon=":material/folder_open:",
                )
                for name, n in counts.items():
                    st.button(
                        f"{shared.md(name)}（{n}）",
                        key=f"casebook_cat_{group}_{name}",
                        on_click=pick_category,
                        args=(name, group),
                        type="primary" if name == cat and group == ctype else "tertiary",
                    )

    shown = [c for c in cases if (not cat or c["category"] == cat) and (not ctype or c.get("case_type") == ctype)]
    charges = sorted({ch for c in shown for ch in shared.split(c.get("charges"))})
    stages = sorted({s for c in shown for s in shared.split(c.get("stage"))})
    st.session_state["casebook_charge"] = charge if charge in charges else ALL
    st.session_state["casebook_stage"] = stage if stage in stages else ALL
    st.session_state["casebook_sort"] = sort
    cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    cols[0].selectbox(
        "罪名/违法行为",
        [ALL, *charges],
        key="casebook_charge",
        on_change=shared.url_from_widget,
        args=("charge", "casebook_charge", ALL),
    )
    cols[1].selectbox(
        "办案环节",
        [ALL, *stages],
        key="casebook_stage",
        on_change=shared.url_from_widget,
        args=("stage", "casebook_stage", ALL),
    )
    cols[2].selectbox(
        "排序",
        list(SORTS),
        format_func=SORTS.get,
        key="casebook_sort",
        on_change=shared.url_from_widget,
        args=("sort", "casebook_sort", "new"),
    )
    st.session_state["casebook_old"] = old
    cols[3].toggle(
        "含不再参照", key="casebook_old", on_change=shared.url_from_widget, args=("old", "casebook_old", False)
    )

    if charge in charges:
        shown = [c for c in shown if charge in shared.split(c.get("charges"))]
    if stage in stages:
        shown = [c for c in shown if stage in shared.split(c.get("stage"))]
    if not old:
        shown = [c for c in shown if c.get("status") in (None, "", "现行")]
    shown.sort(key=lambda c: (c.get("year") or 0, c.get("issued") or "", c["id"]), reverse=sort == "new")

    heading = f"{ctype} · {cat}" if cat and ctype else (cat or ctype or "全部案例")
    st.subheader(f"{shared.md(heading)}（{len(shown)} 件）")
    if not shown:
        st.info("没有符合条件的案例，请放宽筛选条件。", icon=":material/filter_alt_off:")
        return
    if cat:
        sections = {cat: shown}
    else:
        sections = {}
        for c in shown:
            sections.setdefault(c["category"], []).append(c)
        order = [name for counts in groups.values() for name in counts]
        sections = dict(sorted(sections.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 999))
    for name, items in sections.items():
        if not cat:
            st.markdown(f"#### {shared.md(name)}（{len(items)}）")
        grid = st.columns(2, gap="medium")
        for i, case in enumerate(items):
            with grid[i % 2]:
                card(case)


main()
