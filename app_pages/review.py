"""审核发布: the drafts waiting (diff, preview, publish or return), the review queue (待复核), supersede, withdraw, history."""

from __future__ import annotations

import streamlit as st

from kb import roles
from kb.content.catalog import find_published, published_documents
from kb.content.diff import unified
from kb.content.frontmatter import draft_view
from kb.content.vocabulary import STATUS_CURRENT, type_label
from kb.workflow import accounts, reviewqueue
from kb.workflow.drafts import STATE_SUBMITTED, check_text, list_drafts, return_draft
from kb.workflow.publish import PublishResult, publish, supersede, withdraw
from kb.workflow.versions import (
    ACTION_LABELS,
    REVIEW_WINDOW_DAYS,
    documents_with_history,
    due_for_review,
    history,
    version_text,
)
from ui import markup, messages, services, workflow


def flash() -> None:
    message = st.session_state.pop("review_flash", None)
    if message:
        text, doc_id = message
        st.success(text, icon=":material/check_circle:")
        if doc_id:
            st.page_link("app_pages/document.py", label=f"查看 {doc_id}", query_params={"id": doc_id})


def after_change(result: PublishResult, text: str) -> None:
    """Clear the app's caches and say what happened (shown after the rerun)."""
    workflow.clear_caches()
    extra = "".join(f"；{old} 已标记为不再参照" for old in result.superseded if old != result.doc_id)
    if result.warning:
        # Not indexed is an error (the document cannot be found yet); a supersede left undone a warning.
        st.session_state["review_warning"] = (result.warning, result.indexed)
    st.session_state["review_flash"] = (text + extra, result.doc_id if result.document else None)
    st.rerun()


# -- the queue ---------------------------------------------------------------------------------


def queue(user: accounts.User) -> None:
    s = services.settings()
    drafts = list_drafts(s, user, (STATE_SUBMITTED,))
    if not drafts:
        st.info("没有待审核的草稿。", icon=":material/inbox:")
        return
    labels = {d.id: f"{d.label} · {d.author} 提交于 {d.updated_at[:16].replace('T', ' ')}" for d in drafts}
    pick = st.selectbox("待审核草稿", list(labels), format_func=labels.get, key="review_pick")
    draft = next(d for d in drafts if d.id == pick)
    kind = type_label(draft.doc_type)
    origin = f"修订 {draft.target_id}（基于第 {draft.base_version} 版）" if draft.target_id else "新文档"
    st.caption(markup.md(f"{kind} · {origin} · 作者 {draft.author} · 第 {draft.rev} 稿"))
    replaces = draft_view(draft.text, draft.doc_type).supersedes
    if replaces:
        st.info(
            f"本稿替代 {markup.md('、'.join(replaces))}：发布时这些文档将标记为“不再参照”。",
            icon=":material/swap_horiz:",
        )
    problems = check_text(s, draft.text, draft.doc_type)
    workflow.show_problems(problems, "校验通过")
    current = find_published(s, draft.doc_id) if draft.doc_id else None
    compare, look = st.tabs(["与已发布版本对比", "预览"])
    with compare:
        if current is None:
            st.caption("这是新文档，没有已发布的版本可对比。")
        else:
            workflow.diff_view(current.text, draft.text, f"已发布第 {current.version} 版", "本稿")
            with st.expander("逐行差异（统一格式）"):
                st.code(unified(current.text, draft.text, f"已发布第 {current.version} 版", "本稿"), language="diff")
    with look:
        workflow.preview(draft.text, draft.doc_type)
    st.divider()
    go, back = st.columns(2, gap="large")
    with go:
        st.markdown("**发布**")
        st.caption("发布后版本号自动加一，文件写入内容目录并立即可检索。")
        if st.button("发布", type="primary", icon=":material/publish:", key="review_publish"):
            with messages.shown_errors(problems=workflow.show_problems) as outcome:
                result = publish(s, user, draft.id)
            if not outcome.failed:
                after_change(result, f"已发布 {result.doc_id} 第 {result.version} 版：{result.path}")
    with back:
        st.markdown("**退回修改**")
        comment = st.text_area("修改意见（必填）", key="review_comment", height=100)
        if st.button("退回", icon=":material/undo:", key="review_return"):
            with messages.shown_errors() as outcome:
                return_draft(s, user, draft.id, comment)
            if not outcome.failed:
                st.session_state["review_flash"] = (f"草稿 #{draft.id} 已退回给 {draft.author}", None)
                st.rerun()


