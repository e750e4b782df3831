"""编写 (?draft=…): write or upload a guide or case, autosaved to a draft, with live preview and validation."""

from __future__ import annotations

import zlib

import streamlit as st

from app_pages import shared, workflow
from kb import accounts
from kb.catalog import published_documents
from kb.diff import DIFF_CSS, sentence_diff, to_html
from kb.documents import TYPE_CASE, TYPE_GUIDE, TYPE_LABELS
from kb.drafts import (
    EDITABLE,
    STATE_DRAFT,
    STATE_RETURNED,
    STATE_SUBMITTED,
    Draft,
    StaleDraftError,
    check_text,
    create_draft,
    discard_draft,
    get_draft,
    import_upload,
    list_drafts,
    may_change,
    save_draft,
    submit,
)
from kb.errors import ContentError, KBError
from kb.templates import draft_template

TYPES = {TYPE_GUIDE: "办案指引", TYPE_CASE: "精品案例"}
# The preview reruns with every edit. Python-Markdown needs up to ~20 µs a character for text dense
# with markup, so longer drafts are checked but not previewed; the longest bundled document has
# about 4,000 characters.
PREVIEW_MAX_CHARS = 50_000


def open_draft(draft_id: int | None) -> None:
    if draft_id is None:
        st.query_params.pop("draft", None)
    else:
        st.query_params["draft"] = str(draft_id)


def keys(draft_id: int) -> tuple[str, str, str]:
    """Session keys: the text area, the revision it is based on, the text last saved or loaded."""
    return f"editor_text_{draft_id}", f"editor_rev_{draft_id}", f"editor_base_{draft_id}"


def load(draft: Draft) -> None:
    text_key, rev_key, base_key = keys(draft.id)
    st.session_state[text_key] = draft.text
    st.session_state[rev_key] = draft.rev
    st.session_state[base_key] = draft.text
    st.session_state.pop(f"editor_conflict_{draft.id}", None)


# -- starting a draft --------------------------------------------------------------------------


def new_draft(user: accounts.User) -> None:
    s = shared.settings()
    blank, revise, upload = st.tabs(["新建", "修订已发布文档", "上传 Markdown 文件"])
    with blank:
        kind = st.radio("文档类型", list(TYPES), format_func=TYPES.get, horizontal=True, key="editor_new_type")
        st.caption("新建的草稿带有全部必填字段的模板，请逐项修改。")
        if st.button("新建草稿", type="primary", icon=":material/note_add:", key="editor_new"):
            draft = create_draft(s, user, draft_template(kind), kind)
            open_draft(draft.id)
            st.rerun()
    with revise:
        docs = sorted(published_documents(s).values(), key=lambda d: d.id)
        choice = st.selectbox(
            "选择要修订的文档",
            [d.id for d in docs],
            index=None,
            format_func=lambda i: next(f"{d.id} {d.title}（第 {d.version} 版）" for d in docs if d.id == i),
            placeholder="选择或输入编号",
            key="editor_revise_pick",
        )
        if st.button("从此文档新建修订草稿", disabled=choice is None, key="editor_revise"):
            draft = create_draft(s, user, target_id=choice)
            open_draft(draft.id)
            st.rerun()
    with upload:
        st.caption("上传 UTF-8 编码的 .md 文件；无论能否通过校验，内容都会存入草稿，不会丢失。")
        kind = st.radio("文档类型", list(TYPES), format_func=TYPES.get, horizontal=True, key="editor_upload_type")
        # No `type=` filter: Streamlit refuses other files in English; import_upload does so in Chinese.
        file = st.file_uploader("Markdown 文件", key="editor_upload_new")
        if st.button("上传并新建草稿", disabled=file is None, key="editor_upload_go"):
            try:
                draft, problems, note = import_upload(s, user, file.name, file.getvalue(), doc_type=kind)
            except KBError as exc:
                st.error(shared.md(exc), icon=":material/error:")
                return
            st.session_state[f"editor_upload_result_{draft.id}"] = (problems, note)
            open_draft(draft.id)
            st.rerun()


# -- editing -----------------------------------------------------------------------------------


