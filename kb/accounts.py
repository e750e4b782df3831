"""Users and roles (读者 / 编辑 / 审核 / 管理员): scrypt password hashes, lockout, sessions, permission checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import MutableMapping
from contextlib import closing
from dataclasses import dataclass

from kb import audit
from kb.errors import AuthError
from kb.settings import Settings

ROLE_READER, ROLE_EDITOR, ROLE_REVIEWER, ROLE_ADMIN = "读者", "编辑", "审核", "管理员"
ROLES = (ROLE_READER, ROLE_EDITOR, ROLE_REVIEWER, ROLE_ADMIN)

# What each role may do. 审核 (法制大队) also writes drafts; 管理员 manages users but does not publish,
# so publishing always needs a reviewer's account.
READ, EDIT, REVIEW, AUDIT, USERS = "read", "edit", "review", "audit", "users"
PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_READER: frozenset({READ}),
    ROLE_EDITOR: frozenset({READ, EDIT}),
    ROLE_REVIEWER: frozenset({READ, EDIT, REVIEW, AUDIT}),
    ROLE_ADMIN: frozenset({READ, AUDIT, USERS}),
}
PERMISSION_NAMES = {
    READ: "查阅",
    EDIT: "编写草稿",
    REVIEW: "审核发布",
    AUDIT: "查看审计日志",
    USERS: "管理用户",
}

MIN_PASSWORD_CHARS = 8
NAME_PATTERN = re.compile(r"^[^\s/\\:*?\"<>|]{1,32}$")
COMMAND_LINE = "命令行"  # actor recorded when the local operator manages users from the shell

# scrypt cost: ~50 ms and 16 MB per check; stored with each hash so it can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024

audit.register_schema(
    """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login TEXT NOT NULL DEFAULT ''
);
"""
)


@dataclass(frozen=True)
class User:
    """An account as stored (without its password hash)."""

    name: str
    role: str
    disabled: bool = False
    failures: int = 0
    locked_until: float = 0.0
    created_at: str = ""
    last_login: str = ""

    def can(self, permission: str) -> bool:
        """True when the account is enabled and its role grants the permission."""
        return not self.disabled and permission in PERMISSIONS.get(self.role, frozenset())

    def locked(self, now: float | None = None) -> bool:
        return self.locked_until > (time.time() if now is None else now)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "disabled": self.disabled,
            "locked_until": self.locked_until,
            "created_at": self.created_at,
            "last_login": self.last_login,
        }


# -- password hashing --------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """Return `scrypt$N$r$p$salt$hash` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Check a password against a stored hash in constant time."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(expected)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


_DUMMY_HASH: str | None = None


