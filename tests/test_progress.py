"""Learning progress: marks per user kept across sessions, refused for disabled accounts, and completion
summed per person, per unit and per tier against each tier's learning path."""

from __future__ import annotations

import pytest

from kb.errors import AuthError, KBError
from kb.workflow import database
from kb.workflow.accounts import add_user, set_disabled
from kb.workflow.progress import (
    GroupProgress,
    Mark,
    PersonProgress,
    list_learned,
    mark_learned,
    summarize_progress,
    unmark_learned,
)

PATHS = """单位负责人:
  - id: G-1
    reason: 先读
办案民警:
  - id: G-1
    reason: 基本功
  - id: G-2
    reason: 拘留
  - id: C-1
    reason: 案例
"""


@pytest.fixture
def people(settings):
    """Two 办案民警 of two units, one 单位负责人, one account without a tier; the paths above."""
    (settings.data_dir / "learning_paths.yaml").write_text(PATHS, encoding="utf-8")
    add_user(settings, "li", "读者", "password-li", unit="城关派出所", tier="办案民警")
    add_user(settings, "wu", "读者", "password-wu", unit="城东派出所", tier="办案民警")
    add_user(settings, "he", "读者", "password-he", unit="城关派出所", tier="单位负责人")
    add_user(settings, "xu", "读者", "password-xu", unit="城关派出所")
    return settings


def ids(settings, name: str) -> list[str]:
    return [m.doc_id for m in list_learned(settings, name)]


def test_a_mark_is_kept_in_the_database_and_taken_off_again(people):
    mark_learned(people, "li", "G-2")
    mark_learned(people, "li", " G-1 ")
    assert sorted(ids(people, "li")) == ["G-1", "G-2"]
    assert ids(people, "wu") == []  # one user's marks are theirs only
    unmark_learned(people, "li", "G-2")
    unmark_learned(people, "li", "G-9")  # nothing to take off: no error
    assert ids(people, "li") == ["G-1"]


def test_marking_again_keeps_the_first_time(people):
    mark_learned(people, "li", "G-1")
    with database.transaction(people) as con:
        con.execute("UPDATE learning_marks SET marked_at = '2026-01-02T08:00:00+08:00'")
    mark_learned(people, "li", "G-1")
    assert list_learned(people, "li") == (Mark("G-1", "2026-01-02T08:00:00+08:00"),)


def test_a_disabled_or_unknown_account_cannot_mark(people):
    set_disabled(people, "li")
    with pytest.raises(AuthError, match="^用户“li”已停用；请联系管理员$"):
        mark_learned(people, "li", "G-1")
    with pytest.raises(AuthError, match="^用户“ghost”不存在$"):
        mark_learned(people, "ghost", "G-1")
    with pytest.raises(AuthError, match="^请先登录；查阅需要登录$"):
        mark_learned(people, "", "G-1")


def test_an_empty_or_overlong_document_id_is_refused(people):
    with pytest.raises(KBError, match="^文档编号“”不合法$"):
        mark_learned(people, "li", "  ")
    with pytest.raises(KBError, match=f"^文档编号“{'G' * 64}”不合法$"):
        mark_learned(people, "li", "G" * 65)


def test_completion_counts_each_person_against_their_own_tier_path(people):
    for doc in ("G-1", "G-2", "C-1"):
        mark_learned(people, "li", doc)
    mark_learned(people, "wu", "G-1")
    mark_learned(people, "wu", "G-9")  # not on the path: not counted
    mark_learned(people, "he", "G-2")  # on another tier's path only
    report = summarize_progress(people)
    assert report.people == (
        PersonProgress("he", "城关派出所", "单位负责人", 0, 1),  # units in data/units.yaml's order, then tiers
        PersonProgress("li", "城关派出所", "办案民警", 3, 3),
        PersonProgress("wu", "城东派出所", "办案民警", 1, 3),
    )
    assert report.units == (
        GroupProgress("城关派出所", "单位负责人", people=1, finished=0, done=0, total=1),
        GroupProgress("城关派出所", "办案民警", people=1, finished=1, done=3, total=3),
        GroupProgress("城东派出所", "办案民警", people=1, finished=0, done=1, total=3),
    )
    assert report.tiers == (
        GroupProgress("", "单位负责人", people=1, finished=0, done=0, total=1),
        GroupProgress("", "办案民警", people=2, finished=1, done=4, total=6),
    )
    assert report.tiers[1].rate == pytest.approx(4 / 6)
    assert report.untiered == 1


def test_completion_filtered_by_unit_and_tier_leaves_out_disabled_accounts(people):
    mark_learned(people, "wu", "G-1")
    add_user(people, "old", "读者", "password-old", unit="城东派出所", tier="办案民警")
    set_disabled(people, "old")
    report = summarize_progress(people, unit="城东派出所")
    assert report.people == (PersonProgress("wu", "城东派出所", "办案民警", 1, 3),)
    assert (report.untiered, len(report.units), len(report.tiers)) == (0, 1, 1)
    assert [p.name for p in summarize_progress(people, tier="单位负责人").people] == ["he"]


def test_people_without_a_unit_are_grouped_last_and_a_missing_path_file_counts_nothing(people):
    add_user(people, "zz", "读者", "password-zz", tier="办案民警")
    (people.data_dir / "learning_paths.yaml").unlink()
    report = summarize_progress(people)
    assert report.people[-1] == PersonProgress("zz", "未设置单位", "办案民警", 0, 0)
    assert report.people[-1].rate == 0.0
