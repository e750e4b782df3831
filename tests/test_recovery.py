"""Crash safety of publishing: a crash (an exception, or kill -9 of the process) at every step of a publish,
supersede or withdraw leaves files, history, audit and index consistent after the next start."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
from conftest import guide_text

from kb.content.catalog import published_documents
from kb.content.validation import load_content
from kb.search.index import build_index, current_dir, read_meta, read_repair_marker, repair_index, repair_reason
from kb.search.service import SearchService
from kb.settings import REPO_ROOT
from kb.workflow import audit, database, publish, publishing
from kb.workflow.drafts import STATE_PUBLISHED, STATE_SUBMITTED, create_draft, get_draft, save_draft, submit
from kb.workflow.publish import STEPS, journal_dir, recover
from kb.workflow.versions import history

NEW_WORDS = "夜间巡逻发现可疑人员应当当场盘查"


class Crash(Exception):
    """Stands for the process dying at a step."""


# -- what "consistent" means -------------------------------------------------------------------


def leftovers(settings) -> list[str]:
    """Temporaries in the content folders and journals of changes in progress."""
    hidden = [p.relative_to(settings.content_dir).as_posix() for p in settings.content_dir.rglob(".*") if p.is_file()]
    return sorted(hidden + [p.name for p in journal_dir(settings).glob("*.json*")])


def assert_consistent(settings) -> None:
    """Files, history, audit, drafts and index agree, and nothing is left over."""
    assert leftovers(settings) == []
    files = published_documents(settings)
    with closing(database.connect(settings)) as con:
        rows = con.execute("SELECT * FROM versions ORDER BY id").fetchall()
        entries = con.execute(
            "SELECT action, target FROM audit WHERE action IN ('publish', 'supersede', 'withdraw') ORDER BY id"
        ).fetchall()
        drafts = con.execute("SELECT id, state, doc_id, published_version FROM drafts").fetchall()
    latest = {}
    for row in rows:
        latest[row["doc_id"]] = row
    for doc_id, row in latest.items():  # the last state in the history is the file on disk
        if row["action"] == "withdraw":
            assert doc_id not in files
        else:
            assert (files[doc_id].path, files[doc_id].text) == (row["path"], row["text"])
    # every change in the history has its audit entry, and no audit entry lacks its change
    assert [(e["action"], e["target"]) for e in entries] == [
        (r["action"], r["doc_id"]) for r in rows if r["action"] != "import"
    ]
    for draft in drafts:
        stored = [r for r in rows if r["draft_id"] == draft["id"]]
        if draft["state"] == STATE_PUBLISHED:
            assert [(r["doc_id"], r["version"]) for r in stored] == [(draft["doc_id"], draft["published_version"])]
        else:
            assert stored == []
    # the index holds exactly the files, each at its version
    assert repair_reason(settings) == ""
    content = load_content(settings.content_dir, _taxonomy(settings))
    meta = read_meta(current_dir(settings.index_dir))
    assert meta["docs"] == {d.path: {"id": d.id, "hash": d.hash} for d in content.documents}
    service = SearchService(settings)
    try:
        for doc in content.documents:
            stored = service.document(doc.id)
            assert (stored["version"], stored["status"]) == (doc.version, doc.status)
    finally:
        service.close()


def _taxonomy(settings):
    from kb.content.catalog import load_content_taxonomy

    return load_content_taxonomy(settings)


def next_start(settings) -> publish.Recovery:
    """What the app's warm-up and `indexer.py build` do first."""
    recovery = recover(settings)
    repair_index(settings)
    return recovery


# -- the operations crashed --------------------------------------------------------------------


def revision(kb) -> int:
    """A submitted revision of G-2 that also supersedes G-1: two files change in one publish."""
    draft = create_draft(kb, "lin", target_id="G-2")
    text = draft.text.replace("version: 1\n", "version: 1\nsupersedes: [G-1]\n") + NEW_WORDS + "。\n"
    draft = save_draft(kb, "lin", draft.id, text, draft.rev)
    return submit(kb, "lin", draft.id).id