def replace_from_upload(draft_id: int, user_name: str) -> None:
    """Button callback (runs before the widgets, so it may set the text area)."""
    file = st.session_state.get(f"editor_upload_{draft_id}")
    # Callbacks run before the page checks the session: an idle-timed-out click does nothing
    # (the page then asks to log in again).
    if file is None or accounts.current_user(st.session_state, shared.settings()) is None:
        return
    text_key, rev_key, _ = keys(draft_id)
    s = shared.settings()
    try:
        draft, problems, note = import_upload(
            s, user_name, file.name, file.getvalue(), draft_id=draft_id, expected_rev=st.session_state[rev_key]
        )
    except StaleDraftError as exc:
        st.session_state[f"editor_conflict_{draft_id}"] = (str(exc), exc.current.text, exc.current.updated_by)
        return
    except KBError as exc:  # not a Markdown file: shown by the page, the draft is untouched
        st.session_state[f"editor_upload_refused_{draft_id}"] = str(exc)
        return
    load(draft)
    st.session_state[f"editor_upload_result_{draft_id}"] = (problems, note)


def take_theirs(draft_id: int) -> None:
    """Button callback: drop my unsaved text and load the latest saved draft."""
    load(get_draft(shared.settings(), st.session_state[accounts.SESSION_USER], draft_id))


def conflict_panel(draft: Draft, user: accounts.User) -> None:
    message, theirs, who = st.session_state[f"editor_conflict_{draft.id}"]
    text_key, _, _ = keys(draft.id)
    mine = st.session_state[text_key]
    st.error(shared.md(message), icon=":material/sync_problem:")
    with st.expander(f"对比：“{shared.md(who)}”保存的版本 → 你的版本", expanded=True):
        st.html(DIFF_CSS + to_html(sentence_diff(theirs, mine)))
    left, right = st.columns(2)
    if left.button("把我的版本另存为新草稿", type="primary", key=f"editor_fork_{draft.id}"):
        copy = create_draft(shared.settings(), user, mine, draft.doc_type)
        st.session_state.pop(f"editor_conflict_{draft.id}", None)
        open_draft(copy.id)
        st.rerun()
    right.button("放弃我的修改，载入最新稿", key=f"editor_theirs_{draft.id}", on_click=take_theirs, args=(draft.id,))


def autosave(draft: Draft, user: accounts.User, text: str) -> None:
    """Save when the text differs from what was last saved; a stale save is refused and reported."""
    _, rev_key, base_key = keys(draft.id)
    if text == st.session_state[base_key] or f"editor_conflict_{draft.id}" in st.session_state:
        return
    try:
        saved = save_draft(shared.settings(), user, draft.id, text, st.session_state[rev_key])
    except StaleDraftError as exc:
        st.session_state[f"editor_conflict_{draft.id}"] = (str(exc), exc.current.text, exc.current.updated_by)
        st.rerun()
    st.session_state[rev_key] = saved.rev
    st.session_state[base_key] = saved.text
    if (saved.doc_id, saved.title, saved.updated_by) != (draft.doc_id, draft.title, draft.updated_by):
        st.rerun()  # the draft picker above shows these: draw it afresh


