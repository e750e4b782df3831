"""Index builds: incremental changes, atomic full rebuilds, content errors, the writer lock."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LAWS_DIR, ContentTree, make_settings

from kb.errors import ContentError, IndexLockedError
from kb.search import buildlock
from kb.search.index import build_index, build_lock, current_dir
from kb.search.service import SearchService
from kb.settings import REPO_ROOT


def ids(settings, query="", **filters):
    service = SearchService(settings)
    try:
        return sorted(h.id for h in service.search(query, filters, per_page=100, include_superseded=True).hits)
    finally:
        service.close()


def test_first_build_is_full_and_indexes_every_document(content, settings):
    content.guide("G-1")
    content.case("C-1")
    report = build_index(settings)
    assert (report.full, report.added, report.reason) == (True, 2, "首次构建")
    assert ids(settings) == ["C-1", "G-1"]


def test_incremental_build_writes_only_added_changed_and_deleted(content, settings):
    content.guide("G-1")
    content.guide("G-2", title="刑事拘留工作指引")
    content.case("C-1")
    build_index(settings)
    content.guide("G-2", title="刑事拘留审批指引")
    content.guide("G-3", title="监视居住工作指引")
    (content.root / "casebook/盗窃/C-1.md").unlink()
    report = build_index(settings)
    assert (report.full, report.added, report.updated, report.deleted, report.unchanged) == (False, 1, 1, 1, 1)
    assert ids(settings) == ["G-1", "G-2", "G-3"]
    assert ids(settings, "审批") == ["G-2"]
    assert build_index(settings).changed == 0


def test_content_errors_index_nothing_and_keep_the_old_index(content, settings):
    content.guide("G-1")
    build_index(settings)
    live = current_dir(settings.index_dir)
    content.guide("G-2", category="盗抢")
    with pytest.raises(ContentError) as err:
        build_index(settings, full=True)
    assert str(err.value) == "共 1 处错误，涉及 1 个文件"
    assert current_dir(settings.index_dir) == live
    assert ids(settings) == ["G-1"]


def test_a_failure_mid_build_leaves_the_old_index_serving(content, settings):
    for n in range(5):
        content.guide(f"G-{n}")
    build_index(settings)
    live = current_dir(settings.index_dir)
    content.guide("G-9", title="新增指引")
    with pytest.raises(RuntimeError):
        build_index(settings, full=True, fail_after=2)
    assert current_dir(settings.index_dir) == live
    assert sorted(p.name for p in settings.index_dir.glob("gen-*")) == [live.name]
    assert ids(settings) == [f"G-{n}" for n in range(5)]
    with pytest.raises(RuntimeError):
        build_index(settings, fail_after=0)
    assert ids(settings) == [f"G-{n}" for n in range(5)]
    build_index(settings)
    assert "G-9" in ids(settings)


def test_full_build_switches_to_a_new_generation(content, settings):
    content.guide("G-1")
    build_index(settings)
    first = current_dir(settings.index_dir)
    report = build_index(settings, full=True)
    second = current_dir(settings.index_dir)
    assert report.full and second != first and first.exists()  # kept for searches still running on it
    build_index(settings, full=True)
    assert not first.exists() and second.exists()


def test_an_index_written_by_an_earlier_release_is_rebuilt_not_a_crash(content, settings):
    # An earlier release pickled its tokenizers under another module path (kb.analysis before the
    # sub-packages): reading such a schema fails with ImportError inside Whoosh.
    content.guide("G-1")
    build_index(settings)
    live = current_dir(settings.index_dir)
    for toc in live.glob("*.toc"):
        data = toc.read_bytes()
        assert b"kb.search.analysis" in data
        toc.write_bytes(data.replace(b"kb.search.analysis", b"kb.search.analysiz"))  # same length
    assert current_dir(settings.index_dir) is None
    report = build_index(settings)
    assert (report.full, report.added) == (True, 1)
    assert current_dir(settings.index_dir) not in (None, live)
    assert ids(settings) == ["G-1"]


def test_a_changed_synonym_table_forces_a_full_rebuild(content, settings):
    content.guide("G-1")
    build_index(settings)
    with (content.root / "data/synonyms.txt").open("a", encoding="utf-8") as fh:
        fh.write("\n测试词甲 测试词乙\n")
    report = build_index(settings)
    assert (report.full, report.reason) == (True, "词典、同义词表或索引结构已变化")


def _hold_lock(index_dir, ready, release):
    with build_lock(index_dir):
        ready.set()
        release.wait(10)


def test_a_second_writer_gets_a_clear_message_naming_the_owner(content, settings, monkeypatch):
    content.guide("G-1")
    tries = []
    try_lock = buildlock._try_lock
    monkeypatch.setattr(buildlock, "_try_lock", lambda index_dir: tries.append(index_dir) or try_lock(index_dir))
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(settings.index_dir, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        owner = json.loads((settings.index_dir / "build.lock").read_text(encoding="utf-8"))
        with pytest.raises(IndexLockedError) as err, build_lock(settings.index_dir, timeout=0.3):
            pass
        assert len(tries) > 1  # it kept trying until the timeout, not once
        assert str(err.value) == (
            f"另一个构建或发布正在写入索引（进程 {proc.pid}，主机 {socket.gethostname()}，"
            f"开始于 {owner['started'][:19].replace('T', ' ')}；锁文件 {settings.index_dir / 'build.lock'}）；"
            "请等它结束后重试"
        )
    finally:
        release.set()
        proc.join(10)
    with build_lock(settings.index_dir, timeout=1):
        pass


def test_the_lock_file_records_its_owner_and_the_index_is_private(content, settings):
    content.guide("G-1")
    build_index(settings)
    lock = settings.index_dir / "build.lock"
    with build_lock(settings.index_dir):
        owner = json.loads(lock.read_text(encoding="utf-8"))
        assert (owner["pid"], owner["host"]) == (os.getpid(), socket.gethostname())
        assert owner["started"][:10] == time.strftime("%Y-%m-%d")
    assert lock.read_text(encoding="utf-8") == ""  # released: no owner
    live = current_dir(settings.index_dir)
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (settings.index_dir, lock, settings.index_dir / "CURRENT", live, live / "casekb-meta.json")
    }
    assert modes == {"index": 0o700, "build.lock": 0o600, "CURRENT": 0o600, live.name: 0o700, "casekb-meta.json": 0o600}


ORPHAN_MAKER = """
import os, sys, time
from pathlib import Path
from kb.search.index import build_lock

