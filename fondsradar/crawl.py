"""Running the Scrapy spiders from the ``fondsradar`` command.

A Twisted reactor cannot be restarted, so every crawl runs in a child process
(``python -m fondsradar.crawl``) with one Scrapy ``CrawlerProcess`` holding one crawler per
source: hosts are crawled in parallel, each politely. The child writes progress events as JSON
lines on stdout and Scrapy's log to a file; each source's results reach the store from the
child's store pipeline, in one transaction per source. The parent shows the progress, and
afterwards reads the outcome from the store, so even a child that dies half-way leaves a
truthful record: any source without a result is recorded as failed, with the log's last lines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fondsradar.config import Config
from records.health import Cause
from records.store import SourceOutcome, Store, now_iso

Event = dict[str, Any]


def scrapy_settings(cfg: Config) -> dict[str, Any]:
    """The Scrapy settings that come from config.toml."""
    return {
        "USER_AGENT": cfg.crawl.user_agent,
        "ROBOTSTXT_OBEY": cfg.crawl.obey_robots,
        "DOWNLOAD_TIMEOUT": cfg.crawl.timeout_s,
        "DOWNLOAD_DELAY": cfg.crawl.delay_s,
        "AUTOTHROTTLE_START_DELAY": max(cfg.crawl.delay_s, 0.1),
        "RETRY_TIMES": cfg.crawl.retries,
        "FONDSRADAR_BACKOFF_S": cfg.crawl.backoff_s,
        "DOWNLOAD_MAXSIZE": int(cfg.crawl.max_page_mb * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": int(cfg.crawl.max_page_mb * 1024 * 1024 / 4),
        "FONDSRADAR_DB": str(cfg.db_path),
        "HTTPCACHE_DIR": str(cfg.db_path.parent / "httpcache"),
        "FONDSRADAR_SOURCES": {
            name: source.model_dump(mode="json")
            for name, source in cfg.sources.enabled().items()
        },
    }


@dataclass
class CrawlRequest:
    """What the shell asks of one crawl."""

    sources: list[str]
    run_id: int
    today: date
    replay: Path | None = None
    record: Path | None = None
    log_file: Path | None = None
    # The run lock's descriptor: the child keeps the lock held for as long as it crawls.
    lock_fd: int | None = None


def run_crawl(
    cfg: Config, req: CrawlRequest, on_event: Callable[[Event], None] = lambda e: None
) -> list[SourceOutcome]:
    """Crawl ``req.sources`` in a child process; return each source's outcome from the store."""
    log_file = req.log_file or cfg.db_path.parent / "logs" / f"crawl-{req.run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "fondsradar.crawl", "--settings",
           json.dumps(scrapy_settings(cfg)), "--run-id", str(req.run_id),
           "--today", req.today.isoformat()]
    if req.replay:
        cmd += ["--replay", str(Path(req.replay).resolve())]
    if req.record:
        cmd += ["--record", str(Path(req.record).resolve())]
    cmd += req.sources
    started_at = now_iso()
    with open(log_file, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                pass_fds=(req.lock_fd,) if req.lock_fd is not None else ())
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                on_event(json.loads(line))
            except ValueError:
                continue
        code = proc.wait()
    store = Store(cfg.db_path)
    try:
        done = {row["source"]: row for row in store.sources.of_run(req.run_id)}
        outcomes = []
        for source in req.sources:
            if source in done:
                outcomes.append(_outcome(done[source]))
                continue
            tail = _tail(log_file)
            outcome = SourceOutcome(
                source=source, status="failed", errors=1, finish_reason=f"exit {code}",
                message=f"the crawler stopped before this source finished ({tail})",
                cause=Cause.ERROR,
            )
            store.sources.record(req.run_id, outcome, started_at)
            outcomes.append(outcome)
    finally:
        store.close()
    return outcomes


def _outcome(row: dict[str, Any]) -> SourceOutcome:
    fields = SourceOutcome.__dataclass_fields__
    return SourceOutcome(**{k: row[k] for k in fields if row.get(k) is not None})


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    interesting = [ln for ln in text if "ERROR" in ln or "Error" in ln] or text
    return " | ".join(ln.strip()[:200] for ln in interesting[-lines:]) or "no log"


def _worker(argv: Sequence[str] | None = None) -> int:
    """The child process: one CrawlerProcess, one crawler per source, then exit."""
    parser = argparse.ArgumentParser(prog="python -m fondsradar.crawl")
    parser.add_argument("--settings", required=True, help="Scrapy settings from config, JSON")
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--today", required=True)
    parser.add_argument("--replay")
    parser.add_argument("--record")
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args(argv)

    # The parent already validated the config; the child takes its values as given, on top of
    # the crawler's own defaults (not fondsradar.scrapy_settings, which reads config.toml).
    os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(json.loads(args.settings), priority="cmdline")
    settings.setdict({
        "FONDSRADAR_RUN_ID": args.run_id,
        "FONDSRADAR_TODAY": args.today,
        "FONDSRADAR_EVENTS": True,
        "FONDSRADAR_HAR_REPLAY": args.replay or "",
        "FONDSRADAR_HAR_RECORD": args.record or "",
        "LOG_FILE": None,
    }, priority="cmdline")
    if args.replay:
        # Replayed answers come at once; waiting between them only slows tests and demos.
        settings.setdict({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
                         priority="cmdline")
    if args.replay or args.record:
        settings.set("HTTPCACHE_ENABLED", False, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    for source in args.sources:
        process.crawl(source)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
