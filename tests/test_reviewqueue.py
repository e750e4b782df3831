"""The review queue (待复核): its three reasons, assignment, "已复核，无需修改", clearing by a new version."""

from __future__ import annotations

from datetime import date

import pytest

from kb.errors import AuthError, PublishError
from kb.statutes.library import StatuteLibrary
from kb.workflow import audit, publish, reviewqueue
from kb.workflow.drafts import create_draft, save_draft, submit
from kb.workflow.reviewqueue import LawChange, assign, clear, find_reasons, review_queue

TODAY = date(2026, 12, 7)
RENUMBERED = "治安管理处罚法第七十条（2012-10-26 版）在现行版本（2025-06-27 版，2026-01-01 施行）中已变动：相应内容现为第八十二条"
FIGHT = "治安管理处罚法第四十三条（2012-10-26 版）在现行版本（2025-06-27 版，2026-01-01 施行）中已变动：相应内容现为第五十一条"


def gambling_change(articles: tuple[str, ...] = ("治安管理处罚法:70",)) -> LawChange:
    """What kb.statutes.impact reports for G-4 (as the queue receives it)."""
    return LawChange(
        "G-4", "治安管理处罚法", "2025-06-27", date(2026, 1, 1), articles, "第七十条 → 第八十二条（内容修改）"
    )


@pytest.fixture
def queue_kb(kb, content, laws_dir):
    """The publishing fixture (G-1 due for review since 2025-02-01) plus documents citing the 2012 numbering."""
    content.guide("G-3", title="殴打他人案件办理指引", laws="治安管理处罚法第四十三条")
    content.guide(
        "G-4",
        title="赌博案件办理指引",
        laws="治安管理处罚法第七十条",
        body="依照治安管理处罚法第七十条、第四十三条处理。",
    )
    content.guide("G-5", title="旧殴打指引", laws="治安管理处罚法第四十三条", status="不再参照")
    return kb


@pytest.fixture
def library(laws_dir) -> StatuteLibrary:
    return StatuteLibrary.load(laws_dir)


def reasons_of(settings, library, changes=(gambling_change(),)):
    return find_reasons(settings, today=TODAY, library=library, changes=list(changes))


def rows(entries) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (e.doc_id, e.reason.kind, e.reason.detail, e.reason.since.isoformat(), e.assignee, e.state) for e in entries
    ]


def revise(settings, doc_id: str) -> None:
    """lin writes a revision of a document, zhao publishes it."""
    draft = create_draft(settings, "lin", target_id=doc_id)
    save_draft(settings, "lin", draft.id, draft.text.replace("应当遵守规定", "应当遵守下列规定"), draft.rev)
    submit(settings, "lin", draft.id)
    publish.publish(settings, "zhao", draft.id)


# -- the reasons -------------------------------------------------------------------------------


def test_the_queue_lists_each_reason_once_for_documents_in_force(queue_kb, library):
    entries = review_queue(queue_kb, reasons_of(queue_kb, library))
    assert rows(entries) == [
        ("G-1", "到期复核", "复核日期 2025-02-01，已逾期 674 天", "2025-02-01", "", "待分配"),
        ("G-3", "引用条文已变动", FIGHT, "2026-01-01", "", "待分配"),
        ("G-4", "法规修改", "第七十条 → 第八十二条（内容修改）", "2026-01-01", "", "待分配"),
        # 第七十条 is the law change's; only the other changed citation is listed apart
        ("G-4", "引用条文已变动", FIGHT, "2026-01-01", "", "待分配"),
    ]  # G-5 is 不再参照: never listed


def test_a_guide_issued_under_the_new_version_naming_the_old_edition_is_not_listed(queue_kb, library):
    root = queue_kb.content_dir
    (root / "guides" / "G-6.md").write_text(
        (root / "guides" / "G-3.md")
        .read_text(encoding="utf-8")
        .replace("G-3", "G-6")
        .replace("issued: 2024-03-01", "issued: 2026-03-01")
        .replace("治安管理处罚法第四十三条", "治安管理处罚法第五十一条")
        + "\n原《治安管理处罚法》（2012年修正）第四十三条即现行第五十一条。\n",
        encoding="utf-8",
    )
    reasons = reasons_of(queue_kb, library, changes=())
    assert "G-6" not in [r.doc_id for r in reasons]  # the change took effect before it was issued
    assert ("G-3", "引用条文已变动") in [(r.doc_id, r.kind) for r in reasons]


def test_without_a_statute_library_only_review_dates_are_listed(queue_kb):
    assert [(r.doc_id, r.kind) for r in find_reasons(queue_kb, today=TODAY)] == [("G-1", "到期复核")]


