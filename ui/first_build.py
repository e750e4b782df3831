"""The first-start index build in a thread of its own, start-up recovery and the warm-up."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import streamlit as st

from kb.errors import KBError
from kb.search.index import build_index, current_dir, repair_index
from kb.settings import Settings
from kb.workflow.publish import recover
from ui.messages import show_error
from ui.services import index_is_empty, search, search_service, settings, stats

_BUILD_LOCK = threading.Lock()
_LOG = logging.getLogger("casekb.app")

_RETRY_SECONDS = 30.0
_POLL_SECONDS = 0.5


class _FirstBuild:
    """The first-start build, run in a thread of its own so that closing a tab does not stop it."""

    def __init__(self, s: Settings):
        self.done = 0
        self.total = 0
        self.error: KBError | None = None
        self.report = None
        self.finished_at: float | None = None
        self.thread = threading.Thread(target=self._work, args=(s,), name="casekb-first-build", daemon=True)
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _work(self, s: Settings) -> None:
        try:
            self.report = build_index(s, progress=self._progress)
        except KBError as exc:
            self.error = exc
        except Exception as exc:  # reported on the page instead of dying silently in a thread
            _LOG.exception("first build failed")
            self.error = KBError(
                f"建立索引失败：{type(exc).__name__}: {exc}；请在命令行运行 python indexer.py build 查看详情"
            )
        finally:
            self.finished_at = time.monotonic()


_builds: dict[Path, _FirstBuild] = {}


def _first_build(s: Settings) -> _FirstBuild:
    """The running or last first-start build for this index, started anew when due."""
    with _BUILD_LOCK:
        build = _builds.get(s.index_dir)
        stale = (
            build is not None
            and build.finished_at is not None
            and (build.error is None or time.monotonic() - build.finished_at >= _RETRY_SECONDS)
        )
        if build is None or stale:
            build = _builds[s.index_dir] = _FirstBuild(s)
    return build


_recovered: set[tuple[Path, Path, Path]] = set()
_RECOVER_LOCK = threading.Lock()


def recover_once(s: Settings) -> None:
    """Once per process and folders: settle what a crashed publish left behind, then let the index
    catch up with the files (a publish that could not index, a crash). Problems are logged: the
    index in place keeps serving."""
    key = (s.content_dir, s.db_path, s.index_dir)
    with _RECOVER_LOCK:
        if key in _recovered:
            return
        _recovered.add(key)
        try:
            for action in recover(s).actions:
                _LOG.warning("启动恢复：%s", action)
            if current_dir(s.index_dir) is not None:
                report = repair_index(s)
                if report is not None:
                    _LOG.warning("索引已补上遗漏的修改：%s 篇有变化", report.changed)
        except KBError as exc:
            _LOG.warning("启动恢复未完成：%s", exc)
        except Exception:  # the database busy, a disk error: the index in place keeps serving
            _LOG.exception("启动恢复未完成")


def warm_up() -> int:
    """Ready what the first page view needs, before anyone asks (the server calls this as it starts).

    Settles what a crash left behind (recover_once), builds the index if there is none (the first
    page view then shows the build's progress), opens it, loads the dictionary and fills the
    caches the search page reads first: corpus counts, the newest documents and the typo
    corrector. Returns the number of documents; raises KBError.
    """
    s = settings()
    recover_once(s)
    if current_dir(s.index_dir) is None:
        build = _first_build(s)
        build.thread.join()
        if build.error is not None:
            raise build.error
    search_service(s)
    if index_is_empty():
        return 0
    search("")
    search_service(s).warm()
    return stats()["total"]


def ensure_index() -> None:
    """Build the index on first start so `streamlit run app.py` works on a fresh checkout.

    The build runs in a background thread shared by every session; pages show its progress
    and poll until it is done. A build that failed (content errors) is shown for half a minute
    before it is tried anew, since each attempt reads every file.
    """
    s = settings()
    recover_once(s)  # done by the warm-up already when the server started the usual way
    if current_dir(s.index_dir) is not None:
        waited = st.session_state.pop("kb_first_build", None)
        if waited is not None and waited.report is not None:  # this session watched the build: say it is done
            report = waited.report
            st.toast(f"索引已建立：{report.added} 篇文档，{report.laws} 条法条", icon=":material/check_circle:")
        return
    build = _first_build(s)
    if build.finished_at is not None:
        if build.error is not None:
            show_error(build.error)
        return
    st.session_state["kb_first_build"] = build
    st.info("首次启动：正在根据内容建立检索索引，请稍候……", icon=":material/hourglass_top:")
    if build.total:
        st.progress(build.done / build.total, text=f"已索引 {build.done} / {build.total} 篇")
    else:
        st.progress(0.0, text="正在读取内容……")
    build.thread.join(_POLL_SECONDS)  # wait a moment for progress, then redraw
    st.rerun()
