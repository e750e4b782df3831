"""Accounts: argon2id hashes upgraded at login, roles re-read from the database, a login slow-down
that locks nobody out, disable, sessions."""

from __future__ import annotations

import base64
import hashlib

import argon2
import pytest

from kb import accounts, audit, passwords
from kb.accounts import (
    EDIT,
    REVIEW,
    USERS,
    add_user,
    authenticate,
    current_user,
    get_user,
    list_users,
    require,
    set_disabled,
    set_password,
    set_role,
    start_session,
    verify_password,
)
from kb.errors import AuthError


def legacy_scrypt_hash(password: str, n: int = 2**14) -> str:
    """A hash as earlier versions stored it (scrypt N=2^14, below OWASP's minimum)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored_hash(settings, name: str) -> str:
    return audit.connect(settings).execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()[0]


def test_an_old_scrypt_hash_still_logs_in_once_and_is_upgraded_to_argon2id(settings):
    add_user(settings, "zhao", "审核", "password1")
    old = legacy_scrypt_hash("password1")
    with audit.transaction(settings) as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'zhao'", (old,))
    assert passwords.needs_rehash(old)
    with pytest.raises(AuthError, match="^用户名或密码错误$"):
        authenticate(settings, "zhao", "password2")
    assert stored_hash(settings, "zhao") == old  # a wrong password changes nothing
    authenticate(settings, "zhao", "password1")
    new = stored_hash(settings, "zhao")
    assert new.startswith("$argon2id$") and not passwords.needs_rehash(new)
    assert verify_password("password1", new)
    assert audit.read_entries(settings, action="login")[0].detail == "密码哈希已升级"
    authenticate(settings, "zhao", "password1")  # the next login finds nothing to upgrade
    assert stored_hash(settings, "zhao") == new
    assert audit.read_entries(settings, action="login")[0].detail == ""


def test_an_argon2_hash_with_weaker_parameters_is_upgraded_at_login(settings):
    add_user(settings, "zhao", "审核", "password1")
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("password1")
    with audit.transaction(settings) as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'zhao'", (weak,))
    authenticate(settings, "zhao", "password1")
    assert stored_hash(settings, "zhao").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_database_stores_only_the_hash(settings):
    add_user(settings, "林法制", "编辑", "s3cret-pass")
    raw = audit.connect(settings).execute("SELECT password_hash FROM users").fetchone()[0]
    assert raw.startswith("$argon2id$") and "s3cret-pass" not in raw
    assert settings.db_path.read_bytes().find(b"s3cret-pass") == -1


def test_add_user_checks_name_role_password_and_duplicates(settings):
    with pytest.raises(AuthError, match="未知角色“站长”；可选：读者、编辑、审核、管理员"):
        add_user(settings, "a", "站长", "password1")
    with pytest.raises(AuthError, match="密码太短；至少 8 个字符"):
        add_user(settings, "a", "编辑", "short")
    with pytest.raises(AuthError, match="用户名“a b”不合法"):
        add_user(settings, "a b", "编辑", "password1")
    add_user(settings, "a", "编辑", "password1")
    with pytest.raises(AuthError, match="用户“a”已存在"):
        add_user(settings, "a", "审核", "password1")


def test_login_succeeds_and_is_audited(settings):
    add_user(settings, "zhao", "审核", "password1")
    user = authenticate(settings, "zhao", "password1")
    assert (user.name, user.role) == ("zhao", "审核")
    assert user.last_login
    assert [e.action for e in audit.read_entries(settings, actor="zhao")] == ["login"]


class Clock:
    """Stands in for time in authenticate(): `now` to pass in, and the waits it asked for."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(accounts, "_sleep", fake.sleep)
    # these tests count attempts, not hashing work: a cheap argon2 keeps dozens of logins quick
    monkeypatch.setattr(passwords, "HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(passwords, "_DUMMY_HASH", None)
    return fake


def test_unknown_user_and_wrong_password_get_the_same_message(settings):
    add_user(settings, "zhao", "审核", "password1")
    with pytest.raises(AuthError) as unknown:
        authenticate(settings, "nobody", "password1")
    with pytest.raises(AuthError) as wrong:
        authenticate(settings, "zhao", "wrong-password")
    assert str(unknown.value) == str(wrong.value) == "用户名或密码错误"
    actions = [(e.actor, e.action, e.detail) for e in audit.read_entries(settings, action="login_failed")]
    assert actions == [
        ("zhao", "login_failed", "密码错误（连续第 1 次）"),
        ("nobody", "login_failed", "用户不存在（连续第 1 次）"),
    ]


def guess(settings, clock: Clock, name: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthError, match="^用户名或密码错误$"):
            authenticate(settings, name, "bad-password", now=clock.now)


def test_failures_never_lock_the_account_they_slow_its_answers_down(settings, clock):
    add_user(settings, "zhao", "审核", "password1")
    guess(settings, clock, "zhao", 12)  # someone guessing at zhao's password as fast as answers come
    # from the 5th failure in a row on, every answer waits: 1, 2, 4 … seconds, never more than 30
    assert clock.waits == [1, 2, 4, 8, 16, 30, 30]
    clock.waits.clear()
    user = authenticate(settings, "zhao", "password1", now=clock.now)  # the owner still gets in
    assert user.name == "zhao" and clock.waits == [30]
    [lockout] = audit.read_entries(settings, action="lockout")
    assert (lockout.label, lockout.detail) == (
        "登录延迟",
        "连续 5 次登录失败；此后该用户名每次登录延迟应答（最长 30 秒）",
    )
    clock.waits.clear()
    guess(settings, clock, "zhao", 4)  # a success starts the count afresh
    assert clock.waits == []


def test_an_answer_is_never_delayed_beyond_thirty_seconds(settings, clock):
    add_user(settings, "zhao", "审核", "password1")
    guess(settings, clock, "zhao", 16)
    assert max(clock.waits) == 30
    clock.waits.clear()
    clock.now += 10  # the owner arrives 10 s after the last failure
    assert authenticate(settings, "zhao", "password1", now=clock.now).name == "zhao"
    assert clock.waits == [20]


def test_unknown_names_are_slowed_down_alike_so_the_delay_tells_nothing(settings, clock):
    add_user(settings, "zhao", "审核", "password1")
    guess(settings, clock, "zhao", 8)
    known = list(clock.waits)
    clock.waits.clear()
    guess(settings, clock, "nobody", 8)
    assert clock.waits == known == [1, 2, 4]


def test_the_delay_policy_comes_from_the_settings(settings, clock):
    strict = settings.with_overrides(lockout_failures=2, lockout_minutes=60)
    add_user(strict, "zhao", "审核", "password1")
    guess(strict, clock, "zhao", 4)
    assert clock.waits == [1, 2]
    clock.waits.clear()
    clock.now += 59 * 60  # within the hour the failures are remembered
    guess(strict, clock, "zhao", 1)
    assert clock.waits == []  # the delay has passed, but the count goes on
    guess(strict, clock, "zhao", 1)
    assert clock.waits == [8]
    clock.waits.clear()
    clock.now += 60 * 60 + 1  # an hour after the last failure it is forgotten
    guess(strict, clock, "zhao", 2)
    assert clock.waits == []


def test_a_new_password_clears_the_failures(settings, clock):
    add_user(settings, "zhao", "审核", "password1")
    guess(settings, clock, "zhao", 6)
    set_password(settings, "zhao", "password2")
    clock.waits.clear()
    authenticate(settings, "zhao", "password2", now=clock.now)
    assert clock.waits == []


def test_a_name_with_undecodable_bytes_is_refused_and_logged_not_a_crash(settings):
    with pytest.raises(AuthError, match="^用户名或密码错误$"):
        authenticate(settings, "zhao\udcff\x1b[2J", "pass\udcffword")  # as argv decodes invalid UTF-8
    entry = audit.read_entries(settings, action="login_failed")[0]
    assert entry.actor == "zhao\ufffd\x1b[2J"


def test_a_disabled_account_cannot_log_in_or_act(settings):
    add_user(settings, "admin", "管理员", "password1")
    add_user(settings, "zhao", "审核", "password1")
    set_disabled(settings, "zhao", actor="admin")
    with pytest.raises(AuthError, match="用户“zhao”已停用；请联系管理员"):
        authenticate(settings, "zhao", "password1")
    with pytest.raises(AuthError, match="已停用"):
        require(settings, "zhao", REVIEW)
    set_disabled(settings, "zhao", False, actor="admin")
    assert require(settings, "zhao", REVIEW).name == "zhao"
    actions = [e.action for e in audit.read_entries(settings, target="zhao")]
    assert actions == ["user_enable", "login_failed", "user_disable", "user_add"]


def test_roles_are_read_from_the_database_not_from_the_caller(settings):
    add_user(settings, "lin", "编辑", "password1")
    forged = accounts.User(name="lin", role="审核")  # a caller claiming a role it does not have
    assert forged.can(REVIEW)
    with pytest.raises(AuthError, match="用户“lin”（编辑）没有审核发布权限；需要“审核”角色"):
        require(settings, forged, REVIEW)
    denied = audit.read_entries(settings, action="denied")[0]
    assert (denied.actor, denied.detail) == ("lin", "编辑试图审核发布")
    with pytest.raises(AuthError, match="请先登录"):
        require(settings, None, EDIT)
    with pytest.raises(AuthError, match="用户“ghost”不存在"):
        require(settings, "ghost", EDIT)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("读者", set()),
        ("编辑", {EDIT}),
        ("审核", {EDIT, REVIEW, accounts.AUDIT}),
        ("管理员", {USERS, accounts.AUDIT}),
    ],
)
def test_each_role_has_exactly_its_permissions(settings, role, allowed):
    add_user(settings, "u", role, "password1")
    for permission in (EDIT, REVIEW, accounts.AUDIT, USERS):
        if permission in allowed:
            require(settings, "u", permission)
        else:
            with pytest.raises(AuthError):
                require(settings, "u", permission)


