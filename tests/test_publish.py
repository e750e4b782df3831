"""Publishing called directly: roles, versions, supersede, withdraw, crashes, searches meanwhile, audit."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest
from conftest import CASE, guide_text

from kb.errors import AuthError, ContentError, PublishError, StaleVersionError
from kb.search.index import build_index, read_repair_marker
from kb.search.service import SearchService
from kb.workflow import audit, filechange, publish
from kb.workflow.drafts import (
    STATE_PUBLISHED,
    STATE_RETURNED,
    STATE_SUBMITTED,
    StaleDraftError,
    create_draft,
    discard_draft,
    get_draft,
    import_upload,
    return_draft,
    save_draft,
    submit,
)
from kb.workflow.publish import supersede, withdraw
from kb.workflow.versions import history, version_text


def published(settings, text: str, editor: str = "lin", reviewer: str = "zhao", **draft_args):
    draft = create_draft(settings, editor, text, **draft_args)
    submit(settings, editor, draft.id)
    return publish.publish(settings, reviewer, draft.id)


def search_ids(service: SearchService, q: str, old: bool = True) -> list[str]:
    return [h.id for h in service.search(q, per_page=50, include_superseded=old).hits]


def actions(settings) -> list[str]:
    return [e.action for e in reversed(audit.read_entries(settings))]


# -- the workflow ------------------------------------------------------------------------------


def test_draft_submit_publish_writes_version_1_and_is_searchable_at_once(kb):
    service = SearchService(kb)
    assert search_ids(service, '"第一时间调取监控"') == []  # the service is open before the publish
    draft = create_draft(kb, "lin", guide_text("G-9"))
    assert (draft.state, draft.rev, draft.doc_id, draft.title) == ("草稿", 1, "G-9", "电动车盗窃案件侦办指引")
    draft = save_draft(kb, "lin", draft.id, draft.text.replace("及时", "第一时间"), draft.rev)
    assert draft.rev == 2
    assert submit(kb, "lin", draft.id).state == STATE_SUBMITTED
    result = publish.publish(kb, "zhao", draft.id)
    assert (result.doc_id, result.version, result.path, result.indexed, result.warning) == (
        "G-9",
        1,
        "guides/G-9.md",
        True,
        "",
    )
    assert search_ids(service, '"第一时间调取监控"') == ["G-9"]  # the open service, no rebuild or reopen
    text = (kb.content_dir / "guides/G-9.md").read_text(encoding="utf-8")
    assert "version: 1\n" in text and "第一时间调取监控" in text
    assert get_draft(kb, "lin", draft.id).state == STATE_PUBLISHED
    assert [(v.version, v.action, v.actor) for v in history(kb, "G-9")] == [(1, "publish", "zhao")]
    assert not list((kb.content_dir / "guides").glob(".*.tmp"))


def test_a_case_is_written_to_its_category_folder(kb):
    text = CASE.format(
        id="C-9",
        title="李某诈骗案",
        category="诈骗",
        case_type="刑事",
        charges="诈骗罪",
        year=2024,
        tags="网络诈骗",
        laws="刑法第二百六十六条",
        summary="虚构事实骗取财物的，构成诈骗罪。",
        facts="李某冒充客服骗取被害人钱款。",
        law_text="依照刑法第二百六十六条定罪。",
        extra="",
    )
    result = published(kb, text, doc_type="case")
    assert result.path == "casebook/诈骗/C-9.md"
    assert (kb.content_dir / "casebook/诈骗/C-9.md").is_file()


def test_a_new_draft_cannot_take_an_existing_id(kb):
    draft = create_draft(kb, "lin", guide_text("G-1"))
    submit(kb, "lin", draft.id)
    with pytest.raises(ContentError) as err:
        publish.publish(kb, "zhao", draft.id)
    assert str(err.value.problems[0]) == (
        "guides/G-1.md:2: id: id“G-1”已被《取保候审工作指引》（guides/G-1.md）使用；"
        "修改该文档请从它新建修订草稿，新文档请换一个 id"
    )


def test_a_revision_started_before_another_publish_is_refused_not_overwritten(kb):
    first = create_draft(kb, "lin", target_id="G-2")
    second = create_draft(kb, "wang", target_id="G-2")
    for draft, word in ((first, "甲"), (second, "乙")):
        draft = save_draft(kb, draft.author, draft.id, draft.text + word, draft.rev)
        submit(kb, draft.author, draft.id)
    publish.publish(kb, "zhao", first.id)
    with pytest.raises(PublishError, match="G-2 在此草稿创建后已发布了第 2 版（草稿基于第 1 版）"):
        publish.publish(kb, "zhao", second.id)
    assert get_draft(kb, "wang", second.id).text.endswith("乙")  # nothing lost
    assert (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8").endswith("甲")


def test_return_with_comments_then_resubmit(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    submit(kb, "lin", draft.id)
    with pytest.raises(StaleDraftError, match="当前状态为“待审核”，不能再修改"):
        save_draft(kb, "lin", draft.id, "changed", 1)
    with pytest.raises(PublishError, match="退回时须填写修改意见"):
        return_draft(kb, "zhao", draft.id, "  ")
    returned = return_draft(kb, "zhao", draft.id, "请补充法律依据。")
    assert (returned.state, returned.comment, returned.reviewer) == (STATE_RETURNED, "请补充法律依据。", "zhao")
    draft = save_draft(kb, "lin", draft.id, returned.text + "\n## 法律依据\n刑法第二百六十四条。\n", returned.rev)
    submit(kb, "lin", draft.id)
    assert publish.publish(kb, "zhao", draft.id).version == 1
    with pytest.raises(PublishError, match="只有“待审核”的草稿可以发布"):
        publish.publish(kb, "zhao", draft.id)


# -- roles enforced in the core ----------------------------------------------------------------


def test_readers_and_editors_cannot_publish_when_calling_kb_directly(kb):
    draft = create_draft(kb, "lin", guide_text("G-9"))
    submit(kb, "lin", draft.id)
    for who in ("lin", "du", "admin"):
        with pytest.raises(AuthError, match="没有审核发布权限；需要“审核”角色"):
            publish.publish(kb, who, draft.id)
        with pytest.raises(AuthError):
            return_draft(kb, who, draft.id, "意见")
        with pytest.raises(AuthError):
            supersede(kb, who, "G-1", "G-2")
        with pytest.raises(AuthError):
            withdraw(kb, who, "G-1", "理由")
        with pytest.raises(AuthError):
            publish.publish_file(kb, who, kb.content_dir / "guides/G-1.md")
    for who in ("du", "admin", None, "ghost"):
        with pytest.raises(AuthError):
            create_draft(kb, who, guide_text("G-8"))
        with pytest.raises(AuthError):
            save_draft(kb, who, draft.id, "x", 1)
        with pytest.raises(AuthError):
            submit(kb, who, draft.id)
        with pytest.raises(AuthError):
            get_draft(kb, who, draft.id)
    assert not (kb.content_dir / "guides/G-9.md").exists()
    assert get_draft(kb, "zhao", draft.id).state == STATE_SUBMITTED


# -- supersede and withdraw --------------------------------------------------------------------


def test_publishing_a_replacement_supersedes_the_old_document(kb):
    service = SearchService(kb)
    result = published(kb, guide_text("G-9", title="取保候审工作指引（2025年版）", extra="supersedes: [G-1]\n"))
    assert result.superseded == ("G-1",)
    old = (kb.content_dir / "guides/G-1.md").read_text(encoding="utf-8")
    assert "status: 不再参照\n" in old and "superseded_by: G-9\n" in old and "version: 2\n" in old
    stored = service.document("G-1")
    assert (stored["status"], stored["superseded_by"]) == ("不再参照", "G-9")
    assert "G-1" not in search_ids(service, "取保候审", old=False)
    assert [(v.version, v.action, v.note) for v in history(kb, "G-1")] == [
        (1, "import", ""),
        (2, "supersede", "由 G-9 替代"),
    ]


def test_supersede_by_hand_and_its_refusals(kb):
    result = supersede(kb, "zhao", "G-1", "G-2")
    assert (result.doc_id, result.version) == ("G-1", 2)
    text = (kb.content_dir / "guides/G-1.md").read_text(encoding="utf-8")
    assert "status: 不再参照" in text and "superseded_by: G-2" in text
    with pytest.raises(PublishError, match="G-1 已经是“不再参照”状态"):
        supersede(kb, "zhao", "G-1", "G-2")
    with pytest.raises(PublishError, match="找不到替代文档“G-404”"):
        supersede(kb, "zhao", "G-2", "G-404")
    with pytest.raises(PublishError, match="文档不能替代自己"):
        supersede(kb, "zhao", "G-2", "G-2")
    with pytest.raises(PublishError, match="替代文档 G-1 不是现行文档"):
        supersede(kb, "zhao", "C-1", "G-1")


def test_withdraw_removes_the_file_and_the_index_entry_but_keeps_history(kb):
    service = SearchService(kb)
    with pytest.raises(PublishError, match="撤回时须说明理由"):
        withdraw(kb, "zhao", "G-1", "")
    with pytest.raises(PublishError, match="不能撤回 G-2：C-1 引用了它"):
        withdraw(kb, "zhao", "G-2", "过时")
    result = withdraw(kb, "zhao", "G-1", "上级已发布统一规定")
    assert result.indexed
    assert not (kb.content_dir / "guides/G-1.md").exists()
    assert service.document("G-1") is None
    assert [(v.action, v.note) for v in history(kb, "G-1")] == [
        ("import", ""),
        ("withdraw", "上级已发布统一规定"),
    ]
    assert "取保候审" in version_text(kb, "G-1", 1)


# -- nothing an author writes is lost ----------------------------------------------------------


def test_a_crash_between_temp_file_and_rename_keeps_the_old_file_and_the_draft(kb, monkeypatch):
    before = (kb.content_dir / "guides/G-2.md").read_bytes()
    draft = create_draft(kb, "lin", target_id="G-2")
    draft = save_draft(kb, "lin", draft.id, draft.text + "新增一段。", draft.rev)
    submit(kb, "lin", draft.id)
    real_replace = os.replace

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(PublishError) as err:
        publish.publish(kb, "zhao", draft.id)
    assert str(err.value) == (
        f"写入 guides/G-2.md 失败（No space left on device）；原文件未改动，草稿 #{draft.id} 仍在待审核队列中，可稍后重试"
    )
    assert (kb.content_dir / "guides/G-2.md").read_bytes() == before
    assert not list((kb.content_dir / "guides").glob(".*"))  # no temp file left behind
    kept = get_draft(kb, "zhao", draft.id)
    assert (kept.state, kept.text) == (STATE_SUBMITTED, draft.text)
    assert history(kb, "G-2") == []  # the history rolled back with the failed rename
    assert audit.read_entries(kb, action="publish") == []
    assert audit.read_entries(kb, action="publish_failed")[0].target == "G-2"
    monkeypatch.setattr(os, "replace", real_replace)
    assert publish.publish(kb, "zhao", draft.id).version == 2  # recoverable: just publish again
    assert (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8").endswith("新增一段。")


def test_a_failure_after_the_rename_puts_the_old_file_back(kb, monkeypatch):
    before = (kb.content_dir / "guides/G-2.md").read_bytes()
    draft = create_draft(kb, "lin", target_id="G-2")
    draft = save_draft(kb, "lin", draft.id, draft.text + "新增一段。", draft.rev)
    submit(kb, "lin", draft.id)

    calls = []

    def fail_once(folder):
        if folder.name == "guides":  # the content folder's, right after the rename, before COMMIT
            calls.append(folder)
            if len(calls) == 1:
                raise OSError(5, "Input/output error")

    monkeypatch.setattr(filechange, "_fsync_dir", fail_once)
    with pytest.raises(PublishError, match="原文件未改动"):
        publish.publish(kb, "zhao", draft.id)
    assert (kb.content_dir / "guides/G-2.md").read_bytes() == before
    assert not list((kb.content_dir / "guides").glob(".*"))
    assert history(kb, "G-2") == []
    assert get_draft(kb, "zhao", draft.id).state == STATE_SUBMITTED


def test_failed_supersede_and_withdraw_leave_file_and_history_unchanged(kb, monkeypatch):
    before = (kb.content_dir / "guides/G-1.md").read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        supersede(kb, "zhao", "G-1", "G-2")
    with pytest.raises(OSError):
        withdraw(kb, "zhao", "G-1", "过时")
    assert (kb.content_dir / "guides/G-1.md").read_bytes() == before
    assert not list((kb.content_dir / "guides").glob(".*"))
    assert history(kb, "G-1") == []
    assert audit.read_entries(kb, action="supersede") == audit.read_entries(kb, action="withdraw") == []


def test_publishing_while_searches_run_in_threads_keeps_them_answering(kb):
    service = SearchService(kb)
    stop = threading.Event()
    errors: list[BaseException] = []
    answered = [0] * 4

    def searching(n: int) -> None:
        while not stop.is_set():
            try:
                if search_ids(service, "取保候审 OR 刑事拘留"):
                    answered[n] += 1
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
                errors.append(exc)

    threads = [threading.Thread(target=searching, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(3):
            published(kb, guide_text(f"G-1{n}", title=f"第{n}篇电动车指引"))
        supersede(kb, "zhao", "G-1", "G-10")
        before = list(answered)
        deadline = time.monotonic() + 5
        while sum(answered) <= sum(before) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert all(count > 0 for count in answered)
    assert sorted(search_ids(service, "+电动车 +指引")) == ["G-10", "G-11", "G-12"]


def test_every_action_leaves_an_audit_entry(kb):
    from kb.workflow.accounts import authenticate

    authenticate(kb, "zhao", "password-zhao")
    draft = create_draft(kb, "lin", guide_text("G-9", extra="supersedes: [G-1]\n"))
    draft = save_draft(kb, "lin", draft.id, draft.text + "补充。", draft.rev)
    submit(kb, "lin", draft.id)
    return_draft(kb, "zhao", draft.id, "再补充一点。")
    draft = save_draft(kb, "lin", draft.id, draft.text + "再补充。", draft.rev)
    submit(kb, "lin", draft.id)
    publish.publish(kb, "zhao", draft.id)
    import_upload(kb, "lin", "up.md", guide_text("G-8").encode())
    supersede(kb, "zhao", "G-2", "G-9")
    draft2 = create_draft(kb, "lin", guide_text("G-7"))
    discard_draft(kb, "lin", draft2.id)
    assert actions(kb)[5:] == [
        "login",
        "draft_create",
        "save",
        "submit",
        "return",
        "save",
        "submit",
        "publish",
        "supersede",
        "draft_create",
        "upload",
        "supersede",
        "draft_create",
        "discard",
    ]
    entry = audit.read_entries(kb, action="publish")[0]
    assert (entry.actor, entry.target) == ("zhao", "G-9")
    assert entry.detail == f"第 1 版，guides/G-9.md，草稿#{draft.id}"


def test_withdraw_is_audited(kb):
    withdraw(kb, "zhao", "G-1", "过时")
    entry = audit.read_entries(kb, action="withdraw")[0]
    assert (entry.actor, entry.target, entry.detail) == ("zhao", "G-1", "过时")


# -- the base version of a revision ------------------------------------------------------------


def test_a_file_published_from_an_old_version_is_refused_with_the_web_flows_message(kb, tmp_path):
    base = (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    first.write_text(base + "甲的修改。\n", encoding="utf-8")
    second.write_text(base + "乙的修改。\n", encoding="utf-8")
    assert publish.publish_file(kb, "zhao", first).version == 2
    with pytest.raises(StaleVersionError) as err:
        publish.publish_file(kb, "zhao", second)
    assert str(err.value) == (
        "G-2 在此草稿创建后已发布了第 2 版（草稿基于第 1 版）；为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
    )
    assert (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8").endswith("甲的修改。\n")
    assert [v.version for v in history(kb, "G-2")] == [1, 2]
    forced = publish.publish_file(kb, "zhao", second, force=True)
    assert forced.version == 3
    entry = audit.read_entries(kb, action="publish")[0]
    assert entry.detail.endswith("；强制发布：文件基于第 1 版，覆盖已发布的第 2 版")


def test_concurrent_publishes_of_files_from_the_same_version_let_exactly_one_through(kb, tmp_path):
    base = (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
    outcomes: list[object] = [None] * 6
    start = threading.Barrier(6)

    def publishing(n: int) -> None:
        path = tmp_path / f"{n}.md"
        path.write_text(base + f"第{n}位审核人的修改。\n", encoding="utf-8")
        start.wait()
        try:
            outcomes[n] = publish.publish_file(kb, "zhao", path).version
        except PublishError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=publishing, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    winners = [n for n, outcome in enumerate(outcomes) if outcome == 2]
    assert len(winners) == 1, outcomes
    refused = [str(o) for o in outcomes if isinstance(o, PublishError)]
    assert len(refused) == 5 and all("已发布了第 2 版（草稿基于第 1 版）" in r for r in refused), refused
    text = (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
    assert text.endswith(f"第{winners[0]}位审核人的修改。\n")
    assert [v.version for v in history(kb, "G-2")] == [1, 2]


def test_a_published_file_with_a_version_too_large_is_named_not_an_overflow(kb):
    path = kb.content_dir / "guides/G-2.md"
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1", "version: 99999999999999999999999"))
    with pytest.raises(ContentError) as err:
        create_draft(kb, "lin", target_id="G-2")
    assert [str(p) for p in err.value.problems] == [
        "guides/G-2.md:12: version: 版本号过大，实际为 99999999999999999999999；应为不超过 999999999 的正整数，"
        "请先改正已发布的文件"
    ]


# -- a publish that cannot update the index ----------------------------------------------------


def _hold_build_lock(index_dir, ready, release):
    from kb.search.index import build_lock

    with build_lock(index_dir):
        ready.set()
        release.wait(30)


@pytest.fixture
def index_locked(kb, monkeypatch):
    """Another process holds the index lock; waiting for it gives up at once."""
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_build_lock, args=(kb.index_dir, ready, release))
    proc.start()
    assert ready.wait(10)
    monkeypatch.setattr("kb.search.buildlock.LOCK_TIMEOUT", 0.2)
    yield release
    release.set()
    proc.join(10)


def test_a_publish_that_cannot_update_the_index_says_so_and_the_next_build_repairs_it(kb, index_locked):
    draft = create_draft(kb, "lin", guide_text("G-9", body="夜间巡逻发现可疑人员应当当场盘查。"))
    submit(kb, "lin", draft.id)
    result = publish.publish(kb, "zhao", draft.id)
    assert (result.indexed, result.version) == (False, 1)
    assert result.warning.startswith("文件已发布，但检索索引未更新（另一个构建或发布正在写入索引（进程 ")
    assert result.warning.endswith("；已记下待修复，下次启动应用或运行 python indexer.py build 时自动补上")
    marker = read_repair_marker(kb.index_dir)
    assert marker["reasons"][0].startswith("G-9 未写入索引（另一个构建或发布正在写入索引")
    assert oct((kb.index_dir / "NEEDS_REPAIR").stat().st_mode & 0o777) == "0o600"
    index_locked.set()
    report = build_index(kb)
    assert (report.added, report.reason) == (1, "补上索引遗漏的修改")
    assert read_repair_marker(kb.index_dir) == {}
    assert search_ids(SearchService(kb), '"当场盘查"') == ["G-9"]