def edit(draft: Draft, user: accounts.User) -> None:
    s = shared.settings()
    text_key, rev_key, base_key = keys(draft.id)
    if text_key not in st.session_state:
        load(draft)
    elif draft.rev != st.session_state[rev_key] and st.session_state[text_key] == st.session_state[base_key]:
        load(draft)  # someone else saved and I changed nothing: just show their text
    editable = draft.state in EDITABLE and may_change(user, draft)
    kind = TYPE_LABELS.get(draft.doc_type, draft.doc_type)
    origin = f"修订 {draft.target_id} 第 {draft.base_version} 版" if draft.target_id else "新文档"
    header = st.empty()  # filled after the autosave below, so it shows the revision just saved
    if draft.state == STATE_RETURNED:
        st.warning(
            f"审核人“{shared.md(draft.reviewer)}”退回了此稿，修改意见：{shared.md(draft.comment)}",
            icon=":material/undo:",
        )
    if draft.state == STATE_SUBMITTED:
        st.info("已提交审核，等待审核人处理；审核期间不能修改。", icon=":material/hourglass_top:")
    elif draft.state in EDITABLE and not editable:
        st.info(
            f"这是“{shared.md(draft.author)}”的草稿，只有作者本人或审核人员可以修改或作废；"
            "如需在此基础上修改，请把内容复制到自己的新草稿。",
            icon=":material/lock:",
        )
    refused = st.session_state.pop(f"editor_upload_refused_{draft.id}", "")
    if refused:
        st.error(shared.md(refused), icon=":material/error:")
    result = st.session_state.pop(f"editor_upload_result_{draft.id}", None)
    if result:
        problems, note = result
        if note:
            st.warning(note, icon=":material/translate:")
        workflow.show_problems(problems, "上传的文件校验通过")
    if f"editor_conflict_{draft.id}" in st.session_state:
        conflict_panel(draft, user)
    write, view = st.columns(2, gap="medium")
    with write:
        text = st.text_area(
            "Markdown 全文（含 front matter）",
            key=text_key,
            height=560,
            disabled=not editable,
            help="离开输入框或按 Ctrl+Enter 后自动保存并刷新预览",
        )
        if editable:
            autosave(draft, user, text)
            st.caption(f"已自动保存（第 {st.session_state[rev_key]} 稿）")
        buttons = st.columns(3)
        if buttons[0].button("提交审核", type="primary", disabled=not editable, key="editor_submit"):
            try:
                submit(s, user, draft.id)
            except ContentError as exc:
                workflow.show_problems(exc.problems)
            except KBError as exc:
                shared.show_error(exc)
            else:
                st.session_state["editor_flash"] = f"草稿 #{draft.id} 已提交审核"
                st.rerun()
        if buttons[1].button("作废此稿", disabled=not editable, key="editor_discard"):
            discard_draft(s, user, draft.id)
            st.session_state["editor_flash"] = f"草稿 #{draft.id} 已作废（内容仍保存在数据库中）"
            open_draft(None)
            st.rerun()
        if editable:
            with st.expander("用上传的文件替换正文"):
                st.file_uploader("Markdown 文件", key=f"editor_upload_{draft.id}")
                st.button(
                    "替换",
                    key=f"editor_replace_{draft.id}",
                    on_click=replace_from_upload,
                    args=(draft.id, user.name),
                )
    latest = get_draft(s, user, draft.id)
    header.caption(
        shared.md(
            f"草稿 #{latest.id} · {kind} · {origin} · 状态：{latest.state} · 第 {latest.rev} 稿 · "
            f"作者 {latest.author} · 最后保存 {latest.updated_by} {latest.updated_at[:16].replace('T', ' ')}"
        )
    )
    with view:
        preview_tab, check_tab = st.tabs(["预览", "校验"])
        problems = check_text(s, text, draft.doc_type)
        with check_tab:
            workflow.show_problems(problems)
        with preview_tab:
            errors = sum(1 for p in problems if p.severity == "error")
            if errors:
                st.caption(f"校验发现 {errors} 处错误，详见“校验”页签。")
            if len(text) > PREVIEW_MAX_CHARS:
                st.info(
                    f"草稿共 {len(text)} 个字符，超过实时预览的上限（{PREVIEW_MAX_CHARS} 个字符），"
                    "为保证编辑流畅不再显示预览；校验照常进行。",
                    icon=":material/visibility_off:",
                )
            else:
                workflow.preview(text, draft.doc_type)


def main() -> None:
    user = workflow.user_or_stop(accounts.EDIT, "编写")
    s = shared.settings()
    st.title("编写")
    flash = st.session_state.pop("editor_flash", "")
    if flash:
        st.success(flash, icon=":material/check_circle:")
    drafts = list_drafts(s, user, (STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED))
    labels = {d.id: f"{d.label} · {d.state} · {d.updated_by}" for d in drafts}
    try:
        current = int(st.query_params.get("draft", ""))
    except ValueError:
        current = None
    if current is not None and current not in labels:
        try:
            labels[current] = get_draft(s, user, current).label
        except KBError as exc:
            shared.show_error(exc)
            current = None
    options = [0, *labels]
    pick = st.selectbox(
        "草稿",
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda i: "＋ 新建草稿" if i == 0 else labels[i],
        # The browser keeps showing a selected option's old label when only the label changes
        # (an autosave gave the draft its id and title): a new key draws the box afresh.
        key=f"editor_pick_{current}_{zlib.crc32(labels.get(current, '').encode()):08x}",
    )
    if (pick or None) != current:
        open_draft(pick or None)
        st.rerun()
    if current is None:
        new_draft(user)
    else:
        edit(get_draft(s, user, current), user)


main()