def test_only_admins_manage_users_from_the_app(settings):
    add_user(settings, "admin", "管理员", "password1")
    add_user(settings, "zhao", "审核", "password1")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        add_user(settings, "x", "审核", "password1", actor="zhao")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        set_role(settings, "zhao", "管理员", actor="zhao")
    add_user(settings, "x", "读者", "password1", actor="admin")
    set_role(settings, "x", "编辑", actor="admin")
    assert get_user(settings, "x").role == "编辑"
    assert [u.name for u in list_users(settings)] == ["x", "zhao", "admin"]
    with pytest.raises(AuthError, match="不能停用自己的账号"):
        set_disabled(settings, "admin", actor="admin")
    entry = audit.read_entries(settings, action="user_role")[0]
    assert (entry.actor, entry.target, entry.detail) == ("admin", "x", "读者 → 编辑")


def test_password_change_needs_the_old_password_or_an_admin(settings):
    add_user(settings, "lin", "编辑", "password1")
    with pytest.raises(AuthError, match="用户名或密码错误"):
        set_password(settings, "lin", "password2", actor="lin", old_password="wrong-one")
    set_password(settings, "lin", "password2", actor="lin", old_password="password1")
    authenticate(settings, "lin", "password2")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        set_password(settings, "lin", "password3", actor="lin")
    set_password(settings, "lin", "password3")  # the operator at the command line
    authenticate(settings, "lin", "password3")
    assert [e.actor for e in audit.read_entries(settings, action="user_passwd")] == ["命令行", "lin"]


