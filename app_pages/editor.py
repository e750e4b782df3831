"""编写 (?draft=…): write or upload a guide or case, autosaved to a draft, with live preview and validation."""

from __future__ import annotations

import zlib

import streamlit as st

from kb import roles
from kb.content.catalog import published_documents
from kb.content.diff import DIFF_CSS, sentence_diff, to_html
from kb.content.documents import TYPE_CASE, TYPE_GUIDE
from kb.content.templates import draft_template
from kb.content.vocabulary import type_label
from kb.workflow import accounts
from kb.workflow.drafts import (
    EDITABLE,
    STATE_DRAFT,
    STATE_RETURNED,
    STATE_SUBMITTED,
    Draft,
    check_text,
    create_draft,
    discard_draft,
    get_draft,
    list_drafts,
    may_change,
    submit,
)
from kb.workflow.forms import next_id
from kb.workflow.wordimport import import_file, proposed_note
from ui import drafts, editor_form, markup, messages, services, workflow

TYPES = {TYPE_GUIDE: "办案指引", TYPE_CASE: "精品案例"}
UPLOAD_GUESS = "auto"  # the upload's 文档类型 read from the file (its front matter, or a Word file's headings)
# The preview reruns with every edit. Python-Markdown needs up to ~20 µs a character for text dense
# with markup, so longer drafts are checked but not previewed; the longest bundled document has
# about 4,000 characters.
PREVIEW_MAX_CHARS = 50_000


# -- starting a draft --------------------------------------------------------------------------


def new_draft(user: accounts.User) -> None:
    s = services.settings()
    blank, revise, upload = st.tabs(["新建", "修订已发布文档", "上传 Markdown 或 Word 文件"])
    with blank:
        kind = st.radio("文档类型", list(TYPES), format_func=TYPES.get, horizontal=True, key="editor_new_type")
        doc_id = next_id(s, user, kind)
        st.caption(f"新建的草稿带有全部必填字段的模板，编号为 {doc_id}（今年的下一个编号），请逐项修改。")
        if st.button("新建草稿", type="primary", icon=":material/note_add:", key="editor_new"):
            draft = create_draft(s, user, draft_template(kind, doc_id=next_id(s, user, kind)), kind)
            drafts.open_draft(draft.id)
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
            drafts.open_draft(draft.id)
            st.rerun()
    with upload:
        st.caption(
            "上传 UTF-8 编码的 .md 文件，或 Word 文档（.docx：标题、列表、表格、加粗和脚注都会保留，"
            "并按正文拟出标题、类别、法律依据、印发日期等字段）；无论能否通过校验，内容都会存入草稿，不会丢失。"
            "旧版 .doc 或 WPS 的 .wps 文件请先在 Word / WPS 中选择 文件 → 另存为 → Word 文档(\\*.docx)。"
        )
        kinds = {UPLOAD_GUESS: "按内容判断", **TYPES}
        kind = st.radio("文档类型", list(kinds), format_func=kinds.get, horizontal=True, key="editor_upload_type")
        # No `type=` filter: Streamlit refuses other files in English; import_file does so in Chinese.
        file = st.file_uploader("Markdown 或 Word 文件", key="editor_upload_new")
        if st.button("上传并新建草稿", disabled=file is None, key="editor_upload_go"):
            with messages.shown_errors(icon=":material/error:") as outcome:
                draft, problems, note = import_file(
                    s, user, file.name, file.getvalue(), doc_type=None if kind == UPLOAD_GUESS else kind
                )
            if outcome.failed:
                return
            st.session_state[f"editor_upload_result_{draft.id}"] = (problems, proposed_note(file.name, note))
            drafts.open_draft(draft.id)
            st.rerun()


# -- editing -----------------------------------------------------------------------------------


