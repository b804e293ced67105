"""Soak test (not part of CI): many scheduled runs against a loopback API that misbehaves.

    python benchmarks/soak.py --runs 200 --interval 0.5

A real APScheduler 3.11 scheduler fires ``fondsradar run`` (the production ``run_once``) at a
short interval against a SEDIA look-alike on 127.0.0.1 that, request by request, answers well,
with HTTP 500/503/429, slowly, with a truncated body or with garbage; every tenth run is killed
with SIGKILL part-way. At the end it checks the store: SQLite's integrity check, every run
recorded (none left "running"), the Erasmus+ topics never lost, and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.sedia import PAGES, page  # noqa: E402

FAULTS = ["ok", "ok", "ok", "500", "503", "429", "slow", "truncated", "garbage"]


class Flaky(BaseHTTPRequestHandler):
    injected: Counter[str] = Counter()
    rng = random.Random(7)

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._send(404, b"", "text/plain")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        fault = self.rng.choice(FAULTS)
        type(self).injected[fault] += 1
        if fault in ("500", "503", "429"):
            self._send(int(fault), b'{"type":"throwable"}', "application/json")
            return
        if fault == "garbage":
            self._send(200, b"<html>maintenance</html>", "text/html")
            return
        if fault == "slow":
            time.sleep(2.5)
        status = "31094501" if b'"31094501"' in body else "31094502"
        number = int(self.path.split("pageNumber=")[1].split("&")[0])
        names = PAGES[status]
        answer = page(names[number - 1]) if number <= len(names) else b'{"results":[]}'
        if fault == "truncated":
            self._send(200, answer[: len(answer) // 3], "application/json", len(answer))
            return
        self._send(200, answer, "application/json")

    def _send(self, code: int, body: bytes, ctype: str, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length or len(body)))
        self.end_headers()
        self.wfile.write(body)
        if length:
            self.close_connection = True


def write_config(folder: Path, url: str) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/fondsradar.db"', f'path = "{folder / "soak.db"}"')
    text = text.replace('out_dir = "digests/out"', f'out_dir = "{folder / "out"}"')
    text = text.replace("delay_s = 1.0", "delay_s = 0").replace("timeout_s = 30", "timeout_s = 2")
    text = text.replace("backoff_s = 2.0", "backoff_s = 0.1")
    text = text.replace('search_url = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"',
                        f'search_url = "{url}"')
    # Only the flaky API: the other sources would try the real sites.
    for name in ("novonordisk", "villum_velux", "interreg", "pdj", "watch"):
        text = text.replace(f"[sources.{name}]\n", f"[sources.{name}]\nenabled = false\n")
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def killed_run(config: Path, rng: random.Random) -> int:
    """A run killed with SIGKILL part-way, as a power cut or the OOM killer would."""
    proc = subprocess.Popen([sys.executable, "-m", "fondsradar", "--config", str(config), "run",
                             "--no-send"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(rng.uniform(0.3, 2.0))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return -9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()

    import logging

    from apscheduler.schedulers.background import BackgroundScheduler

    # Skipped ticks while a run is going on are expected here; keep the output to the figures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    from fondsradar.schedule import run_once

    folder = Path(tempfile.mkdtemp(prefix="fondsradar-soak-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/search-api/prod/rest/search"
    config = write_config(folder, url)
    os.environ["FONDSRADAR_TODAY"] = "2026-06-27"
    os.environ["FONDSRADAR_LOCK_WAIT_S"] = "30"

    codes: Counter[int] = Counter()
    done = threading.Event()
    rng = random.Random(11)
    count = 0
    lock = threading.Lock()

    def job() -> None:
        nonlocal count
        with lock:
            count += 1
            n = count
        if n > args.runs:
            done.set()
            return
        code = killed_run(config, rng) if n % 10 == 0 else run_once(config, time_limit_s=120)
        codes[code] += 1
        if n % 20 == 0:
            print(f"  {n} runs, exit codes so far {dict(codes)}", flush=True)
        if n == args.runs:
            done.set()

    started = time.monotonic()
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 3600})
    scheduler.add_job(job, "interval", seconds=args.interval, id="soak")
    scheduler.start()
    done.wait()
    scheduler.shutdown(wait=True)
    took = time.monotonic() - started

    # One more clean run records the last killed one as interrupted, like the next Monday would.
    Flaky.rng = random.Random(0)
    FAULTS[:] = ["ok"]
    final = run_once(config, time_limit_s=120)
    server.shutdown()

    db = sqlite3.connect(folder / "soak.db")
    integrity = db.execute("pragma integrity_check").fetchone()[0]
    runs = dict(db.execute("select status, count(*) from runs group by status").fetchall())
    total_runs = db.execute("select count(*) from runs").fetchone()[0]
    calls = db.execute("select count(*) from calls").fetchone()[0]
    seen = db.execute("select count(*) from calls where seen = 1").fetchone()[0]
    dupes = db.execute("select count(*) - count(distinct id) from calls").fetchone()[0]
    sources = dict(db.execute(
        "select status, count(*) from source_runs group by status").fetchall())
    result = {
        "runs_fired": args.runs + 1, "wall_s": round(took, 1), "exit_codes": dict(codes),
        "final_run_exit": final, "faults_injected": dict(Flaky.injected),
        "runs_recorded": total_runs, "runs_by_status": runs,
        "source_runs_by_status": sources, "integrity_check": integrity,
        "calls": calls, "calls_seen": seen, "duplicate_ids": dupes, "folder": str(folder),
    }
    print(json.dumps(result, indent=2))
    ok = (integrity == "ok" and total_runs == args.runs + 1 and "running" not in runs
          and calls == 7 and dupes == 0)
    print("STORE CHECK:", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
