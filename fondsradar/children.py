"""The crawler's child process dies with its parent.

The weekly job runs the crawler in a child process. If the job is killed (``kill -9``, an
out-of-memory kill, a closed terminal), an orphaned crawler would go on crawling and, since it
inherited the run lock, keep every later run out. So the crawler child asks the kernel to kill
it when its parent dies (Linux's ``prctl(PR_SET_PDEATHSIG)``, called through ctypes), and
elsewhere a watchdog thread notices the parent is gone. The parent names itself in
``$FONDSRADAR_PARENT_PID``; the child checks it is still there right away, so a parent that
died during the start is caught too. (The scheduler's runs are not tied to the scheduler: a
run under way finishes, and is recorded, even if the scheduler is restarted.)
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

ENV_PARENT = "FONDSRADAR_PARENT_PID"
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that must die with this process."""
    return {**(os.environ if env is None else env), ENV_PARENT: str(os.getpid())}


def die_with_parent() -> bool:
    """In a child started with :func:`child_env`: end this process when the parent ends.

    Returns whether a parent was named. Kills this process at once if the parent is
    already gone."""
    raw = os.environ.pop(ENV_PARENT, "")
    if not raw.isdigit():
        return False
    parent = int(raw)
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent,), daemon=True,
                         name="fondsradar-parent-watch").start()
    return True


def _watch(parent: int, every_s: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)
