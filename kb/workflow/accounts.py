"""Users and roles (读者 / 编辑 / 审核 / 管理员): password rules and hashes, login slow-down, sessions, permission checks,
and each account's unit and tier."""

from __future__ import annotations

import re
import time
from contextlib import closing
from dataclasses import dataclass

from kb.content.taxonomy import load_taxonomy
from kb.content.units import UNITS_FILE, UNITS_REL, load_units
from kb.errors import AuthError
from kb.roles import (  # the role names live below settings, which validates role lists
    PERMISSION_NAMES,
    PERMISSIONS,
    ROLE_ADMIN,
    ROLES,
    USERS,
)
from kb.settings import Settings
from kb.workflow import audit, database, sessions
from kb.workflow.passwords import dummy_hash, hash_password, is_common, needs_rehash, verify_password

MIN_PASSWORD_CHARS = 10
NAME_PATTERN = re.compile(r"^[^\s/\\:*?\"<>|]{1,32}$")
COMMAND_LINE = "命令行"  # actor recorded when the local operator manages users from the shell

# Failed logins never lock an account (whoever knows a name could otherwise lock its owner out,
# and the app cannot tell one client from another: behind a proxy or on the server itself
# Streamlit has no address, and a new browser session is one reload away). Instead, after
# `settings.lockout_failures` failures in a row for a name, every further attempt for that name,
# right or wrong, is answered only after a delay that doubles with each failure up to
# MAX_DELAY_SECONDS: the owner still gets in, at most that much later, while guessing one try
# after another slows to one per delay (tries sent in parallel are bounded by kb.workflow.passwords, which
# checks two passwords at a time). Names that do not exist are counted alike, so the delay tells
# nothing about which names exist. A name's count is forgotten `settings.lockout_minutes` after
# its last failure.
MAX_DELAY_SECONDS = 30.0
# The tables (users, password_must_change, login_failures) are kb.workflow.database's migrations 2-4.


@dataclass(frozen=True)
class User:
    """An account as stored (without its password hash)."""

    name: str
    role: str
    disabled: bool = False
    created_at: str = ""
    last_login: str = ""
    must_change: bool = False  # the password was set by someone else and must be changed first
    unit: str = ""  # a name from data/units.yaml; "" when not set
    tier: str = ""  # 单位负责人 / 法制员 / 办案民警 (the taxonomy's audiences); "" when not set

    def can(self, permission: str) -> bool:
        """True when the account is enabled and its role grants the permission."""
        return not self.disabled and permission in PERMISSIONS.get(self.role, frozenset())

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "disabled": self.disabled,
            "created_at": self.created_at,
            "last_login": self.last_login,
            "must_change": self.must_change,
            "unit": self.unit,
            "tier": self.tier,
        }


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


def unit_choices(settings: Settings) -> tuple[str, ...]:
    """The units an account may belong to: the names in data/units.yaml (none when the file is missing)."""
    return load_units(settings.data_dir / UNITS_FILE).names


def tier_choices(settings: Settings) -> tuple[str, ...]:
    """The tiers an account may have: the audiences of data/taxonomy.yaml (单位负责人 / 法制员 / 办案民警)."""
    return load_taxonomy(settings.data_dir / "taxonomy.yaml").audiences


def check_unit(settings: Settings, unit: str) -> str:
    """Return the cleaned unit ("" clears it) or raise AuthError listing the units of data/units.yaml."""
    unit = (unit or "").strip()
    if not unit:
        return ""
    choices = unit_choices(settings)
    if not choices:
        raise AuthError(f"单位名单为空或不存在；请先在 {UNITS_REL} 中列出单位（由法制大队维护）")
    if unit not in choices:
        raise AuthError(f"未知单位“{unit}”；可选：{'、'.join(choices)}（单位名单见 {UNITS_REL}）")
    return unit


def check_tier(settings: Settings, tier: str) -> str:
    """Return the cleaned tier ("" clears it) or raise AuthError listing the tiers."""
    tier = (tier or "").strip()
    if not tier:
        return ""
    choices = tier_choices(settings)
    if tier not in choices:
        raise AuthError(f"未知层级“{tier}”；可选：{'、'.join(choices)}")
    return tier


COMMON_PASSWORD = "密码过于常见，容易被猜中；请换一个不在常用密码表中的密码"
SAME_PASSWORD = "新密码不能与原密码相同"


def check_password(password: str) -> None:
    """Raise AuthError unless the password is long enough and not a common one."""
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise AuthError(f"密码太短；至少 {MIN_PASSWORD_CHARS} 个字符")
    if is_common(password):
        raise AuthError(COMMON_PASSWORD)


def _user(row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        last_login=row["last_login"],
        must_change=bool(row["must_change"]),
        unit=row["unit"],
        tier=row["tier"],
    )


