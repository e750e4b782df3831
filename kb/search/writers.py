"""Whoosh index writers: serial, or parallel with forked workers that die with the build (see kb.search.buildlock)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh.index import LockError
from whoosh.multiproc import MpWriter, SubWriterTask

from kb.errors import IndexLockedError
from kb.search import buildlock
from kb.search.buildlock import die_with_parent


class Worker(SubWriterTask):
    """A Whoosh sub-writer process that dies with the build that forked it."""

    def __init__(self, *args, parent: int):
        super().__init__(*args)
        self.daemon = True  # also terminated by multiprocessing when the parent exits normally
        self.parent = parent

    def run(self) -> None:
        die_with_parent(self.parent)
        super().run()


class ParallelWriter(MpWriter):
    """Whoosh's MpWriter with workers that die with it, and stop when the build fails."""

    def _new_task(self):
        task = Worker(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            parent=os.getpid(),
        )
        self.tasks.append(task)
        task.start()
        return task

    def _stop_workers(self) -> None:
        for queue in (self.jobqueue, self.resultqueue):
            queue.cancel_join_thread()  # never wait at exit to feed a pipe nobody reads
        for task in self.tasks:
            if task.is_alive():
                task.kill()
        for task in self.tasks:
            task.join(5)

    def cancel(self) -> None:
        try:
            super().cancel()
        finally:
            self._stop_workers()

    def commit(self, *args, **kwargs) -> None:
        try:
            super().commit(*args, **kwargs)
        except BaseException:
            self._stop_workers()
            raise


def can_fork_workers() -> bool:
    """Workers are forked children of the build (the lock and parent-death handling rely on it)."""
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    return method == "fork"


def open_writer(ix, procs: int, compound: bool = True):
    """A writer for the index.

    Fresh generations are written non-compound: their files are mmapped one by one, where
    Whoosh reads a compound segment's sub-files through BytesIO copies (~190 MB more RSS at
    10,000 documents). Writes into the live index stay compound: a merge deletes the merged
    segments' files, and a reader that opens a non-compound segment's files lazily would then
    find them gone, while an opened compound file survives its unlinking.
    """
    try:
        if procs > 1:
            return ParallelWriter(ix, procs=procs, limitmb=128, multisegment=True, compound=compound)
        return ix.writer(limitmb=128, timeout=buildlock.LOCK_TIMEOUT, compound=compound)
    except LockError as exc:
        raise IndexLockedError("索引正被另一个进程写入；请等它结束后重试") from exc


def merge_compound_only(writer, segments):
    """Whoosh's MERGE_SMALL over the compound segments only: a full build's non-compound
    segments are never merged away (and deleted) under readers that still open their files."""
    from whoosh.writing import MERGE_SMALL

    return [s for s in segments if not s.is_compound()] + MERGE_SMALL(writer, [s for s in segments if s.is_compound()])


@contextmanager
def writing(ix, procs: int = 1, compound: bool = True, **commit) -> Iterator:
    """A writer whose additions are committed when the block ends, and cancelled when it raises."""
    writer = open_writer(ix, procs, compound)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit(**commit)


__all__ = ["ParallelWriter", "Worker", "can_fork_workers", "merge_compound_only", "open_writer", "writing"]
