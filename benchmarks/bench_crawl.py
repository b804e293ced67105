"""Benchmark: what a crawl costs the sites and us, as the number of calls grows.

    .venv/bin/python benchmarks/bench_crawl.py --n 100 1000 10000 --latency-ms 20

For each N it generates a mirror of all five sources with N calls in total
(benchmarks/mirror.py: SEDIA records, Villum/Velux and Novo Nordisk Fonden listings and call
pages, Interreg and watched pages, PDJ news and the Grundfos Prize), serves every site on its own
127.0.0.1 port with a fixed latency per request, writes a config.toml pointing every source at
it (the project's themes and matcher, ``delay_s = 0``, robots.txt obeyed and 404), and runs, each
in a child process as staff would:

1. a first crawl (``python -m fondsradar --config C --today D crawl``) into an empty store;
2. a second crawl with nothing changed (incremental crawling + HTTP revalidation);
3. the whole job (``run --no-send``): a third crawl, ranking, digest files;
4. a first crawl at zero latency into a fresh store: how fast our own pipeline is.

For each step it reports the requests and bytes the mirror saw (and what the store's
``source_runs`` says), wall time, CPU time of the child process tree (getrusage of waited-for
children), peak memory (``ru_maxrss`` of the largest process, and the sampled sum of the
tree's RSS), stored calls and calls/s; then the growth between N steps, the second crawl's
requests as a share of the first's, ``scrapy bench`` for comparison, and the verdict on the
targets. The figures go into BENCHMARKS.md as the section "## Crawl" (other sections are kept).

Targets: an unchanged re-crawl makes at most 10% of the first crawl's requests; at zero latency
the pipeline stores at least 200 calls/s; the whole job for 10,000 calls stays under 60 s CPU
and 1 GB peak memory; cost grows linearly with N.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.mirror import Mirror  # noqa: E402
from fondsradar.demo import to_toml  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None  # GNU time: maxrss
TARGET_RECRAWL = 0.10
TARGET_CALLS_S = 200
TARGET_CPU_S = 60
TARGET_MEM_MB = 1024
LINEAR_EXPONENT = 1.15  # cost ∝ N^k; k above this between two N steps is "worse than linear"
FIRST, SECOND, RUN, COLD, ZERO = ("first crawl", "second crawl", "run --no-send",
                                  "run --no-send, cold", "first crawl, 0 ms")
STEPS = (FIRST, SECOND, RUN, COLD, ZERO)


# ------------------------------------------------------------------------------- config
def write_config(folder: Path, mirror: Mirror) -> Path:
    """config.toml in ``folder``: every source at the mirror, the project's themes."""
    project = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    ranking = to_toml({k: project[k] for k in ("themes", "matcher") if k in project})
    text = f"""# Written by benchmarks/bench_crawl.py: every source at a mirror on 127.0.0.1.
[database]
path = "{folder / 'data' / 'fondsradar.db'}"

[crawl]
user_agent = "Fondsradar benchmark (+mailto:teknologipagt@rm.dk)"
obey_robots = true
timeout_s = 30
delay_s = 0
{mirror.sources_toml()}
{ranking}
[digest]
language = "da"
out_dir = "{folder / 'out'}"
closing_soon_days = 21

[[digest.groups]]
name = "Teknologipagt-teamet"
emails = ["teknologipagt@example.dk"]
themes = ["*"]
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- measuring
def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all its descendants right now."""
    children, total, stack = _children(), 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(p, []))
    return total


