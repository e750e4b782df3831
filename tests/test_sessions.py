"""Server-side sessions: only hashes stored, one-time tickets, idle and absolute expiry, revocation;
the cookie routes; the login page handing the cookie over and returning to the page asked for."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from kb.errors import AuthError
from kb.search.index import build_index
from kb.workflow import accounts, audit, database, logins, sessions
from kb.workflow.logins import NOTICE, RELOGIN, REVOKED, SESSION_ID, SESSION_SEEN, SESSION_USER, current_user
from kb.workflow.sessions import SESSION_HOURS, TICKET_SECONDS, digest, open_session, redeem_ticket
from ui import auth_cookie

try:
    from tests.app_fixtures import make_content
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content

T0 = 1_000_000.0
MINUTE = 60.0


@pytest.fixture
def people(settings):
    for name, role in (("lin", "编辑"), ("wang", "编辑"), ("admin", "管理员")):
        accounts.add_user(settings, name, role, f"{name}-password")
    return settings


def logged_in(settings, name: str = "lin", now: float = T0) -> str:
    """A login as the browser ends up with it: the cookie's token."""
    return redeem_ticket(settings, open_session(settings, name, now=now).ticket, now=now)


def columns(settings) -> list[dict]:
    return [dict(r) for r in database.connect(settings).execute("SELECT * FROM sessions")]


# -- the store ---------------------------------------------------------------------------------