def test_a_review_date_today_is_due_and_one_tomorrow_is_not(queue_kb):
    assert [r.detail for r in find_reasons(queue_kb, today=date(2025, 2, 1))] == ["复核日期 2025-02-01，今天到期"]
    assert find_reasons(queue_kb, today=date(2025, 1, 31)) == ()


def test_select_filters_by_reason_and_by_assignee(queue_kb, library):
    reasons = reasons_of(queue_kb, library)
    assign(queue_kb, "zhao", "G-3", "zhao", reasons=reasons)
    entries = review_queue(queue_kb, reasons)
    assert [e.doc_id for e in reviewqueue.select(entries, kind="引用条文已变动")] == ["G-3", "G-4"]
    assert [e.doc_id for e in reviewqueue.select(entries, assignee="zhao")] == ["G-3"]
    assert reviewqueue.select(entries, kind="法规修改", assignee="zhao") == []


# -- assigning ---------------------------------------------------------------------------------


def test_assigning_a_document_assigns_its_entries_and_is_audited(queue_kb, library):
    reasons = reasons_of(queue_kb, library)
    assigned = assign(queue_kb, "admin", "G-4", "zhao", reasons=reasons)
    assert [(e.reason.kind, e.assignee, e.assigned_by, e.state) for e in assigned] == [
        ("法规修改", "zhao", "admin", "已分配"),
        ("引用条文已变动", "zhao", "admin", "已分配"),
    ]
    entry = audit.read_entries(queue_kb, action="review_assign")[0]
    assert (entry.actor, entry.label, entry.target, entry.detail) == (
        "admin",
        "分配复核",
        "G-4",
        "分配给 zhao：法规修改、引用条文已变动",
    )
    assert rows(review_queue(queue_kb, reasons))[2][4:] == ("zhao", "已分配")


def test_only_a_reviewer_can_be_assigned(queue_kb, library):
    reasons = reasons_of(queue_kb, library)
    with pytest.raises(PublishError) as lin:
        assign(queue_kb, "zhao", "G-3", "lin", reasons=reasons)
    assert str(lin.value) == "用户“lin”不是可用的“审核”账号（编辑）；只能分配给审核人员：zhao"
    with pytest.raises(PublishError) as nobody:
        assign(queue_kb, "zhao", "G-3", "qian", reasons=reasons)
    assert str(nobody.value) == "用户“qian”不存在；只能分配给审核人员：zhao"


def test_a_document_not_in_the_queue_cannot_be_assigned(queue_kb, library):
    with pytest.raises(PublishError) as exc:
        assign(queue_kb, "zhao", "G-2", "zhao", reasons=reasons_of(queue_kb, library))
    assert str(exc.value) == "G-2 不在待复核清单中；请刷新后重试"


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        ("lin", "用户“lin”（编辑）不能分配或复核待复核文档；需要“审核”或“管理员”角色"),
        ("du", "用户“du”（读者）不能分配或复核待复核文档；需要“审核”或“管理员”角色"),
        (None, "请先登录；审核发布需要登录"),
    ],
)
def test_only_reviewers_and_admins_assign_and_decide(queue_kb, library, actor, message):
    reasons = reasons_of(queue_kb, library)
    with pytest.raises(AuthError) as assigning:
        assign(queue_kb, actor, "G-3", "zhao", reasons=reasons)
    with pytest.raises(AuthError) as clearing:
        clear(queue_kb, actor, "G-3", "已核对", reasons=reasons)
    assert str(assigning.value) == str(clearing.value) == message
    if actor:  # refusals are audited
        denied = audit.read_entries(queue_kb, action="denied", actor=actor)
        assert [e.detail for e in denied][:2] == [f"{'编辑' if actor == 'lin' else '读者'}试图分配或复核待复核文档"] * 2
    assert rows(review_queue(queue_kb, reasons))[1] == ("G-3", "引用条文已变动", FIGHT, "2026-01-01", "", "待分配")


# -- clearing ----------------------------------------------------------------------------------


def test_recording_no_change_needs_a_comment(queue_kb, library):
    with pytest.raises(PublishError) as exc:
        clear(queue_kb, "zhao", "G-3", "  ", reasons=reasons_of(queue_kb, library))
    assert str(exc.value) == "记录“已复核，无需修改”须填写复核意见"


def test_no_change_clears_the_entry_and_is_audited(queue_kb, library):
    reasons = reasons_of(queue_kb, library)
    cleared = clear(queue_kb, "zhao", "G-3", "已核对，案例按行为时的2012年版适用", reasons=reasons)
    assert [r.kind for r in cleared] == ["引用条文已变动"]
    assert "G-3" not in [e.doc_id for e in review_queue(queue_kb, reasons)]
    entry = audit.read_entries(queue_kb, action="review_clear")[0]
    assert (entry.actor, entry.label, entry.target, entry.detail) == (
        "zhao",
        "已复核，无需修改",
        "G-3",
        f"引用条文已变动（{FIGHT}）；复核意见：已核对，案例按行为时的2012年版适用",
    )
    [decision] = reviewqueue.decisions(queue_kb, "G-3")
    assert (decision.decision, decision.comment, decision.actor) == (
        "已复核，无需修改",
        "已核对，案例按行为时的2012年版适用",
        "zhao",
    )


