"""Accounts: scrypt hashes with per-user salt, roles re-read from the database, lockout, disable, sessions."""

from __future__ import annotations

import time

import pytest

from kb import accounts, audit
from kb.accounts import (
    EDIT,
    REVIEW,
    USERS,
    add_user,
    authenticate,
    current_user,
    get_user,
    hash_password,
    list_users,
    require,
    set_disabled,
    set_password,
    set_role,
    start_session,
    verify_password,
)
from kb.errors import AuthError


def test_hashes_are_scrypt_salted_per_user_and_verify_only_the_right_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct hors", first)
    assert not verify_password("correct horse", "not-a-hash")


def test_the_database_stores_only_the_hash(settings):
    add_user(settings, "林法制", "编辑", "s3cret-pass")
    raw = audit.connect(settings).execute("SELECT password_hash FROM users").fetchone()[0]
    assert raw.startswith("scrypt$") and "s3cret-pass" not in raw
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
    assert (user.name, user.role, user.failures) == ("zhao", "审核", 0)
    assert user.last_login
    assert [e.action for e in audit.read_entries(settings, actor="zhao")] == ["login"]


def test_unknown_user_and_wrong_password_get_the_same_message(settings):
    add_user(settings, "zhao", "审核", "password1")
    with pytest.raises(AuthError) as unknown:
        authenticate(settings, "nobody", "password1")
    with pytest.raises(AuthError) as wrong:
        authenticate(settings, "zhao", "wrong-password")
    assert str(unknown.value) == "用户名或密码错误"
    assert str(wrong.value) == "用户名或密码错误；再错 4 次将锁定 15 分钟"
    actions = [(e.actor, e.action, e.detail) for e in audit.read_entries(settings, action="login_failed")]
    assert actions == [("zhao", "login_failed", "密码错误（第 1 次）"), ("nobody", "login_failed", "用户不存在")]


def test_five_failures_lock_the_account_for_fifteen_minutes(settings):
    add_user(settings, "zhao", "审核", "password1")
    now = 1_000_000.0
    for _ in range(4):
        with pytest.raises(AuthError, match="用户名或密码错误"):
            authenticate(settings, "zhao", "bad-password", now=now)
    with pytest.raises(AuthError, match="连续 5 次密码错误，账号已锁定 15 分钟"):
        authenticate(settings, "zhao", "bad-password", now=now)
    # even the right password is refused while locked
    with pytest.raises(AuthError, match="账号已锁定；请 15 分钟后重试"):
        authenticate(settings, "zhao", "password1", now=now + 1)
    with pytest.raises(AuthError, match="请 1 分钟后重试"):
        authenticate(settings, "zhao", "password1", now=now + 14 * 60 + 30)
    assert get_user(settings, "zhao").locked(now + 60)
    user = authenticate(settings, "zhao", "password1", now=now + 15 * 60 + 1)
    assert user.failures == 0 and not user.locked(now + 15 * 60 + 1)
    assert [e.action for e in audit.read_entries(settings, action="lockout")] == ["lockout"]


def test_the_lockout_policy_comes_from_the_settings(settings):
    strict = settings.with_overrides(lockout_failures=2, lockout_minutes=60)
    add_user(strict, "zhao", "审核", "password1")
    now = 1_000_000.0
    with pytest.raises(AuthError, match="^用户名或密码错误；再错 1 次将锁定 60 分钟$"):
        authenticate(strict, "zhao", "bad-password", now=now)
    with pytest.raises(AuthError, match="^连续 2 次密码错误，账号已锁定 60 分钟$"):
        authenticate(strict, "zhao", "bad-password", now=now)
    with pytest.raises(AuthError, match="请 30 分钟后重试"):
        authenticate(strict, "zhao", "password1", now=now + 30 * 60)
    assert authenticate(strict, "zhao", "password1", now=now + 60 * 60 + 1).name == "zhao"


def test_a_success_resets_the_failure_count(settings):
    add_user(settings, "zhao", "审核", "password1")
    for _ in range(4):
        with pytest.raises(AuthError):
            authenticate(settings, "zhao", "bad-password")
    authenticate(settings, "zhao", "password1")
    with pytest.raises(AuthError, match="再错 4 次"):
        authenticate(settings, "zhao", "bad-password")


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


def test_hashing_takes_real_work():
    started = time.perf_counter()
    hash_password("password1")
    assert time.perf_counter() - started > 0.005  # scrypt, not a fast hash