# -- supersede and withdraw --------------------------------------------------------------------


def retire(user: accounts.User) -> None:
    s = services.settings()
    docs = sorted(published_documents(s).values(), key=lambda d: d.id)
    current = [d.id for d in docs if d.status == STATUS_CURRENT]
    titles = {d.id: f"{d.id} {d.title}" for d in docs}
    st.subheader("标记为不再参照")
    st.caption(
        "旧文档的状态改为“不再参照”并指向新文档，文档页显示提示横幅。新文档发布时若写明 supersedes，会自动处理。"
    )
    old = st.selectbox("旧文档", current, index=None, format_func=titles.get, key="review_old", placeholder="选择")
    new = st.selectbox(
        "替代它的新文档", current, index=None, format_func=titles.get, key="review_new", placeholder="选择"
    )
    if st.button("标记为不再参照", disabled=not (old and new), key="review_supersede"):
        with messages.shown_errors() as outcome:
            result = supersede(s, user, old, new)
        if not outcome.failed:
            after_change(result, f"{old} 已标记为不再参照，由 {new} 替代（第 {result.version} 版）")
    st.subheader("撤回")
    st.caption("撤回后文档从内容目录和检索中移除，历史版本仍保存在数据库中。")
    target = st.selectbox(
        "要撤回的文档", [d.id for d in docs], index=None, format_func=titles.get, key="review_wd", placeholder="选择"
    )
    reason = st.text_input(
        "撤回理由（必填）",
        key="review_wd_reason",
        help="理由连同撤回日期显示在该文档原来的链接上，告诉读者为何停止使用。",
    )
    sure = st.checkbox("我确认撤回此文档", key="review_wd_sure")
    if st.button("撤回", disabled=not (target and sure), key="review_withdraw"):
        with messages.shown_errors() as outcome:
            result = withdraw(s, user, target, reason)
        if not outcome.failed:
            after_change(result, f"{target} 已撤回")


# -- the review queue (待复核) and review dates --------------------------------------------------


def review_queue(user: accounts.User, entries: tuple[reviewqueue.QueueEntry, ...], reasons) -> None:
    s = services.settings()
    if s.laws_dir is None:
        st.caption("未设置法规库，只列出复核日期已到的文档。")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    kind = left.selectbox("原因", ["全部", *reviewqueue.REASONS], key="review_q_kind")
    mine = right.checkbox("分配给我", key="review_q_mine")
    shown = reviewqueue.select(entries, None if kind == "全部" else kind, user.name if mine else None)
    if not shown:
        st.info("没有待复核的文档。", icon=":material/task_alt:")
        upcoming()
        return
    st.dataframe(
        workflow.queue_rows(shown),
        hide_index=True,
        width="stretch",
        column_config={"说明": st.column_config.TextColumn(width="large")},
    )
    titles = {e.doc_id: f"{e.doc_id} {e.reason.title}" for e in shown}
    doc_id = st.selectbox("处理文档", list(titles), format_func=titles.get, key="review_q_doc")
    st.page_link("app_pages/document.py", label=f"查看 {doc_id}", query_params={"id": doc_id})
    only = None if kind == "全部" else kind
    assign_col, clear_col = st.columns(2, gap="large")
    with assign_col:
        st.markdown("**分配复核**")
        names = reviewqueue.reviewers(s)
        who = st.selectbox("复核人", names, index=None, key="review_q_to", placeholder="选择审核人员")
        if st.button("分配", disabled=not who, icon=":material/person_add:", key="review_q_assign"):
            with messages.shown_errors() as outcome:
                done = reviewqueue.assign(s, user, doc_id, who, reasons=reasons, kind=only)
            if not outcome.failed:
                kinds = "、".join(dict.fromkeys(e.reason.kind for e in done))
                st.session_state["review_flash"] = (f"已将 {doc_id} 分配给 {markup.md(who)}：{kinds}", None)
                st.rerun()
    with clear_col:
        st.markdown(f"**{reviewqueue.DECISION_NO_CHANGE}**")
        comment = st.text_area("复核意见（必填）", key="review_q_comment", height=100)
        if st.button("记录已复核", icon=":material/task_alt:", key="review_q_clear"):
            with messages.shown_errors() as outcome:
                cleared = reviewqueue.clear(s, user, doc_id, comment, reasons=reasons, kind=only)
            if not outcome.failed:
                kinds = "、".join(dict.fromkeys(r.kind for r in cleared))
                st.session_state.pop("review_q_comment", None)  # the next document starts with an empty comment
                st.session_state["review_flash"] = (
                    f"已记录 {doc_id}“{reviewqueue.DECISION_NO_CHANGE}”：{kinds}；已记入审计日志",
                    None,
                )
                st.rerun()
    upcoming()


