"""One run at a time: an advisory lock file beside the database.

A manual ``fondsradar crawl`` during the scheduled run waits briefly, then stops with a clear
message instead of crawling twice. The lock is an ``flock`` on ``<database>.lock``: the kernel
releases it when the process dies, even by ``kill -9``, so a crash never leaves it stuck. The
crawler's child process inherits the locked file, so the lock lasts as long as the crawl does.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Busy(Exception):
    """Another run holds the lock."""


# How long a second run waits for the first before giving up (seconds).
ENV_WAIT = "FONDSRADAR_LOCK_WAIT_S"


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
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                    raise Busy(
                        "another Fondsradar run is in progress"
                        + (f" ({holder})" if holder else "")
                        + "; try again when it has finished (see `fondsradar status`)"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock
