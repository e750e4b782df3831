"""The index's build lock held by another process, for tests of what waits for it or gives up."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _hold(index_dir: Path, ready, release) -> None:
    from kb.search.buildlock import build_lock

    with build_lock(index_dir):
        ready.set()
        release.wait(30)


@contextmanager
def build_lock_held_elsewhere(index_dir: Path) -> Iterator[int]:
    """While the block runs, a forked process holds the build lock of `index_dir`; yields that process's pid."""
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(index_dir, ready, release))
    holder.start()
    try:
        assert ready.wait(10), "the lock holder did not start"
        yield holder.pid
    finally:
        release.set()
        holder.join(10)