def new_document(kb) -> int:
    draft = create_draft(kb, "lin", guide_text("G-9", body=NEW_WORDS + "。"))
    return submit(kb, "lin", draft.id).id


def snapshot(kb) -> dict[str, bytes]:
    return {p.relative_to(kb.content_dir).as_posix(): p.read_bytes() for p in kb.content_dir.rglob("*.md")}


# Where the crash comes (a step and which time it is reached) and whether the publish took effect.
# The revision writes G-2 (first) and G-1 (second, superseded): "renamed" 2 has both files renamed.
REVISION_CRASHES = [
    ("staged", 1, False),
    ("recorded", 1, False),
    ("journaled", 1, False),
    ("backed_up", 1, False),
    ("renamed", 1, False),
    ("journaled", 2, False),
    ("backed_up", 2, False),
    ("renamed", 2, False),
    ("committed", 1, True),
    ("finished", 1, True),
]


def test_the_crash_cases_cover_every_step():
    assert {step for step, _, _ in REVISION_CRASHES} == set(STEPS)


def assert_outcome(kb, draft_id: int, before: dict[str, bytes], published: bool) -> None:
    draft = get_draft(kb, "zhao", draft_id)
    if published:
        assert draft.state == STATE_PUBLISHED
        g2 = (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
        g1 = (kb.content_dir / "guides/G-1.md").read_text(encoding="utf-8")
        assert "version: 2\n" in g2 and NEW_WORDS in g2
        assert "status: 不再参照\n" in g1 and "superseded_by: G-2\n" in g1
        assert [h.id for h in SearchService(kb).search(f'"{NEW_WORDS}"').hits] == ["G-2"]
    else:
        assert draft.state == STATE_SUBMITTED
        assert snapshot(kb) == before
        assert [v.version for v in history(kb, "G-2")] == []
        assert audit.read_entries(kb, action="publish") == []


@pytest.mark.parametrize(("step", "nth", "published"), REVISION_CRASHES)
def test_an_exception_at_any_step_of_a_publish_leaves_everything_consistent(kb, monkeypatch, step, nth, published):
    draft_id = revision(kb)
    before = snapshot(kb)
    reached = []

    def crash(name: str) -> None:
        if name == step:
            reached.append(name)
            if len(reached) == nth:
                raise Crash(name)

    monkeypatch.setattr(publishing, "_step", crash)
    with pytest.raises(Crash):
        publish.publish(kb, "zhao", draft_id)
    monkeypatch.undo()
    next_start(kb)
    assert_consistent(kb)
    assert_outcome(kb, draft_id, before, published)
    if not published:  # nothing was lost: the reviewer publishes again
        assert publish.publish(kb, "zhao", draft_id).version == 2
        assert_consistent(kb)
        assert_outcome(kb, draft_id, before, True)


# -- kill -9 at every step, in a child process --------------------------------------------------

CHILD = """
import os, signal, sys
from pathlib import Path
import kb.search.index
from kb.workflow import publish, publishing
from kb.settings import Settings

root, content, operation, step, nth, arg = sys.argv[1:7]
settings = Settings(content_dir=Path(content), index_dir=Path(root) / "index", laws_dir=None,
                    data_dir=Path(content) / "data", db_path=Path(root) / "casekb.sqlite3", search_log=False)
reached = []

def kill_at(name):
    if name == step:
        reached.append(name)
        if len(reached) == int(nth):
            os.kill(os.getpid(), signal.SIGKILL)

publishing._step = kill_at
if step == "index":  # after Whoosh committed the publish's documents, before the index's record of them
    write = kb.search.index._write_atomic
    kb.search.index._write_atomic = lambda path, text: kill_at("index") if path.name == "casekb-meta.json" else write(path, text)
if operation == "withdraw":
    publish.withdraw(settings, "zhao", arg, "过时")
elif operation == "supersede":
    publish.supersede(settings, "zhao", arg, "G-2")
else:
    publish.publish(settings, "zhao", int(arg))
print("finished without being killed")
"""


def killed_at(kb, operation: str, step: str, nth: int, arg: object) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(kb.db_path.parent), str(kb.content_dir), operation, step, str(nth), str(arg)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stdout + proc.stderr


@pytest.mark.parametrize(("step", "nth", "published"), [*REVISION_CRASHES, ("index", 1, True)])
def test_a_publish_killed_at_any_step_is_consistent_after_the_next_start(kb, step, nth, published):
    draft_id = revision(kb)
    before = snapshot(kb)
    killed_at(kb, "publish", step, nth, draft_id)
    left = leftovers(kb)
    recovery = next_start(kb)
    assert bool(recovery.actions) == bool(left)
    assert_consistent(kb)
    assert_outcome(kb, draft_id, before, published)
    audited = [e.detail for e in audit.read_entries(kb, action="recover")]
    assert audited == list(reversed(recovery.actions))


def test_a_kill_between_rename_and_commit_is_rolled_back_and_audited(kb):
    """The finding: a file on disk with no history or audit entry, the old text only in a .bak."""
    draft_id = revision(kb)
    before = snapshot(kb)
    killed_at(kb, "publish", "renamed", 1, draft_id)
    assert "第一时间" not in before["guides/G-2.md"].decode()
    assert NEW_WORDS in (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")  # the crash window
    recovery = next_start(kb)
    assert recovery.actions == (
        f"发布 G-2 第 2 版（草稿#{draft_id}）未提交（进程中断），已回滚：guides/G-2.md 恢复原状",
    )
    entry = audit.read_entries(kb, action="recover")[0]
    assert (entry.actor, entry.target, entry.label) == ("系统", f"发布 G-2 第 2 版（草稿#{draft_id}）", "启动恢复")
    assert snapshot(kb) == before
    assert_consistent(kb)


def test_a_kill_after_the_commit_completes_the_publish_and_the_index_catches_up(kb):
    draft_id = revision(kb)
    killed_at(kb, "publish", "committed", 1, draft_id)
    assert read_repair_marker(kb.index_dir) == {}
    recovery = recover(kb)
    assert recovery.actions == (
        f"发布 G-2 第 2 版（草稿#{draft_id}）已提交但未收尾（进程中断），已完成：删除 guides/G-2.md、guides/G-1.md 的备份",
    )
    assert read_repair_marker(kb.index_dir)["reasons"] == ["启动恢复：" + recovery.actions[0]]
    report = repair_index(kb)
    assert (report.updated, report.reason) == (2, "补上索引遗漏的修改")
    assert read_repair_marker(kb.index_dir) == {}
    assert_consistent(kb)


@pytest.mark.parametrize(("step", "published"), [("renamed", False), ("committed", True), ("finished", True)])
def test_a_new_document_killed_at_a_step_is_consistent_after_the_next_start(kb, step, published):
    draft_id = new_document(kb)
    killed_at(kb, "publish", step, 1, draft_id)
    next_start(kb)
    assert_consistent(kb)
    assert (kb.content_dir / "guides/G-9.md").exists() == published
    assert get_draft(kb, "zhao", draft_id).state == (STATE_PUBLISHED if published else STATE_SUBMITTED)


@pytest.mark.parametrize("operation", ["withdraw", "supersede"])
@pytest.mark.parametrize(("step", "done"), [("journaled", False), ("renamed", False), ("committed", True)])
def test_a_withdraw_or_supersede_killed_at_a_step_is_consistent_after_the_next_start(kb, operation, step, done):
    before = (kb.content_dir / "guides/G-1.md").read_bytes()
    killed_at(kb, operation, step, 1, "G-1")
    next_start(kb)
    assert_consistent(kb)
    path = kb.content_dir / "guides/G-1.md"
    if not done:
        assert path.read_bytes() == before
    elif operation == "withdraw":
        assert not path.exists()
    else:
        assert "status: 不再参照\n" in path.read_text(encoding="utf-8")


# -- leftovers without a journal (written before journals existed) -----------------------------


def test_a_file_renamed_without_its_history_is_rolled_back_from_its_backup(kb):
    old = (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
    (kb.content_dir / "guides/.G-2.md.1a2b3c4d.bak").write_text(old, encoding="utf-8")
    (kb.content_dir / "guides/G-2.md").write_text(old.replace("version: 1", "version: 2") + "新内容。\n")
    (kb.content_dir / "guides/.G-9.md.0badf00d.tmp").write_text("staged", encoding="utf-8")
    recovery = next_start(kb)
    assert recovery.actions == (
        "guides/G-2.md 的新内容没有历史记录（发布未完成），已恢复为原文件",
        "删除中断的发布留下的临时文件 guides/.G-9.md.0badf00d.tmp",
    )
    assert [(e.target, e.actor) for e in audit.read_entries(kb, action="recover")] == [
        ("guides/.G-9.md.0badf00d.tmp", "系统"),
        ("guides/.G-2.md.1a2b3c4d.bak", "系统"),
    ]
    assert (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8") == old
    assert_consistent(kb)


def test_a_backup_of_a_recorded_change_is_only_removed(kb):
    draft = create_draft(kb, "lin", target_id="G-2")
    draft = save_draft(kb, "lin", draft.id, draft.text + "补充。\n", draft.rev)
    submit(kb, "lin", draft.id)
    old = (kb.content_dir / "guides/G-2.md").read_bytes()
    publish.publish(kb, "zhao", draft.id)
    (kb.content_dir / "guides/.G-2.md.1a2b3c4d.bak").write_bytes(old)
    moved = kb.content_dir / "guides/G-1.md"
    text = moved.read_bytes()
    publish.withdraw(kb, "zhao", "G-1", "过时")
    (kb.content_dir / "guides/.G-1.md.5e6f7a8b.bak").write_bytes(text)
    assert next_start(kb).actions == (
        "删除已完成的撤回留下的备份 .G-1.md.5e6f7a8b.bak",
        "删除已完成的修改留下的备份 .G-2.md.1a2b3c4d.bak",
    )
    assert "补充。" in (kb.content_dir / "guides/G-2.md").read_text(encoding="utf-8")
    assert not moved.exists()
    assert_consistent(kb)


def test_nothing_to_recover_opens_and_creates_nothing(settings, content):
    content.guide("G-1")
    assert recover(settings) == publish.Recovery()
    assert not settings.db_path.exists() and not journal_dir(settings).exists()


def test_recovery_waits_for_a_publish_in_progress_instead_of_taking_its_staged_file(kb, monkeypatch):
    draft_id = new_document(kb)
    recovering: list[threading.Thread] = []

    def meanwhile(name: str) -> None:
        if name == "staged":  # the publish's temporary file is on disk, not yet in a journal
            thread = threading.Thread(target=recover, args=(kb,))
            thread.start()
            thread.join(0.3)
            assert thread.is_alive()  # waiting for the publish lock
            recovering.append(thread)

    monkeypatch.setattr(publishing, "_step", meanwhile)
    assert publish.publish(kb, "zhao", draft_id).version == 1
    recovering[0].join(30)
    assert audit.read_entries(kb, action="recover") == []
    assert_consistent(kb)


# -- the index after a publish that could not update it ----------------------------------------


def test_the_app_start_brings_a_stale_index_up_to_date(kb, monkeypatch):
    from ui import first_build, services

    for name, value in (("KB_CONTENT", kb.content_dir), ("KB_INDEX", kb.index_dir), ("KB_DB", kb.db_path)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    draft_id = new_document(kb)
    killed_at(kb, "publish", "finished", 1, draft_id)  # published, never indexed, no marker
    assert repair_reason(kb) == "内容文件与索引不一致"
    first_build.recover_once(services.settings())
    assert repair_reason(kb) == ""
    assert [h.id for h in SearchService(kb).search(f'"{NEW_WORDS}"').hits] == ["G-9"]


def test_a_full_build_clears_the_marker_but_not_one_written_meanwhile(kb):
    from kb.search.index import mark_needs_repair

    assert mark_needs_repair(kb.index_dir, "G-9 未写入索引（测试）")
    marker = read_repair_marker(kb.index_dir)
    assert marker["reasons"] == ["G-9 未写入索引（测试）"]
    assert build_index(kb, full=True).reason == "全量重建"
    assert read_repair_marker(kb.index_dir) == {}
    mark_needs_repair(kb.index_dir, "第一次")
    seen = read_repair_marker(kb.index_dir)
    mark_needs_repair(kb.index_dir, "第二次")
    from kb.search.repair import clear_repair_marker

    clear_repair_marker(kb.index_dir, seen)  # a build that started before the second failure
    assert read_repair_marker(kb.index_dir)["reasons"] == ["第一次", "第二次"]


def test_journal_and_database_files_are_private(kb):
    draft_id = new_document(kb)
    publish.publish(kb, "zhao", draft_id)
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in (kb.db_path, journal_dir(kb), journal_dir(kb) / "lock")}
    assert modes == {"casekb.sqlite3": "0o600", "publish-journal": "0o700", "lock": "0o600"}
    for extra in ("-wal", "-shm"):
        path = Path(str(kb.db_path) + extra)
        if path.exists():
            assert oct(path.stat().st_mode & 0o777) == "0o600"
    fresh = kb.db_path.parent / "var" / "sub" / "new.sqlite3"
    with closing(database.connect(fresh)):
        pass
    assert [oct(p.stat().st_mode & 0o777) for p in (fresh.parent.parent, fresh.parent, fresh)] == [
        "0o700",
        "0o700",
        "0o600",
    ]
    assert os.stat(kb.content_dir / "guides/G-9.md").st_mode & 0o777 == 0o644  # content stays as git keeps it


# -- the review page -----------------------------------------------------------------------------


def _hold_build_lock(index_dir, ready, release):
    from kb.search.index import build_lock

    with build_lock(index_dir):
        ready.set()
        release.wait(30)


def test_the_review_page_shows_an_error_when_the_index_could_not_be_updated(kb, monkeypatch):
    import multiprocessing

    from streamlit.testing.v1 import AppTest

    for name, value in (("KB_CONTENT", kb.content_dir), ("KB_INDEX", kb.index_dir), ("KB_DB", kb.db_path)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    draft_id = new_document(kb)
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/login.py")
    at.run()
    at.text_input(key="login_name").input("zhao")
    at.text_input(key="login_password").input("password-zhao")
    at.button[0].click()
    at.run()
    at.switch_page("app_pages/review.py")
    at.run()
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_build_lock, args=(kb.index_dir, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        monkeypatch.setattr("kb.search.buildlock.LOCK_TIMEOUT", 0.2)
        at.button(key="review_publish").click()
        at.run()
    finally:
        release.set()
        holder.join(10)
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["已发布 G-9 第 1 版：guides/G-9.md"]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("文件已发布，但检索索引未更新"), errors
    assert "已记下待修复" in errors[0]
    assert get_draft(kb, "zhao", draft_id).state == STATE_PUBLISHED


def test_a_quiz_file_staged_by_an_interrupted_publish_is_removed(kb):
    (kb.content_dir / "quizzes").mkdir(exist_ok=True)
    (kb.content_dir / "quizzes/.盗窃.md.0badf00d.tmp").write_text("staged", encoding="utf-8")
    recovery = next_start(kb)
    assert recovery.actions == ("删除中断的发布留下的临时文件 quizzes/.盗窃.md.0badf00d.tmp",)
    assert not (kb.content_dir / "quizzes/.盗窃.md.0badf00d.tmp").exists()
