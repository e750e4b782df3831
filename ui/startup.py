"""Server start-up: warm the search service in the background before the first page view."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

WARM_UP_THREAD = "casekb-warm-up"
_LOG = logging.getLogger("casekb.app")


class _NoContextWarning(logging.Filter):
    """Streamlit warns when a cached function runs outside a page view; the warm-up does so on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != WARM_UP_THREAD


def _say(message: str) -> None:
    print(f"  案例指引库：{message}", flush=True)  # next to Streamlit's own start-up lines


def warm_up() -> None:
    """Open the index (building it first if there is none) and fill the caches; report on stdout."""
    started = time.perf_counter()
    try:
        from kb.errors import KBError
        from kb.search.index import current_dir
        from kb.workflow import accounts  # noqa: F401  (app.py needs it on every page view)
        from ui import first_build, services  # imports kb, Whoosh and jieba: a third of a first page view

        try:
            if current_dir(services.settings().index_dir) is None:
                _say("尚无索引，正在根据内容建立……")
            total = first_build.warm_up()
        except KBError as exc:  # the page view shows every problem
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            _say(f"检索服务未能就绪：{first}（详情见网页，或运行 python indexer.py check）")
            return
        _import_page_modules()
        _say(f"检索服务已就绪：{total} 篇文档（用时 {time.perf_counter() - started:.1f} 秒）")
        svc = services.service_quiet()
        bad = svc.resources.cue_problems if svc is not None else ()
        if bad:
            _say(
                f"data/charge_cues.txt 有 {len(bad)} 行写错，类案检索未用这些行；运行 python indexer.py check 查看并改正"
            )
    except Exception:  # a page view will report the problem; the server must run regardless
        _LOG.exception("warm-up failed")


# Imported by the first page view otherwise: Streamlit's icon and emoji tables (0.3 s, to check
# page icons), numpy and Pillow (page config), the menu and the search log.
PAGE_MODULES = (
    "streamlit.material_icon_names",
    "streamlit.emojis",
    "numpy",
    "PIL.Image",
    "ui.menu",
    "kb.workflow.searchlog",
)


def _import_page_modules() -> None:
    for name in PAGE_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a later Streamlit may move its tables: the page view imports what it needs
            _LOG.info("warm-up: no module %s", name)


def report_unexpected(exc: Exception) -> bool:
    """st.App's handler for failures outside a page: ui.messages', imported when first needed."""
    # app.py must not import ui.services (nor kb, until needed): Streamlit checks each @st.cache_data as it is declared
    # and, before the runtime exists, warns "No runtime found, using MemoryCacheStorageManager".
    from ui import messages

    return messages.report_unexpected(exc)


@asynccontextmanager
async def lifespan(app) -> AsyncIterator[None]:
    """st.App lifespan: start the warm-up and serve at once (the browser loads meanwhile)."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarning())
    threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True).start()
    yield