def upcoming() -> None:
    """Documents whose review-by date is near (those past it are in the queue)."""
    with messages.shown_errors() as outcome:
        items = [i for i in due_for_review(services.settings()) if i.days_left > 0]
    if outcome.failed or not items:
        return
    with st.expander(f"{REVIEW_WINDOW_DAYS} 天内将到期复核（{len(items)}）"):
        st.dataframe(
            [
                {"编号": i.id, "标题": i.title, "复核日期": i.review_by.isoformat(), "状态": f"还剩 {i.days_left} 天"}
                for i in items
            ],
            hide_index=True,
            width="stretch",
        )


def versions() -> None:
    s = services.settings()
    ids = sorted(set(published_documents(s)) | set(documents_with_history(s)))
    doc_id = st.selectbox("文档", ids, index=None, key="review_hist_doc", placeholder="选择文档编号")
    if not doc_id:
        return
    stored = history(s, doc_id)
    if not stored:
        st.info("此文档还没有经本系统发布过，暂无历史版本。")
        return
    st.dataframe(
        [
            {
                "版本": v.version,
                "操作": ACTION_LABELS.get(v.action, v.action),
                "时间": v.at[:19].replace("T", " "),
                "操作人": v.actor or "—",
                "说明": v.note,
            }
            for v in stored
        ],
        hide_index=True,
        width="stretch",
    )
    numbers = sorted({v.version for v in stored if v.action != "withdraw"})
    if len(numbers) < 2:
        st.caption("只有一个版本，无可对比。")
        return
    left, right = st.columns(2)
    # Keyed by document: a choice made for one document never carries over to the next, which starts
    # at previous → latest (Streamlit drops a widget's state when a run does not draw it).
    a = left.selectbox(
        "旧版本", numbers, index=len(numbers) - 2, format_func=lambda n: f"第 {n} 版", key=f"review_va_{doc_id}"
    )
    b = right.selectbox(
        "新版本", numbers, index=len(numbers) - 1, format_func=lambda n: f"第 {n} 版", key=f"review_vb_{doc_id}"
    )
    if a == b:
        st.caption("请选择两个不同的版本进行对比。")
        return
    workflow.diff_view(version_text(s, doc_id, a), version_text(s, doc_id, b), f"第 {a} 版", f"第 {b} 版")


def main() -> None:
    user = workflow.user_or_stop(roles.REVIEW, "审核发布")
    st.title("审核发布")
    flash()
    warning, indexed = st.session_state.pop("review_warning", ("", True))
    if warning:
        (st.warning if indexed else st.error)(markup.md(warning))
    waiting = len(list_drafts(services.settings(), user, (STATE_SUBMITTED,)))
    with messages.shown_errors() as outcome:
        reasons = workflow.review_reasons(services.settings())
        entries = reviewqueue.review_queue(services.settings(), reasons)
    due_label = "待复核" if outcome.failed else f"待复核（{len(entries)}）"
    tab_queue, tab_due, tab_retire, tab_history = st.tabs([f"待审核（{waiting}）", due_label, "替代与撤回", "版本历史"])
    with tab_queue:
        queue(user)
    with tab_retire:
        retire(user)
    with tab_due:
        if not outcome.failed:
            review_queue(user, entries, reasons)
    with tab_history:
        versions()


main()
