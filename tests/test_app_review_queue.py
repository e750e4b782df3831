"""The review queue (待复核) on the 审核发布 page through AppTest: the table, its filters, assigning,
recording "已复核，无需修改", and a new version clearing an entry."""

from __future__ import annotations

from datetime import date

import pytest

from kb.workflow import audit, publish
from kb.workflow.drafts import create_draft, save_draft, submit

try:
    from tests.test_app_publish import check, env, go, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import check, env, go, logged_in, texts

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role

GAMBLING = """---
id: G-2024-990
title: 赌博案件办理指引
kind: 办案指引
category: 治安赌博
stage: [调查取证]
tags: [赌博]
laws: [治安管理处罚法第七十条]
audience: [办案民警]
status: 现行
issued: 2024-03-01
version: 1
summary: 赌博案件的查处。
---

## 处罚

以营利为目的，为赌博提供条件的，依照治安管理处罚法第七十条处罚。
"""
LAW_CHANGE = (
    "治安管理处罚法第七十条：现行指引仍按2012年版引用第七十条；2025年版已于2026-01-01施行，"
    "该条现为第八十二条且内容已修改，请核对新条文后改引"
)
CHANGED = "治安管理处罚法第五十一条（2012-10-26 版）在现行版本（2025-06-27 版，2026-01-01 施行）中已变动：相应内容现为第六十二条"


@pytest.fixture
def queue_env(env, monkeypatch, laws_dir):
    """The app's content with the statute library: G-2024-902 past its review date, a guide citing the
    2012 第七十条 (a law change), and C-2024-902, a 2024 case citing the 2012 第五十一条 (changed since)."""
    monkeypatch.setenv("KB_LAWS", str(laws_dir))
    kit = env.content_dir / "guides" / "G-2024-902.md"
    kit.write_text(kit.read_text(encoding="utf-8").replace("version: 1\n", "version: 1\nreview_by: 2025-06-01\n"))
    (env.content_dir / "guides" / "G-2024-990.md").write_text(GAMBLING, encoding="utf-8")
    return env


def overdue() -> str:
    return f"复核日期 2025-06-01，已逾期 {(date.today() - date(2025, 6, 1)).days} 天"


def table(at) -> list[tuple[str, ...]]:
    """The queue's rows as shown: 编号, 原因, 说明, 复核人, 状态."""
    frame = at.dataframe[0].value
    return [tuple(row) for row in frame[["编号", "原因", "说明", "复核人", "状态"]].itertuples(index=False)]


def queue_page(name: str = "zhao"):
    return go(logged_in(name), "review")


def test_the_queue_lists_the_three_reasons_with_their_details(queue_env):
    at = queue_page()
    assert [t.label for t in at.tabs][:2] == ["待审核（0）", "待复核（3）"]
    assert table(at) == [
        ("G-2024-902", "到期复核", overdue(), "—", "待分配"),
        ("C-2024-902", "引用条文已变动", CHANGED, "—", "待分配"),
        ("G-2024-990", "法规修改", LAW_CHANGE, "—", "待分配"),
    ]
    assert list(at.dataframe[0].value.columns) == ["编号", "标题", "原因", "说明", "起始日期", "复核人", "状态"]


def test_the_queue_filters_by_reason_and_by_assigned_to_me(queue_env):
    at = queue_page()
    at.selectbox(key="review_q_kind").select("法规修改")
    check(at.run())
    assert [row[0] for row in table(at)] == ["G-2024-990"]
    at.selectbox(key="review_q_kind").select("全部")
    at.checkbox(key="review_q_mine").check()
    check(at.run())
    assert texts(at.tabs[1].info) == ["没有待复核的文档。"]


def test_a_reviewer_assigns_an_entry_from_the_page(queue_env):
    at = queue_page()
    at.selectbox(key="review_q_doc").select("C-2024-902")
    at.selectbox(key="review_q_to").select("zhao")
    check(at.run())  # the button is enabled once a reviewer is chosen
    at.button(key="review_q_assign").click()
    check(at.run())
    assert texts(at.success) == ["已将 C-2024-902 分配给 zhao：引用条文已变动"]
    assert table(at)[1] == ("C-2024-902", "引用条文已变动", CHANGED, "zhao", "已分配")
    at.checkbox(key="review_q_mine").check()
    check(at.run())
    assert [row[0] for row in table(at)] == ["C-2024-902"]
    entry = audit.read_entries(queue_env, action="review_assign")[0]
    assert (entry.actor, entry.target, entry.detail) == ("zhao", "C-2024-902", "分配给 zhao：引用条文已变动")


def test_no_change_needs_a_comment_then_clears_the_entry_into_the_audit_log(queue_env):
    at = queue_page()
    at.selectbox(key="review_q_doc").select("C-2024-902")
    at.button(key="review_q_clear").click()
    check(at.run())
    assert texts(at.error) == ["记录“已复核，无需修改”须填写复核意见"]
    assert len(table(at)) == 3
    at.text_area(key="review_q_comment").input("案例按行为时的2012年版适用，无需修改")
    at.button(key="review_q_clear").click()
    check(at.run())
    assert texts(at.success) == ["已记录 C-2024-902“已复核，无需修改”：引用条文已变动；已记入审计日志"]
    assert [row[0] for row in table(at)] == ["G-2024-902", "G-2024-990"]
    assert [t.label for t in at.tabs][1] == "待复核（2）"
    assert at.text_area(key="review_q_comment").value == ""  # not carried over to the next document
    entry = audit.read_entries(queue_env, action="review_clear")[0]
    assert (entry.actor, entry.label, entry.target, entry.detail) == (
        "zhao",
        "已复核，无需修改",
        "C-2024-902",
        f"引用条文已变动（{CHANGED}）；复核意见：案例按行为时的2012年版适用，无需修改",
    )


def test_a_new_version_clears_the_entries_that_predate_it(queue_env):
    draft = create_draft(queue_env, "lin", target_id="G-2024-902")
    text = draft.text.replace("review_by: 2025-06-01", "review_by: 2027-06-01")
    save_draft(queue_env, "lin", draft.id, text, draft.rev)
    submit(queue_env, "lin", draft.id)
    publish.publish(queue_env, "zhao", draft.id)
    assert [row[0] for row in table(queue_page())] == ["C-2024-902", "G-2024-990"]