class TreeSampler(threading.Thread):
    """The peak of ``tree_rss(pid)``, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.done.wait(self.interval)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


@dataclass
class Step:
    """One measured command."""

    n: int
    name: str
    latency_ms: float
    exit_code: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    maxrss_mb: float = 0.0  # the largest single process (ru_maxrss)
    tree_mb: float = 0.0  # the sampled peak of the whole tree
    requests: int = 0  # what the mirror saw
    bytes: int = 0
    not_modified: int = 0
    per_site: dict[str, dict[str, int]] = field(default_factory=dict)
    store: dict[str, int | None] = field(default_factory=dict)  # sums over source_runs
    items: int = 0  # calls the run's sources yielded (source_runs.items)
    stored: int = 0  # calls seen in the store afterwards
    sources: list[dict[str, Any]] = field(default_factory=list)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    mirror_cpu_s: float = 0.0

    @property
    def peak_mb(self) -> float:
        """The tree's peak, as far as measured: the sampled sum, or the largest process when
        the samples missed a short peak."""
        return max(self.tree_mb, self.maxrss_mb)

    @property
    def calls_per_s(self) -> float:
        return self.items / self.wall_s if self.wall_s else 0.0


def _diff(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
          ) -> dict[str, dict[str, int]]:
    return {site: {k: v - before.get(site, {}).get(k, 0) for k, v in counts.items()
                   if v - before.get(site, {}).get(k, 0)}
            for site, counts in after.items()}


def run_step(step: Step, cmd: list[str], mirror: Mirror, db: Path, logs: Path) -> Step:
    """Run ``cmd`` in a child process and fill in ``step``'s figures."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("FONDSRADAR_TODAY", "FONDSRADAR_CONFIG")}
    timing = logs / f"{step.n}-{step.name.replace(' ', '_')}.time"
    full = ([TIME, "-f", "%e %U %S %M", "-o", str(timing)] if TIME else []) + cmd
    step.load_before = os.getloadavg()
    before = mirror.snapshot()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    log = (logs / f"{step.n}-{step.name.replace(' ', '_')}.log").open("w")
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    step.exit_code = proc.wait()
    step.wall_s = time.perf_counter() - t0
    step.tree_mb = sampler.stop() / 2**20
    log.close()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    step.load_after = os.getloadavg()
    step.cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    step.mirror_cpu_s = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
    if TIME and timing.exists():
        fields = timing.read_text().split()
        try:
            step.maxrss_mb = int(fields[-1]) / 1024
        except (IndexError, ValueError):
            pass
    if not step.maxrss_mb:
        step.maxrss_mb = ru1.ru_maxrss / 1024  # the max over all children so far, all steps
    step.per_site = _diff(mirror.snapshot(), before)
    step.requests = sum(s.get("requests", 0) for s in step.per_site.values())
    step.bytes = sum(s.get("bytes", 0) for s in step.per_site.values())
    step.not_modified = sum(s.get("not_modified", 0) for s in step.per_site.values())
    _read_store(step, db)
    return step


def _read_store(step: Step, db: Path) -> None:
    """The latest run's source records (columns the store may not have yet are None)."""
    if not db.exists():
        return
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        run = conn.execute("select max(id) from runs").fetchone()[0]
        rows = [dict(r) for r in conn.execute(
            "select * from source_runs where run_id = ? order by id", [run])]
        step.sources = rows
        step.items = sum(r.get("items") or 0 for r in rows)
        for column in ("requests", "bytes", "not_modified", "skipped"):
            values = [r.get(column) for r in rows]
            step.store[column] = (sum(v or 0 for v in values)
                                  if any(column in r for r in rows) else None)
        step.stored = conn.execute("select count(*) from calls where seen = 1").fetchone()[0]
    finally:
        conn.close()


def fondsradar(config: Path, today: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "fondsradar", "--config", str(config), "--today", today, *args]


# ------------------------------------------------------------------------------ scrapy bench
@dataclass
class ScrapyBench:
    label: str
    pages: int = 0
    elapsed_s: float = 0.0
    rates: list[int] = field(default_factory=list)
    error: str = ""

    @property
    def pages_per_min(self) -> float:
        return self.pages / self.elapsed_s * 60 if self.elapsed_s else 0.0


def scrapy_bench(label: str, cwd: Path, env_config: Path | None, timeout_s: int) -> ScrapyBench:
    """``scrapy bench`` in a child process. LOG_LEVEL is INFO, not WARNING: the pages/min
    figures and the final stats are logged at INFO."""
    result = ScrapyBench(label)
    env = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_CONFIG"}
    if env_config:
        env["FONDSRADAR_CONFIG"] = str(env_config)
    cmd = [str(ROOT / ".venv" / "bin" / "scrapy"), "bench", "-s", "LOG_LEVEL=INFO",
           "-s", f"CLOSESPIDER_TIMEOUT={timeout_s}"]
    try:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout_s + 60)
    except subprocess.TimeoutExpired:
        result.error = "timed out"
        return result
    text = done.stdout + done.stderr
    result.rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", text)]
    pages = re.search(r"'downloader/response_count': (\d+)", text)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", text)
    if pages and elapsed:
        result.pages, result.elapsed_s = int(pages.group(1)), float(elapsed.group(1))
    else:
        result.error = f"exit {done.returncode}: " + " | ".join(text.strip().splitlines()[-3:])
    return result