def test_session_expires_after_thirty_idle_minutes(settings):
    user = add_user(settings, "lin", "编辑", "password1")
    state: dict = {}
    start_session(state, user, now=1000.0)
    assert current_user(state, settings, now=1000.0 + 29 * 60).name == "lin"
    assert current_user(state, settings, now=1000.0 + 29 * 60 + 30 * 60 + 1) is None
    assert "auth_user" not in state
    assert state["auth_notice"] == "超过 30 分钟未操作，已自动退出；请重新登录"
    assert audit.read_entries(settings, action="logout")[0].detail == "会话超时"


def test_the_session_timeout_comes_from_the_settings(settings):
    brief = settings.with_overrides(session_timeout_minutes=5)
    user = add_user(brief, "lin", "编辑", "password1")
    state: dict = {}
    start_session(state, user, now=1000.0)
    assert current_user(state, brief, now=1000.0 + 4 * 60).name == "lin"
    assert current_user(state, brief, now=1000.0 + 4 * 60 + 5 * 60 + 1) is None
    assert state["auth_notice"] == "超过 5 分钟未操作，已自动退出；请重新登录"


def test_a_session_ends_when_the_account_is_disabled(settings):
    add_user(settings, "admin", "管理员", "password1")
    user = add_user(settings, "lin", "编辑", "password1")
    state: dict = {}
    start_session(state, user)
    set_disabled(settings, "lin", actor="admin")
    assert current_user(state, settings) is None
