"""One run at a time: an advisory lock file beside the database.

A manual ``fondsradar crawl`` during the scheduled run waits briefly, then stops with a clear
message instead of crawling twice. The lock is an ``flock`` on ``<database>.lock``: the kernel
releases it when the process dies, even by ``kill -9``, so a crash never leaves it stuck. The
crawler's child process inherits the locked file, so the lock lasts as long as the crawl does.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Busy(Exception):
    """Another run holds the lock."""


# How long a second run waits for the first before giving up (seconds).
ENV_WAIT = "FONDSRADAR_LOCK_WAIT_S"


def note_child(fd: int, pid: int) -> None:
    """Add a child that shares the lock (the crawler) to the lock file's note, so that a
    second run can say who holds the lock if the first run's own process is gone."""
    note = os.pread(fd, 300, 0).decode(errors="replace").strip()
    os.pwrite(fd, f"{note}; crawler pid {pid}".encode(), 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def busy_message(path: Path, note: str) -> str:
    """Why the lock is taken, in words: a run in progress, or what is left of one."""
    note = note.strip()
    run = re.search(r"pid (\d+), since ([\d: -]+)", note)
    child = re.search(r"crawler pid (\d+)", note)
    if run and not _alive(int(run.group(1))):
        since = run.group(2).strip()
        if child and _alive(int(child.group(1))):
            return (f"the run that started at {since} (pid {run.group(1)}) has ended, but its "
                    f"crawler (pid {child.group(1)}) is still running and holds the lock "
                    f"{path}; it stops when its crawl ends, or stop it now with "
                    f"`kill {child.group(1)}`, then try again")
        return (f"the lock {path} is held, but the run noted in it (pid {run.group(1)}, since "
                f"{since}) is no longer running; another program has the file open. Find it "
                f"with `fuser {path}`, or try again later")
    return ("another Fondsradar run is in progress" + (f" ({note})" if note else "")
            + "; try again when it has finished (see `fondsradar status`)")


@contextmanager
def run_lock(db_path: Path, wait_s: float | None = None) -> Iterator[int]:
    """Hold the lock for the block; yields the lock file's descriptor (to pass to children)."""
    if wait_s is None:
        wait_s = float(os.environ.get(ENV_WAIT, "10"))
    path = db_path.with_name(db_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(busy_message(path, os.pread(fd, 300, 0).decode(
                        errors="replace"))) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock
