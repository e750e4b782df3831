"""kb.searchlog: the local anonymised search log behind the 统计 page."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from kb import searchlog
from kb.settings import load_settings


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "var" / "index"))
    monkeypatch.delenv("KB_SEARCH_LOG", raising=False)
    return load_settings()


def test_the_log_lives_next_to_the_index(settings, tmp_path):
    assert searchlog.log_path(settings) == tmp_path / "var" / "search-log.sqlite3"


def test_long_digit_runs_are_masked_and_whitespace_normalised():
    assert searchlog.anonymise("  张某  身份证11010119900307123X 电话 13812345678 ") == "张某 身份证＊＊＊ 电话 ＊＊＊"
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
    searchlog.record_search(settings, "盗窃 13812345678", 2, ["category"], day=date(2026, 3, 1))
    with sqlite3.connect(searchlog.log_path(settings)) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(searches)")]
        rows = conn.execute("SELECT * FROM searches").fetchall()
    assert columns == ["day", "query", "results", "facets"]
    assert rows == [("2026-03-01", "盗窃 ＊＊＊", 2, "category")]


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