def _burn_time(password: str) -> None:
    """Spend as long as a real check, so unknown names cannot be told apart by timing."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    verify_password(password, _DUMMY_HASH)


# -- checks ------------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """Return the cleaned user name or raise AuthError saying what is allowed."""
    name = (name or "").strip()
    if not NAME_PATTERN.match(name):
        raise AuthError(f'用户名“{name}”不合法；须为 1–32 个字符，不含空格和 / \\ : * ? " < > |')
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"未知角色“{role}”；可选：{'、'.join(ROLES)}")
    return role


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise AuthError(f"密码太短；至少 {MIN_PASSWORD_CHARS} 个字符")


def _user(row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        failures=row["failures"],
        locked_until=row["locked_until"],
        created_at=row["created_at"],
        last_login=row["last_login"],
    )


def get_user(settings: Settings, name: str) -> User | None:
    """Return the account, or None when there is none by that name."""
    with closing(audit.connect(settings)) as con:
        row = con.execute("SELECT * FROM users WHERE name = ?", ((name or "").strip(),)).fetchone()
    return _user(row) if row else None


def list_users(settings: Settings) -> list[User]:
    """Every account, by role then name."""
    with closing(audit.connect(settings)) as con:
        users = [_user(r) for r in con.execute("SELECT * FROM users")]
    return sorted(users, key=lambda u: (ROLES.index(u.role) if u.role in ROLES else len(ROLES), u.name))


def require(settings: Settings, actor: User | str | None, permission: str) -> User:
    """Re-read the actor from the database and check it may do `permission`; raise AuthError if not.

    The role passed in by a caller is never trusted: a page or script cannot grant itself rights.
    """
    name = actor.name if isinstance(actor, User) else actor
    if not name:
        raise AuthError(f"请先登录；{PERMISSION_NAMES[permission]}需要登录")
    user = get_user(settings, name)
    if user is None:
        raise AuthError(f"用户“{name}”不存在")
    if user.disabled:
        audit.log(settings, name, "denied", "", f"账号已停用，试图{PERMISSION_NAMES[permission]}")
        raise AuthError(f"用户“{name}”已停用；请联系管理员")
    if not user.can(permission):
        # refusals are audited too: an attempt beyond one's role is what 执法监督 wants to see
        audit.log(settings, name, "denied", "", f"{user.role}试图{PERMISSION_NAMES[permission]}")
        roles = "或".join(f"“{r}”" for r in ROLES if permission in PERMISSIONS[r])
        raise AuthError(f"用户“{name}”（{user.role}）没有{PERMISSION_NAMES[permission]}权限；需要{roles}角色")
    return user


def _operator(settings: Settings, actor: User | str | None) -> str:
    """Who manages users: an admin account, or None for the local operator at the command line."""
    if actor is None:
        return COMMAND_LINE
    return require(settings, actor, USERS).name


# -- user management ---------------------------------------------------------------------------


def add_user(settings: Settings, name: str, role: str, password: str, actor: User | str | None = None) -> User:
    """Create an account; `actor` None means the local operator (the command line creates the first admin)."""
    name, role = check_name(name), check_role(role)
    check_password(password)
    by = _operator(settings, actor)
    hashed = hash_password(password)
    with audit.transaction(settings) as con:
        if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise AuthError(f"用户“{name}”已存在；修改密码请用 user passwd")
        con.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (name, role, hashed, audit.now_text()),
        )
        audit.record(con, by, "user_add", name, f"角色：{role}")
    return get_user(settings, name)  # type: ignore[return-value]


def set_password(
    settings: Settings, name: str, password: str, actor: User | str | None = None, old_password: str | None = None
) -> None:
    """Change a password: an admin or the operator for anyone, a user for themselves with the old password."""
    check_password(password)
    actor_name = actor.name if isinstance(actor, User) else actor
    if actor_name is not None and actor_name == name and old_password is not None:
        authenticate(settings, name, old_password, record_login=False)
        by = name
    else:
        by = _operator(settings, actor)
    hashed = hash_password(password)
    with audit.transaction(settings) as con:
        changed = con.execute(
            "UPDATE users SET password_hash = ?, failures = 0, locked_until = 0 WHERE name = ?", (hashed, name)
        ).rowcount
        if not changed:
            raise AuthError(f"用户“{name}”不存在")
        audit.record(con, by, "user_passwd", name)


def set_disabled(settings: Settings, name: str, disabled: bool = True, actor: User | str | None = None) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in or act."""
    by = _operator(settings, actor)
    if disabled and by == name:
        raise AuthError("不能停用自己的账号")
    with audit.transaction(settings) as con:
        changed = con.execute(
            "UPDATE users SET disabled = ?, failures = 0, locked_until = 0 WHERE name = ?", (int(disabled), name)
        ).rowcount
        if not changed:
            raise AuthError(f"用户“{name}”不存在")
        audit.record(con, by, "user_disable" if disabled else "user_enable", name)


def set_role(settings: Settings, name: str, role: str, actor: User | str | None = None) -> None:
    """Change an account's role."""
    role = check_role(role)
    by = _operator(settings, actor)
    if by == name and role != ROLE_ADMIN:
        raise AuthError("不能取消自己的管理员角色")
    with audit.transaction(settings) as con:
        row = con.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AuthError(f"用户“{name}”不存在")
        con.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        audit.record(con, by, "user_role", name, f"{row['role']} → {role}")


# -- logging in --------------------------------------------------------------------------------


