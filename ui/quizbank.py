"""题库 page support: the quiz files as table rows, a draft compared line by line, versions as rows, and the
message shown after a change."""

from __future__ import annotations

import streamlit as st

from kb.content.catalog import load_content_taxonomy
from kb.content.diff import DIFF_CSS, line_diff, to_html
from kb.content.quizzes import QUESTION_TYPES, QuestionBank, quiz_files
from kb.settings import Settings
from kb.workflow.quizversions import QuizVersion, quiz_paths_with_history
from kb.workflow.versions import ACTION_LABELS

FLASH = "quizbank_flash"
OPEN = "quizbank_open"  # the draft the 草稿 tab shows next


def file_rows(settings: Settings, bank: QuestionBank) -> list[dict[str, object]]:
    """One row per quiz file: its title and version, its questions by type and by tier, its errors."""
    tiers = load_content_taxonomy(settings).audiences
    banks = {b.path: b for b in bank.banks}
    rows: list[dict[str, object]] = []
    for path in quiz_files(settings.content_dir):
        rel = path.relative_to(settings.content_dir).as_posix()
        found = banks.get(rel)
        questions = found.questions if found else ()
        row: dict[str, object] = {
            "文件": rel,
            "题库名称": found.title if found else "（元数据无法读取）",
            "版本": found.version if found else None,
            "题数": len(questions),
        }
        row.update({kind: sum(q.type == kind for q in questions) for kind in QUESTION_TYPES})
        row.update({tier: sum(tier in q.tiers for q in questions) for tier in tiers})
        row["错误"] = sum(1 for p in bank.errors if p.path == rel)
        rows.append(row)
    return rows


def history_paths(settings: Settings) -> list[str]:
    """Every quiz file there now, and those history knows that have since gone."""
    live = {p.relative_to(settings.content_dir).as_posix() for p in quiz_files(settings.content_dir)}
    return sorted(live | set(quiz_paths_with_history(settings)))


def version_rows(versions: list[QuizVersion]) -> list[dict[str, object]]:
    """A file's versions as table rows, oldest first."""
    return [
        {
            "版本": v.version,
            "操作": ACTION_LABELS.get(v.action, v.action),
            "时间": v.at[:19].replace("T", " ") or "（未记录）",
            "操作人": v.actor or "—",
            "草稿": f"#{v.draft_id}" if v.draft_id else "—",
        }
        for v in versions
    ]


def diff(old: str, new: str) -> None:
    """Two texts compared line by line (a quiz file is read by its lines), long unchanged runs folded."""
    compared = line_diff(old, new)
    st.caption(f"新增 {compared.added} 行，删除 {compared.removed} 行")
    st.html(DIFF_CSS + to_html(compared, context=3))  # enough to see the question a change is in


def take_saved(text_key: str, loaded_key: str, text: str) -> None:
    """Button callback: the editing box drops its text and starts again from the draft as saved meanwhile."""
    st.session_state[text_key] = text
    st.session_state[loaded_key] = text


def flash() -> None:
    """The message left by the previous run's change."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def done(message: str, open_draft: int | None = None) -> None:
    """Say what happened after the rerun (and which draft to show)."""
    st.session_state[FLASH] = message
    if open_draft is not None:
        st.session_state[OPEN] = open_draft
    st.rerun()


def published(message: str) -> None:
    """After a publish: cached results (self-tests and exams draw from the bank) dropped, then `done`."""
    st.cache_data.clear()
    done(message)
