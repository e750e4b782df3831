"""内容备份 on the 审计日志 page: the export download (审核, 管理员) and the confirmed restore upload (管理员)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.roles import ROLE_ADMIN
from kb.search.index import repair_index
from kb.settings import Settings
from kb.workflow import archive, restore
from kb.workflow.accounts import User
from ui import messages, workflow

MODE_LABELS = {
    restore.EMPTY_ONLY: "只恢复到空的内容目录",
    restore.OVERWRITE: "覆盖：同名文件换成备份中的，其他文件保留",
    restore.REPLACE: "替换：与备份完全一致，删除备份中没有的文件",
}


def section(s: Settings, user: User) -> None:
    """The 内容备份 section: the export for everyone on the page, the restore for a 管理员."""
    st.subheader("内容备份")
    export_button(s, user)
    restore_form(s, user)


def export_button(s: Settings, user: User) -> None:
    """The download of every published document as a zip; made (and audited) when clicked."""
    st.download_button(
        "导出全部已发布内容（zip）",
        data=lambda: archive.export_content(s, user).data,  # not at every rerun of the page
        file_name=f"内容备份-{date.today().isoformat()}.zip",
        mime="application/zip",
        icon=":material/archive:",
        key="backup_export",
        help="全部已发布的指引和案例原样打包，附清单（每个文件的校验值），用于备份或迁移；导出记入审计日志",
    )


def restore_form(s: Settings, user: User) -> None:
    """For a 管理员: upload a backup, choose how to treat existing documents, confirm, restore, re-index."""
    if user.role != ROLE_ADMIN:
        return
    with st.expander("从备份恢复（管理员）", icon=":material/settings_backup_restore:"):
        st.caption("先完整校验备份（清单、校验值、路径、大小），有任何问题则一个文件也不写；恢复记入审计日志。")
        upload = st.file_uploader("备份文件（zip）", type=["zip"], key="backup_upload")
        mode = st.radio("内容目录已有文档时", list(MODE_LABELS), format_func=MODE_LABELS.get, key="backup_mode")
        sure = st.checkbox("我已确认：恢复会修改已发布内容", key="backup_sure")
        if not st.button("恢复", type="primary", disabled=upload is None or not sure, key="backup_restore"):
            return
        with messages.shown_errors() as outcome:
            result = restore.restore_content(s, user, upload.getvalue(), upload.name, mode)
        if outcome.failed:
            return
        with st.spinner("正在更新索引…"), messages.shown_errors() as indexed:
            repair_index(s)
        workflow.clear_caches()
        note = "索引未能更新，见上方说明" if indexed.failed else "索引已更新"
        st.success(f"{result.summary}；{note}", icon=":material/check_circle:")
