"""The one-writer-at-a-time lock on an index folder, and the worker side of it (forked workers drop it)."""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from kb.errors import IndexLockedError
from kb.files import private_dir

LOCK_FILE = "build.lock"
GUARD_FILE = "build.lock.guard"
LOCK_TIMEOUT = 5.0

# -- the one-writer lock -----------------------------------------------------------------------
#
# flock() on build.lock: the kernel drops it when its owner dies, and threads of one process
# exclude each other too (each call opens the file anew). The file records its owner; if the
# lock is held although that owner is dead, a process that inherited its descriptor (a worker
# of an older version) still holds it: the file is then unlinked and a new one locked, leaving
# the old inode to that process. build.lock.guard serialises taking and taking over, so two
# processes can never each take over and both "hold" the lock.

_HELD: set[int] = set()  # descriptors of the build locks this process holds (workers close theirs)


def _proc_start(pid: int) -> str:
    """When the kernel started a process (Linux), to tell its owner from a process reusing the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :][:1] == "Z"


def _owner_alive(owner: dict) -> bool:
    """Whether the process that took a lock still runs; True whenever that cannot be told (another host)."""
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if _zombie(pid):
        return False
    started = owner.get("proc_start")
    return not started or _proc_start(pid) in ("", started)


def _read_owner(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _owner_text(owner: dict) -> str:
    if not owner.get("pid"):
        return ""
    started = str(owner.get("started", ""))[:19].replace("T", " ")
    return f"进程 {owner['pid']}，主机 {owner.get('host', '?')}，开始于 {started}；"


def _try_lock(index_dir: Path) -> tuple[int | None, dict]:
    """Take the lock without waiting: (descriptor, {}) or (None, the owner's record)."""
    guard = os.open(index_dir / GUARD_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process is taking the lock this very moment
            return None, {}
        path = index_dir / LOCK_FILE
        for _ in range(2):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                if not owner or _owner_alive(owner):
                    return None, owner
                os.unlink(path)  # stale: its owner is dead; see the note above
                continue
            record = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": datetime.now().astimezone().isoformat(timespec="seconds"),
                "proc_start": _proc_start(os.getpid()),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
            return fd, {}
        return None, {}
    finally:
        os.close(guard)


@contextmanager
def build_lock(index_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the one-writer-at-a-time lock, or raise IndexLockedError after `timeout` seconds
    (LOCK_TIMEOUT by default)."""
    private_dir(index_dir)
    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    while True:
        fd, owner = _try_lock(index_dir)
        if fd is not None:
            break
        if time.monotonic() >= deadline:
            raise IndexLockedError(
                f"另一个构建或发布正在写入索引（{_owner_text(owner)}锁文件 {index_dir / LOCK_FILE}）；请等它结束后重试"
            )
        time.sleep(0.05)
    _HELD.add(fd)
    try:
        yield
    finally:
        _HELD.discard(fd)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# -- workers of a parallel build ---------------------------------------------------------------
#
# Whoosh's MpWriter forks sub-writer processes that wait on a job queue. Killed with -9 (or
# out of memory), the parent could not tell them to stop, and they waited forever: both ends
# of the queue's pipe are inherited, so no end-of-file ever comes. Forked while the parent held
# the build lock, they also held its descriptor, so the lock outlived its owner. And Whoosh's
# cancel() only flags its own copies of the task objects, so a build that failed (a full disk)
# left them waiting too, and the parent hung at exit joining them.
# So each worker closes its copy of the lock descriptor, asks the kernel to kill it when the
# parent dies (Linux: prctl(PR_SET_PDEATHSIG), through ctypes since the standard library has
# no binding; elsewhere a thread watches the parent), and the parent kills its workers itself
# when the build fails. A process group would not do: the parent's kill -9 reaches only it.

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a freshly forked worker: drop the inherited build lock, and die when `parent` does."""
    for fd in list(_HELD):
        try:
            os.close(fd)  # the parent's lock stays held: it has its own descriptor
        except OSError:
            pass
    _HELD.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    try:
        armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (AttributeError, OSError):
        armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


__all__ = ["GUARD_FILE", "LOCK_FILE", "LOCK_TIMEOUT", "build_lock", "die_with_parent"]
