"""登录 / 账号: log in (a session that survives a reload), log out, change one's own password."""

from __future__ import annotations

import streamlit as st

from kb.workflow import accounts, logins, sessions
from ui import auth_cookie, markup, messages, services


def sign_in(user: accounts.User) -> None:
    """Open a server-side session for this tab and have the browser fetch its cookie on the next run."""
    opened = sessions.open_session(services.settings(), user.name)
    logins.start_session(st.session_state, user, session_id=opened.session.id)
    st.session_state[auth_cookie.HANDOFF] = opened.ticket
    st.rerun()


def login_form() -> None:
    st.title("登录")
    if st.session_state.pop(auth_cookie.CLEAR, False):  # just logged out: the browser forgets the cookie
        auth_cookie.clear()
    notice = st.session_state.pop(logins.NOTICE, "")
    if notice:
        st.info(notice, icon=":material/schedule:")
    if services.settings().require_login:
        st.caption("本系统需登录后使用。")
    else:
        st.caption("查阅无需登录；编写、审核发布和管理账号需要登录。账号由管理员分配。")
    with st.form("login_form"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary", icon=":material/login:")
    if submitted:
        # after repeated failures for a name the answer is delayed (kb.workflow.accounts): say why it waits
        with messages.shown_errors() as outcome, st.spinner("正在验证……"):
            user = accounts.authenticate(services.settings(), name, password)
        if outcome.failed:
            return
        sign_in(user)


def hand_over(user: accounts.User) -> bool:
    """Just logged in: the browser takes the cookie, then returns to the page asked for. True when it leaves."""
    ticket = st.session_state.pop(auth_cookie.HANDOFF, None)
    if ticket is None:
        return False
    target = None if user.must_change else st.session_state.pop(auth_cookie.NEXT, None)
    auth_cookie.hand_over(ticket, target)
    if target:
        st.info("已登录，正在返回刚才的页面……", icon=":material/login:")
    return bool(target)


def change_password(user: accounts.User) -> None:
    label = "设置新密码" if user.must_change else "修改密码"
    st.subheader(label)
    with st.form("login_passwd", clear_on_submit=True):
        old = st.text_input("当前密码" if user.must_change else "原密码", type="password")
        new = st.text_input(f"新密码（至少 {accounts.MIN_PASSWORD_CHARS} 个字符，不能是常用密码）", type="password")
        again = st.text_input("再次输入新密码", type="password")
        submitted = st.form_submit_button(label, type="primary" if user.must_change else "secondary")
    if submitted:
        if new != again:
            st.error("两次输入的新密码不一致")
            return
        s = services.settings()
        with messages.shown_errors() as outcome:
            accounts.set_password(s, user.name, new, actor=user, old_password=old)
        if outcome.failed:
            return
        # Every session of the account has ended (kb.workflow.accounts): this tab gets a fresh one.
        st.session_state["login_flash"] = "密码已修改；其他地方的登录已全部失效"
        sign_in(accounts.get_user(s, user.name) or user)


def account_panel(user: accounts.User) -> None:
    if hand_over(user):
        return
    st.title("账号")
    flash = st.session_state.pop("login_flash", "")
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.markdown(f"当前用户：**{markup.md(user.name)}**（{user.role}）")
    if user.must_change:
        st.session_state.pop(logins.NOTICE, None)
        st.warning(logins.MUST_CHANGE_NOTICE, icon=":material/key:")
    if st.button("退出登录", icon=":material/logout:", key="login_logout"):
        logins.end_session(st.session_state, services.settings(), "主动退出")
        st.session_state[auth_cookie.CLEAR] = True
        st.rerun()
    change_password(user)


user = logins.current_user(st.session_state, services.settings())
if user is None:
    login_form()
else:
    account_panel(user)