def _minutes(seconds: float) -> int:
    return max(1, int(-(-seconds // 60)))


def authenticate(
    settings: Settings, name: str, password: str, now: float | None = None, record_login: bool = True
) -> User:
    """Check a name and password; count failures and lock the account for
    `settings.lockout_minutes` after `settings.lockout_failures` wrong passwords in a row.

    Raises AuthError with the same message for an unknown name and a wrong password.
    """
    now = time.time() if now is None else now
    name = (name or "").strip()
    wrong = "用户名或密码错误"
    most, lock_minutes = settings.lockout_failures, settings.lockout_minutes
    with closing(audit.connect(settings)) as con:
        row = con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        _burn_time(password or "")
        audit.log(settings, name, "login_failed", name, "用户不存在")
        raise AuthError(wrong)
    user = _user(row)
    if user.locked(now):
        audit.log(settings, name, "login_failed", name, "账号锁定中")
        raise AuthError(f"连续 {most} 次密码错误，账号已锁定；请 {_minutes(user.locked_until - now)} 分钟后重试")
    if not verify_password(password or "", row["password_hash"]):
        with audit.transaction(settings) as con:
            # re-read inside the write transaction so concurrent failures are all counted
            failures = con.execute("SELECT failures FROM users WHERE name = ?", (name,)).fetchone()[0] + 1
            locked_until = now + lock_minutes * 60 if failures >= most else 0
            con.execute(
                "UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
                (0 if locked_until else failures, locked_until, name),
            )
            audit.record(con, name, "login_failed", name, f"密码错误（第 {failures} 次）")
            if locked_until:
                audit.record(con, name, "lockout", name, f"锁定 {lock_minutes} 分钟")
        if locked_until:
            raise AuthError(f"连续 {most} 次密码错误，账号已锁定 {lock_minutes} 分钟")
        left = most - failures
        raise AuthError(f"{wrong}；再错 {left} 次将锁定 {lock_minutes} 分钟")
    if user.disabled:
        audit.log(settings, name, "login_failed", name, "账号已停用")
        raise AuthError(f"用户“{name}”已停用；请联系管理员")
    with audit.transaction(settings) as con:
        stamp = audit.now_text()
        con.execute("UPDATE users SET failures = 0, locked_until = 0, last_login = ? WHERE name = ?", (stamp, name))
        if record_login:
            audit.record(con, name, "login", name)
    return get_user(settings, name)  # type: ignore[return-value]


# -- sessions (a mapping such as st.session_state; no UI imports here) -------------------------

SESSION_USER, SESSION_SEEN = "auth_user", "auth_seen"


def start_session(state: MutableMapping, user: User, now: float | None = None) -> None:
    """Remember a logged-in user in a session mapping."""
    state[SESSION_USER] = user.name
    state[SESSION_SEEN] = time.time() if now is None else now


def end_session(state: MutableMapping, settings: Settings | None = None, reason: str = "") -> None:
    """Forget the session's user (and log it when settings are given)."""
    name = state.pop(SESSION_USER, None)
    state.pop(SESSION_SEEN, None)
    if name and settings is not None:
        audit.log(settings, name, "logout", name, reason)


def session_expired(last_seen: float, timeout: float, now: float | None = None) -> bool:
    """True when a session has been idle longer than `timeout` seconds."""
    return (time.time() if now is None else now) - last_seen > timeout


def current_user(
    state: MutableMapping, settings: Settings, now: float | None = None, timeout: float | None = None
) -> User | None:
    """The session's user, re-read from the database; None (and logged out) when idle longer than
    `timeout` seconds (default: the settings' session_timeout_minutes) or disabled."""
    name = state.get(SESSION_USER)
    if not name:
        return None
    now = time.time() if now is None else now
    timeout = settings.session_timeout_minutes * 60 if timeout is None else timeout
    if session_expired(state.get(SESSION_SEEN, 0.0), timeout, now):
        end_session(state, settings, "会话超时")
        state["auth_notice"] = f"超过 {int(timeout // 60)} 分钟未操作，已自动退出；请重新登录"
        return None
    user = get_user(settings, name)
    if user is None or user.disabled:
        end_session(state, settings, "账号已停用")
        return None
    state[SESSION_SEEN] = now
    return user