def test_only_hashes_of_the_ticket_and_the_token_are_stored(people):
    opened = open_session(people, "lin", now=T0)
    [row] = columns(people)
    assert row["ticket_hash"] == digest(opened.ticket) and row["token_hash"] is None
    assert (row["user"], row["created"], row["last_seen"]) == ("lin", T0, T0)
    assert row["expires"] == T0 + SESSION_HOURS * 3600
    token = redeem_ticket(people, opened.ticket, now=T0 + 1)
    [row] = columns(people)
    assert row["token_hash"] == digest(token) and row["ticket_hash"] is None
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    files = [people.db_path, people.db_path.with_name(people.db_path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert token.encode() not in raw and opened.ticket.encode() not in raw


def test_a_ticket_is_exchanged_once_and_only_while_fresh(people):
    opened = open_session(people, "lin", now=T0)
    redeem_ticket(people, opened.ticket, now=T0)
    with pytest.raises(AuthError, match="^登录凭据已失效；请重新登录$"):
        redeem_ticket(people, opened.ticket, now=T0)
    late = open_session(people, "lin", now=T0)
    with pytest.raises(AuthError, match="^登录凭据已失效；请重新登录$"):
        redeem_ticket(people, late.ticket, now=T0 + TICKET_SECONDS + 1)
    with pytest.raises(AuthError, match="^登录凭据已失效；请重新登录$"):
        redeem_ticket(people, "made-up", now=T0)


def test_the_cookie_finds_the_user_and_binds_the_tab(people):
    token = logged_in(people)
    state: dict = {}
    user = current_user(state, people, now=T0 + 5, token=token)
    assert (user.name, user.role) == ("lin", "编辑")
    [session] = sessions.user_sessions(people, "lin")
    assert state == {SESSION_USER: "lin", SESSION_SEEN: T0 + 5, SESSION_ID: session.id}
    assert session.last_seen == T0 + 5
    assert current_user({}, people, now=T0 + 5, token="a-token-never-issued") is None


def test_a_reload_after_the_idle_timeout_asks_to_log_in_again(people):
    brief = people.with_overrides(session_timeout_minutes=5)
    token = logged_in(brief)
    assert current_user({}, brief, now=T0 + 5 * MINUTE, token=token).name == "lin"  # a reload within 5 minutes
    state: dict = {}
    assert current_user(state, brief, now=T0 + 10 * MINUTE + 1, token=token) is None
    assert state == {NOTICE: "超过 5 分钟未操作，已自动退出；请重新登录", RELOGIN: True}
    assert sessions.user_sessions(brief, "lin") == []  # ended, not just refused
    entry = audit.read_entries(brief, action="logout")[0]
    assert (entry.actor, entry.detail) == ("lin", "会话超时")


def test_an_open_tab_idle_past_the_timeout_asks_to_log_in_again(people):
    token = logged_in(people)
    state: dict = {}
    current_user(state, people, now=T0, token=token)
    assert current_user(state, people, now=T0 + 30 * MINUTE + 1, token=token) is None
    assert state[NOTICE] == "超过 30 分钟未操作，已自动退出；请重新登录"
    assert state.pop(RELOGIN) is True


def test_a_tab_idle_while_another_tab_kept_the_session_in_use_stays_logged_in(people):
    token = logged_in(people)
    idle_tab, busy_tab = {}, {}
    current_user(idle_tab, people, now=T0, token=token)
    current_user(busy_tab, people, now=T0, token=token)
    for minute in range(10, 41, 10):
        assert current_user(busy_tab, people, now=T0 + minute * MINUTE, token=token).name == "lin"
    assert current_user(idle_tab, people, now=T0 + 40 * MINUTE + 5, token=token).name == "lin"
    assert NOTICE not in idle_tab


def test_a_tab_idle_with_no_cookie_times_out_and_ends_its_session(people):
    opened = open_session(people, "lin", now=T0)  # the browser never fetched its cookie
    state: dict = {}
    logins.start_session(state, accounts.get_user(people, "lin"), now=T0, session_id=opened.session.id)
    assert current_user(state, people, now=T0 + 29 * MINUTE).name == "lin"
    assert current_user(state, people, now=T0 + 60 * MINUTE) is None
    assert state[NOTICE] == "超过 30 分钟未操作，已自动退出；请重新登录"
    assert sessions.find(people, opened.session.id) is None


def test_a_session_ends_after_its_working_day_however_active(people):
    token = logged_in(people)
    state: dict = {}
    hour = 60 * MINUTE
    for n in range(1, SESSION_HOURS * 4):
        assert current_user(state, people, now=T0 + n * hour / 4, token=token).name == "lin"
    assert current_user(state, people, now=T0 + SESSION_HOURS * hour, token=token) is None
    assert state[NOTICE] == f"登录已超过 {SESSION_HOURS} 小时，已自动退出；请重新登录"


def test_logging_out_ends_the_session_for_every_tab(people):
    token = logged_in(people)
    tab, other_tab = {}, {}
    current_user(tab, people, now=T0, token=token)
    current_user(other_tab, people, now=T0, token=token)
    logins.end_session(tab, people, "主动退出")
    assert tab == {}
    assert sessions.find_by_token(people, token) is None
    assert current_user({}, people, now=T0 + 1, token=token) is None  # the cookie replayed
    assert current_user(other_tab, people, now=T0 + 1, token=token) is None
    assert other_tab == {NOTICE: REVOKED, RELOGIN: True}
    entry = audit.read_entries(people, action="logout")[0]
    assert (entry.actor, entry.detail) == ("lin", "主动退出")


def test_a_password_change_ends_every_session_of_that_user_only(people):
    first, second, other = logged_in(people), logged_in(people), logged_in(people, "wang")
    accounts.set_password(people, "lin", "lin-new-password", actor="lin", old_password="lin-password")
    assert [sessions.find_by_token(people, t) for t in (first, second)] == [None, None]
    assert sessions.find_by_token(people, other).user == "wang"
    third = logged_in(people)
    accounts.set_password(people, "lin", "set-by-the-admin", actor="admin")
    assert sessions.find_by_token(people, third) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda s: accounts.set_disabled(s, "lin", actor="admin"),
        lambda s: accounts.set_role(s, "lin", "审核", actor="admin"),
    ],
    ids=["disabled", "role"],
)
def test_disabling_the_account_or_changing_its_role_ends_its_sessions(people, change):
    token = logged_in(people)
    state: dict = {}
    current_user(state, people, now=T0, token=token)
    change(people)
    assert sessions.user_sessions(people, "lin") == []
    assert current_user(state, people, now=T0 + 1, token=token) is None
    assert state[NOTICE] == REVOKED


def test_setting_the_same_role_again_keeps_the_sessions(people):
    logged_in(people)
    accounts.set_role(people, "lin", "编辑", actor="admin")
    assert len(sessions.user_sessions(people, "lin")) == 1


def test_a_new_session_forgets_sessions_dead_for_a_day(people):
    logged_in(people, now=T0)
    logged_in(people, "wang", now=T0 + 25 * 60 * MINUTE)
    assert sessions.user_sessions(people, "lin") == []


# -- the cookie routes -------------------------------------------------------------------------