_SELECT_USERS = (
    "SELECT users.*, password_must_change.name IS NOT NULL AS must_change FROM users "
    "LEFT JOIN password_must_change ON password_must_change.name = users.name"
)


def get_user(settings: Settings, name: str) -> User | None:
    """Return the account, or None when there is none by that name."""
    with closing(database.connect(settings)) as con:
        row = con.execute(f"{_SELECT_USERS} WHERE users.name = ?", ((name or "").strip(),)).fetchone()
    return _user(row) if row else None


def list_users(settings: Settings) -> list[User]:
    """Every account, by role then name."""
    with closing(database.connect(settings)) as con:
        users = [_user(r) for r in con.execute(_SELECT_USERS)]
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


def add_user(
    settings: Settings,
    name: str,
    role: str,
    password: str,
    actor: User | str | None = None,
    must_change: bool = False,
    unit: str = "",
    tier: str = "",
) -> User:
    """Create an account; `actor` None means the local operator (the command line creates the first admin).

    `must_change`: the password is one the 管理员 chose, to be changed at first login (the command
    line and the 账号管理 page set it; scripts that seed accounts choose). `unit` and `tier` may be left empty.
    """
    name, role = check_name(name), check_role(role)
    unit, tier = check_unit(settings, unit), check_tier(settings, tier)
    check_password(password)
    by = _operator(settings, actor)
    hashed = hash_password(password)
    with database.transaction(settings) as con:
        if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise AuthError(f"用户“{name}”已存在；修改密码请用 user passwd")
        con.execute(
            "INSERT INTO users (name, role, password_hash, created_at, unit, tier) VALUES (?, ?, ?, ?, ?, ?)",
            (name, role, hashed, database.now_text(), unit, tier),
        )
        if must_change:
            _must_change(con, name, by)
        placed = "".join(f"；{label}：{value}" for label, value in (("单位", unit), ("层级", tier)) if value)
        audit.record(con, by, "user_add", name, f"角色：{role}{placed}")
    return get_user(settings, name)  # type: ignore[return-value]


def _must_change(con, name: str, by: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO password_must_change (name, set_by, set_at) VALUES (?, ?, ?)",
        (name, by, database.now_text()),
    )


def set_password(
    settings: Settings, name: str, password: str, actor: User | str | None = None, old_password: str | None = None
) -> None:
    """Change a password: an admin or the operator for anyone, a user for themselves with the old password.

    Every session of the account ends. A password set by someone else must be changed by its owner
    at the next login; one the owner chose clears that.
    """
    check_password(password)
    actor_name = actor.name if isinstance(actor, User) else actor
    own = actor_name is not None and actor_name == name and old_password is not None
    if own:
        authenticate(settings, name, old_password, record_login=False)
        if password == old_password:
            raise AuthError(SAME_PASSWORD)
        by = name
    else:
        by = _operator(settings, actor)
    hashed = hash_password(password)
    with database.transaction(settings) as con:
        changed = con.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hashed, name)).rowcount
        if not changed:
            raise AuthError(f"用户“{name}”不存在")
        con.execute("DELETE FROM login_failures WHERE name = ?", (name,))  # a new password starts afresh
        if own:
            con.execute("DELETE FROM password_must_change WHERE name = ?", (name,))
        else:
            _must_change(con, name, by)
        sessions.revoke_user(con, name)
        audit.record(con, by, "user_passwd", name)


def set_disabled(settings: Settings, name: str, disabled: bool = True, actor: User | str | None = None) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in or act."""
    by = _operator(settings, actor)
    if disabled and by == name:
        raise AuthError("不能停用自己的账号")
    with database.transaction(settings) as con:
        changed = con.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name)).rowcount
        if not changed:
            raise AuthError(f"用户“{name}”不存在")
        if disabled:
            sessions.revoke_user(con, name)
        audit.record(con, by, "user_disable" if disabled else "user_enable", name)


def set_role(settings: Settings, name: str, role: str, actor: User | str | None = None) -> None:
    """Change an account's role; its sessions end (the user logs in again with the new role)."""
    role = check_role(role)
    by = _operator(settings, actor)
    if by == name and role != ROLE_ADMIN:
        raise AuthError("不能取消自己的管理员角色")
    with database.transaction(settings) as con:
        row = con.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AuthError(f"用户“{name}”不存在")
        con.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        if role != row["role"]:
            sessions.revoke_user(con, name)
        audit.record(con, by, "user_role", name, f"{row['role']} → {role}")


