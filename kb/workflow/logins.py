"""A browser tab's login: who is logged in, and when that login ends (idle, revoked, over)."""

from __future__ import annotations

import time
from collections.abc import MutableMapping

from kb.settings import Settings
from kb.workflow import audit
from kb.workflow.accounts import User, get_user
from kb.workflow.sessions import SESSION_HOURS, Session, find, find_by_token, revoke, touch

# -- a tab's login (a mapping such as st.session_state; no UI imports here) -----------------------
#
# A login is a server-side session (above) whose token the browser keeps in a cookie, so that
# a reload, a bookmark or a new tab is still logged in. A tab's state (the mapping) remembers the
# user and the session's id: the tab's first page view resolves the cookie, later ones check that
# the session still exists (logging out, a password or role change and disabling the account end
# it at once) and is not idle. A user in the state without a session id is a login of that tab
# alone (how the app's tests log in), checked the same way but for the cookie.

SESSION_USER, SESSION_SEEN, SESSION_ID = "auth_user", "auth_seen", "auth_session"
NOTICE = "auth_notice"  # what the login page says first
RELOGIN = "auth_relogin"  # set when a tab's login ended under it (timed out, revoked): log in again, then return
TOUCH_SECONDS = 1.0  # a session's last_seen is written at most this often (a page view asks several times)
MUST_CHANGE_NOTICE = "管理员为你设置的密码须先修改：请设置自己的新密码，修改后才能使用其他功能。"
REVOKED = "登录已失效：已在别处退出，或密码、角色、账号状态有变更；请重新登录"


def start_session(state: MutableMapping, user: User, now: float | None = None, session_id: str | None = None) -> None:
    """Remember a logged-in user (and the id of their server-side session, if any) in a tab's state."""
    state[SESSION_USER] = user.name
    state[SESSION_SEEN] = time.time() if now is None else now
    if session_id:
        state[SESSION_ID] = session_id
    else:
        state.pop(SESSION_ID, None)


def _forget(state: MutableMapping) -> None:
    for key in (SESSION_USER, SESSION_SEEN, SESSION_ID):
        state.pop(key, None)


def end_session(state: MutableMapping, settings: Settings | None = None, reason: str = "") -> None:
    """Forget the tab's user and end its server-side session (and log it when settings are given)."""
    name, session_id = state.get(SESSION_USER), state.get(SESSION_ID)
    _forget(state)
    if settings is not None:
        if session_id:
            revoke(settings, session_id)
        if name:
            audit.log(settings, name, "logout", name, reason)


def session_expired(last_seen: float, timeout: float, now: float | None = None) -> bool:
    """True when a session has been idle longer than `timeout` seconds."""
    return (time.time() if now is None else now) - last_seen > timeout


def _time_out(state: MutableMapping, settings: Settings, session: Session | None, timeout: float, now: float) -> None:
    """End a session found idle or over, and leave the login page its notice."""
    name = session.user if session is not None else state.get(SESSION_USER, "")
    for session_id in {session.id if session else None, state.get(SESSION_ID)} - {None}:
        revoke(settings, session_id)
    _forget(state)
    if session is not None and session.over(now):
        state[NOTICE] = f"登录已超过 {SESSION_HOURS} 小时，已自动退出；请重新登录"
    else:
        state[NOTICE] = f"超过 {int(timeout // 60)} 分钟未操作，已自动退出；请重新登录"
    state[RELOGIN] = True
    audit.log(settings, name, "logout", name, "会话超时")


def _confirm(state: MutableMapping, settings: Settings, name: str, session: Session | None, now: float) -> User | None:
    """The account behind a live login, re-read; None (and the login ended) when it is gone or disabled."""
    user = get_user(settings, name)
    if user is None or user.disabled:
        if session is not None:
            revoke(settings, session.id)
        _forget(state)
        audit.log(settings, name, "logout", name, "账号已停用" if user else "账号不存在")
        return None
    start_session(state, user, now, session.id if session else None)
    if session is not None and now - session.last_seen >= TOUCH_SECONDS:
        touch(settings, session.id, now)
    return user


def current_user(
    state: MutableMapping,
    settings: Settings,
    now: float | None = None,
    timeout: float | None = None,
    token: str | None = None,
) -> User | None:
    """The logged-in user, re-read from the database, or None.

    `token` is the browser's session cookie, used when the tab has no live login of its own (its
    first page view, or after it was idle: another tab may have kept the session in use). A
    session idle longer than `timeout` seconds (default: the settings' session_timeout_minutes)
    or past its absolute end is ended with a notice, and so is a tab idle that long with no cookie
    to vouch for it; a session revoked meanwhile also asks to log in again.
    """
    now = time.time() if now is None else now
    timeout = settings.session_timeout_minutes * 60 if timeout is None else timeout
    name = state.get(SESSION_USER)
    idle_tab = bool(name) and session_expired(state.get(SESSION_SEEN, 0.0), timeout, now)
    if name and not idle_tab:
        session_id = state.get(SESSION_ID)
        if not session_id:
            return _confirm(state, settings, name, None, now)
        session = find(settings, session_id)
        if session is None:  # logged out in another tab, password or role changed, account disabled
            _forget(state)
            state[NOTICE], state[RELOGIN] = REVOKED, True
            return None
        if session.idle(now, timeout) or session.over(now):
            return _time_out(state, settings, session, timeout, now)
        return _confirm(state, settings, name, session, now)
    session = find_by_token(settings, token) if token else None
    if session is not None:
        if session.idle(now, timeout) or session.over(now):
            return _time_out(state, settings, session, timeout, now)
        return _confirm(state, settings, session.user, session, now)
    if idle_tab:
        return _time_out(state, settings, None, timeout, now)
    return None