def conflict_panel(draft: Draft, user: accounts.User) -> None:
    message, theirs, who = st.session_state[f"editor_conflict_{draft.id}"]
    mine = drafts.current_text(draft)
    st.error(markup.md(message), icon=":material/sync_problem:")
    with st.expander(f"对比：“{markup.md(who)}”保存的版本 → 你的版本", expanded=True):
        st.html(DIFF_CSS + to_html(sentence_diff(theirs, mine)))
    left, right = st.columns(2)
    if left.button("把我的版本另存为新草稿", type="primary", key=f"editor_fork_{draft.id}"):
        copy = create_draft(services.settings(), user, mine, draft.doc_type)
        st.session_state.pop(f"editor_conflict_{draft.id}", None)
        drafts.open_draft(copy.id)
        st.rerun()
    right.button(
        "放弃我的修改，载入最新稿", key=f"editor_theirs_{draft.id}", on_click=drafts.take_theirs, args=(draft.id,)
    )


def source_editor(draft: Draft, editable: bool) -> None:
    """源码: the whole Markdown as typed; the numbered view is the 全文（带行号） tab beside it."""
    st.text_area(
        "Markdown 全文（含 front matter）",
        key=drafts.keys(draft.id)[0],
        height=560,
        disabled=not editable,
        help="离开输入框或按 Ctrl+Enter 后自动保存并刷新预览",
    )
    st.caption("校验提示中的“第 N 行”指此处的第 N 行：行号见右侧“全文（带行号）”页签。")


def refresh(draft: Draft) -> None:
    """Load the draft into the editor when its widgets do not hold it, or when only someone else changed it."""
    _, rev_key, _ = drafts.keys(draft.id)
    shown_key = drafts.shown_key(draft.id)
    if not drafts.is_shown(draft.id) or shown_key not in st.session_state:
        drafts.load(draft)
    elif draft.rev != st.session_state[rev_key] and drafts.current_text(draft) == st.session_state[shown_key]:
        drafts.load(draft)  # someone else saved and I changed nothing: just show their text


def notices(draft: Draft, user: accounts.User, editable: bool) -> None:
    """What the draft's state, the last upload and a refused save have to say, above the editor."""
    if draft.state == STATE_RETURNED:
        st.warning(
            f"审核人“{markup.md(draft.reviewer)}”退回了此稿，修改意见：{markup.md(draft.comment)}",
            icon=":material/undo:",
        )
    if draft.state == STATE_SUBMITTED:
        st.info("已提交审核，等待审核人处理；审核期间不能修改。", icon=":material/hourglass_top:")
    elif draft.state in EDITABLE and not editable:
        st.info(
            f"这是“{markup.md(draft.author)}”的草稿，只有作者本人或审核人员可以修改或作废；"
            "如需在此基础上修改，请把内容复制到自己的新草稿。",
            icon=":material/lock:",
        )
    refused = st.session_state.pop(f"editor_upload_refused_{draft.id}", "")
    if refused:
        st.error(markup.md(refused), icon=":material/error:")
    result = st.session_state.pop(f"editor_upload_result_{draft.id}", None)
    if result:
        problems, note = result
        if note:
            st.warning(note, icon=":material/info:")
        workflow.show_problems(problems, "上传的文件校验通过")
    if f"editor_conflict_{draft.id}" in st.session_state:
        conflict_panel(draft, user)


def writer(draft: Draft, user: accounts.User, editable: bool) -> str:
    """编辑方式, the form or the source, and the autosave; returns the text the editor holds."""
    st.radio(
        "编辑方式",
        [drafts.MODE_FORM, drafts.MODE_SOURCE],
        key=drafts.mode_key(draft.id),
        horizontal=True,
        on_change=drafts.switch_mode,
        args=(draft.id, draft.doc_type),
        help="表单：逐项填写，不用写 YAML；源码：直接编辑 Markdown 全文（含 front matter）",
    )
    form_error = st.session_state.get(f"editor_form_error_{draft.id}")
    if form_error and drafts.mode(draft.id) == drafts.MODE_SOURCE:
        st.error(
            f"表单无法显示此稿，已留在源码模式。{markup.md(form_error)}。改正后再切换到表单；文本已保存，不会丢失。",
            icon=":material/edit_note:",
        )
    resend = st.session_state.pop(f"editor_resend_{draft.id}", False)
    if drafts.mode(draft.id) == drafts.MODE_FORM:
        if resend:
            editor_form.resend(draft.id, draft.doc_type)
        editor_form.render(draft.id, draft.doc_type, not editable)
    else:
        source_editor(draft, editable)
    text = drafts.current_text(draft)
    if editable:
        drafts.autosave(draft, user, text)
        st.caption(f"已自动保存（第 {st.session_state[drafts.keys(draft.id)[1]]} 稿）")
    return text


