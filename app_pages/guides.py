"""办案指引: guides browsed by 办案环节 or by kind (办案指引 / 执法宝典 / 工具箱)."""

from __future__ import annotations

import html

import streamlit as st

from kb.content.taxonomy import load_taxonomy
from kb.content.vocabulary import in_force, split_keywords
from kb.errors import KBError
from kb.rendering.handbook import Selection
from ui import cards, handbook, markup, services, urls, widgets

VIEWS = {"stage": "按办案环节", "kind": "按种类"}
FALLBACK_STAGES = ("接报案", "受案立案", "调查取证", "强制措施", "审核审批", "处罚执行", "涉案财物", "执法监督")
FALLBACK_KINDS = ("办案指引", "执法宝典", "工具箱")


def vocabularies() -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        taxonomy = load_taxonomy(services.data_path("taxonomy.yaml"))
        return taxonomy.stages, taxonomy.kinds
    except KBError:
        return FALLBACK_STAGES, FALLBACK_KINDS


def change_view() -> None:
    """按办案环节 / 按种类: the other view's chosen value means nothing in this one."""
    by = st.session_state.get("guides_by")
    urls.set_url_params(by=None if by == "stage" else by, v=None)


def main_stage(guide: dict) -> str:
    """The stage a guide is listed under when browsing by stage: its first (main) one."""
    stages = split_keywords(guide.get("stage"))
    return stages[0] if stages else "未分类"


def guide_row(guide: dict, by_stage: bool) -> None:
    meta = markup.badges("guide", guide["category"], "", None, guide.get("status"))
    extra = [guide.get("kind") or ""]
    stages = split_keywords(guide.get("stage"))
    if by_stage and len(stages) > 1:  # listed once, under its main stage; the others named here
        extra.append("其他环节：" + "、".join(stages[1:]))
    elif not by_stage and stages:
        extra.append("环节：" + "、".join(stages))
    if guide.get("audience"):
        extra.append("适用：" + "、".join(split_keywords(guide["audience"])))
    if guide.get("issued"):
        extra.append(f"印发：{guide['issued']}")
    cards.card(
        guide["title"],
        urls.doc_params(guide["id"], "guides"),
        ":material/menu_book:",
        f"{meta} {html.escape('　'.join(e for e in extra if e))}",
        markup.excerpt(guide.get("summary") or "", 160),
    )


def download(by: str, chosen: str | None, guides: list[dict]) -> None:
    """下载 the PDF of what is chosen: a kind, the guides of a stage, or else every 执法宝典 and 工具箱 in force."""
    if chosen and by == "kind":
        handbook.download_button(Selection(kind=chosen), f"下载{chosen}（PDF）", "guides_pdf")
    elif chosen:
        ids = tuple(g["id"] for g in guides if main_stage(g) == chosen)
        selection = Selection(ids=ids, title=f"{chosen}环节指引")
        handbook.download_button(selection, "下载本环节指引（PDF）", "guides_pdf")
    else:
        handbook.download_button(Selection(), "下载执法宝典（PDF）", "guides_pdf")


def main() -> None:
    st.title("办案指引")
    all_guides = services.indexed_documents_or_stop(
        "guide", "还没有办案指引。指引放在 guides/ 下，重建索引后即可在此浏览。"
    )
    stages, kinds = vocabularies()
    by = urls.url_param("by", "stage", VIEWS)
    old = urls.url_param("old") == "1"
    guides = [g for g in all_guides if old or in_force(g.get("status"))]

    st.session_state["guides_by"] = by
    top = st.columns([3, 1], vertical_alignment="center")
    with top[0]:
        widgets.switch("浏览方式", VIEWS, "guides_by", change_view)
    top[1].toggle("含不再参照的旧版", **urls.bind("guides_old", "old", old, False))

    field = "stage" if by == "stage" else "kind"
    vocabulary = stages if by == "stage" else kinds

    def values(g: dict) -> tuple[str, ...]:
        return (main_stage(g),) if field == "stage" else ((g.get("kind") or "未分类"),)

    counts = {v: sum(1 for g in guides if v in values(g)) for v in vocabulary}
    extra = sorted({v for g in guides for v in values(g)} - set(vocabulary))
    counts.update({v: sum(1 for g in guides if v in values(g)) for v in extra})
    options = [v for v, n in counts.items() if n]
    chosen = urls.url_param("v")
    st.pills(
        VIEWS[by].removeprefix("按"),
        options,
        format_func=lambda v: f"{markup.md(v)} {counts[v]}",
        wrap=True,
        **urls.bind("guides_v", "v", chosen if chosen in options else None),
    )
    chosen = st.session_state.get("guides_v")
    download(by, chosen, guides)
    sections = [chosen] if chosen else options
    for value in sections:
        items = [g for g in guides if value in values(g)]
        items.sort(key=lambda g: (g.get("issued") or "", g["id"]), reverse=True)
        st.subheader(f"{markup.md(value)}（{len(items)}）")
        for guide in items:
            guide_row(guide, by == "stage")


main()