with build_lock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:  # inherits the lock's descriptor, as Whoosh's workers did
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # let the test read its parent's output to the end
        os.dup2(devnull, 2)
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    os._exit(0)  # the owner dies holding the lock; its orphan keeps it held
"""


def test_a_lock_whose_owner_died_is_taken_over_though_an_orphan_still_holds_it(content, settings):
    settings.index_dir.mkdir(parents=True)
    made = subprocess.run(
        [sys.executable, "-c", ORPHAN_MAKER, str(settings.index_dir)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    orphan = int(made.stdout)
    try:
        assert _running(orphan)
        with build_lock(settings.index_dir, timeout=0):  # taken over at the first try, without waiting
            owner = json.loads((settings.index_dir / "build.lock").read_text(encoding="utf-8"))
            assert owner["pid"] == os.getpid()
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_a_failed_parallel_build_stops_its_workers(content, settings, monkeypatch):
    for n in range(160):
        content.case(f"C-{n}", facts=f"张某第{n}次盗窃电动车电瓶。")
    monkeypatch.setattr("kb.search.index.PARALLEL_THRESHOLD", 10)
    with pytest.raises(RuntimeError, match="forced failure"):
        build_index(settings, full=True, parallel=True, fail_after=150)  # workers start at the 100th
    assert multiprocessing.active_children() == []  # before: they waited on the job queue for ever
    with build_lock(settings.index_dir, timeout=0.5):
        pass
    assert build_index(settings).added == 160


def test_a_parallel_build_failing_to_commit_on_a_full_disk_stops_its_workers(content, settings, monkeypatch):
    from whoosh.multiproc import MpWriter

    for n in range(120):
        content.case(f"C-{n}", facts=f"张某第{n}次盗窃电动车电瓶。")
    monkeypatch.setattr("kb.search.index.PARALLEL_THRESHOLD", 10)

    def disk_full(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(MpWriter, "_commit", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        build_index(settings, full=True, parallel=True)
    assert multiprocessing.active_children() == []  # before: the build hung at exit, joining them
    assert list(settings.index_dir.glob("gen-*")) == []


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (killed, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _group(pgid: int) -> set[int]:
    """The live processes of a process group (read from /proc: no psutil)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.add(int(entry.name))
    return members