def draft_buttons(draft: Draft, user: accounts.User, editable: bool) -> None:
    """提交审核, 作废此稿 and replacing the text with an uploaded file."""
    s = services.settings()
    buttons = st.columns(3)
    if buttons[0].button("提交审核", type="primary", disabled=not editable, key="editor_submit"):
        with messages.shown_errors(problems=workflow.show_problems) as outcome:
            submit(s, user, draft.id)
        if not outcome.failed:
            st.session_state["editor_flash"] = f"草稿 #{draft.id} 已提交审核"
            drafts.rerun(draft.id)
    if buttons[1].button("作废此稿", disabled=not editable, key="editor_discard"):
        discard_draft(s, user, draft.id)
        st.session_state["editor_flash"] = f"草稿 #{draft.id} 已作废（内容仍保存在数据库中）"
        drafts.open_draft(None)
        st.rerun()
    if editable:
        with st.expander("用上传的文件替换正文"):
            st.file_uploader("Markdown 或 Word 文件", key=f"editor_upload_{draft.id}")
            st.button(
                "替换",
                key=f"editor_replace_{draft.id}",
                on_click=drafts.replace_from_upload,
                args=(draft.id, user.name),
            )


def summary_line(draft: Draft, user: accounts.User) -> str:
    """The line above the editor: the draft as last saved (after this run's autosave)."""
    latest = get_draft(services.settings(), user, draft.id)
    kind = type_label(draft.doc_type)
    origin = f"修订 {draft.target_id} 第 {draft.base_version} 版" if draft.target_id else "新文档"
    return markup.md(
        f"草稿 #{latest.id} · {kind} · {origin} · 状态：{latest.state} · 第 {latest.rev} 稿 · "
        f"作者 {latest.author} · 最后保存 {latest.updated_by} {latest.updated_at[:16].replace('T', ' ')}"
    )


def checks(draft: Draft, text: str) -> None:
    """预览, 校验 and 全文（带行号）: the text as it would be published, its problems, its lines."""
    preview_tab, check_tab, numbered_tab = st.tabs(["预览", "校验", "全文（带行号）"])
    problems = check_text(services.settings(), text, draft.doc_type)
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
    with numbered_tab:
        st.caption("草稿保存和发布时的 Markdown 全文；校验提示中的“第 N 行”即这里的行号。")
        st.code(text, language="markdown", line_numbers=True, wrap_lines=True)


def edit(draft: Draft, user: accounts.User) -> None:
    """One draft: notices, the editor with its buttons on the left, preview and checks on the right."""
    refresh(draft)
    editable = draft.state in EDITABLE and may_change(user, draft)
    header = st.empty()  # filled after the autosave below, so it shows the revision just saved
    notices(draft, user, editable)
    write, view = st.columns(2, gap="medium")
    with write:
        text = writer(draft, user, editable)
        draft_buttons(draft, user, editable)
    header.caption(summary_line(draft, user))
    with view:
        checks(draft, text)


def main() -> None:
    user = workflow.user_or_stop(roles.EDIT, "编写")
    s = services.settings()
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
        with messages.shown_errors() as outcome:
            labels[current] = get_draft(s, user, current).label
        if outcome.failed:
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
        drafts.open_draft(pick or None)
        st.rerun()
    if current is None:
        new_draft(user)
    else:
        edit(get_draft(s, user, current), user)


main()