def test_clearing_one_kind_leaves_the_others(queue_kb, library):
    reasons = reasons_of(queue_kb, library)
    clear(queue_kb, "zhao", "G-4", "第四十三条的引用无需修改", reasons=reasons, kind="引用条文已变动")
    assert [(e.doc_id, e.reason.kind) for e in review_queue(queue_kb, reasons) if e.doc_id == "G-4"] == [
        ("G-4", "法规修改")
    ]
    with pytest.raises(PublishError) as exc:
        clear(queue_kb, "zhao", "G-4", "再次", reasons=reasons, kind="引用条文已变动")
    assert str(exc.value) == "G-4 没有“引用条文已变动”的待复核条目；请刷新后重试"


def test_a_decision_holds_for_its_reason_only(queue_kb, library):
    clear(queue_kb, "zhao", "G-4", "已复核", reasons=reasons_of(queue_kb, library))
    assert [e.doc_id for e in review_queue(queue_kb, reasons_of(queue_kb, library))] == ["G-1", "G-3"]
    # the law change now flags another citation of G-4: a new reason, listed again
    again = reasons_of(queue_kb, library, [gambling_change(("治安管理处罚法:43", "治安管理处罚法:70"))])
    assert [(e.doc_id, e.reason.kind) for e in review_queue(queue_kb, again)] == [
        ("G-1", "到期复核"),
        ("G-3", "引用条文已变动"),
        ("G-4", "法规修改"),
    ]


def test_publishing_a_new_version_clears_the_reasons_that_predate_it(queue_kb, library):
    assign(queue_kb, "zhao", "G-1", "zhao", reasons=reasons_of(queue_kb, library))
    revise(queue_kb, "G-1")
    assert [e.doc_id for e in review_queue(queue_kb, reasons_of(queue_kb, library))] == ["G-3", "G-4", "G-4"]
    assert audit.read_entries(queue_kb, action="publish", target="G-1")[0].actor == "zhao"


def test_a_reason_newer_than_the_last_version_stays(queue_kb, library):
    revise(queue_kb, "G-1")
    later = LawChange("G-1", "治安管理处罚法", "2099-01-01", date(2099, 1, 1), ("治安管理处罚法:2",), "第二条修改")
    entries = review_queue(queue_kb, reasons_of(queue_kb, library, [later]))
    assert [(e.doc_id, e.reason.kind) for e in entries if e.doc_id == "G-1"] == [("G-1", "法规修改")]


def test_queue_entries_serialise_for_json(queue_kb, library):
    entry = review_queue(queue_kb, reasons_of(queue_kb, library))[0]
    assert entry.to_json() == {
        "id": "G-1",
        "title": "取保候审工作指引",
        "path": "guides/G-1.md",
        "reason": "到期复核",
        "detail": "复核日期 2025-02-01，已逾期 674 天",
        "since": "2025-02-01",
        "key": "到期复核:2025-02-01",
        "assignee": "",
        "state": "待分配",
    }


def test_the_law_changes_come_from_the_revisions_impact(queue_kb, content, library):
    content.case(
        "C-7",
        title="李某殴打他人案",
        category="殴打他人",
        case_type="行政",
        charges="殴打他人",
        laws="治安管理处罚法第四十三条",
        law_text="依照治安管理处罚法第四十三条处罚。",
    )
    reasons = find_reasons(queue_kb, today=TODAY, library=library)
    # guides in force citing the 2012 numbering are the law change's; a 2023 case applied the law of its
    # time (impact: information only), and its cited article has changed since
    assert [(r.doc_id, r.kind, r.key) for r in reasons] == [
        ("G-1", "到期复核", "到期复核:2025-02-01"),
        ("C-7", "引用条文已变动", "引用条文已变动:治安管理处罚法:43@2025-06-27"),
        ("G-3", "法规修改", "法规修改:治安管理处罚法@2025-06-27:治安管理处罚法:43"),
        ("G-4", "法规修改", "法规修改:治安管理处罚法@2025-06-27:治安管理处罚法:43,治安管理处罚法:70"),
    ]
    assert reasons[3].detail == (
        "治安管理处罚法第七十条：现行指引仍按2012年版引用第七十条；2025年版已于2026-01-01施行，"
        "该条现为第八十二条且内容已修改，请核对新条文后改引。"
        "第四十三条：现行指引仍按2012年版引用第四十三条；2025年版已于2026-01-01施行，"
        "该条现为第五十一条且内容已修改，请核对新条文后改引"
    )
