"""Leftovers of killed runs: the crawler child dies with its parent, a lock held by what is left
of a run is explained, and temporary files of an interrupted write are removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from fondsradar.job import remove_leftovers
from fondsradar.lock import busy_message
from tests.conftest import fondsradar, write_config
from tests.support.sedia import FETCHED
from tests.support.sedia_server import sedia_server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its new parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except OSError:
        return True


def test_the_crawler_dies_when_the_job_is_killed(tmp_path: Path) -> None:
    """kill -9 of the `fondsradar crawl` process alone (not its group): its crawler child
    stops within seconds instead of crawling on with the lock; the next crawl runs."""
    with sedia_server("slow") as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        proc = subprocess.Popen([sys.executable, "-m", "fondsradar", "--config", str(config),
                                 "--today", FETCHED, "crawl"], start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lock = tmp_path / "fondsradar.db.lock"
        deadline = time.monotonic() + 30
        while not url.handler.times and time.monotonic() < deadline:
            time.sleep(0.05)
        assert url.handler.times, "the crawl never reached the server"
        note = lock.read_text()
        child = int(note.rsplit("crawler pid ", 1)[1])
        assert _alive(child)
        os.kill(proc.pid, signal.SIGKILL)  # the job only
        proc.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the crawler outlived its parent"
    with sedia_server() as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        again = fondsradar("--config", str(config), "--today", FETCHED, "crawl",
                           env={"FONDSRADAR_LOCK_WAIT_S": "2"})
    assert again.returncode == 0, again.stdout + again.stderr


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_lock_held_by_an_orphaned_crawler_is_explained(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    lock = tmp_path / "fondsradar.db.lock"
    dead = _dead_pid()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"pid {dead}, since 2027-01-11 06:30:00; crawler pid %d" % os.getpid(), 0)
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result = fondsradar("--config", str(config), "--today", FETCHED, "crawl",
                            env={"FONDSRADAR_LOCK_WAIT_S": "0.5"})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert (f"the run that started at 2027-01-11 06:30:00 (pid {dead}) has ended, but its "
            f"crawler (pid {holder.pid}) is still running") in result.stderr, result.stderr
    assert f"kill {holder.pid}" in result.stderr


def test_the_busy_messages() -> None:
    lock = Path("/data/fondsradar.db.lock")
    assert "another Fondsradar run is in progress (pid 1, since" in busy_message(
        lock, f"pid 1, since 2027-01-11 06:30:00; crawler pid {_dead_pid()}")
    text = busy_message(lock, f"pid {_dead_pid()}, since 2027-01-11 06:30:00")
    assert "is no longer running; another program has the file open" in text
    assert "fuser /data/fondsradar.db.lock" in text


def test_leftover_temp_files_are_removed_by_the_next_digest(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    out = tmp_path / "out"
    (out / "outbox").mkdir(parents=True)
    old = out / ".2027-W02.html.k3j4h5.tmp"
    old.write_bytes(b"x" * 5_000_000)  # a killed digest's half-written page
    old_eml = out / "outbox" / ".team.eml.abc123.tmp"
    old_eml.write_text("half")
    fresh = out / ".fondsradar.ics.zz9.tmp"  # a write in progress right now: left alone
    fresh.write_text("busy")
    mine = out / "notes.tmp"  # not ours (no leading dot): left alone
    mine.write_text("staff notes")
    hour_ago = time.time() - 3600
    for path in (old, old_eml, mine):
        os.utime(path, (hour_ago, hour_ago))
    result = fondsradar("--config", str(config), "--today", FETCHED, "digest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not old.exists() and not old_eml.exists()
    assert fresh.exists() and mine.exists()


def test_remove_leftovers_never_follows_links(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    link = out / ".trap.tmp"
    link.symlink_to(target)
    hour_ago = time.time() - 3600
    os.utime(link, (hour_ago, hour_ago), follow_symlinks=False)
    assert remove_leftovers(out) == []
    assert target.read_text() == "keep"
