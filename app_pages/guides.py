"""办案指引: guides browsed by 办案环节 or by kind (办案指引 / 执法宝典 / 工具箱)."""

from __future__ import annotations

import html

import streamlit as st

from app_pages import shared
from kb.content.taxonomy import load_taxonomy
from kb.errors import KBError

VIEWS = {"stage": "按办案环节", "kind": "按种类"}
FALLBACK_STAGES = ("接报案", "受案立案", "调查取证", "强制措施", "审核审批", "处罚执行", "涉案财物", "执法监督")
FALLBACK_KINDS = ("办案指引", "执法宝典", "工具箱")


def vocabularies() -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        taxonomy = load_taxonomy(shared.data_path("taxonomy.yaml"))
        return taxonomy.stages, taxonomy.kinds
    except KBError:
        return FALLBACK_STAGES, FALLBACK_KINDS


def change_view() -> None:
    """按办案环节 / 按种类: the other view's chosen value means nothing in this one."""
    by = st.session_state.get("guides_by")
    shared.set_url_params(by=None if by == "stage" else by, v=None)


def main_stage(guide: dict) -> str:
    """The stage a guide is listed under when browsing by stage: its first (main) one."""
    stages = shared.split(guide.get("stage"))
    return stages[0] if stages else "未分类"


def guide_row(guide: dict, by_stage: bool) -> None:
    with st.container(border=True):
        st.page_link(
            "app_pages/document.py",
            label=shared.md(guide["title"]),
            query_params=shared.doc_params(guide["id"], "guides"),
            icon=":material/menu_book:",
        )
        meta = shared.badges("guide", guide["category"], "", None, guide.get("status"))
        extra = [guide.get("kind") or ""]
        stages = shared.split(guide.get("stage"))
        if by_stage and len(stages) > 1:  # listed once, under its main stage; the others named here
            extra.append("其他环节：" + "、".join(stages[1:]))
        elif not by_stage and stages:
            extra.append("环节：" + "、".join(stages))
        if guide.get("audience"):
            extra.append("适用：" + "、".join(shared.split(guide["audience"])))
        if guide.get("issued"):
            extra.append(f"印发：{guide['issued']}")
        st.html(
            f'<div class="kb-meta">{meta} {html.escape("　".join(e for e in extra if e))}</div>'
            f'<div class="kb-snippet">{shared.excerpt(guide.get("summary") or "", 160)}</div>'
        )


def main() -> None:
    st.title("办案指引")
    shared.require_service()
    all_guides = [d for d in shared.catalog() if d["type"] == "guide"]
    if not all_guides:
        st.info("还没有办案指引。指引放在 guides/ 下，重建索引后即可在此浏览。", icon=":material/inbox:")
        return
    stages, kinds = vocabularies()
    by = shared.url_param("by", "stage", VIEWS)
    old = shared.url_param("old") == "1"
    guides = [g for g in all_guides if old or g.get("status") in (None, "", "现行")]

    st.session_state["guides_by"] = by
    st.session_state["guides_old"] = old
    top = st.columns([3, 1], vertical_alignment="center")
    with top[0]:
        st.segmented_control(
            "浏览方式",
            list(VIEWS),
            format_func=VIEWS.get,
            key="guides_by",
            required=True,
            on_change=change_view,
            label_visibility="collapsed",
        )
    top[1].toggle(
        "含不再参照的旧版", key="guides_old", on_change=shared.url_from_widget, args=("old", "guides_old", False)
    )

    field = "stage" if by == "stage" else "kind"
    vocabulary = stages if by == "stage" else kinds

    def values(g: dict) -> tuple[str, ...]:
        return (main_stage(g),) if field == "stage" else ((g.get("kind") or "未分类"),)

    counts = {v: sum(1 for g in guides if v in values(g)) for v in vocabulary}
    extra = sorted({v for g in guides for v in values(g)} - set(vocabulary))
    counts.update({v: sum(1 for g in guides if v in values(g)) for v in extra})
    options = [v for v, n in counts.items() if n]
    chosen = shared.url_param("v")
    st.session_state["guides_v"] = chosen if chosen in options else None
    st.pills(
        VIEWS[by].removeprefix("按"),
        options,
        format_func=lambda v: f"{shared.md(v)} {counts[v]}",
        key="guides_v",
        on_change=shared.url_from_widget,
        args=("v", "guides_v"),
        wrap=True,
    )
    chosen = st.session_state.get("guides_v")
    sections = [chosen] if chosen else options
    for value in sections:
        items = [g for g in guides if value in values(g)]
        items.sort(key=lambda g: (g.get("issued") or "", g["id"]), reverse=True)
        st.subheader(f"{shared.md(value)}（{len(items)}）")
        for guide in items:
            guide_row(guide, by == "stage")


main()
