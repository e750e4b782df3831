"""学习路径: ordered reading lists per tier, with reading progress kept for the session."""

from __future__ import annotations

import streamlit as st

from ui import cards, files, markup, services, urls

TIERS = ("办案民警", "法制员", "单位负责人")
TIER_NOTES = {
    "办案民警": "从接报案到结案的基本功，以及常见案件的办理要点。",
    "法制员": "审核把关的重点、常见问题和证据标准。",
    "单位负责人": "审批把关、执法监督和风险防控。",
}


def done_set() -> set[str]:
    """Ids the user has marked as read in this session, per tier key."""
    return st.session_state.setdefault("learning_done", set())


def toggle(tier: str, doc_id: str) -> None:
    key = f"{tier}:{doc_id}"
    done = done_set()
    if st.session_state.get(f"learning_cb_{key}"):
        done.add(key)
    else:
        done.discard(key)


def main() -> None:
    st.title("学习路径")
    loaded = files.learning_paths()
    if isinstance(loaded, str):
        st.info(loaded, icon=":material/school:")
        return
    paths, problems = loaded
    if problems:
        st.warning("学习路径文件有问题，以下条目未显示：\n\n" + "\n".join(f"- {markup.code(p)}" for p in problems))
    tiers = [t for t in TIERS if t in paths] + [t for t in paths if t not in TIERS]
    if not tiers:
        st.info("学习路径文件中还没有内容。", icon=":material/school:")
        return
    tier = urls.url_param("tier", tiers[0], tiers)
    st.segmented_control(
        "适用层级",
        tiers,
        format_func=markup.md,
        required=True,
        label_visibility="collapsed",
        **urls.bind("learning_tier", "tier", tier, tiers[0]),
    )
    items = paths.get(tier, [])
    if TIER_NOTES.get(tier):
        st.caption(TIER_NOTES[tier])
    if not items:
        st.info("该层级的学习路径还没有内容。")
        return
    done = done_set()
    finished = sum(1 for it in items if f"{tier}:{it['id']}" in done)
    st.progress(finished / len(items), text=f"已学习 {finished} / {len(items)} 篇（进度仅在本次会话中保存）")
    svc = services.service_quiet()
    for n, item in enumerate(items, 1):
        key = f"{tier}:{item['id']}"
        doc = svc.document(item["id"]) if svc else None
        with st.container(border=True):
            cols = st.columns([0.08, 0.72, 0.2], vertical_alignment="center")
            cols[0].markdown(f"**{n}**")
            with cols[1]:
                if doc is None:
                    st.markdown(f"**{markup.md(item['id'])}**")
                    st.caption("找不到这篇文档（可能尚未发布或编号有误）。")
                else:
                    params = urls.doc_params(item["id"], "learning")
                    cards.doc_link(doc["title"], params, markup.TYPE_ICONS.get(doc["type"]))
                    reason = item.get("reason") or doc.get("summary") or ""
                    meta = markup.badges(doc["type"], doc.get("category", ""), "", None, doc.get("status", ""))
                    cards.card_body(meta, markup.excerpt(reason, 160))
            st.session_state[f"learning_cb_{key}"] = key in done
            cols[2].checkbox("已学习", key=f"learning_cb_{key}", on_change=toggle, args=(tier, item["id"]))
    if finished == len(items):
        st.success("本层级的学习路径已全部完成。", icon=":material/task_alt:")


main()
