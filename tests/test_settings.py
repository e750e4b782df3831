"""Settings: flag > environment > casekb.toml > default, and refused values."""

from __future__ import annotations

import pytest

from kb.errors import ConfigError
from kb.settings import load_settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A casekb.toml of the test's own, and no KB_* variables from the caller."""
    path = tmp_path / "casekb.toml"
    monkeypatch.setenv("KB_CONFIG", str(path))
    for name in ("KB_CONTENT", "KB_INDEX", "KB_LAWS", "KB_DB", "KB_SEARCH_LOG", "KB_REQUIRE_LOGIN",
                 "KB_SESSION_TIMEOUT_MINUTES", "KB_LOCKOUT_FAILURES", "KB_LOCKOUT_MINUTES",
                 "KB_SEARCH_LOG_ROLES", "KB_POPULAR_MIN_SESSIONS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return path


def test_defaults(config):
    s = load_settings()
    assert (s.search_log, s.require_login) == (True, False)
    assert (s.session_timeout_minutes, s.lockout_failures, s.lockout_minutes) == (30, 5, 15)


def test_the_config_file_then_the_environment_then_the_flag(config, tmp_path, monkeypatch):
    config.write_text(
        f'index = "{tmp_path / "from-file"}"\nrequire_login = true\nsession_timeout_minutes = 10\nlockout_failures = 3\n',
        encoding="utf-8",
    )
    s = load_settings()
    assert s.index_dir == (tmp_path / "from-file").resolve()
    assert (s.require_login, s.session_timeout_minutes, s.lockout_failures, s.lockout_minutes) == (True, 10, 3, 15)
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "from-env"))
    monkeypatch.setenv("KB_SESSION_TIMEOUT_MINUTES", "45")
    s = load_settings()
    assert (s.index_dir, s.session_timeout_minutes) == ((tmp_path / "from-env").resolve(), 45)
    assert load_settings(index=tmp_path / "from-flag").index_dir == (tmp_path / "from-flag").resolve()


@pytest.mark.parametrize("value", ["0", "abc", "-5", "1441"])
def test_a_timeout_that_cannot_be_used_is_refused(config, monkeypatch, value):
    monkeypatch.setenv("KB_SESSION_TIMEOUT_MINUTES", value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (
        f"设置 session_timeout_minutes（环境变量 KB_SESSION_TIMEOUT_MINUTES 或 casekb.toml）须为 1 到 1440 之间的整数，"
        f"当前为“{value}”；请改正，或删去该项以使用默认值 30"
    )


def test_lockout_settings_are_checked_too(config):
    config.write_text("lockout_failures = 0\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match="^设置 lockout_failures（环境变量 KB_LOCKOUT_FAILURES 或 casekb.toml）须为 1 到 100"
    ):
        load_settings()


def test_a_config_file_that_is_not_toml_names_the_line(config):
    config.write_text("require_login = true\nindex = /srv/index\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (
        f"配置文件 {config} 第 2 行第 9 列附近有语法错误；请按 TOML 格式改正（如 require_login = true，文字值加引号）"
    )


def test_who_sees_the_search_log_and_how_many_sessions_make_a_popular_search(config, monkeypatch):
    s = load_settings()
    assert (s.search_log_roles, s.popular_min_sessions) == (("审核", "管理员"), 3)
    config.write_text('search_log_roles = ["读者", "审核"]\npopular_min_sessions = 5\n', encoding="utf-8")
    assert (load_settings().search_log_roles, load_settings().popular_min_sessions) == (("读者", "审核"), 5)
    monkeypatch.setenv("KB_SEARCH_LOG_ROLES", "管理员、所有人")
    assert load_settings().search_log_roles == ("管理员", "所有人")
    config.write_text("search_log_roles = []\n", encoding="utf-8")
    monkeypatch.delenv("KB_SEARCH_LOG_ROLES")
    assert load_settings().search_log_roles == ()  # nobody sees it in the app


def test_an_unknown_role_for_the_search_log_is_refused(config, monkeypatch):
    monkeypatch.setenv("KB_SEARCH_LOG_ROLES", "审核,法制大队")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (
        "设置 search_log_roles（环境变量 KB_SEARCH_LOG_ROLES 或 casekb.toml）中的“法制大队”不是角色；"
        "可选：读者、编辑、审核、管理员、所有人；请改正，或删去该项以使用默认值 审核、管理员"
    )


def test_popular_min_sessions_is_checked(config):
    config.write_text("popular_min_sessions = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (
        "设置 popular_min_sessions（环境变量 KB_POPULAR_MIN_SESSIONS 或 casekb.toml）须为 1 到 1000 之间的整数，"
        "当前为“0”；请改正，或删去该项以使用默认值 3"
    )
