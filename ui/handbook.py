"""The 下载 button of a printed handbook (执法宝典 PDF), its contents checked and its PDF cached per index version."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.errors import KBError
from kb.rendering.handbook import Selection, plan_handbook, print_handbook
from kb.rendering.pdf import check_engine
from kb.settings import Settings
from ui.markup import md
from ui.services import index_version, settings


@st.cache_data(max_entries=16, show_spinner=False)
def _count(s: Settings, version: str, selection: Selection) -> int | str:
    """How many documents the handbook holds, or the Chinese message why it cannot be made (checked here:
    the download itself could only show Streamlit's own English error)."""
    try:
        check_engine()
        return len(plan_handbook(s, selection).documents)
    except KBError as exc:
        return str(exc)


@st.cache_data(max_entries=8, show_spinner=False)
def _pdf(s: Settings, version: str, selection: Selection, day: date) -> bytes:
    # Per index version (a publish changes it) and per day, so that the printed date is never a day old.
    return print_handbook(s, selection).data


def download_button(selection: Selection, label: str, key: str) -> None:
    """A download button for the selection's handbook; a caption instead when it would hold nothing."""
    s = settings()
    version = index_version(s)
    found = _count(s, version, selection)
    if isinstance(found, str):
        st.caption(f"无法生成 PDF：{md(found)}")
        return
    if not found:
        st.caption("当前选择没有可打印的现行文档。")
        return
    # The PDF is made when the button is clicked (st.download_button runs a callable then): a handbook of
    # a hundred pages takes seconds, which a page that is only being read should not wait for.
    st.download_button(
        label,
        data=lambda: _pdf(s, version, selection, date.today()),
        file_name=f"{selection.cover_title()}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        key=key,
        help=f"收录 {found} 篇，含封面、目录和引用法条附录；每页注明打印时间",
    )
