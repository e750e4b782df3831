"""The audit log: append-only in the database, filtered reads, CSV export that Excel opens."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from kb.workflow import audit, database


def test_entries_are_read_newest_first_and_filtered(settings):
    audit.log(settings, "lin", "save", "草稿#1", "第 2 稿")
    audit.log(settings, "zhao", "publish", "G-1", "第 1 版")
    audit.log(settings, "lin", "submit", "草稿#1")
    assert [e.action for e in audit.read_entries(settings)] == ["submit", "publish", "save"]
    assert [e.action for e in audit.read_entries(settings, actor="lin")] == ["submit", "save"]
    assert [e.target for e in audit.read_entries(settings, action="publish")] == ["G-1"]
    assert len(audit.read_entries(settings, limit=1)) == 1
    entry = audit.read_entries(settings, action="publish")[0]
    assert entry.label == "发布"
    assert entry.to_json()["label"] == "发布" and entry.to_json()["actor"] == "zhao"


def test_the_log_cannot_be_updated_or_deleted(settings):
    audit.log(settings, "lin", "save", "草稿#1")
    con = database.connect(settings)
    with pytest.raises(sqlite3.DatabaseError, match="审计日志只能追加，不能修改"):
        con.execute("UPDATE audit SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="审计日志只能追加，不能删除"):
        con.execute("DELETE FROM audit")
    assert [e.actor for e in audit.read_entries(settings)] == ["lin"]


def test_an_entry_rolls_back_with_the_action_it_belongs_to(settings):
    with pytest.raises(RuntimeError), database.transaction(settings) as con:
        audit.record(con, "zhao", "publish", "G-1")
        raise RuntimeError("the rename failed")
    assert audit.read_entries(settings) == []


def test_unknown_actions_are_a_programming_error(settings):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.log(settings, "lin", "teleport")


def test_csv_has_a_bom_chinese_headers_and_defused_formulas(settings):
    audit.log(settings, "lin", "save", "草稿#1", '=HYPERLINK("http://x")')
    audit.log(settings, "zhao", "publish", "G-1", "第 1 版，guides/G-1.md")
    data = audit.export_csv(audit.read_entries(settings))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "时间", "用户", "操作", "对象", "说明"]
    assert rows[1][2:] == ["zhao", "发布", "G-1", "第 1 版，guides/G-1.md"]
    assert rows[2][5] == '\'=HYPERLINK("http://x")'
    assert len(rows) == 3


def test_long_values_are_bounded(settings):
    audit.log(settings, "x" * 500, "login_failed", "y" * 500, "z" * 5000)
    entry = audit.read_entries(settings)[0]
    assert (len(entry.actor), len(entry.target), len(entry.detail)) == (100, 200, 2000)


def test_visible_escapes_controls_format_characters_and_line_breaks_only():
    assert (
        database.visible("zhao\x1b[31m\u202e\r\n\t\x00\x9b\u2028") == "zhao\\x1b[31m\\u202e\\r\\n\\t\\x00\\x9b\\u2028"
    )
    assert database.visible("林法制 王　某 a-b_c “引号”") == "林法制 王　某 a-b_c “引号”"


def test_a_lone_surrogate_is_stored_as_a_replacement_character_not_an_error(settings):
    audit.log(settings, "zhao\udcff", "login_failed", "zhao\udcff", "密码\udcff错误")
    entry = audit.read_entries(settings)[0]
    assert (entry.actor, entry.target, entry.detail) == ("zhao\ufffd", "zhao\ufffd", "密码\ufffd错误")