# ----------------------------------------------------------------------------- reporting
def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.1f}"


def exponent(a: float, b: float, n_a: int, n_b: int) -> float | None:
    if a <= 0 or b <= 0 or n_a == n_b:
        return None
    return math.log(b / a) / math.log(n_b / n_a)


def step_table(steps: list[Step]) -> list[str]:
    head = ("| N | step | latency | requests | 304s | MB sent | wall s | CPU s "
            "| peak MB (tree / largest process) | calls | calls/s | load 1m |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for s in steps:
        lines.append(
            f"| {s.n:,} | {s.name} | {s.latency_ms:g} ms | {s.requests:,} | {s.not_modified:,} "
            f"| {mb(s.bytes)} | {s.wall_s:.1f} | {s.cpu_s:.1f} "
            f"| {s.tree_mb:.0f} / {s.maxrss_mb:.0f} | {s.items:,} | {s.calls_per_s:.0f} "
            f"| {s.load_before[0]:.2f} |")
    return lines


def store_table(steps: list[Step]) -> list[str]:
    """What the store's source_runs recorded, beside what the mirror saw."""
    def cell(value: int | None, scale: float = 1) -> str:
        if value is None:
            return "n/a"
        return f"{value / scale:,.1f}" if scale != 1 else f"{value:,}"

    lines = ["| N | step | requests: mirror / store | 304s: mirror / store "
             "| MB: mirror / store | pages skipped (store) |", "|---|---|---|---|---|---|"]
    for s in steps:
        lines.append(
            f"| {s.n:,} | {s.name} | {s.requests:,} / {cell(s.store.get('requests'))} "
            f"| {s.not_modified:,} / {cell(s.store.get('not_modified'))} "
            f"| {mb(s.bytes)} / {cell(s.store.get('bytes'), 2**20)} "
            f"| {cell(s.store.get('skipped'))} |")
    return lines


def site_table(s: Step) -> list[str]:
    lines = ["| site | requests | 200 | 304 | 404 | MB sent |", "|---|---|---|---|---|---|"]
    for site, c in sorted(s.per_site.items()):
        if not c.get("requests"):
            continue
        lines.append(f"| {site} | {c.get('requests', 0):,} | {c.get('ok', 0):,} "
                     f"| {c.get('not_modified', 0):,} | {c.get('404', 0):,} "
                     f"| {mb(c.get('bytes', 0))} |")
    return lines


def growth_table(by_n: dict[int, dict[str, Step]]) -> tuple[list[str], list[tuple[str, float]]]:
    """Ratios between consecutive N: for requests, bytes, wall and CPU of each step, the
    ratio and the exponent k in cost ∝ N^k (1 = linear)."""
    ns = sorted(by_n)
    lines = ["| step | metric | " + " | ".join(f"{a:,}→{b:,} ratio (k)" for a, b in
                                                itertools.pairwise(ns)) + " |",
             "|---|---|" + "---|" * (len(ns) - 1)]
    worst: list[tuple[str, float]] = []
    for name in STEPS:
        for metric, get in (("requests", lambda s: s.requests), ("bytes", lambda s: s.bytes),
                            ("wall", lambda s: s.wall_s), ("CPU", lambda s: s.cpu_s),
                            ("peak memory", lambda s: s.peak_mb)):
            cells = []
            for a, b in itertools.pairwise(ns):
                sa, sb = by_n[a].get(name), by_n[b].get(name)
                if not sa or not sb:
                    cells.append("–")
                    continue
                k = exponent(get(sa), get(sb), a, b)
                ratio = get(sb) / get(sa) if get(sa) else float("nan")
                cells.append(f"×{ratio:.1f} ({k:.2f})" if k is not None else "–")
                if k is not None and b == ns[-1] and a == ns[-2]:
                    worst.append((f"{name} {metric}", k))
            lines.append(f"| {name} | {metric} | " + " | ".join(cells) + " |")
    return lines, worst


def verdicts(by_n: dict[int, dict[str, Step]], worst: list[tuple[str, float]]
             ) -> list[str]:
    out = []
    for n in sorted(by_n):
        first, second = by_n[n].get(FIRST), by_n[n].get(SECOND)
        if first and second and first.requests:
            share = second.requests / first.requests
            out.append(f"- Re-crawl requests ≤ 10% of the first crawl's, N={n:,}: "
                       f"**{'met' if share <= TARGET_RECRAWL else 'not met'}** "
                       f"({second.requests:,} of {first.requests:,} = {share:.1%}; bytes "
                       f"{mb(second.bytes)} of {mb(first.bytes)} MB = "
                       f"{second.bytes / max(first.bytes, 1):.1%})")
    for n in sorted(by_n):
        zero = by_n[n].get(ZERO)
        if zero:
            out.append(f"- Pipeline ≥ {TARGET_CALLS_S} calls/s at zero latency, N={n:,}: "
                       f"**{'met' if zero.calls_per_s >= TARGET_CALLS_S else 'not met'}** "
                       f"({zero.items:,} calls in {zero.wall_s:.1f} s = "
                       f"{zero.calls_per_s:.0f} calls/s; CPU {zero.cpu_s:.1f} s = "
                       f"{zero.items / max(zero.cpu_s, 1e-9):.0f} calls per CPU-second)")
    biggest = max(by_n)
    label = "N=10,000" if biggest == 10_000 else f"N={biggest:,} (10,000 not run)"
    for name, what in ((RUN, "weekly, on a warm store"), (COLD, "first ever, empty store")):
        job = by_n[biggest].get(name)
        if job:
            ok = job.cpu_s < TARGET_CPU_S and job.peak_mb < TARGET_MEM_MB
            out.append(f"- Whole job < {TARGET_CPU_S} s CPU and < 1 GB peak, {label}, {what}: "
                       f"**{'met' if ok else 'not met'}** (CPU {job.cpu_s:.1f} s, peak "
                       f"{job.peak_mb:.0f} MB (tree sampled {job.tree_mb:.0f} MB, largest "
                       f"process {job.maxrss_mb:.0f} MB); wall {job.wall_s:.1f} s)")
    if len(by_n) > 1:
        bad = [(m, k) for m, k in worst if k > LINEAR_EXPONENT]
        ns = sorted(by_n)
        span = f"{ns[-2]:,}→{ns[-1]:,}"
        if bad:
            out.append(f"- Cost grows linearly with N ({span}): **not met** for "
                       + ", ".join(f"{m} (k={k:.2f})" for m, k in bad))
        else:
            top = max(worst, key=lambda x: x[1]) if worst else ("–", 0.0)
            out.append(f"- Cost grows linearly with N ({span}): **met** (every exponent k ≤ "
                       f"{LINEAR_EXPONENT}; the largest is {top[0]}, k={top[1]:.2f})")
    return out


def markdown(args: argparse.Namespace, steps: list[Step], by_n: dict[int, dict[str, Step]],
             mirrors: dict[int, dict[str, Any]], benches: list[ScrapyBench]) -> str:
    lines = ["## Crawl", "",
             f"Measured {datetime.now().strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} CPUs "
             f"(`nproc` {os.cpu_count()}), Python {platform.python_version()}, "
             f"{platform.system()} {platform.release()}; other work was running on the machine "
             f"(load average per step below). Command:", "",
             "```sh", " ".join([".venv/bin/python benchmarks/bench_crawl.py", *sys.argv[1:]]),
             "```", "",
             "A generated mirror of all five sources (benchmarks/mirror.py) is served on "
             "127.0.0.1, one port per site, each request answered after "
             f"{args.latency_ms:g} ms; pages send ETag/Last-Modified"
             + (f" and `Cache-Control: {args.cache_control}`" if args.cache_control else
                " and no Cache-Control")
             + ", and answer 304 to conditional requests; the SEDIA API answers its POSTs "
             "without validators. `delay_s = 0` (AutoThrottle then sets each host's delay, about "
             "the latency), robots.txt obeyed (404). Villum and Velux are two ports of one host "
             "name here, so Scrapy gives them one download slot (in production they are two "
             "hosts, crawled in parallel). Listing pages are sized so that the spiders' page "
             "caps (Villum/Velux 10 pages, Novo Nordisk Fonden 20) reach every call. Every store "
             "starts empty, with an empty HTTP cache. \"requests\" and \"MB sent\" are what "
             "the mirror saw (robots.txt and 304s included); CPU is that of the `fondsradar` "
             "process and its crawler child (getrusage of waited-for children); peak memory is "
             "the sampled sum of the tree's RSS / the largest process (ru_maxrss).", ""]
    for n, info in sorted(mirrors.items()):
        lines.append(f"- N={n:,}: calls per source {info['split']}; listing entries per page "
                     f"{info['listing_sizes']}")
    lines += ["", "### Figures", ""] + step_table(steps) + [""]
    lines += ["What the store's `source_runs` recorded for the same runs (n/a: no such column):",
              ""] + store_table(steps) + [""]
    growth, worst = growth_table(by_n)
    if len(by_n) > 1:
        lines += ["### Growth between N steps (ratio, and k in cost ∝ N^k; 1 = linear)", ""]
        lines += growth + [""]
    lines += ["### Requests per site: first and second crawl, largest N", ""]
    biggest = by_n[max(by_n)]
    for name in (FIRST, SECOND):
        if name in biggest:
            lines += [f"{name}, N={max(by_n):,}:", ""] + site_table(biggest[name]) + [""]
    if benches:
        lines += ["### scrapy bench, for comparison", ""]
        for b in benches:
            lines.append(f"- {b.label}: " + (f"{b.pages_per_min:,.0f} pages/min ({b.pages:,} "
                                             f"pages in {b.elapsed_s:.1f} s)"
                                             if not b.error else f"failed: {b.error}"))
        lines.append("")
    lines += ["### Targets", ""] + verdicts(by_n, worst) + [""]
    return "\n".join(lines) + "\n"


def write_benchmarks_md(section: str, path: Path) -> None:
    """Replace the "## Crawl" section of BENCHMARKS.md (or add it), keep everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Crawl[ \t]*\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------ main
def print_step(s: Step) -> None:
    store = ", ".join(f"{k} {v}" for k, v in s.store.items() if v is not None)
    failed = [f"{r['source']}: {r.get('message')}" for r in s.sources if r.get("status") != "ok"]
    print(f"  {s.name:<20} exit {s.exit_code}  requests {s.requests:>6,}  304s "
          f"{s.not_modified:>6,}  {mb(s.bytes):>7} MB  wall {s.wall_s:6.1f} s  CPU "
          f"{s.cpu_s:6.1f} s  peak {s.tree_mb:5.0f}/{s.maxrss_mb:5.0f} MB  calls {s.items:>6,} "
          f"({s.calls_per_s:5.0f}/s)  stored {s.stored:,}  load {s.load_before[0]:.2f}"
          f"  mirror CPU {s.mirror_cpu_s:.1f} s  [store: {store}]", flush=True)
    for line in failed:
        print(f"    FAILED {line[:300]}", flush=True)


def bench_n(n: int, args: argparse.Namespace, work: Path, steps: list[Step],
            by_n: dict[int, dict[str, Step]], mirrors: dict[int, dict[str, Any]]) -> None:
    """The steps for one N: first, second crawl and the job on one store; the job on an
    empty store; a first crawl at zero latency. Each store gets a fresh mirror (counters)."""
    today = args.today
    by_n[n] = {}
    plan = [(f"n{n}", args.latency_ms, [(FIRST, ["crawl"]), (SECOND, ["crawl"]),
                                        (RUN, ["run", "--no-send"])])]
    if args.cold:
        plan.append((f"n{n}-cold", args.latency_ms, [(COLD, ["run", "--no-send"])]))
    if args.zero:
        plan.append((f"n{n}-zero", 0.0, [(ZERO, ["crawl"])]))
    for folder_name, latency, commands in plan:
        t0 = time.perf_counter()
        mirror = Mirror(n, today=date.fromisoformat(today), latency_ms=latency,
                        cache_control=args.cache_control or None)
        if n not in mirrors:
            mirrors[n] = {"split": mirror.split, "listing_sizes": mirror.listing_sizes}
            print(f"\nN={n:,}: mirror generated in {time.perf_counter() - t0:.1f} s; calls per "
                  f"source {mirror.split}; listing entries per page {mirror.listing_sizes}",
                  flush=True)
        folder = work / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        with mirror:
            config = write_config(folder, mirror)
            db = folder / "data" / "fondsradar.db"
            for name, cmd in commands:
                step = run_step(Step(n, name, latency), fondsradar(config, today, *cmd),
                                mirror, db, folder)
                steps.append(step)
                by_n[n][name] = step
                print_step(step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000],
                        help="total calls in the mirror, one run per value (default 100 1000)")
    parser.add_argument("--latency-ms", type=float, default=20.0,
                        help="fixed latency of every answer of the mirror (default 20)")
    parser.add_argument("--today", default="2027-01-11",
                        help="the benchmark's today, passed to fondsradar --today")
    parser.add_argument("--cache-control", default="max-age=0",
                        help="Cache-Control of the mirror's pages ('' for none)")
    parser.add_argument("--no-zero", dest="zero", action="store_false",
                        help="skip the first crawl at zero latency")
    parser.add_argument("--no-cold", dest="cold", action="store_false",
                        help="skip the whole job on an empty store")
    parser.add_argument("--no-scrapy-bench", dest="scrapy_bench", action="store_false")
    parser.add_argument("--bench-seconds", type=int, default=10,
                        help="CLOSESPIDER_TIMEOUT of scrapy bench (default 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md",
                        help="the Markdown file whose '## Crawl' section is (re)written")
    parser.add_argument("--no-write", dest="write", action="store_false",
                        help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)

    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load "
          f"{os.getloadavg()}, latency {args.latency_ms:g} ms, today {args.today}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="fondsradar-bench-"))
    steps: list[Step] = []
    by_n: dict[int, dict[str, Step]] = {}
    mirrors: dict[int, dict[str, Any]] = {}
    benches: list[ScrapyBench] = []
    try:
        for n in args.n:
            bench_n(n, args, work, steps, by_n, mirrors)
        if args.scrapy_bench:
            # Our settings: from the repo root, with the benchmark's config (delay 0, its
            # cache folder); then Scrapy's defaults, from a folder without scrapy.cfg.
            # The ingest step records every spider's run, `scrapy bench`'s "follow" too:
            # give it a store (and HTTP cache) of its own.
            config = next(work.glob("n*/config.toml"), None)
            if config is not None:
                folder = work / "scrapy-bench"
                folder.mkdir(exist_ok=True)
                text = re.sub(r'(?m)^path = ".*fondsradar\.db"$',
                              f'path = "{folder / "fondsradar.db"}"',
                              config.read_text(encoding="utf-8"))
                config = folder / "config.toml"
                config.write_text(text, encoding="utf-8")
            benches.append(scrapy_bench("`scrapy bench` from the repo root (Fondsradar's "
                                        "settings: one request at a time per host, "
                                        "AutoThrottle, HTTP cache, delay_s 0)", ROOT, config,
                                        args.bench_seconds))
            benches.append(scrapy_bench("`scrapy bench` outside the project (Scrapy's "
                                        "defaults: 16 concurrent, 8 per host)", work, None,
                                        args.bench_seconds))
            for b in benches:
                print(f"{b.label}: " + (f"{b.pages_per_min:,.0f} pages/min ({b.pages} pages in "
                                        f"{b.elapsed_s:.1f} s)" if not b.error else b.error),
                      flush=True)
        section = markdown(args, steps, by_n, mirrors, benches)
        print("\n" + section)
        if args.write:
            write_benchmarks_md(section, args.out)
            print(f"written: {args.out} (section '## Crawl')")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
