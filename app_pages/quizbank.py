"""题库: the quiz files with their questions and problems; drafts written, submitted, reviewed and published;
each file's published versions."""

from __future__ import annotations

import streamlit as st

from kb import roles
from kb.workflow import accounts
from kb.workflow.drafts import EDITABLE, STATE_RETURNED, STATE_SUBMITTED
from kb.workflow.questionbank import check_questions
from kb.workflow.quizdrafts import (
    QuizDraft,
    discard_quiz_draft,
    list_quiz_drafts,
    quiz_draft_problems,
    quiz_template,
    return_quiz_draft,
    save_quiz_draft,
    start_quiz_draft,
    submit_quiz_draft,
)
from kb.workflow.quizpublish import publish_quiz_draft
from kb.workflow.quizversions import live_text, quiz_history, quiz_path, version_of
from ui import markup, messages, quizbank, services, workflow


def files(user: accounts.User) -> None:
    s = services.settings()
    bank = check_questions(s)
    rows = quizbank.file_rows(s, bank)
    if not rows:
        st.info("还没有题库文件；可在“新建题库”中新建。", icon=":material/inbox:")
        return
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption("题数只计没有格式错误的题目；有错误的题目见下方所选文件的问题列表。")
    path = st.selectbox("题库文件", [r["文件"] for r in rows], key="quizbank_file")
    workflow.show_problems([p for p in bank.problems if p.path == path], "校验通过")
    if st.button("编辑此文件（新建草稿）", icon=":material/edit_note:", key="quizbank_edit"):
        with messages.shown_errors() as outcome:
            draft = start_quiz_draft(s, user, path)
        if not outcome.failed:
            quizbank.done(f"已新建题库草稿 #{draft.id}（{markup.code(draft.target)}），请在“草稿”页签中编辑", draft.id)


def drafts(user: accounts.User) -> None:
    s = services.settings()
    reviewer = user.can(roles.REVIEW)
    shown = [d for d in list_quiz_drafts(s, user) if reviewer or d.author == user.name]
    if not shown:
        st.info("没有题库草稿。可在“题库文件”中选择文件编辑，或在“新建题库”中新建。", icon=":material/inbox:")
        return
    labels = {d.id: f"{d.label} · {d.state} · {d.author}" for d in shown}
    opened = st.session_state.pop(quizbank.OPEN, None)
    if opened in labels:
        st.session_state["quizbank_draft"] = opened
    pick = st.selectbox("题库草稿", list(labels), format_func=labels.get, key="quizbank_draft")
    editor(user, next(d for d in shown if d.id == pick))


def editor(user: accounts.User, draft: QuizDraft) -> None:
    s = services.settings()
    if draft.state == STATE_RETURNED and draft.comment:
        st.warning(f"审核意见：{markup.md(draft.comment)}", icon=":material/undo:")
    if draft.state == STATE_SUBMITTED:
        st.info("此草稿已提交审核，审核人员退回后才能修改。", icon=":material/hourglass_top:")
    editable = draft.state in EDITABLE
    key = f"quizbank_text_{draft.id}"
    loaded = f"quizbank_loaded_{draft.id}"  # the saved version the text in the box started from
    st.session_state.setdefault(key, draft.text)
    st.session_state.setdefault(loaded, draft.text)
    if editable and st.session_state[loaded] != draft.text:  # saved by someone else since this box was loaded
        st.warning(
            "此草稿在你打开后已被他人保存过，编辑框中仍是你的文本，直接保存会被拒绝；"
            "请先复制你的修改，再载入已保存的版本，合并后保存。",
            icon=":material/sync_problem:",
        )
        st.button(
            "载入已保存的版本（放弃编辑框中的文本）",
            key=f"quizbank_reload_{draft.id}",
            on_click=quizbank.take_saved,
            args=(key, loaded, draft.text),
        )
    st.text_area("题库文件全文（含开头的 --- 元数据块）", key=key, height=480, disabled=not editable)
    save_col, submit_col, discard_col = st.columns(3)
    save = save_col.button("保存草稿", disabled=not editable, icon=":material/save:", key=f"quizbank_save_{draft.id}")
    submit = submit_col.button("提交审核", disabled=not editable, type="primary", key=f"quizbank_submit_{draft.id}")
    discard = discard_col.button("作废草稿", disabled=not editable, key=f"quizbank_discard_{draft.id}")
    if save:
        with messages.shown_errors() as outcome:
            saved = save_quiz_draft(s, user, draft.id, st.session_state[key], st.session_state[loaded])
            st.session_state[loaded] = saved.text
        if not outcome.failed:
            quizbank.done(f"已保存题库草稿 #{draft.id}")
    if submit:
        with messages.shown_errors(problems=workflow.show_problems) as outcome:
            saved = save_quiz_draft(s, user, draft.id, st.session_state[key], st.session_state[loaded])
            st.session_state[loaded] = saved.text  # the text is kept even when the submit is refused
            submit_quiz_draft(s, user, draft.id)
        if not outcome.failed:
            quizbank.done(f"题库草稿 #{draft.id} 已提交审核")
        return  # the refusal above lists the problems
    if discard:
        with messages.shown_errors() as outcome:
            discard_quiz_draft(s, user, draft.id)
        if not outcome.failed:
            quizbank.done(f"题库草稿 #{draft.id} 已作废（内容仍保存在数据库中）")
    st.markdown("**校验结果**（已保存的文本）")
    workflow.show_problems(quiz_draft_problems(s, draft), "校验通过，可以提交")


