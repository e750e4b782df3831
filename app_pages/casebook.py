"""案例库: exemplary cases grouped 刑事 / 行政 → category, with counts, filters and year sorting."""

from __future__ import annotations

import html
from collections import Counter

import streamlit as st

from kb.content.taxonomy import load_taxonomy
from kb.content.vocabulary import in_force, split_keywords
from kb.errors import KBError
from ui import cards, markup, services, urls

SORTS = {"new": "年份从新到旧", "old": "年份从旧到新"}
ALL = "全部"


def pick_category(cat: str, group: str = "") -> None:
    """A category (or a whole group) chosen in the sidebar."""
    urls.set_url_params(cat=cat, ctype=group)


def groups_of(cases: list[dict]) -> dict[str, Counter]:
    """刑事 / 行政 (/ 综合) -> category counts, in taxonomy order."""
    try:
        taxonomy = load_taxonomy(services.data_path("taxonomy.yaml"))
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
    meta = markup.badges("case", case["category"], case.get("case_type", ""), case.get("year"), case.get("status"))
    # sorted by 年份 (the badge), then 印发日期: both on the card, so the order reads right
    issued = f" 印发日期：{html.escape(case['issued'])}" if case.get("issued") else ""
    charges = "、".join(split_keywords(case.get("charges")))
    cards.card(
        case["title"],
        urls.doc_params(case["id"], "casebook"),
        ":material/gavel:",
        meta + issued,
        "<strong>办案要旨：</strong>" + markup.excerpt(case.get("summary") or "", 160),
        f"罪名/违法行为：{html.escape(charges)}" if charges else "",
    )


def category_sidebar(cases: list[dict], groups: dict[str, Counter], cat: str, ctype: str) -> None:
    """案例分类 in the sidebar: all cases, each group, each category, with counts."""
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
            with st.expander(f"{markup.md(group)}（{sum(counts.values())}）", expanded=True):
                st.button(
                    f"全部{markup.md(group)}案例",
                    key=f"casebook_group_{group}",
                    on_click=pick_category,
                    args=("", group),
                    type="primary" if ctype == group and not cat else "tertiary",
                    icon=":material/folder_open:",
                )
                for name, n in counts.items():
                    st.button(
                        f"{markup.md(name)}（{n}）",
                        key=f"casebook_cat_{group}_{name}",
                        on_click=pick_category,
                        args=(name, group),
                        type="primary" if name == cat and group == ctype else "tertiary",
                    )


def filtered(shown: list[dict]) -> list[dict]:
    """The filter row (charge, stage, sort, old versions) and the cases it leaves, sorted."""
    charge = urls.url_param("charge")
    stage = urls.url_param("stage")
    sort = urls.url_param("sort", "new", SORTS)
    old = urls.url_param("old") == "1"
    charges = sorted({ch for c in shown for ch in split_keywords(c.get("charges"))})
    stages = sorted({s for c in shown for s in split_keywords(c.get("stage"))})
    cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    charge_value = charge if charge in charges else ALL
    cols[0].selectbox("罪名/违法行为", [ALL, *charges], **urls.bind("casebook_charge", "charge", charge_value, ALL))
    stage_value = stage if stage in stages else ALL
    cols[1].selectbox("办案环节", [ALL, *stages], **urls.bind("casebook_stage", "stage", stage_value, ALL))
    cols[2].selectbox("排序", list(SORTS), format_func=SORTS.get, **urls.bind("casebook_sort", "sort", sort, "new"))
    cols[3].toggle("含不再参照", **urls.bind("casebook_old", "old", old, False))
    if charge in charges:
        shown = [c for c in shown if charge in split_keywords(c.get("charges"))]
    if stage in stages:
        shown = [c for c in shown if stage in split_keywords(c.get("stage"))]
    if not old:
        shown = [c for c in shown if in_force(c.get("status"))]
    shown.sort(key=lambda c: (c.get("year") or 0, c.get("issued") or "", c["id"]), reverse=sort == "new")
    return shown


def sections_of(shown: list[dict], groups: dict[str, Counter], cat: str) -> dict[str, list[dict]]:
    """The cases by category, in the sidebar's order (one section when a category is chosen)."""
    if cat:
        return {cat: shown}
    sections: dict[str, list[dict]] = {}
    for c in shown:
        sections.setdefault(c["category"], []).append(c)
    order = [name for counts in groups.values() for name in counts]
    return dict(sorted(sections.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 999))


def main() -> None:
    st.title("案例库")
    cases = services.indexed_documents_or_stop(
        "case", "案例库还没有案例。案例放在 casebook/<类别>/ 下，重建索引后即可在此浏览。"
    )
    cat = urls.url_param("cat")
    ctype = urls.url_param("ctype")
    groups = groups_of(cases)
    category_sidebar(cases, groups, cat, ctype)
    shown = [c for c in cases if (not cat or c["category"] == cat) and (not ctype or c.get("case_type") == ctype)]
    shown = filtered(shown)
    heading = f"{ctype} · {cat}" if cat and ctype else (cat or ctype or "全部案例")
    st.subheader(f"{markup.md(heading)}（{len(shown)} 件）")
    if not shown:
        st.info("没有符合条件的案例，请放宽筛选条件。", icon=":material/filter_alt_off:")
        return
    for name, items in sections_of(shown, groups, cat).items():
        if not cat:
            st.markdown(f"#### {markup.md(name)}（{len(items)}）")
        grid = st.columns(2, gap="medium")
        for i, case in enumerate(items):
            with grid[i % 2]:
                card(case)


main()