def call(handler, headers: dict[str, str], body: bytes = b"", cookie: str = "", scheme: str = "http"):
    """Run a route handler on a POST with these headers (no server needed)."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if cookie:
        raw.append((b"cookie", f"{auth_cookie.COOKIE}={cookie}".encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/auth/session",
        "query_string": b"",
        "headers": raw,
        "server": ("127.0.0.1", 8501),
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(handler(Request(scope, receive)))


SAME_SITE = {"Sec-Fetch-Site": "same-origin", "Host": "127.0.0.1:8501"}


@pytest.fixture
def served(people, monkeypatch):
    monkeypatch.setattr(auth_cookie, "load_settings", lambda: people)
    return people


def test_the_route_exchanges_a_ticket_for_an_httponly_strict_cookie(served):
    ticket = open_session(served, "lin").ticket
    response = call(auth_cookie.start, SAME_SITE, ticket.encode())
    assert response.status_code == 204
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    name, token = cookie.split(";")[0].split("=", 1)
    assert name == "casekb_session" and sessions.find_by_token(served, token).user == "lin"
    assert sorted(p.strip() for p in cookie.split(";")[1:]) == ["HttpOnly", "Path=/", "SameSite=strict"]
    again = call(auth_cookie.start, SAME_SITE, ticket.encode())
    assert (again.status_code, again.body.decode()) == (403, "登录凭据已失效；请重新登录")
    assert "set-cookie" not in again.headers


def test_the_cookie_is_secure_when_the_browser_used_https_directly_or_through_the_proxy(served):
    proxied = {**SAME_SITE, "X-Forwarded-Proto": "https"}
    for headers, scheme in ((proxied, "http"), (SAME_SITE, "https")):
        response = call(auth_cookie.start, headers, open_session(served, "lin").ticket.encode(), scheme=scheme)
        assert "Secure" in [p.strip() for p in response.headers["set-cookie"].split(";")]


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:8501", "Host": "127.0.0.1:8501"}, False),
        ({"Sec-Fetch-Site": "same-site", "Host": "127.0.0.1:8501"}, False),
        ({"Origin": "http://evil.example", "Host": "127.0.0.1:8501"}, False),
        ({"Host": "127.0.0.1:8501"}, False),  # neither header: not a browser page of ours
        ({"Origin": "http://127.0.0.1:8501", "Host": "127.0.0.1:8501"}, True),
        ({"Origin": "https://kb.gaj.local", "Host": "127.0.0.1:8501", "X-Forwarded-Host": "kb.gaj.local"}, True),
    ],
    ids=["cross-site", "same-site", "other-origin", "no-origin", "origin", "behind-proxy"],
)
def test_the_routes_refuse_requests_from_other_sites(served, headers, allowed):
    token = logged_in(served, now=time.time())
    response = call(auth_cookie.start, headers, open_session(served, "lin").ticket.encode())
    assert response.status_code == (204 if allowed else 403)
    logout = call(auth_cookie.end, headers, cookie=token)
    assert logout.status_code == (204 if allowed else 403)
    if not allowed:
        assert logout.body.decode() == "拒绝：请求来自其他网站"
        assert sessions.find_by_token(served, token) is not None  # a forged logout ends nothing


def test_the_logout_route_ends_the_session_and_clears_the_cookie(served):
    token = logged_in(served, now=time.time())
    response = call(auth_cookie.end, SAME_SITE, cookie=token)
    assert response.status_code == 204
    assert sessions.find_by_token(served, token) is None
    cookie = response.headers["set-cookie"]
    assert cookie.startswith('casekb_session="";') and "Max-Age=0" in cookie and "HttpOnly" in cookie


def test_the_routes_follow_the_base_url_path():
    assert [r.path for r in auth_cookie.routes("")] == ["/auth/session", "/auth/session/end"]
    assert [r.path for r in auth_cookie.routes("/casekb/")] == ["/casekb/auth/session", "/casekb/auth/session/end"]


# -- the login page ----------------------------------------------------------------------------

TIMEOUT = 60  # the first run loads jieba's dictionary


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("sessions-app")
    content = make_content(root)
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_CONTENT", str(content))
    mp.setenv("KB_INDEX", str(root / "index"))
    mp.setenv("KB_DB", str(root / "unused.sqlite3"))
    from kb.settings import load_settings

    build_index(load_settings())
    mp.undo()
    return root


@pytest.fixture
def app_env(built, tmp_path, monkeypatch):
    """The app over the built index, with a fresh database of its own."""
    from kb.settings import load_settings

    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_DB", str(tmp_path / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    for name in ("KB_LAWS", "KB_REQUIRE_LOGIN", "KB_SESSION_TIMEOUT_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    accounts.add_user(settings, "admin", "管理员", "admin-password")
    return settings


def check(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def visit(at: AppTest, page: str, **params: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py")
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in params.items():
        at.query_params[key] = value
    return check(at.run())


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    visit(at, "login")
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return check(at.run())


def handoff(at: AppTest) -> str:
    [script] = [h.value for h in at.html if "auth/session" in h.value]
    return script


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_logging_in_hands_the_browser_a_ticket_and_returns_to_the_page_asked_for(app_env):
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    visit(at, "document", id="G-2024-901")  # where the user was before choosing 登录
    log_in(at, "lin", "lin-password")
    [session] = sessions.user_sessions(app_env, "lin")
    assert at.session_state[SESSION_ID] == session.id
    script = handoff(at)
    assert 'fetch("auth/session"' in script and 'const next = "doc?id=G-2024-901"' in script
    [ticket] = [part.split('"')[1] for part in script.split("body: ")[1:]]
    assert digest(ticket) == columns(app_env)[0]["ticket_hash"]
    assert texts(at.info) == ["已登录，正在返回刚才的页面……"]
    assert "当前用户：lin（编辑）" in texts(at.sidebar.caption)


def test_a_login_from_the_login_page_itself_stays_there(app_env):
    at = check(AppTest.from_file("../app_pages/login.py", default_timeout=TIMEOUT).run())  # opened as /login
    at.text_input(key="login_name").input("lin")
    at.text_input(key="login_password").input("lin-password")
    at.button[0].click()
    check(at.run())
    assert "const next = null" in handoff(at)
    assert texts(at.title) == ["账号"]


def test_an_idle_tab_is_sent_to_log_in_and_told_why(app_env):
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    log_in(at, "lin", "lin-password")
    at.session_state[SESSION_SEEN] = time.time() - 31 * MINUTE
    with database.transaction(app_env) as con:
        con.execute("UPDATE sessions SET last_seen = last_seen - 31 * 60")
    visit(at, "editor")
    assert texts(at.title) == ["登录"]
    assert texts(at.info) == ["超过 30 分钟未操作，已自动退出；请重新登录"]
    assert at.session_state[auth_cookie.NEXT] == "editor"
    assert sessions.user_sessions(app_env, "lin") == []


def test_logging_out_ends_the_session_and_has_the_browser_drop_the_cookie(app_env):
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    log_in(at, "lin", "lin-password")
    visit(at, "login")
    at.button(key="login_logout").click()
    check(at.run())
    assert sessions.user_sessions(app_env, "lin") == []
    assert [h.value for h in at.html if 'fetch("auth/session/end"' in h.value]
    assert texts(at.title) == ["登录"]


def test_an_admin_set_password_must_be_changed_before_anything_else(app_env):
    accounts.set_password(app_env, "lin", "set-by-the-admin", actor="admin")
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    log_in(at, "lin", "set-by-the-admin")
    visit(at, "editor")
    assert texts(at.title) == ["账号"]
    assert texts(at.warning) == [logins.MUST_CHANGE_NOTICE]
    assert not [b for b in at.button if b.label == "新建草稿"]
    visit(at, "login")  # where the browser now is (AppTest stays on the page it was sent to)
    form = at.text_input
    form[0].input("set-by-the-admin")
    form[1].input("set-by-the-admin")
    form[2].input("set-by-the-admin")
    at.button(key="FormSubmitter:login_passwd-设置新密码").click()
    check(at.run())
    assert texts(at.error) == ["新密码不能与原密码相同"]
    form = at.text_input
    form[0].input("set-by-the-admin")
    form[1].input("lin-own-choice")
    form[2].input("lin-own-choice")
    at.button(key="FormSubmitter:login_passwd-设置新密码").click()
    check(at.run())
    assert not accounts.get_user(app_env, "lin").must_change
    assert 'const next = "editor"' in handoff(at)  # back to the page asked for
    assert [s.id for s in sessions.user_sessions(app_env, "lin")] == [at.session_state[SESSION_ID]]
    visit(at, "editor")
    assert texts(at.title) == ["编写"]


def test_the_users_page_makes_readers_who_change_their_password_first(app_env):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.session_state[SESSION_USER] = "admin"
    at.session_state[SESSION_SEEN] = time.time()
    check(at.run())
    visit(at, "users")
    assert at.selectbox[0].value == "读者"
    form = at.text_input
    form[0].input("zhou")
    form[1].input("zhou-initial-pw")
    form[2].input("zhou-initial-pw")
    at.button[0].click()
    check(at.run())
    assert texts(at.success) == ["已新增用户“zhou”（读者）"]
    zhou = accounts.get_user(app_env, "zhou")
    assert (zhou.role, zhou.must_change) == ("读者", True)
    assert at.dataframe[0].value.set_index("用户名").loc["zhou", "状态"] == "须修改密码"
