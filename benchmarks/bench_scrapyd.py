"""Benchmark: the crawl through one Scrapyd node against the loopback mirror, and the ingest rate.

    .venv/bin/python benchmarks/bench_scrapyd.py --n 1000 --jobs 24

Everything runs on this machine: a real Scrapyd (``max_proc`` 4, its own folder, a free port),
the generated mirror of all five sources (benchmarks/mirror.py) on 127.0.0.1, and the
``fondsradar`` command in a child process, as staff would run it. It prints:

1. **jobs per minute**: ``--jobs`` crawl jobs of the three small sources (pdj, interreg, watch,
   in turn) scheduled at once through ``schedule.json`` with the settings ``fondsradar`` gives
   them; the time from the first schedule until ``listjobs.json`` shows them all finished, for
   Scrapyd's default ``poll_interval`` (5 s: a freed slot waits for the next poll) and for 0.2 s.
   What this measures is mostly a Scrapy process's start-up and shut-down.
2. **calls per second**: ``fondsradar crawl`` of all five sources with ``engine = "scrapyd"`` into
   an empty store (deploy, five jobs, feeds fetched and ingested), at 0 ms and ``--latency-ms``
   per request; beside it the same crawl with the local engine.
3. **ingest rate**: one feed of ``--ingest-n`` generated records (the mirror's call shapes, ids
   distinct) written into an empty store, and again into the filled store (every call compared,
   none changed), in this process.

Figures are printed; nothing is asserted. Load from other work on the machine moves them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_crawl import write_config  # noqa: E402
from benchmarks.mirror import Mirror  # noqa: E402
from fondsradar.config import load_config  # noqa: E402
from fondsradar.ingest import Summary, ingest, state_bytes, state_records  # noqa: E402
from fondsradar.remote import deploy, job_settings  # noqa: E402
from fondsradar.scrapyd_api import Scrapyd  # noqa: E402
from records.store import Store  # noqa: E402
from tests.support.scrapyd_server import scrapyd  # noqa: E402

SMALL = ("pdj", "interreg", "watch")


def with_engine(config: Path, url: str | None) -> Path:
    """A copy of ``config`` with the Scrapyd engine (``url``) or the local one (None)."""
    text = config.read_text(encoding="utf-8")
    if url:
        text = text.replace("[crawl]\n", f'[crawl]\nengine = "scrapyd"\nscrapyd_url = "{url}"\n')
    out = config.with_name(f"config-{'scrapyd' if url else 'local'}.toml")
    out.write_text(text, encoding="utf-8")
    return out


def fresh_db(config: Path, name: str) -> Path:
    """Point ``config`` at a new, empty store ``name`` (write_config's database path)."""
    text = config.read_text(encoding="utf-8")
    old = config.parent / "data" / "fondsradar.db"
    db = old.with_name(f"{name}.db")
    config.write_text(text.replace(f'path = "{old}"', f'path = "{db}"'), encoding="utf-8")
    return db


def run_cli(config: Path, today: str, *args: str) -> tuple[int, float, float]:
    """(exit code, wall s, CPU s of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_TODAY"}
    proc = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                           "--today", today, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 3):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.returncode, wall, cpu


def stored(db: Path) -> int:
    store = Store(db)
    try:
        return store.counts()["calls"]
    finally:
        store.close()


def jobs_per_minute(home: Path, config: Path, jobs: int, poll: float, today: str) -> float:
    cfg = load_config(config)
    with scrapyd(home, max_proc=4, poll_interval=poll) as node:
        api = Scrapyd(node.url)
        version = deploy(api).version
        t0 = time.perf_counter()
        ids = [api.schedule(SMALL[i % 3], version=version,
                            settings=job_settings(cfg, SMALL[i % 3], today, ""))
               for i in range(jobs)]
        while True:
            listing = api.jobs()
            if all(listing.get(i) and listing[i].state == "finished" for i in ids):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
    rate = jobs / elapsed * 60
    print(f"  {jobs} jobs, max_proc 4, poll_interval {poll:g} s: {elapsed:.1f} s "
          f"= {rate:.1f} jobs/min")
    return rate


def crawl_rates(work: Path, n: int, latency: float, today: str) -> None:
    with Mirror(n, today=date.fromisoformat(today), latency_ms=latency) as mirror:
        folder = work / f"crawl-{n}-{latency:g}"
        folder.mkdir(parents=True)
        base = write_config(folder, mirror)
        with scrapyd(folder / "scrapyd", max_proc=4) as node:
            for engine, url in (("scrapyd", node.url), ("local", None)):
                config = with_engine(base, url)
                db = fresh_db(config, engine)
                code, wall, cpu = run_cli(config, today, "crawl")
                calls = stored(db)
                print(f"  N={n:,} latency {latency:g} ms, engine {engine:7}: exit {code}, "
                      f"{calls:,} calls in {wall:.1f} s wall = {calls / wall:.0f} calls/s "
                      f"(CPU of the command and its children {cpu:.1f} s; Scrapyd's jobs not "
                      "included)" if engine == "scrapyd" else
                      f"  N={n:,} latency {latency:g} ms, engine {engine:7}: exit {code}, "
                      f"{calls:,} calls in {wall:.1f} s wall = {calls / wall:.0f} calls/s "
                      f"(CPU {cpu:.1f} s)", flush=True)
                if engine == "scrapyd":
                    state_size(db, ("villum_velux", "novonordisk", "erasmus"))


def state_size(db: Path, sources: tuple[str, ...]) -> None:
    """What the next incremental crawl's jobs would fetch: records, JSON and gzip'd bytes."""
    store = Store(db)
    try:
        records = sum(len(state_records(store, s)) for s in sources)
        raw = sum(len(json.dumps({"records": state_records(store, s)}, ensure_ascii=False,
                                 separators=(",", ":")).encode()) for s in sources)
        gz = sum(len(state_bytes(store, s)) for s in sources)
    finally:
        store.close()
    print(f"    incremental state for the next crawl ({', '.join(sources)}): {records:,} "
          f"records, {raw / 1e6:.2f} MB JSON, {gz / 1e6:.2f} MB gzip'd", flush=True)


def feed_lines(n: int) -> list[bytes]:
    """``n`` generated records of the shape the spiders yield (ids distinct)."""
    lines = []
    for i in range(n):
        record = {
            "source": "novonordisk", "title": f"Call {i}: teaching science in schools",
            "url": f"https://novonordiskfonden.dk/en/grant/call-{i}/", "funder": "NNF",
            "programme": "Education", "source_id": None, "language": "en", "status": "open",
            "opens": "2027-01-01", "deadlines": ["2027-03-05T14:00:00+01:00"],
            "amount_min": None, "amount_max": 500000.0 + i, "currency": "DKK",
            "budget_total": None, "description": "Teachers and pupils in STEM. " * 40,
            "keywords": ["STEM", "teachers"],
            "extra": {"listing_url": f"https://novonordiskfonden.dk/en/grant/call-{i}/",
                      "listing_fp": f"{i:016x}", "_fetched": "2027-01-11T06:30:00+00:00"},
        }
        lines.append(json.dumps(record).encode())
    return lines


def ingest_rate(work: Path, n: int) -> None:
    lines = feed_lines(n)
    size = sum(len(x) + 1 for x in lines)
    store = Store(work / "ingest.db")
    summary = Summary("novonordisk", "finished", {"downloader/request_count": n})
    try:
        for label in ("empty store", "filled store, nothing changed"):
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            done = ingest(store, None, "novonordisk", lines, summary,
                          today=date(2027, 1, 11), started_at="bench")
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            print(f"  ingest of {n:,} records ({size / 1e6:.1f} MB of JSON Lines) into an "
                  f"{label}: {wall:.2f} s = {n / wall:,.0f} records/s (CPU {cpu:.2f} s; "
                  f"{done.outcome.new} new, {done.outcome.changed} changed)", flush=True)
        gz = len(state_bytes(store, "novonordisk"))
        print(f"  incremental state of these {n:,} calls: {gz / 1e6:.2f} MB gzip'd", flush=True)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000], help="calls in the mirror")
    parser.add_argument("--jobs", type=int, default=24, help="jobs for the jobs/minute figure")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--ingest-n", type=int, default=10_000)
    parser.add_argument("--today", default="2027-01-11")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-scrapyd-") as tmp:
        work = Path(tmp)
        with Mirror(10, today=date.fromisoformat(args.today)) as small:
            folder = work / "jobs"
            folder.mkdir()
            config = write_config(folder, small)
            print("jobs per minute (small sources, mirror at 0 ms):")
            for poll in (5.0, 0.2):
                jobs_per_minute(work / f"jobs-node-{poll:g}", config, args.jobs, poll,
                                args.today)
        print("calls per second, first crawl of all five sources into an empty store:")
        for n in args.n:
            for latency in (0.0, args.latency_ms):
                crawl_rates(work, n, latency, args.today)
        print("ingest rate:")
        ingest_rate(work, args.ingest_n)
    print(f"load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
