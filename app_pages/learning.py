"""学习路径: ordered reading lists per tier; 已学习 marks saved to the account (for visitors, to the session);
the legal section's view of completion and quiz scores by unit and tier."""

from __future__ import annotations

import streamlit as st

from kb import roles
from kb.rendering.handbook import Selection
from kb.workflow import logins
from ui import cards, files, handbook, markup, progress, quizstats, services, urls

TIERS = ("办案民警", "法制员", "单位负责人")
TIER_NOTES = {
    "办案民警": "从接报案到结案的基本功，以及常见案件的办理要点。",
    "法制员": "审核把关的重点、常见问题和证据标准。",
    "单位负责人": "审批把关、执法监督和风险防控。",
}
REPORT_PERMISSION = roles.AUDIT  # 审核 and 管理员: the legal section


def main() -> None:
    st.title("学习路径")
    s = services.settings()
    user = logins.current_user(st.session_state, s)
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
    own = user.tier if user is not None and user.tier in tiers else tiers[0]  # the account's tier first
    tier = urls.url_param("tier", own, tiers)
    st.segmented_control(
        "适用层级",
        tiers,
        format_func=markup.md,
        required=True,
        label_visibility="collapsed",
        **urls.bind("learning_tier", "tier", tier, own),
    )
    items = paths.get(tier, [])
    if TIER_NOTES.get(tier):
        st.caption(TIER_NOTES[tier])
    if not items:
        st.info("该层级的学习路径还没有内容。")
    else:
        path(s, user, tier, items)
    if user is not None and user.can(REPORT_PERMISSION):
        st.divider()
        progress.render_report(s)
        st.divider()
        quizstats.render_report(s, user)


def path(s, user, tier: str, items: list[dict]) -> None:
    """The tier's reading list with its 已学习 checkboxes and the progress bar."""
    handbook.download_button(Selection(path=tier), "下载本层级学习资料（PDF）", "learning_pdf")
    st.page_link("app_pages/selftest.py", label="本路径自测", query_params={"tier": tier}, icon=":material/quiz:")
    done = progress.learned(s, user)
    finished = sum(1 for it in items if it["id"] in done)
    kept = f"已保存到账号“{user.name}”" if user is not None else "仅在本次会话中保存；登录后学习进度会保存"
    st.progress(finished / len(items), text=f"已学习 {finished} / {len(items)} 篇（{markup.md(kept)}）")
    svc = services.service_quiet()
    for n, item in enumerate(items, 1):
        key = f"learning_cb_{tier}:{item['id']}"
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
            st.session_state[key] = item["id"] in done
            cols[2].checkbox("已学习", key=key, on_change=progress.toggle, args=(s, user, item["id"], key))
    if finished == len(items):
        st.success("本层级的学习路径已全部完成。", icon=":material/task_alt:")


main()