@pytest.fixture(scope="module")
def statute_index(tmp_path_factory):
    """A content tree and an index with the statute folder (a full build takes seconds: long enough to kill)."""
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    root = tmp_path_factory.mktemp("statutes")
    tree = ContentTree(root / "content")
    tree.guide("G-1")
    tree.case("C-1")
    # Enough text that the full build still runs at the last kill (4 s) on a quiet machine: the
    # statutes alone took under 4 s once in CI.
    body = "犯罪嫌疑人在取保候审期间未经批准不得离开所居住的市、县，应当按时报到并如实报告住址变动。" * 30
    for n in range(2, 2402):
        tree.guide(f"G-{n}", title=f"取保候审工作指引第{n}号", body=body)
    settings = make_settings(tree.root, root, LAWS_DIR)
    build_index(settings)
    env = {**os.environ, "KB_CONTENT": str(tree.root), "KB_INDEX": str(settings.index_dir)}
    env.update(KB_DB=str(settings.db_path), KB_LAWS=str(LAWS_DIR))
    return settings, env


@pytest.mark.laws
@pytest.mark.parametrize("kill_after", [0.5, 1, 2, 4, "workers"])
def test_a_full_build_killed_leaves_no_worker_and_the_next_build_succeeds(statute_index, kill_after):
    settings, env = statute_index
    command = [sys.executable, str(REPO_ROOT / "indexer.py"), "build"]
    proc = subprocess.Popen(
        [*command, "--full"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + (kill_after if kill_after != "workers" else 60)
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= _group(proc.pid) - {proc.pid}
            if kill_after == "workers" and len(seen) >= 2:
                break
            time.sleep(0.02)  # polling the process table
        assert proc.poll() is None, "the build finished before it could be killed"
        if kill_after == "workers":
            assert len(seen) >= 2
        proc.kill()
        proc.wait(10)
        gone = time.monotonic() + 5
        while _group(proc.pid) and time.monotonic() < gone:
            time.sleep(0.02)  # the kernel kills the workers as their parent dies
        assert _group(proc.pid) == set(), f"workers survived: {_group(proc.pid)} of {seen}"
        # The lock is taken without waiting (a live owner is an error, a dead one is taken over), so
        # a build that succeeds did not wait on what the killed one left; `timeout` catches a hang.
        after = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert after.returncode == 0, after.stderr
        assert _group(proc.pid) == set()
        assert ids(settings, "盗窃") == ["C-1"] or "C-1" in ids(settings, "盗窃")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this test started
        except ProcessLookupError:
            pass


def test_parallel_full_build_matches_a_serial_one(content, settings, monkeypatch):
    for n in range(30):
        content.case(f"C-{n}", facts=f"张某第{n}次盗窃电动车电瓶。", year=2022 + n % 4)
    monkeypatch.setattr("kb.search.index.PARALLEL_THRESHOLD", 10)
    build_index(settings, full=True, parallel=True)
    assert len(ids(settings)) == 30
    assert len(ids(settings, "电瓶")) == 30


def test_incremental_writes_never_merge_away_the_full_builds_segment(content, settings):
    from whoosh import index as whoosh_index

    from kb.content.validation import load_content
    from kb.search.index import index_documents, load_resources

    for n in range(5):
        content.guide(f"G-{n}")
    build_index(settings, full=True)
    live = current_dir(settings.index_dir)
    base = {s.segment_id() for s in whoosh_index.open_dir(str(live))._segments() if not s.is_compound()}
    assert base
    docs = load_content(settings.content_dir, load_resources(settings).taxonomy).documents
    for _ in range(12):
        index_documents(settings, [docs[0]])
    after = {s.segment_id() for s in whoosh_index.open_dir(str(live))._segments()}
    assert base <= after
    assert ids(settings) == [f"G-{n}" for n in range(5)]


def test_the_index_is_due_for_repair_when_files_changed_after_it_was_written(content, settings):
    from kb.search.index import repair_index, repair_reason

    content.guide("G-1")
    content.guide("G-2", title="刑事拘留工作指引")
    build_index(settings)
    assert repair_reason(settings) == "" and repair_index(settings) is None
    meta = current_dir(settings.index_dir) / "casekb-meta.json"
    os.utime(meta, ns=(meta.stat().st_mtime_ns - 10**9,) * 2)  # written a second before the edit below
    content.guide("G-2", title="刑事拘留审批指引")
    assert repair_reason(settings) == "内容文件比索引新"
    assert repair_index(settings).updated == 1
    assert ids(settings, "审批") == ["G-2"]
    now = time.time_ns()
    os.utime(meta, ns=(now - 2 * 10**9,) * 2)
    os.utime(content.root / "guides/G-1.md", ns=(now - 10**9,) * 2)  # newer, not changed: one build, then no more
    assert repair_reason(settings) == "内容文件比索引新"
    assert repair_index(settings).changed == 0
    assert repair_reason(settings) == ""
    (content.root / "guides/G-1.md").unlink()
    assert repair_reason(settings) == "内容文件与索引不一致"
