"""比武: officers take the exams open to them, once, within the window; the legal section (审核, 管理员) creates
exams and sees the rankings by person and by unit, with CSV and Excel downloads."""

from __future__ import annotations

import streamlit as st

from kb.workflow import logins
from ui import exams, services

st.title("比武")
s = services.settings()
user = logins.current_user(st.session_state, s)
if user is None:
    st.info("比武须登录后参加：在左侧导航的“工作台 → 登录”中输入用户名和密码。", icon=":material/lock:")
    st.stop()
exams.flash()
if user.can(exams.ORGANIZE):
    take, organize, results = st.tabs(["参加比武", "组织比武", "比武成绩"])
    with take:
        exams.render_taking(s, user)
    with organize:
        exams.render_create(s, user)
    with results:
        exams.render_results(s)
else:
    exams.render_taking(s, user)
