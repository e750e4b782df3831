"""The workflow database: numbered migrations applied once and in order, and an old database upgraded in place."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from kb.errors import MigrationError
from kb.workflow import database, searchlog

# The workflow database as release 4a784d5 created it: every table made with CREATE … IF NOT EXISTS on
# each open, and PRAGMA user_version never set.
RELEASE_4A784D5 = """
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, last_login TEXT NOT NULL DEFAULT '');
CREATE TABLE password_must_change (name TEXT PRIMARY KEY, set_by TEXT NOT NULL, set_at TEXT NOT NULL);
CREATE TABLE login_failures (name TEXT PRIMARY KEY, failures INTEGER NOT NULL, last REAL NOT NULL,
    answer_at REAL NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, token_hash TEXT UNIQUE, ticket_hash TEXT UNIQUE, user TEXT NOT NULL,
    created REAL NOT NULL, last_seen REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX sessions_user ON sessions (user);
CREATE TABLE file_changes (token TEXT PRIMARY KEY, label TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE versions (id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, version INTEGER NOT NULL,
    path TEXT NOT NULL, text TEXT NOT NULL, action TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
    draft_id INTEGER, note TEXT NOT NULL DEFAULT '');
CREATE INDEX versions_doc ON versions (doc_id, version);
CREATE TABLE drafts (id INTEGER PRIMARY KEY AUTOINCREMENT, doc_type TEXT NOT NULL, target_id TEXT NOT NULL DEFAULT '',
    base_version INTEGER NOT NULL DEFAULT 0, doc_id TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL, state TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 1, author TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '', published_version INTEGER NOT NULL DEFAULT 0);
INSERT INTO audit (at, actor, action, target, detail) VALUES ('2026-03-01T09:00:00+08:00', 'zhao', 'publish', 'G-1', '第 1 版');
INSERT INTO users VALUES ('zhao', '审核', 'hash', 0, 0, 0, '2026-03-01T08:00:00+08:00', '');
INSERT INTO password_must_change VALUES ('zhao', '命令行', '2026-03-01T08:00:00+08:00');
INSERT INTO login_failures VALUES ('nobody', 3, 1.5, 2.5);
INSERT INTO sessions VALUES ('s1', 'token', NULL, 'zhao', 1.0, 2.0, 3.0);
INSERT INTO file_changes (token, label) VALUES ('t1', 'publish G-1');
INSERT INTO versions (doc_id, version, path, text, action, at, actor, draft_id)
    VALUES ('G-1', 1, 'guides/G-1.md', '正文', 'publish', '2026-03-01T09:00:00+08:00', 'zhao', 1);
INSERT INTO drafts (doc_type, text, state, author, created_at, updated_at, updated_by)
    VALUES ('guide', '草稿正文', '已发布', 'lin', '2026-03-01', '2026-03-01', 'lin');
"""
ROWS = {
    "audit": 1,
    "users": 1,
    "password_must_change": 1,
    "login_failures": 1,
    "sessions": 1,
    "file_changes": 1,
    "versions": 1,
    "drafts": 1,
}


def _tables(con: sqlite3.Connection) -> set[str]:
    return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_migrations_are_numbered_one_by_one_in_order():
    assert [m.number for m in database.MIGRATIONS] == list(range(1, len(database.MIGRATIONS) + 1))
    assert [m.number for m in searchlog.MIGRATIONS] == [1, 2, 3]


def test_a_new_database_gets_every_migration_once(tmp_path):
    with closing(database.connect(tmp_path / "kb.sqlite3")) as con:
        assert database.version(con) == len(database.MIGRATIONS)
        assert set(ROWS) <= _tables(con)
        con.execute("INSERT INTO login_failures VALUES ('x', 1, 1.0, 1.0)")
    with closing(database.connect(tmp_path / "kb.sqlite3")) as con:  # reopened: nothing is applied again
        assert database.version(con) == len(database.MIGRATIONS)
        assert [tuple(row) for row in con.execute("SELECT name FROM login_failures")] == [("x",)]


def test_only_the_steps_past_user_version_run_in_order(tmp_path):
    ran: list[int] = []
    steps = [database.Migration(n, "test", lambda con, n=n: ran.append(n)) for n in (1, 2, 3)]
    with closing(sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)) as con:
        con.execute("PRAGMA user_version = 1")
        assert database.migrate(con, steps) == 3
        assert database.migrate(con, steps) == 3
        assert ran == [2, 3]


def test_a_failing_step_rolls_back_every_step_of_the_run_and_is_named(tmp_path):
    steps = [
        database.Migration(1, "kb.workflow.one", "CREATE TABLE one (x INTEGER);"),
        database.Migration(2, "kb.workflow.two", "CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);"),
    ]
    with closing(sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)) as con:
        with pytest.raises(MigrationError) as caught:
            database.migrate(con, steps)
        assert str(caught.value) == "数据库升级失败：第 2 步（kb.workflow.two）：no such table: nowhere"
        assert database.version(con) == 0
        assert _tables(con) == set()


def test_a_trigger_with_semicolons_is_one_statement(tmp_path):
    with closing(database.connect(tmp_path / "kb.sqlite3")) as con:
        triggers = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {"audit_no_update", "audit_no_delete"}


def test_a_database_from_the_previous_release_opens_with_every_row(tmp_path):
    path = tmp_path / "kb.sqlite3"
    with closing(sqlite3.connect(path)) as con:
        con.executescript(RELEASE_4A784D5)
        assert database.version(con) == 0
    with closing(database.connect(path)) as con:
        assert database.version(con) == len(database.MIGRATIONS)
        assert {table: con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ROWS} == ROWS
        assert tuple(con.execute("SELECT actor, detail FROM audit").fetchone()) == ("zhao", "第 1 版")
        assert tuple(con.execute("SELECT text FROM drafts").fetchone()) == ("草稿正文",)
        with pytest.raises(sqlite3.DatabaseError, match="审计日志只能追加，不能删除"):
            con.execute("DELETE FROM audit")


def test_a_search_log_from_the_previous_release_opens_without_a_step(settings):
    path = searchlog.log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as con, con:  # as release 4a784d5 left it: all three steps done
        con.execute("CREATE TABLE searches (day TEXT NOT NULL, query TEXT NOT NULL, results INTEGER NOT NULL, "
                    "facets TEXT NOT NULL DEFAULT '', session TEXT NOT NULL DEFAULT '')")  # fmt: skip
        con.execute("CREATE TABLE curated (query TEXT PRIMARY KEY, state TEXT NOT NULL, at TEXT NOT NULL)")
        con.execute("INSERT INTO searches VALUES ('2026-03-01', '张三 盗窃', 2, '', 'abc')")  # kept as it was
        con.execute("INSERT INTO curated VALUES ('醉驾', 'pin', '2026-03-01')")
        con.execute("PRAGMA user_version = 3")
    assert [(c.query, c.count) for c in searchlog.top_queries(settings)] == [("张三 盗窃", 1)]
    assert [(c.query, c.state) for c in searchlog.curated_queries(settings)] == [("醉驾", "pin")]
