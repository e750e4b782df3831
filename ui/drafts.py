"""The editor's draft in the session: its keys, form or source mode, loading, autosave and upload."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.workflow import accounts, logins
from kb.workflow.drafts import Draft, StaleDraftError, get_draft, save_draft
from kb.workflow.forms import FormError, read_form, write_form
from kb.workflow.wordimport import import_file, proposed_note
from ui import editor_form, services

MODE_FORM, MODE_SOURCE = "表单", "源码"


def open_draft(draft_id: int | None) -> None:
    """Show draft `draft_id` (None: the start tabs) through the URL's ?draft=."""
    if draft_id is None:
        st.query_params.pop("draft", None)
    else:
        st.query_params["draft"] = str(draft_id)


def keys(draft_id: int) -> tuple[str, str, str]:
    """Session keys: the source text area, the revision it is based on, the text last saved or loaded."""
    return f"editor_text_{draft_id}", f"editor_rev_{draft_id}", f"editor_base_{draft_id}"


def mode_key(draft_id: int) -> str:
    """Session key of the draft's 编辑方式 (表单 / 源码)."""
    return f"editor_mode_{draft_id}"


def shown_key(draft_id: int) -> str:
    """The text the editor made of the last text saved or loaded: autosave saves only what differs from it."""
    return f"editor_shown_{draft_id}"


def mode(draft_id: int) -> str:
    """The draft's 编辑方式: 表单 unless 源码 was chosen or forced."""
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
    """Put a saved draft into the editor, noting its revision and text."""
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


def replace_from_upload(draft_id: int, user_name: str) -> None:
    """Button callback (runs before the widgets, so it may set the text area)."""
    file = st.session_state.get(f"editor_upload_{draft_id}")
    # Callbacks run before the page checks the session: an idle-timed-out click does nothing
    # (the page then asks to log in again).
    if file is None or logins.current_user(st.session_state, services.settings()) is None:
        return
    text_key, rev_key, _ = keys(draft_id)
    s = services.settings()
    try:
        draft, problems, note = import_file(
            s, user_name, file.name, file.getvalue(), draft_id=draft_id, expected_rev=st.session_state[rev_key]
        )
    except StaleDraftError as exc:
        st.session_state[f"editor_conflict_{draft_id}"] = (str(exc), exc.current.text, exc.current.updated_by)
        return
    except KBError as exc:  # not Markdown nor a readable .docx: shown by the page, the draft is untouched
        st.session_state[f"editor_upload_refused_{draft_id}"] = str(exc)
        return
    load(draft)
    st.session_state[f"editor_upload_result_{draft_id}"] = (problems, proposed_note(file.name, note))


def take_theirs(draft_id: int) -> None:
    """Button callback: drop my unsaved text and load the latest saved draft."""
    load(get_draft(services.settings(), st.session_state[logins.SESSION_USER], draft_id))


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
            saved = save_draft(services.settings(), user, draft.id, text, rev)
        except StaleDraftError as exc:
            if interrupted is None or (exc.current.text, exc.current.updated_by) != (interrupted, user.name):
                raise
            saved = save_draft(services.settings(), user, draft.id, text, exc.current.rev)  # on top of our own
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
