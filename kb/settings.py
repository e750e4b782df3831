"""Where content, index, statutes and the database live (flag > env > config file > default)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from kb.errors import ConfigError
from kb.roles import ROLES

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "casekb.toml"


@dataclass(frozen=True)
class Settings:
    """Resolved locations and switches for one process."""

    content_dir: Path
    index_dir: Path
    laws_dir: Path | None
    data_dir: Path
    db_path: Path
    search_log: bool = True
    require_login: bool = False
    session_timeout_minutes: int = 30  # idle minutes before a logged-in user is logged out
    lockout_failures: int = 5  # failed logins in a row for a name before its answers are delayed
    lockout_minutes: int = 15  # minutes after a name's last failure that its count is forgotten
    # who sees the search log (统计 page) and the 常用检索 taken from it (roles, or EVERYONE)
    search_log_roles: tuple[str, ...] = ("审核", "管理员")
    popular_min_sessions: int = 3  # different sessions a logged query needs to become a 常用检索 button
    bureau: str = "某县公安局"  # the bureau's name on the cover of a printed handbook (kb.rendering.handbook)

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None keyword arguments applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_DEFAULTS = {f.name: f.default for f in fields(Settings)}
EVERYONE = "所有人"  # in search_log_roles: anyone, logged in or not
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _config(root: Path) -> dict:
    path = Path(os.environ.get("KB_CONFIG", root / CONFIG_NAME))
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            where = re.search(r"line (\d+), column (\d+)", str(exc))
            at = f"第 {where[1]} 行第 {where[2]} 列附近" if where else "某处"
            raise ConfigError(
                f"配置文件 {path} {at}有语法错误；请按 TOML 格式改正（如 require_login = true，文字值加引号）"
            ) from exc


@dataclass(frozen=True)
class _Sources:
    """Where a setting's value comes from, in order: a command-line flag, the environment, casekb.toml."""

    cfg: dict

    def pick(self, flag, env: str, key: str, default):
        if flag not in (None, ""):
            return flag
        if os.environ.get(env):
            return os.environ[env]
        if self.cfg.get(key) not in (None, ""):
            return self.cfg[key]
        return default

    def switch(self, env: str, key: str, default: str, on: bool) -> bool:
        """A yes/no setting: `on` says whether the words listed mean yes (1, true …) or no (0, false …)."""
        value = str(self.pick(None, env, key, default)).lower()
        return value in ("1", "true", "on", "yes") if on else value not in ("0", "false", "off", "no")

    def bounded(self, env: str, key: str, most: int) -> int:
        default = _DEFAULTS[key]  # the field's default in Settings
        value = self.pick(None, env, key, default)
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= most:
            raise ConfigError(
                f"设置 {key}（环境变量 {env} 或 casekb.toml）须为 1 到 {most} 之间的整数，当前为“{value}”；"
                f"请改正，或删去该项以使用默认值 {default}"
            )
        return number

    def roles(self, env: str, key: str) -> tuple[str, ...]:
        default = _DEFAULTS[key]
        value = self.pick(None, env, key, default)
        names = _LIST_SEPARATORS.split(value.strip()) if isinstance(value, str) else value
        if not isinstance(names, list | tuple):
            names = [names]
        names = tuple(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
        unknown = [n for n in names if n not in (*ROLES, EVERYONE)]
        if unknown:
            raise ConfigError(
                f"设置 {key}（环境变量 {env} 或 casekb.toml）中的“{unknown[0]}”不是角色；"
                f"可选：{'、'.join((*ROLES, EVERYONE))}；请改正，或删去该项以使用默认值 {'、'.join(default)}"
            )
        return names


def load_settings(
    content: str | Path | None = None,
    index: str | Path | None = None,
    laws: str | Path | None = None,
) -> Settings:
    """Resolve settings: command-line flag, then environment, then casekb.toml, then default."""
    src = _Sources(_config(REPO_ROOT))
    content_dir = Path(src.pick(content, "KB_CONTENT", "content", REPO_ROOT)).resolve()
    laws_value = src.pick(laws, "KB_LAWS", "laws", None)
    data_dir = content_dir / "data"
    if not (data_dir / "taxonomy.yaml").is_file():
        data_dir = REPO_ROOT / "data"
    return Settings(
        content_dir=content_dir,
        index_dir=Path(src.pick(index, "KB_INDEX", "index", REPO_ROOT / "var" / "index")).resolve(),
        laws_dir=Path(laws_value).resolve() if laws_value else None,
        data_dir=data_dir,
        db_path=Path(src.pick(None, "KB_DB", "database", REPO_ROOT / "var" / "casekb.sqlite3")).resolve(),
        search_log=src.switch("KB_SEARCH_LOG", "search_log", "1", on=False),
        require_login=src.switch("KB_REQUIRE_LOGIN", "require_login", "0", on=True),
        session_timeout_minutes=src.bounded("KB_SESSION_TIMEOUT_MINUTES", "session_timeout_minutes", 24 * 60),
        lockout_failures=src.bounded("KB_LOCKOUT_FAILURES", "lockout_failures", 100),
        lockout_minutes=src.bounded("KB_LOCKOUT_MINUTES", "lockout_minutes", 24 * 60),
        search_log_roles=src.roles("KB_SEARCH_LOG_ROLES", "search_log_roles"),
        popular_min_sessions=src.bounded("KB_POPULAR_MIN_SESSIONS", "popular_min_sessions", 1000),
        bureau=str(src.pick(None, "KB_BUREAU", "bureau", _DEFAULTS["bureau"])).strip() or _DEFAULTS["bureau"],
    )
