"""Index builds: incremental changes, atomic full rebuilds, content errors, the writer lock."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from kb.errors import ContentError, IndexLockedError
from kb.index import build_index, build_lock, current_dir
from kb.search import SearchService


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


def test_a_second_writer_gets_a_clear_message(content, settings):
    content.guide("G-1")
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(settings.index_dir, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as err, build_lock(settings.index_dir, timeout=0.3):
            pass
        assert time.monotonic() - started >= 0.3
        assert (
            str(err.value)
            == f"另一个构建或发布正在写入索引（锁文件 {settings.index_dir / 'build.lock'}）；请等它结束后重试"
        )
    finally:
        release.set()
        proc.join(10)
    with build_lock(settings.index_dir, timeout=1):
        pass


def test_parallel_full_build_matches_a_serial_one(content, settings, monkeypatch):
    for n in range(30):
        content.case(f"C-{n}", facts=f"张某第{n}次盗窃电动车电瓶。", year=2022 + n % 4)
    monkeypatch.setattr("kb.index.PARALLEL_THRESHOLD", 10)
    build_index(settings, full=True, parallel=True)
    assert len(ids(settings)) == 30
    assert len(ids(settings, "电瓶")) == 30


def test_incremental_writes_never_merge_away_the_full_builds_segment(content, settings):
    from whoosh import index as whoosh_index

    from kb.index import index_documents, load_resources
    from kb.validation import load_content

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
