"""Core errors and unexpected failures shown in Chinese on the page, never as a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from kb.errors import ContentError, KBError, Problem
from ui.markup import code, md

_LOG = logging.getLogger("casekb.app")


def run(page) -> None:
    """Run the selected page; an unexpected failure is reported in Chinese, not as a traceback."""
    try:
        page.run()
    except KBError as exc:
        show_error(exc)
    except Exception as exc:  # st.stop / st.rerun are BaseExceptions and pass through
        _LOG.exception("page %s failed", getattr(page, "title", "?"))
        report_unexpected(exc)


def report_unexpected(exc: Exception) -> bool:
    """An unexpected failure in Chinese; also the server's handler for failures outside a page
    (a widget callback, the sidebar), which Streamlit otherwise reports in English. Returns True:
    Streamlit's own report is not shown (it has logged the traceback)."""
    st.error(
        f"内部错误：{type(exc).__name__}: {md(exc)}。请刷新页面重试；如仍出现，请把这条信息报告给系统管理员。",
        icon=":material/error:",
    )
    return True


def show_error(exc: KBError, icon: str | None = None) -> None:
    """Show a core error in Chinese, with every listed problem, never a traceback."""
    problems = getattr(exc, "problems", None)
    if problems:
        # Code spans: paths and messages shown verbatim, nothing in them parsed as Markdown.
        lines = "\n".join("- " + code(p) for p in problems[:50])
        more = f"\n- ……另有 {len(problems) - 50} 处" if len(problems) > 50 else ""
        st.error(f"{md(exc)}\n\n{lines}{more}", icon=icon)
    else:
        st.error(md(exc), icon=icon)


@dataclass
class Outcome:
    """How a guarded block ended: `failed` once the error it raised has been shown."""

    failed: bool = False


@contextmanager
def shown_errors(
    problems: Callable[[Sequence[Problem]], object] | None = None, icon: str | None = None
) -> Iterator[Outcome]:
    """Run a block; a KBError it raises is shown (show_error) and the page goes on, `failed` set.

    `problems` shows a ContentError's problem list in the caller's own words instead."""
    outcome = Outcome()
    try:
        yield outcome
    except ContentError as exc:
        outcome.failed = True
        if problems is None:
            show_error(exc, icon)
        else:
            problems(exc.problems)
    except KBError as exc:
        outcome.failed = True
        show_error(exc, icon)


@contextmanager
def or_stop() -> Iterator[None]:
    """Run a block; a KBError it raises is shown (show_error) and the page's run ends there."""
    try:
        yield
    except KBError as exc:
        show_error(exc)
        st.stop()
