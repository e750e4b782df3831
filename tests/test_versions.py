"""Version history and review dates: every published state kept and readable, documents due for review."""

from __future__ import annotations

from datetime import date

import pytest

from kb.content.diff import sentence_diff
from kb.errors import PublishError
from kb.workflow import publish
from kb.workflow.drafts import create_draft, save_draft, submit
from kb.workflow.versions import due_for_review, history, superseded_on, version_text, withdrawal


def test_a_revision_bumps_the_version_and_keeps_every_version(kb):
    draft = create_draft(kb, "lin", target_id="G-2")
    assert (draft.base_version, draft.target_id) == (1, "G-2")
    draft = save_draft(kb, "lin", draft.id, draft.text.replace("二十四小时内", "二十四小时以内"), draft.rev)
    submit(kb, "lin", draft.id)
    result = publish.publish(kb, "zhao", draft.id)
    assert result.version == 2
    versions = history(kb, "G-2")
    assert [(v.version, v.action) for v in versions] == [(1, "import"), (2, "publish")]
    old, new = version_text(kb, "G-2", 1), version_text(kb, "G-2", 2)
    assert "version: 1" in old and "version: 2" in new
    changed = [op for op in sentence_diff(old, new).ops if op.tag != "equal"]
    assert [(op.old, op.new) for op in changed] == [
        (("version: 1",), ("version: 2",)),
        (("刑事拘留后应当在二十四小时内通知家属。",), ("刑事拘留后应当在二十四小时以内通知家属。",)),
    ]
    with pytest.raises(PublishError, match="G-2 没有第 7 版的记录"):
        version_text(kb, "G-2", 7)


def test_due_for_review_lists_past_and_near_dates(kb, content):
    content.guide("G-3", title="监视居住工作指引", extra="review_by: 2025-03-15\n")
    content.guide("G-4", title="远期复核指引", extra="review_by: 2026-01-01\n")
    items = due_for_review(kb, today=date(2025, 3, 1))
    assert [(i.id, i.days_left, i.overdue) for i in items] == [("G-1", -28, True), ("G-3", 14, False)]


def test_a_withdrawn_document_says_when_by_whom_and_why(kb):
    assert withdrawal(kb, "G-1") is None
    publish.withdraw(kb, "zhao", "G-1", "已被新规定取代")
    gone = withdrawal(kb, "G-1")
    assert (gone.doc_id, gone.action, gone.actor, gone.reason, gone.title, gone.replaced_by) == (
        "G-1",
        "withdraw",
        "zhao",
        "已被新规定取代",
        "取保候审工作指引",
        "",
    )
    assert gone.day == date.today().isoformat() and gone.role == "审核"
    assert withdrawal(kb, "G-2") is None and withdrawal(kb, "NOPE") is None


def test_a_superseded_document_says_since_when_and_by_which_document(kb):
    assert superseded_on(kb, "G-1") is None
    publish.supersede(kb, "zhao", "G-1", "G-2")
    marked = superseded_on(kb, "G-1")
    assert (marked.action, marked.actor, marked.reason, marked.replaced_by) == (
        "supersede",
        "zhao",
        "由 G-2 替代",
        "G-2",
    )
    assert marked.day == date.today().isoformat()
    assert withdrawal(kb, "G-1") is None  # superseded is not withdrawn
    publish.withdraw(kb, "zhao", "G-1", "不再需要")
    assert withdrawal(kb, "G-1").replaced_by == "G-2"  # withdrawn after being superseded: read G-2 instead
