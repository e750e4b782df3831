"""Accounts: argon2id hashes upgraded at login, roles re-read from the database, a login slow-down
that locks nobody out, disable, sessions."""

from __future__ import annotations

import base64
import hashlib
import json

import argon2
import pytest

from kb import roles
from kb.errors import AuthError
from kb.roles import EDIT, REVIEW, USERS
from kb.workflow import accounts, audit, database, passwords, sessions
from kb.workflow.accounts import (
    add_user,
    authenticate,
    get_user,
    list_users,
    require,
    set_disabled,
    set_password,
    set_role,
    verify_password,
)
from kb.workflow.logins import current_user, start_session


def legacy_scrypt_hash(password: str, n: int = 2**14) -> str:
    """A hash as earlier versions stored it (scrypt N=2^14, below OWASP's minimum)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored_hash(settings, name: str) -> str:
    return database.connect(settings).execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()[0]


def test_an_old_scrypt_hash_still_logs_in_once_and_is_upgraded_to_argon2id(settings):
    add_user(settings, "zhao", "审核", "horse-staple-1")
    old = legacy_scrypt_hash("horse-staple-1")
    with database.transaction(settings) as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'zhao'", (old,))
    assert passwords.needs_rehash(old)
    with pytest.raises(AuthError, match="^用户名或密码错误$"):
        authenticate(settings, "zhao", "horse-staple-2")
    assert stored_hash(settings, "zhao") == old  # a wrong password changes nothing
    authenticate(settings, "zhao", "horse-staple-1")
    new = stored_hash(settings, "zhao")
    assert new.startswith("$argon2id$") and not passwords.needs_rehash(new)
    assert verify_password("horse-staple-1", new)
    assert audit.read_entries(settings, action="login")[0].detail == "密码哈希已升级"
    authenticate(settings, "zhao", "horse-staple-1")  # the next login finds nothing to upgrade
    assert stored_hash(settings, "zhao") == new
    assert audit.read_entries(settings, action="login")[0].detail == ""


def test_an_argon2_hash_with_weaker_parameters_is_upgraded_at_login(settings):
    add_user(settings, "zhao", "审核", "horse-staple-1")
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("horse-staple-1")
    with database.transaction(settings) as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'zhao'", (weak,))
    authenticate(settings, "zhao", "horse-staple-1")
    assert stored_hash(settings, "zhao").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_database_stores_only_the_hash(settings):
    add_user(settings, "林法制", "编辑", "s3cret-pass")
    raw = database.connect(settings).execute("SELECT password_hash FROM users").fetchone()[0]
    assert raw.startswith("$argon2id$") and "s3cret-pass" not in raw
    assert settings.db_path.read_bytes().find(b"s3cret-pass") == -1


def test_add_user_checks_name_role_password_and_duplicates(settings):
    with pytest.raises(AuthError, match="未知角色“站长”；可选：读者、编辑、审核、管理员"):
        add_user(settings, "a", "站长", "horse-staple-1")
    with pytest.raises(AuthError, match="密码太短；至少 10 个字符"):
        add_user(settings, "a", "编辑", "short")
    with pytest.raises(AuthError, match="用户名“a b”不合法"):
        add_user(settings, "a b", "编辑", "horse-staple-1")
    add_user(settings, "a", "编辑", "horse-staple-1")
    with pytest.raises(AuthError, match="用户“a”已存在"):
        add_user(settings, "a", "审核", "horse-staple-1")


def test_login_succeeds_and_is_audited(settings):
    add_user(settings, "zhao", "审核", "horse-staple-1")
    user = authenticate(settings, "zhao", "horse-staple-1")
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
    add_user(settings, "zhao", "审核", "horse-staple-1")
    with pytest.raises(AuthError) as unknown:
        authenticate(settings, "nobody", "horse-staple-1")
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
    add_user(settings, "zhao", "审核", "horse-staple-1")
    guess(settings, clock, "zhao", 12)  # someone guessing at zhao's password as fast as answers come
    # from the 5th failure in a row on, every answer waits: 1, 2, 4 … seconds, never more than 30
    assert clock.waits == [1, 2, 4, 8, 16, 30, 30]
    clock.waits.clear()
    user = authenticate(settings, "zhao", "horse-staple-1", now=clock.now)  # the owner still gets in
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
    add_user(settings, "zhao", "审核", "horse-staple-1")
    guess(settings, clock, "zhao", 16)
    assert max(clock.waits) == 30
    clock.waits.clear()
    clock.now += 10  # the owner arrives 10 s after the last failure
    assert authenticate(settings, "zhao", "horse-staple-1", now=clock.now).name == "zhao"
    assert clock.waits == [20]


def test_unknown_names_are_slowed_down_alike_so_the_delay_tells_nothing(settings, clock):
    add_user(settings, "zhao", "审核", "horse-staple-1")
    guess(settings, clock, "zhao", 8)
    known = list(clock.waits)
    clock.waits.clear()
    guess(settings, clock, "nobody", 8)
    assert clock.waits == known == [1, 2, 4]


def test_the_delay_policy_comes_from_the_settings(settings, clock):
    strict = settings.with_overrides(lockout_failures=2, lockout_minutes=60)
    add_user(strict, "zhao", "审核", "horse-staple-1")
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
    add_user(settings, "zhao", "审核", "horse-staple-1")
    guess(settings, clock, "zhao", 6)
    set_password(settings, "zhao", "horse-staple-2")
    clock.waits.clear()
    authenticate(settings, "zhao", "horse-staple-2", now=clock.now)
    assert clock.waits == []


def test_a_name_with_undecodable_bytes_is_refused_and_logged_not_a_crash(settings):
    with pytest.raises(AuthError, match="^用户名或密码错误$"):
        authenticate(settings, "zhao\udcff\x1b[2J", "pass\udcffword")  # as argv decodes invalid UTF-8
    entry = audit.read_entries(settings, action="login_failed")[0]
    assert entry.actor == "zhao\ufffd\x1b[2J"


def test_a_disabled_account_cannot_log_in_or_act(settings):
    add_user(settings, "admin", "管理员", "horse-staple-1")
    add_user(settings, "zhao", "审核", "horse-staple-1")
    set_disabled(settings, "zhao", actor="admin")
    with pytest.raises(AuthError, match="用户“zhao”已停用；请联系管理员"):
        authenticate(settings, "zhao", "horse-staple-1")
    with pytest.raises(AuthError, match="已停用"):
        require(settings, "zhao", REVIEW)
    set_disabled(settings, "zhao", False, actor="admin")
    assert require(settings, "zhao", REVIEW).name == "zhao"
    actions = [e.action for e in audit.read_entries(settings, target="zhao")]
    assert actions == ["user_enable", "login_failed", "user_disable", "user_add"]


def test_roles_are_read_from_the_database_not_from_the_caller(settings):
    add_user(settings, "lin", "编辑", "horse-staple-1")
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
        ("审核", {EDIT, REVIEW, roles.AUDIT}),
        ("管理员", {USERS, roles.AUDIT}),
    ],
)
def test_each_role_has_exactly_its_permissions(settings, role, allowed):
    add_user(settings, "u", role, "horse-staple-1")
    for permission in (EDIT, REVIEW, roles.AUDIT, USERS):
        if permission in allowed:
            require(settings, "u", permission)
        else:
            with pytest.raises(AuthError):
                require(settings, "u", permission)


def test_only_admins_manage_users_from_the_app(settings):
    add_user(settings, "admin", "管理员", "horse-staple-1")
    add_user(settings, "zhao", "审核", "horse-staple-1")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        add_user(settings, "x", "审核", "horse-staple-1", actor="zhao")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        set_role(settings, "zhao", "管理员", actor="zhao")
    add_user(settings, "x", "读者", "horse-staple-1", actor="admin")
    set_role(settings, "x", "编辑", actor="admin")
    assert get_user(settings, "x").role == "编辑"
    assert [u.name for u in list_users(settings)] == ["x", "zhao", "admin"]
    with pytest.raises(AuthError, match="不能停用自己的账号"):
        set_disabled(settings, "admin", actor="admin")
    entry = audit.read_entries(settings, action="user_role")[0]
    assert (entry.actor, entry.target, entry.detail) == ("admin", "x", "读者 → 编辑")


def test_password_change_needs_the_old_password_or_an_admin(settings):
    add_user(settings, "lin", "编辑", "horse-staple-1")
    with pytest.raises(AuthError, match="用户名或密码错误"):
        set_password(settings, "lin", "horse-staple-2", actor="lin", old_password="wrong-one")
    set_password(settings, "lin", "horse-staple-2", actor="lin", old_password="horse-staple-1")
    authenticate(settings, "lin", "horse-staple-2")
    with pytest.raises(AuthError, match="没有管理用户权限"):
        set_password(settings, "lin", "horse-staple-3", actor="lin")
    set_password(settings, "lin", "horse-staple-3")  # the operator at the command line
    authenticate(settings, "lin", "horse-staple-3")
    assert [e.actor for e in audit.read_entries(settings, action="user_passwd")] == ["命令行", "lin"]


def test_session_expires_after_thirty_idle_minutes(settings):
    user = add_user(settings, "lin", "编辑", "horse-staple-1")
    state: dict = {}
    start_session(state, user, now=1000.0)
    assert current_user(state, settings, now=1000.0 + 29 * 60).name == "lin"
    assert current_user(state, settings, now=1000.0 + 29 * 60 + 30 * 60 + 1) is None
    assert "auth_user" not in state
    assert state["auth_notice"] == "超过 30 分钟未操作，已自动退出；请重新登录"
    assert audit.read_entries(settings, action="logout")[0].detail == "会话超时"


def test_the_session_timeout_comes_from_the_settings(settings):
    brief = settings.with_overrides(session_timeout_minutes=5)
    user = add_user(brief, "lin", "编辑", "horse-staple-1")
    state: dict = {}
    start_session(state, user, now=1000.0)
    assert current_user(state, brief, now=1000.0 + 4 * 60).name == "lin"
    assert current_user(state, brief, now=1000.0 + 4 * 60 + 5 * 60 + 1) is None
    assert state["auth_notice"] == "超过 5 分钟未操作，已自动退出；请重新登录"


def test_a_session_ends_when_the_account_is_disabled(settings):
    add_user(settings, "admin", "管理员", "horse-staple-1")
    user = add_user(settings, "lin", "编辑", "horse-staple-1")
    state: dict = {}
    start_session(state, user)
    set_disabled(settings, "lin", actor="admin")
    assert current_user(state, settings) is None


# -- account defaults: password rules, the default role, a password set by someone else ---------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "密码太短；至少 10 个字符"),
        ("123456789", "密码太短；至少 10 个字符"),
        ("12345678", "密码太短；至少 10 个字符"),
        ("1234567890", accounts.COMMON_PASSWORD),
        ("Qwertyuiop", accounts.COMMON_PASSWORD),
    ],
)
def test_a_password_needs_ten_characters_and_must_not_be_a_common_one(settings, password, message):
    with pytest.raises(AuthError) as refused:
        add_user(settings, "lin", "编辑", password)
    assert str(refused.value) == message
    assert get_user(settings, "lin") is None
    add_user(settings, "admin", "管理员", "horse-staple-1")
    with pytest.raises(AuthError) as reset:
        set_password(settings, "admin", password)
    assert str(reset.value) == message


def test_ten_uncommon_characters_are_enough(settings):
    assert add_user(settings, "lin", "编辑", "林法制办案专用密码甲").name == "lin"
    authenticate(settings, "lin", "林法制办案专用密码甲")


def test_new_accounts_are_readers_unless_a_role_is_chosen():
    assert roles.DEFAULT_ROLE == "读者"


def test_an_admin_set_password_must_be_changed_by_its_owner(settings):
    add_user(settings, "admin", "管理员", "horse-staple-1")
    created = add_user(settings, "lin", "编辑", "set-by-the-admin", actor="admin", must_change=True)
    assert created.must_change and created.to_json()["must_change"] is True
    assert authenticate(settings, "lin", "set-by-the-admin").must_change  # logs in, to change it
    with pytest.raises(AuthError, match="^新密码不能与原密码相同$"):
        set_password(settings, "lin", "set-by-the-admin", actor="lin", old_password="set-by-the-admin")
    assert get_user(settings, "lin").must_change
    set_password(settings, "lin", "lin-own-choice", actor="lin", old_password="set-by-the-admin")
    assert not get_user(settings, "lin").must_change
    set_password(settings, "lin", "reset-by-the-admin", actor="admin")  # a reset by the 管理员
    assert get_user(settings, "lin").must_change
    set_password(settings, "lin", "lin-second-choice", actor="lin", old_password="reset-by-the-admin")
    set_password(settings, "lin", "reset-at-the-shell")  # the operator at the command line
    assert [u.name for u in list_users(settings) if u.must_change] == ["lin"]
    assert not add_user(settings, "wang", "编辑", "seeded-by-a-script").must_change


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli_run(settings, monkeypatch):
    from click.testing import CliRunner

    from indexer import cli

    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


def test_user_add_makes_a_reader_who_must_change_the_password(cli_run, settings):
    result = cli_run("user", "add", "zhou", "--password-stdin", input="zhou-initial-pw\n")
    assert (result.exit_code, result.output) == (0, f"已新增用户“zhou”（读者）；数据库：{settings.db_path}\n")
    zhou = get_user(settings, "zhou")
    assert (zhou.role, zhou.must_change) == ("读者", True)
    assert cli_run("user", "list").output == "zhou\t读者\t正常\t最近登录：从未登录\t须修改密码\n"
    assert json.loads(cli_run("user", "list", "--json").output)["users"][0]["must_change"] is True
    chosen = cli_run("user", "add", "qian", "--role", "编辑", "--password-stdin", input="qian-initial-pw\n")
    assert chosen.exit_code == 0 and get_user(settings, "qian").role == "编辑"


@pytest.mark.parametrize(
    ("password", "message"),
    [("123456789", "错误：密码太短；至少 10 个字符"), ("1234567890", f"错误：{accounts.COMMON_PASSWORD}")],
)
def test_user_add_and_passwd_refuse_weak_passwords_with_exit_1(cli_run, settings, password, message):
    refused = cli_run("user", "add", "zhou", "--password-stdin", input=password + "\n")
    assert (refused.exit_code, refused.output.strip()) == (1, message)
    assert get_user(settings, "zhou") is None
    cli_run("user", "add", "zhou", "--password-stdin", input="zhou-initial-pw\n")
    reset = cli_run("user", "passwd", "zhou", "--password-stdin", input=password + "\n")
    assert (reset.exit_code, reset.output.strip()) == (1, message)


def test_user_passwd_ends_the_logins_and_asks_for_a_change(cli_run, settings):
    add_user(settings, "lin", "编辑", "lin-password")
    sessions.open_session(settings, "lin")
    result = cli_run("user", "passwd", "lin", "--password-stdin", input="reset-at-the-shell\n")
    assert (result.exit_code, result.output) == (0, "已修改用户“lin”的密码；其登录已全部失效，下次登录后须修改密码\n")
    assert get_user(settings, "lin").must_change
    assert sessions.user_sessions(settings, "lin") == []
