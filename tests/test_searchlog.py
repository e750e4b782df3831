"""kb.workflow.searchlog: the local anonymised search log behind the 统计 page."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from kb.errors import AuthError, KBError
from kb.settings import load_settings
from kb.workflow import accounts, audit, searchlog


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "var" / "index"))
    monkeypatch.delenv("KB_SEARCH_LOG", raising=False)
    return load_settings()


def test_the_log_lives_next_to_the_index(settings, tmp_path):
    assert searchlog.log_path(settings) == tmp_path / "var" / "search-log.sqlite3"


def test_long_digit_runs_are_masked_and_whitespace_normalised():
    assert searchlog.anonymise("  张某  身份证11010119900307123X 电话 13812345678 ") == "某某 身份证＊＊＊ 电话 ＊＊＊"
    assert searchlog.anonymise("刑法第264条 2023年") == "刑法第264条 2023年"
    assert len(searchlog.anonymise("盗" * 500)) == searchlog.MAX_QUERY_CHARS


def test_top_and_zero_result_queries(settings):
    day = date(2026, 3, 1)
    for q, n in [("盗窃", 5), ("盗窃", 5), ("醉驾", 3), ("酒驾", 0), ("酒驾", 0), ("不存在", 0)]:
        assert searchlog.record_search(settings, q, n, ["type"], day=day)
    assert [(c.query, c.count) for c in searchlog.top_queries(settings)] == [
        ("盗窃", 2), ("酒驾", 2), ("不存在", 1), ("醉驾", 1)
    ]  # fmt: skip
    assert [(c.query, c.count, c.last_day) for c in searchlog.zero_result_queries(settings)] == [
        ("酒驾", 2, "2026-03-01"),
        ("不存在", 1, "2026-03-01"),
    ]
    assert searchlog.total_searches(settings) == 6
    assert searchlog.daily_counts(settings, days=30, today=date(2026, 3, 10)) == [("2026-03-01", 6)]


def test_a_time_window_leaves_out_older_searches(settings):
    searchlog.record_search(settings, "旧", 1, day=date(2025, 1, 1))
    searchlog.record_search(settings, "新", 1, day=date(2026, 3, 1))
    assert [c.query for c in searchlog.top_queries(settings, days=30, today=date(2026, 3, 10))] == ["新"]


def test_nothing_identifying_is_stored(settings):
    searchlog.record_search(settings, "张三 盗窃 13812345678", 2, ["category"], day=date(2026, 3, 1), session="s1")
    searchlog.record_search(settings, "醉驾", 1, day=date(2026, 3, 1), session="s1")
    with sqlite3.connect(searchlog.log_path(settings)) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(searches)")]
        rows = conn.execute("SELECT day, query, results, facets FROM searches").fetchall()
        sessions = [r[0] for r in conn.execute("SELECT session FROM searches")]
    assert columns == ["day", "query", "results", "facets", "session"]
    assert rows == [("2026-03-01", "某某 盗窃 ＊＊＊", 2, "category"), ("2026-03-01", "醉驾", 1, "")]
    # The session's id is not stored, and its two searches cannot be linked to each other.
    assert "s1" not in sessions and len(set(sessions)) == 2


def test_the_off_switch_and_empty_queries_log_nothing(settings, monkeypatch):
    assert not searchlog.record_search(settings, "   ", 0)
    monkeypatch.setenv("KB_SEARCH_LOG", "off")
    off = load_settings()
    assert not searchlog.record_search(off, "盗窃", 1)
    assert not searchlog.log_path(off).exists()
    assert searchlog.top_queries(off) == []


def test_an_unwritable_log_never_breaks_searching(settings):
    searchlog.log_path(settings).parent.parent.mkdir(parents=True, exist_ok=True)
    searchlog.log_path(settings).parent.mkdir(parents=True, exist_ok=True)
    searchlog.log_path(settings).mkdir()  # a directory where the file should be
    assert not searchlog.record_search(settings, "盗窃", 1)
    assert searchlog.top_queries(settings) == []


# -- names, phone and ID numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张三 盗窃", "某某 盗窃"),
        ("李四打人", "某某打人"),
        ("张某某 诈骗", "某某 诈骗"),
        ("王某 醉驾", "某某 醉驾"),
        ("于某某 寻衅滋事", "某某 寻衅滋事"),
        ("李X 盗窃", "某某 盗窃"),
        ("王×× 故意伤害", "某某 故意伤害"),
        ("王小明 取保候审", "某某 取保候审"),
        ("欧阳娜娜", "某某"),
        ("陈建国，诈骗", "某某，诈骗"),
        ("电话 138-1234-5678", "电话 ＊＊＊"),
        ("13812345678", "＊＊＊"),
        ("身份证 110101 19900307 123X", "身份证 ＊＊＊"),
        ("苏A12345 肇事逃逸", "＊＊＊ 肇事逃逸"),
    ],
)
def test_names_phone_id_and_plate_numbers_are_masked(typed, stored):
    assert searchlog.anonymise(typed) == stored


@pytest.mark.parametrize(
    "query",
    ["高速 醉驾", "黄金 盗窃", "王法", "周期", "马路 打架", "文明 执法", "周五 打架", "曾三次盗窃", "于三日内",
     "5万元 诈骗", "刑法第264条 2023年", "殴打他人 拘几天", "许可"],
)  # fmt: skip
def test_ordinary_words_that_start_with_a_surname_are_kept(query):
    assert searchlog.anonymise(query) == query


def test_an_old_log_gets_a_session_column_and_its_names_masked(settings):
    path = searchlog.log_path(settings)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:  # the log as the first version wrote it
        conn.execute("CREATE TABLE searches (day TEXT NOT NULL, query TEXT NOT NULL, results INTEGER NOT NULL, "
                     "facets TEXT NOT NULL DEFAULT '')")  # fmt: skip
        conn.execute("INSERT INTO searches VALUES ('2026-03-01', '张三 盗窃', 2, '')")
    conn.close()
    assert [(c.query, c.count, c.sessions) for c in searchlog.top_queries(settings)] == [("某某 盗窃", 1, 0)]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("SELECT query FROM searches").fetchall() == [("某某 盗窃",)]
    conn.close()


# -- 常用检索: several sessions, the roles that may see the log, curation ---------------------------

FALLBACK = ("盗窃", "醉驾")


@pytest.fixture
def people(settings, tmp_path):
    """The settings with a database of their own holding one account per role."""
    s = settings.with_overrides(db_path=tmp_path / "casekb.sqlite3")
    for name, role in (("lin", "编辑"), ("zhao", "审核"), ("du", "读者"), ("admin", "管理员")):
        accounts.add_user(s, name, role, "password-" + name)
    return s


def search_from(s, query: str, sessions: int, results: int = 3, times: int = 1) -> None:
    for n in range(sessions):
        for _ in range(times):
            searchlog.record_search(s, query, results, session=f"session-{n}")


def test_a_query_becomes_popular_only_after_several_different_sessions(people):
    zhao = accounts.get_user(people, "zhao")
    search_from(people, "取保候审", sessions=1, times=25)  # one session, 25 times: still one session
    search_from(people, "醉驾 抽血", sessions=2)
    search_from(people, "不存在的词", sessions=5, results=0)  # found nothing: never a button
    assert searchlog.popular_queries(people, zhao, FALLBACK) == ["盗窃", "醉驾"]
    assert [(c.query, c.count, c.sessions) for c in searchlog.top_queries(people)] == [
        ("取保候审", 25, 1), ("不存在的词", 5, 5), ("醉驾 抽血", 2, 2)
    ]  # fmt: skip
    search_from(people, "醉驾 抽血", sessions=3)
    assert searchlog.popular_queries(people, zhao, FALLBACK) == ["醉驾 抽血", "盗窃", "醉驾"]
    fewer = people.with_overrides(popular_min_sessions=1)
    assert searchlog.popular_queries(fewer, zhao, FALLBACK)[:2] == ["醉驾 抽血", "取保候审"]


def test_the_log_shows_only_to_the_roles_allowed(people):
    search_from(people, "醉驾 抽血", sessions=3)
    du, lin, zhao, admin = (accounts.get_user(people, n) for n in ("du", "lin", "zhao", "admin"))
    assert [searchlog.may_view(people, u) for u in (None, du, lin, zhao, admin)] == [False, False, False, True, True]
    for visitor in (None, du, lin):
        assert searchlog.popular_queries(people, visitor, FALLBACK) == ["盗窃", "醉驾"]
    readers = people.with_overrides(search_log_roles=("读者",))
    assert searchlog.popular_queries(readers, du, FALLBACK)[0] == "醉驾 抽血"
    assert not searchlog.may_view(readers, zhao)
    everyone = people.with_overrides(search_log_roles=("所有人",))
    assert searchlog.popular_queries(everyone, None, FALLBACK)[0] == "醉驾 抽血"
    accounts.set_disabled(people, "zhao", actor="admin")
    assert not searchlog.may_view(people, accounts.get_user(people, "zhao"))
    off = people.with_overrides(search_log=False)
    assert searchlog.popular_queries(off, admin, FALLBACK) == ["盗窃", "醉驾"]


def test_pinned_queries_show_to_everyone_and_hidden_ones_never(people):
    zhao = accounts.get_user(people, "zhao")
    search_from(people, "刘德华", sessions=4)  # stored as 某某
    search_from(people, "醉驾 抽血", sessions=3)
    assert searchlog.popular_queries(people, zhao, FALLBACK) == ["某某", "醉驾 抽血", "盗窃", "醉驾"]
    assert searchlog.curate(people, "  危险驾驶  取保候审 ", searchlog.PIN, zhao) == "危险驾驶 取保候审"
    assert searchlog.curate(people, "张三", searchlog.HIDE, "admin") == "某某"  # hidden as the log stores it
    searchlog.curate(people, "盗窃", searchlog.HIDE, zhao)
    assert searchlog.popular_queries(people, zhao, FALLBACK) == ["危险驾驶 取保候审", "醉驾 抽血", "醉驾"]
    assert searchlog.popular_queries(people, None, FALLBACK) == ["危险驾驶 取保候审", "醉驾"]
    assert [(c.query, c.state) for c in searchlog.curated_queries(people)] == [
        ("危险驾驶 取保候审", "pin"), ("某某", "hide"), ("盗窃", "hide")
    ]  # fmt: skip
    searchlog.curate(people, "盗窃", None, zhao)
    assert searchlog.popular_queries(people, None, FALLBACK) == ["危险驾驶 取保候审", "盗窃", "醉驾"]
    assert [(e.actor, e.action, e.target) for e in audit.read_entries(people)][:4] == [
        ("zhao", "popular_reset", "盗窃"),
        ("zhao", "popular_hide", "盗窃"),
        ("admin", "popular_hide", "某某"),
        ("zhao", "popular_pin", "危险驾驶 取保候审"),
    ]


def test_only_reviewers_and_admins_curate(people):
    with pytest.raises(AuthError) as err:
        searchlog.curate(people, "盗窃", searchlog.PIN, "lin")
    assert str(err.value) == "用户“lin”（编辑）无权整理常用检索；需要“审核”或“管理员”角色"
    assert [(e.actor, e.action, e.detail) for e in audit.read_entries(people, action="denied")] == [
        ("lin", "denied", "编辑试图整理常用检索")
    ]
    with pytest.raises(AuthError, match="^请先登录；整理常用检索需要“审核”或“管理员”角色$"):
        searchlog.curate(people, "盗窃", searchlog.PIN, None)
    with pytest.raises(KBError, match="^请填写检索词$"):
        searchlog.curate(people, "   ", searchlog.PIN, "zhao")
    assert searchlog.curated_queries(people) == []


def test_the_log_file_is_for_the_servers_user_only(tmp_path):
    import stat

    from kb.settings import Settings

    settings = Settings(
        content_dir=tmp_path,
        index_dir=tmp_path / "index",
        laws_dir=None,
        data_dir=tmp_path / "data",
        db_path=tmp_path / "var" / "casekb.sqlite3",
        search_log=True,
    )
    searchlog.record_search(settings, "盗窃", 3)
    path = searchlog.log_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
