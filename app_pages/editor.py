"""编写 (?draft=…): write or upload a guide or case, autosaved to a draft, with live preview and validation."""

from __future__ import annotations

import zlib

import streamlit as st

from app_pages import editor_form, shared, workflow
from kb import roles
from kb.content.catalog import published_documents
from kb.content.diff import DIFF_CSS, sentence_diff, to_html
from kb.content.documents import TYPE_CASE, TYPE_GUIDE, TYPE_LABELS
from kb.content.templates import draft_template
from kb.errors import ContentError, KBError
from kb.workflow import accounts, logins
from kb.workflow.drafts import (
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
from kb.workflow.forms import FormError, next_id, read_form, write_form

TYPES = {TYPE_GUIDE: "办案指引", TYPE_CASE: "精品案例"}
# The preview reruns with every edit. Python-Markdown needs up to ~20 µs a character for text dense
# with markup, so longer drafts are checked but not previewed; the longest bundled document has
# about 4,000 characters.
PREVIEW_MAX_CHARS = 50_000
MODE_FORM, MODE_SOURCE = "表单", "源码"


def open_draft(draft_id: int | None) -> None:
    if draft_id is None:
        st.query_params.pop("draft", None)
    else:
        st.query_params["draft"] = str(draft_id)


def keys(draft_id: int) -> tuple[str, str, str]:
    """Session keys: the source text area, the revision it is based on, the text last saved or loaded."""
    return f"editor_text_{draft_id}", f"editor_rev_{draft_id}", f"editor_base_{draft_id}"


def mode_key(draft_id: int) -> str:
    return f"editor_mode_{draft_id}"


def shown_key(draft_id: int) -> str:
    """The text the editor made of the last text saved or loaded: autosave saves only what differs from it."""
    return f"editor_shown_{draft_id}"


def mode(draft_id: int) -> str:
    return st.session_state.get(mode_key(draft_id), MODE_FORM)


def is_shown(draft_id: int) -> bool:
    """Whether this draft's widgets hold it (they are dropped when another draft or page was shown)."""
    if mode(draft_id) == MODE_FORM:
        return editor_form.is_filled(draft_id)
    return keys(draft_id)[0] in st.session_state


def current_text(draft: Draft) -> str:
    """The Markdown the editor holds now: written from the form, or the source as typed."""
    if mode(draft.id) == MODE_FORM:
        return write_form(editor_form.current(draft.id, draft.doc_type))
    return st.session_state.get(keys(draft.id)[0], "")


def show(draft_id: int, doc_type: str, text: str) -> None:
    """Put a text into the editor: into the form when it can hold all of it, else into 源码 saying why."""
    text_key, _, _ = keys(draft_id)
    if mode(draft_id) == MODE_FORM:
        try:
            form = read_form(text, doc_type)
        except FormError as exc:
            st.session_state[mode_key(draft_id)] = MODE_SOURCE
            st.session_state[f"editor_form_error_{draft_id}"] = str(exc)
        else:
            editor_form.fill(draft_id, form)
            st.session_state[shown_key(draft_id)] = write_form(form)
            return
    st.session_state[text_key] = text
    st.session_state[shown_key(draft_id)] = text


def load(draft: Draft) -> None:
    _, rev_key, base_key = keys(draft.id)
    st.session_state[rev_key] = draft.rev
    st.session_state[base_key] = draft.text
    st.session_state.pop(f"editor_conflict_{draft.id}", None)
    show(draft.id, draft.doc_type, draft.text)


def switch_mode(draft_id: int, doc_type: str) -> None:
    """Mode callback: carry the text over to the other mode; a text the form cannot hold stays in 源码."""
    text_key, _, base_key = keys(draft_id)
    base, shown = st.session_state[base_key], st.session_state.get(shown_key(draft_id), "")
    st.session_state.pop(f"editor_form_error_{draft_id}", None)
    if mode(draft_id) == MODE_SOURCE:  # from the form: unchanged, it shows the text as saved
        written = write_form(editor_form.current(draft_id, doc_type))
        st.session_state[text_key] = base if written == shown else written
        st.session_state[shown_key(draft_id)] = base
        return
    text = st.session_state.get(text_key, base)
    try:
        form = read_form(text, doc_type)
    except FormError as exc:
        st.session_state[mode_key(draft_id)] = MODE_SOURCE
        st.session_state[f"editor_form_error_{draft_id}"] = str(exc)
        return
    editor_form.fill(draft_id, form)
    # Unchanged, the form's own writing of the text is not a change to save.
    st.session_state[shown_key(draft_id)] = write_form(form) if text == shown else base


# -- starting a draft --------------------------------------------------------------------------


def new_draft(user: accounts.User) -> None:
    s = shared.settings()
    blank, revise, upload = st.tabs(["新建", "修订已发布文档", "上传 Markdown 文件"])
    with blank:
        kind = st.radio("文档类型", list(TYPES), format_func=TYPES.get, horizontal=True, key="editor_new_type")
        doc_id = next_id(s, user, kind)
        st.caption(f"新建的草稿带有全部必填字段的模板，编号为 {doc_id}（今年的下一个编号），请逐项修改。")
        if st.button("新建草稿", type="primary", icon=":material/note_add:", key="editor_new"):
            draft = create_draft(s, user, draft_template(kind, doc_id=next_id(s, user, kind)), kind)
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
    if file is None or logins.current_user(st.session_state, shared.settings()) is None:
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
    load(get_draft(shared.settings(), st.session_state[logins.SESSION_USER], draft_id))


def conflict_panel(draft: Draft, user: accounts.User) -> None:
    message, theirs, who = st.session_state[f"editor_conflict_{draft.id}"]
    mine = current_text(draft)
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


def rerun(draft_id: int) -> None:
    """Rerun the page, sending the form's pick lists again in the next run (editor_form.resend)."""
    st.session_state[f"editor_resend_{draft_id}"] = True
    st.rerun()


def autosave(draft: Draft, user: accounts.User, text: str) -> None:
    """Save when the text differs from what was last saved or loaded; a stale save is refused and reported."""
    _, rev_key, base_key = keys(draft.id)
    if text == st.session_state[shown_key(draft.id)] or f"editor_conflict_{draft.id}" in st.session_state:
        return
    # A run can be stopped by the next interaction after its save landed but before it noted the new
    # revision; the next save would then conflict with this very session's own text. The text each
    # save attempts is kept until the save is noted, so that case is told apart from someone else's edit.
    pending_key = f"editor_pending_{draft.id}"
    interrupted = st.session_state.get(pending_key)
    st.session_state[pending_key] = text
    rev = st.session_state[rev_key]
    try:
        try:
            saved = save_draft(shared.settings(), user, draft.id, text, rev)
        except StaleDraftError as exc:
            if interrupted is None or (exc.current.text, exc.current.updated_by) != (interrupted, user.name):
                raise
            saved = save_draft(shared.settings(), user, draft.id, text, exc.current.rev)  # on top of our own
    except StaleDraftError as exc:
        st.session_state.pop(pending_key, None)
        st.session_state[f"editor_conflict_{draft.id}"] = (str(exc), exc.current.text, exc.current.updated_by)
        rerun(draft.id)
    st.session_state.pop(pending_key, None)
    st.session_state[rev_key] = saved.rev
    st.session_state[base_key] = saved.text
    st.session_state[shown_key(draft.id)] = saved.text
    if (saved.doc_id, saved.title, saved.updated_by) != (draft.doc_id, draft.title, draft.updated_by):
        rerun(draft.id)  # the draft picker above shows these: draw it afresh


def source_editor(draft: Draft, editable: bool) -> None:
    """源码: the whole Markdown as typed; the numbered view is the 全文（带行号） tab beside it."""
    st.text_area(
        "Markdown 全文（含 front matter）",
        key=keys(draft.id)[0],
        height=560,
        disabled=not editable,
        help="离开输入框或按 Ctrl+Enter 后自动保存并刷新预览",
    )
    st.caption("校验提示中的“第 N 行”指此处的第 N 行：行号见右侧“全文（带行号）”页签。")


def edit(draft: Draft, user: accounts.User) -> None:
    s = shared.settings()
    _, rev_key, _ = keys(draft.id)
    if not is_shown(draft.id) or shown_key(draft.id) not in st.session_state:
        load(draft)
    elif draft.rev != st.session_state[rev_key] and current_text(draft) == st.session_state[shown_key(draft.id)]:
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
        st.radio(
            "编辑方式",
            [MODE_FORM, MODE_SOURCE],
            key=mode_key(draft.id),
            horizontal=True,
            on_change=switch_mode,
            args=(draft.id, draft.doc_type),
            help="表单：逐项填写，不用写 YAML；源码：直接编辑 Markdown 全文（含 front matter）",
        )
        form_error = st.session_state.get(f"editor_form_error_{draft.id}")
        if form_error and mode(draft.id) == MODE_SOURCE:
            st.error(
                f"表单无法显示此稿，已留在源码模式。{shared.md(form_error)}。改正后再切换到表单；文本已保存，不会丢失。",
                icon=":material/edit_note:",
            )
        resend = st.session_state.pop(f"editor_resend_{draft.id}", False)
        if mode(draft.id) == MODE_FORM:
            if resend:
                editor_form.resend(draft.id, draft.doc_type)
            editor_form.render(draft.id, draft.doc_type, not editable)
        else:
            source_editor(draft, editable)
        text = current_text(draft)
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
                rerun(draft.id)
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
        preview_tab, check_tab, numbered_tab = st.tabs(["预览", "校验", "全文（带行号）"])
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
        with numbered_tab:
            st.caption("草稿保存和发布时的 Markdown 全文；校验提示中的“第 N 行”即这里的行号。")
            st.code(text, language="markdown", line_numbers=True, wrap_lines=True)


def main() -> None:
    user = workflow.user_or_stop(roles.EDIT, "编写")
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