def _set_field(settings: Settings, name: str, column: str, value: str, by: str) -> None:
    """Store an account's unit or tier and audit the change (old → new)."""
    action, label = {"unit": ("user_unit", "单位"), "tier": ("user_tier", "层级")}[column]
    with database.transaction(settings) as con:
        row = con.execute(f"SELECT {column} FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AuthError(f"用户“{name}”不存在")
        con.execute(f"UPDATE users SET {column} = ? WHERE name = ?", (value, name))
        audit.record(con, by, action, name, f"{label}：{row[column] or '未设置'} → {value or '未设置'}")


def set_unit(settings: Settings, name: str, unit: str, actor: User | str | None = None) -> None:
    """Set (or with "" clear) an account's unit, one of data/units.yaml; by an admin or the local operator."""
    unit = check_unit(settings, unit)
    _set_field(settings, name, "unit", unit, _operator(settings, actor))


def set_tier(settings: Settings, name: str, tier: str, actor: User | str | None = None) -> None:
    """Set (or with "" clear) an account's tier (单位负责人 / 法制员 / 办案民警); by an admin or the local operator."""
    tier = check_tier(settings, tier)
    _set_field(settings, name, "tier", tier, _operator(settings, actor))


# -- logging in --------------------------------------------------------------------------------


WRONG = "用户名或密码错误"
_sleep = time.sleep  # replaced in tests


def login_delay(failures: int, settings: Settings) -> float:
    """Seconds the next attempt for a name waits after `failures` failed logins in a row."""
    over = failures - settings.lockout_failures
    return 0.0 if over < 0 else min(2.0**over, MAX_DELAY_SECONDS)


def _pending_delay(settings: Settings, name: str, now: float) -> float:
    """How long an attempt for `name` must wait now (0 when its failures are few or forgotten)."""
    with closing(database.connect(settings)) as con:
        row = con.execute("SELECT last, answer_at FROM login_failures WHERE name = ?", (name,)).fetchone()
    if row is None or now - row["last"] > settings.lockout_minutes * 60:
        return 0.0
    return max(0.0, row["answer_at"] - now)


def _record_failure(settings: Settings, name: str, now: float, detail: str) -> None:
    """Count a failed login for `name` (one transaction, so concurrent failures all count)."""
    forget = now - settings.lockout_minutes * 60
    with database.transaction(settings) as con:
        con.execute("DELETE FROM login_failures WHERE last < ?", (forget,))  # also keeps the table small
        row = con.execute("SELECT failures FROM login_failures WHERE name = ?", (name,)).fetchone()
        failures = (row["failures"] if row else 0) + 1
        delay = login_delay(failures, settings)
        con.execute(
            "INSERT OR REPLACE INTO login_failures (name, failures, last, answer_at) VALUES (?, ?, ?, ?)",
            (name, failures, now, now + delay),
        )
        audit.record(con, name, "login_failed", name, f"{detail}（连续第 {failures} 次）")
        if failures == settings.lockout_failures:
            audit.record(
                con,
                name,
                "lockout",
                name,
                f"连续 {failures} 次登录失败；此后该用户名每次登录延迟应答（最长 {MAX_DELAY_SECONDS:.0f} 秒）",
            )


def authenticate(
    settings: Settings, name: str, password: str, now: float | None = None, record_login: bool = True
) -> User:
    """Check a name and password; raise AuthError("用户名或密码错误") for an unknown name and a
    wrong password alike.

    No account is ever locked: after `settings.lockout_failures` failures in a row for a name,
    each further attempt for it waits a growing delay (see MAX_DELAY_SECONDS) before its password
    is checked, and the right password still logs in. A successful login upgrades an old hash.
    """
    now = time.time() if now is None else now
    name = database.storable((name or "").strip())[:100]
    password = database.storable(password or "")
    wait = _pending_delay(settings, name, now)
    if wait > 0:
        _sleep(wait)
        now += wait
    with closing(database.connect(settings)) as con:
        row = con.execute(f"{_SELECT_USERS} WHERE users.name = ?", (name,)).fetchone()
    if row is None:
        verify_password(password, dummy_hash())  # as long as a real check: timing tells nothing
        _record_failure(settings, name, now, "用户不存在")
        raise AuthError(WRONG)
    stored = row["password_hash"]
    if not verify_password(password, stored):
        _record_failure(settings, name, now, "密码错误")
        raise AuthError(WRONG)
    user = _user(row)
    if user.disabled:
        audit.log(settings, name, "login_failed", name, "账号已停用")
        raise AuthError(f"用户“{name}”已停用；请联系管理员")
    upgraded = hash_password(password) if needs_rehash(stored) else None
    with database.transaction(settings) as con:
        con.execute("DELETE FROM login_failures WHERE name = ?", (name,))
        con.execute("UPDATE users SET last_login = ? WHERE name = ?", (database.now_text(), name))
        if upgraded is not None:
            # only over the hash just checked: a password changed meanwhile stays changed
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?", (upgraded, name, stored)
            )
        if record_login:
            audit.record(con, name, "login", name, "密码哈希已升级" if upgraded else "")
    return get_user(settings, name)  # type: ignore[return-value]
