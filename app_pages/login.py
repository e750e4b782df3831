"""登录 / 账号: log in, log out, change one's own password."""

from __future__ import annotations

import streamlit as st

from app_pages import shared
from kb import accounts
from kb.errors import KBError


def login_form() -> None:
    st.title("登录")
    notice = st.session_state.pop("auth_notice", "")
    if notice:
        st.info(notice, icon=":material/schedule:")
    if shared.settings().require_login:
        st.caption("本系统需登录后使用。")
    else:
        st.caption("查阅无需登录；编写、审核发布和管理账号需要登录。账号由管理员分配。")
    with st.form("login_form"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary", icon=":material/login:")
    if submitted:
        try:
            # after repeated failures for a name the answer is delayed (kb.accounts): say why it waits
            with st.spinner("正在验证……"):
                user = accounts.authenticate(shared.settings(), name, password)
        except KBError as exc:
            st.error(shared.md(exc))
            return
        accounts.start_session(st.session_state, user)
        st.rerun()


def account_panel(user: accounts.User) -> None:
    st.title("账号")
    st.markdown(f"当前用户：**{shared.md(user.name)}**（{user.role}）")
    if st.button("退出登录", icon=":material/logout:", key="login_logout"):
        accounts.end_session(st.session_state, shared.settings(), "主动退出")
        st.rerun()
    st.subheader("修改密码")
    with st.form("login_passwd", clear_on_submit=True):
        old = st.text_input("原密码", type="password")
        new = st.text_input("新密码（至少 8 个字符）", type="password")
        again = st.text_input("再次输入新密码", type="password")
        submitted = st.form_submit_button("修改密码")
    if submitted:
        if new != again:
            st.error("两次输入的新密码不一致")
            return
        try:
            accounts.set_password(shared.settings(), user.name, new, actor=user, old_password=old)
        except KBError as exc:
            st.error(shared.md(exc))
            return
        st.success("密码已修改")


user = accounts.current_user(st.session_state, shared.settings())
if user is None:
    login_form()
else:
    account_panel(user)