def review(user: accounts.User) -> None:
    s = services.settings()
    waiting = list_quiz_drafts(s, user, (STATE_SUBMITTED,))
    if not waiting:
        st.info("没有待审核的题库草稿。", icon=":material/inbox:")
        return
    labels = {d.id: f"{d.label} · {d.author} 提交于 {d.updated_at[:16].replace('T', ' ')}" for d in waiting}
    pick = st.selectbox("待审核题库草稿", list(labels), format_func=labels.get, key="quizbank_review_pick")
    draft = next(d for d in waiting if d.id == pick)
    workflow.show_problems(quiz_draft_problems(s, draft), "校验通过")
    published = live_text(s, draft.target)
    if published is None:
        st.caption(f"这是新题库文件（{markup.code(draft.target)}），没有已发布的版本可对比。")
        st.code(draft.text, language="markdown")
    else:
        st.markdown(f"**与已发布第 {version_of(published)} 版对比**")
        quizbank.diff(published, draft.text)
    st.divider()
    go, back = st.columns(2, gap="large")
    with go:
        st.markdown("**发布**")
        st.caption("发布后版本号自动加一，写入题库文件夹，旧版本保存在版本历史中。")
        if st.button("发布", type="primary", icon=":material/publish:", key="quizbank_publish"):
            with messages.shown_errors(problems=workflow.show_problems) as outcome:
                result = publish_quiz_draft(s, user, draft.id)
            if not outcome.failed:
                quizbank.published(
                    f"已发布 {markup.code(result.path)} 第 {result.version} 版（{result.questions} 道题）"
                )
    with back:
        st.markdown("**退回修改**")
        comment = st.text_area("修改意见（必填）", key="quizbank_comment", height=100)
        if st.button("退回", icon=":material/undo:", key="quizbank_return"):
            with messages.shown_errors() as outcome:
                return_quiz_draft(s, user, draft.id, comment)
            if not outcome.failed:
                st.session_state.pop("quizbank_comment", None)
                quizbank.done(f"题库草稿 #{draft.id} 已退回给 {markup.md(draft.author)}")


def new_file(user: accounts.User) -> None:
    s = services.settings()
    st.caption("新题库从模板开始：模板里有一道示例题，请改写或删去，再按题库格式添加题目。")
    with st.form("quizbank_new_form"):
        name = st.text_input("文件名", placeholder="如 盗窃（保存为题库文件夹中的“盗窃”文件）", key="quizbank_new_name")
        bank_id = st.text_input("题库 id", placeholder="QB- 加字母数字，如 QB-DQ", key="quizbank_new_id")
        title = st.text_input("题库名称", placeholder="如 盗窃案件题库", key="quizbank_new_title")
        go = st.form_submit_button("新建题库草稿", type="primary", icon=":material/note_add:")
    if not go:
        return
    with messages.shown_errors() as outcome:
        rel = quiz_path(name)
        if live_text(s, rel) is not None:
            st.error(f"{markup.code(rel)} 已存在；请在“题库文件”中选择它编辑。")
            return
        text = quiz_template(bank_id.strip() or "QB-XXXX", title.strip() or "（题库名称）")
        draft = start_quiz_draft(s, user, rel, text)
    if not outcome.failed:
        quizbank.done(f"已新建题库草稿 #{draft.id}（{markup.code(rel)}），请在“草稿”页签中编辑", draft.id)


def history() -> None:
    s = services.settings()
    paths = quizbank.history_paths(s)
    path = st.selectbox("题库文件", paths, index=None, key="quizbank_hist_file", placeholder="选择题库文件")
    if not path:
        return
    versions = quiz_history(s, path)
    if not versions:
        st.info("此文件已不在内容目录中，也没有版本记录。")
        return
    st.dataframe(quizbank.version_rows(versions), hide_index=True, width="stretch")
    numbers = [v.version for v in versions]
    shown = st.selectbox(
        "查看版本", numbers, index=len(numbers) - 1, format_func=lambda n: f"第 {n} 版", key=f"quizbank_hist_v_{path}"
    )
    chosen = next(v for v in versions if v.version == shown)
    earlier = [v for v in versions if v.version < shown]
    if earlier:
        st.markdown(f"**第 {earlier[-1].version} 版 → 第 {shown} 版**")
        quizbank.diff(earlier[-1].text, chosen.text)
    with st.expander(f"第 {shown} 版全文"):
        st.code(chosen.text, language="markdown")


def main() -> None:
    user = workflow.user_or_stop(roles.EDIT, "题库")
    st.title("题库")
    quizbank.flash()
    reviewer = user.can(roles.REVIEW)
    names = ["题库文件", "草稿", "新建题库", "版本历史"]
    if reviewer:
        names.insert(2, f"待审核（{len(list_quiz_drafts(services.settings(), user, (STATE_SUBMITTED,)))}）")
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["题库文件"]:
        files(user)
    with tabs["草稿"]:
        drafts(user)
    if reviewer:
        with tabs[names[2]]:
            review(user)
    with tabs["新建题库"]:
        new_file(user)
    with tabs["版本历史"]:
        history()


main()
