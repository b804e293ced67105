"""One run at a time, and runs that were killed are recorded as interrupted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fondsradar.lock import Busy, run_lock
from records.store import Store
from tests.conftest import fondsradar, write_config
from tests.support.sedia import FETCHED, build_har

SEARCH = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"


def test_the_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with run_lock(db, wait_s=0), pytest.raises(Busy, match="another Fondsradar run is in progress"):
        with run_lock(db, wait_s=0.3):
            pass
    with run_lock(db, wait_s=0):
        pass


def test_a_second_run_waits_then_exits_with_a_clear_message(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    with run_lock(tmp_path / "fondsradar.db", wait_s=0):
        result = fondsradar("--config", str(config), "--today", FETCHED, "crawl", "--replay",
                            str(har), env={"FONDSRADAR_LOCK_WAIT_S": "0.5"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: another Fondsradar run is in progress (pid ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "fondsradar.db").exists() or Store(
        tmp_path / "fondsradar.db").counts()["calls"] == 0


def test_a_run_left_running_by_a_killed_process_is_marked_interrupted(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = Store(tmp_path / "fondsradar.db")
    killed = store.runs.start("run", date(2026, 6, 27), pid=999999)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    result = fondsradar("--config", str(config), "--today", FETCHED, "crawl", "--replay",
                        str(har))
    assert result.returncode == 0, result.stderr
    runs = {r["id"]: r for r in store.runs.recent()}
    assert runs[killed]["status"] == "interrupted"
    assert runs[killed + 1]["status"] == "ok"
    assert store.counts()["calls"] == 7


def test_a_run_killed_with_sigkill_leaves_a_consistent_store(tmp_path: Path) -> None:
    """kill -9 of the whole run (shell and crawler) in the middle of a crawl; the next run
    records it as interrupted, completes normally, and nothing stored is lost."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from tests.support.sedia_server import sedia_server

    with sedia_server() as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        assert fondsradar("--config", str(config), "--today", FETCHED, "crawl").returncode == 0
    with sedia_server("slow") as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        proc = subprocess.Popen([sys.executable, "-m", "fondsradar", "--config", str(config),
                                 "--today", FETCHED, "crawl"], start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not url.handler.times and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until the crawl is talking to the server
        assert url.handler.times, "the crawl never reached the server"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with sedia_server() as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        again = fondsradar("--config", str(config), "--today", FETCHED, "crawl")
    assert again.returncode == 0, again.stdout + again.stderr
    db = tmp_path / "fondsradar.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        statuses = [r[0] for r in conn.execute("select status from runs order by id")]
        assert statuses == ["ok", "interrupted", "ok"]
        assert conn.execute("select count(*) from calls where seen = 1").fetchone()[0] == 7
