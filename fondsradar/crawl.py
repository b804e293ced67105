"""Running the Scrapy spiders from the ``fondsradar`` command, here or on Scrapyd.

Crawling and storing are two steps. A crawl yields each source's items into a feed (JSON Lines)
and ends with a summary of its stats; the shell's ingest step (:mod:`fondsradar.ingest`) writes
a feed into the store. With the default ``[crawl] engine = "local"``, a Twisted reactor cannot
be restarted, so the crawl runs in a child process (``python -m fondsradar.crawl``) with one
Scrapy ``CrawlerProcess`` holding one crawler per source: hosts are crawled in parallel, each
politely. The child writes progress events as JSON lines on stdout and Scrapy's log to a file;
when it says a source's crawl is over, the parent ingests that source's feed while the others
go on. A child that dies half-way still leaves a truthful record: any source without a summary
is recorded as failed, with the log's last lines, and nothing of it is stored. With
``engine = "scrapyd"`` the same happens through Scrapyd jobs (:mod:`fondsradar.remote`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fondsradar.children import child_env, die_with_parent
from fondsradar.config import Config
from fondsradar.ingest import ingest, ingest_file, summary_from, write_state
from fondsradar.lock import note_child
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
    """Crawl ``req.sources`` and ingest each source's feed; return each source's outcome.

    ``[crawl] engine = "scrapyd"`` runs the crawl as Scrapyd jobs (:mod:`fondsradar.remote`);
    recording or replaying a HAR always crawls here, since the archive is a file on this machine.
    """
    if cfg.crawl.engine == "scrapyd" and not (req.replay or req.record):
        from fondsradar.remote import run_jobs

        return run_jobs(cfg, req, on_event)
    return _run_local(cfg, req, on_event)


def _run_local(cfg: Config, req: CrawlRequest, on_event: Callable[[Event], None]
               ) -> list[SourceOutcome]:
    """One child process crawls every source into its own feed file; each feed is ingested
    as soon as the child says that source's crawl is over, while the others go on."""
    log_file = req.log_file or cfg.db_path.parent / "logs" / f"crawl-{req.run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # Feeds live only until they are ingested; the run lock makes this run the only one, so
    # whatever an interrupted run left here can go.
    feeds = cfg.db_path.parent / "feeds"
    shutil.rmtree(feeds, ignore_errors=True)
    work = feeds / f"run-{req.run_id}"
    started_at = now_iso()
    store = Store(cfg.db_path)
    try:
        for source in req.sources:
            write_state(store, source, work / "state" / f"{source}.json.gz")
        settings = {
            **scrapy_settings(cfg),
            # Scrapy fills in %(name)s per spider: one feed file per source.
            "FEEDS": {f"file://{work.resolve()}/%(name)s.jl": {"format": "jsonlines",
                                                               "encoding": "utf-8"}},
            "FONDSRADAR_STATE_URL": str(work / "state" / "{source}.json.gz"),
        }
        cmd = [sys.executable, "-m", "fondsradar.crawl", "--settings", json.dumps(settings),
               "--run-id", str(req.run_id), "--today", req.today.isoformat()]
        if req.replay:
            cmd += ["--replay", str(Path(req.replay).resolve())]
        if req.record:
            cmd += ["--record", str(Path(req.record).resolve())]
        cmd += req.sources
        outcomes: dict[str, SourceOutcome] = {}
        with open(log_file, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                    pass_fds=(req.lock_fd,) if req.lock_fd is not None else (),
                                    env=child_env())
            if req.lock_fd is not None:
                note_child(req.lock_fd, proc.pid)
            assert proc.stdout is not None
            for line in proc.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(event, dict):
                    continue
                source = event.get("source")
                if event.get("event") != "crawled":
                    on_event(event)
                    continue
                summary = summary_from(event, source) if source in req.sources else None
                if summary is None or source in outcomes:
                    continue
                done = ingest_file(store, req.run_id, source, work / f"{source}.jl", summary,
                                   today=req.today, started_at=started_at)
                outcomes[source] = done.outcome
                on_event(closed_event(done.outcome))
            code = proc.wait()
        for source in req.sources:
            if source in outcomes:
                continue
            failure = f"the crawler stopped before this source finished ({_tail(log_file)})"
            done = ingest(store, req.run_id, source, [], None, today=req.today,
                          started_at=started_at, failure=failure)
            done.outcome.finish_reason = f"exit {code}"
            outcomes[source] = done.outcome
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    return [outcomes[s] for s in req.sources]


def closed_event(outcome: SourceOutcome) -> Event:
    """The progress event for a source whose result is stored."""
    return {"event": "closed", "source": outcome.source, "items": outcome.items,
            "status": outcome.status, "message": outcome.message, "cause": str(outcome.cause)}


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
    die_with_parent()  # an orphaned crawler would keep crawling and hold the run lock

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
