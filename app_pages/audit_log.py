"""审计日志: who did what and when (审核 and 管理员), filterable, downloadable as CSV; below it the content backup."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb import roles
from kb.workflow import audit, database
from ui import backup, services, workflow

LIMIT = 5000

user = workflow.user_or_stop(roles.AUDIT, "审计日志")
st.title("审计日志")
st.caption(
    "登录、失败登录、保存、提交、退回、发布、替代、撤回、账号变更和内容备份的导出与恢复都会记录，记录只能追加、不能修改。"
)
s = services.settings()
left, right = st.columns(2)
actor = left.text_input("用户", key="audit_user", placeholder="全部用户")
labels = {"": "全部操作", **audit.ACTIONS}
action = right.selectbox("操作", list(labels), format_func=labels.get, key="audit_action")
entries = audit.read_entries(s, actor=actor.strip() or None, action=action or None, limit=LIMIT)
st.caption(f"共 {len(entries)} 条" + (f"（只显示最新 {LIMIT} 条）" if len(entries) == LIMIT else ""))
st.dataframe(
    [
        {
            "时间": e.at[:19].replace("T", " "),
            # what was typed at a failed login, control characters shown as escapes
            "用户": database.visible(e.actor),
            "操作": e.label,
            "对象": database.visible(e.target),
            "说明": database.visible(e.detail),
        }
        for e in entries
    ],
    hide_index=True,
    width="stretch",
)
st.download_button(
    "下载 CSV",
    data=audit.export_csv(entries),
    file_name=f"审计日志-{date.today().isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="audit_csv",
)
backup.section(s, user)
