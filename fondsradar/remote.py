"""The crawl as Scrapyd jobs (``[crawl] engine = "scrapyd"``): deploy, schedule, follow, ingest.

One job per enabled source, on the Scrapyd node at ``crawl.scrapyd_url``:

1. **Deploy.** The crawler's egg (:mod:`fondsradar.egg`) is named by a hash of its files; when
   Scrapyd does not list that version for the project, it is uploaded first (``addversion.json``),
   and every job is scheduled with exactly that version.
2. **Schedule.** The config's source settings and politeness go with each job as Scrapy
   settings (``schedule.json`` ``setting=KEY=VALUE``), the source's own settings only.
3. **Incremental state.** What the job needs to skip unchanged call pages (the source's calls
   stored last time, with their listing fingerprints) is served, gzip'd, by a small read-only
   HTTP server of this process at ``crawl.scrapyd_state_address``, under a random path that is
   valid for this run only. A job fetches it once when it starts: one request per source, the
   size of the source's stored calls, never a command-line argument.
4. **Follow.** ``listjobs.json`` is polled; the user sees each job wait, start, and how many calls
   its feed holds so far (read with HTTP range requests, so only new bytes cross the wire).
5. **Ingest.** A finished job's log (its closing summary, :mod:`crawler.extensions`) and item
   feed are fetched from Scrapyd and ingested (:mod:`fondsradar.ingest`), exactly as a local
   crawl's are.

A job that ends without a summary (it died, or was cancelled before it started), a Scrapyd that
cannot be reached or forgets a job, or one that keeps no item feeds, makes that source fail with
the reason in plain words (exit 3); nothing is stored for it, and what was stored stays.
Interrupting the command cancels the jobs it scheduled.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fondsradar.config import Config
from fondsradar.crawl import CrawlRequest, Event, closed_event, scrapy_settings
from fondsradar.egg import build_egg
from fondsradar.ingest import ingest, state_bytes, summary_in_log
from fondsradar.scrapyd_api import Job, Scrapyd, ScrapydError
from records.store import SourceOutcome, Store, now_iso

POLL_S = 0.5
# listjobs.json failing this many times in a row means Scrapyd is gone for this run.
MAX_POLL_FAILURES = 10


class SetupError(Exception):
    """The Scrapyd settings cannot be used as they are (e.g. the password's variable is unset)."""


def client(cfg: Config) -> Scrapyd:
    """The Scrapyd of the config, with the password read from the variable it names.

    The error names the variable, never a value."""
    crawl = cfg.crawl
    if not crawl.scrapyd_url:
        raise SetupError('crawl.scrapyd_url is not set (e.g. "http://127.0.0.1:6800")')
    password = None
    if crawl.scrapyd_password_env:
        password = os.environ.get(crawl.scrapyd_password_env)
        if not password:
            raise SetupError(f"crawl.scrapyd_password_env: the environment variable "
                             f"{crawl.scrapyd_password_env} is not set in the environment "
                             "this job runs in")
    elif crawl.scrapyd_username:
        raise SetupError("crawl.scrapyd_username is set but crawl.scrapyd_password_env is "
                         "not: name the environment variable that holds the password")
    return Scrapyd(url=str(crawl.scrapyd_url), project=crawl.scrapyd_project,
                   username=crawl.scrapyd_username, password=password)


@dataclass(frozen=True)
class Deployed:
    version: str
    uploaded: bool
    spiders: int = 0


def deploy(api: Scrapyd, *, force: bool = False) -> Deployed:
    """Upload this version of the crawler unless Scrapyd already has it."""
    egg = build_egg(name=api.project)
    if not force and egg.version in api.versions():
        return Deployed(egg.version, uploaded=False)
    spiders = api.add_version(egg.version, egg.data)
    if spiders == 0:
        raise ScrapydError(f"Scrapyd found no spiders in version {egg.version}: are the "
                           "crawler's libraries (Scrapy, lxml, ...) installed where it runs?")
    return Deployed(egg.version, uploaded=True, spiders=spiders)


def job_settings(cfg: Config, source: str, today: str, state_url: str) -> dict[str, str]:
    """The Scrapy settings of one source's job, as the text ``schedule.json`` carries.

    This machine's paths (the HTTP cache beside the database) stay here: a node keeps its own.
    """
    settings = scrapy_settings(cfg)
    settings.pop("HTTPCACHE_DIR", None)
    settings["FONDSRADAR_SOURCES"] = {source: settings["FONDSRADAR_SOURCES"][source]}
    settings["FONDSRADAR_TODAY"] = today
    settings["FONDSRADAR_STATE_URL"] = state_url
    return {k: json.dumps(v) if isinstance(v, dict | list) else str(v)
            for k, v in settings.items()}


class StateServer:
    """Serves each source's incremental state, read-only, for the duration of one run."""

    def __init__(self, address: str):
        host, _, port = address.partition(":")
        self.host = host
        self.token = secrets.token_urlsafe(24)
        self.files: dict[str, bytes] = {}
        bind = host if host in ("127.0.0.1", "localhost", "::1") else ""
        self.server = ThreadingHTTPServer((bind, int(port or 0)), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, source: str) -> str:
        return f"http://{self.host}:{self.port}/{self.token}/{source}.json.gz"

    def __enter__(self) -> StateServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                prefix = f"/{state.token}/"
                name = self.path[len(prefix):].removesuffix(".json.gz")
                body = state.files.get(name) if self.path.startswith(prefix) else None
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


@dataclass
class _Tracked:
    source: str
    job: str
    state: str = "pending"
    feed_bytes: int = 0
    items: int = 0


def run_jobs(cfg: Config, req: CrawlRequest, on_event: Callable[[Event], None]
             ) -> list[SourceOutcome]:
    """Crawl ``req.sources`` as Scrapyd jobs and ingest their feeds; each source's outcome."""
    started_at = now_iso()
    store = Store(cfg.db_path)
    outcomes: dict[str, SourceOutcome] = {}

    def fail(source: str, reason: str) -> None:
        done = ingest(store, req.run_id, source, [], None, today=req.today,
                      started_at=started_at, failure=reason)
        done.outcome.finish_reason = "scrapyd"
        outcomes[source] = done.outcome
        on_event(closed_event(done.outcome))

    try:
        try:
            api = client(cfg)
            version = deploy(api).version
        except (SetupError, ScrapydError) as exc:
            for source in req.sources:
                fail(source, f"Scrapyd could not be used: {exc}")
            return [outcomes[s] for s in req.sources]
        with StateServer(cfg.crawl.scrapyd_state_address) as state:
            tracked: dict[str, _Tracked] = {}
            try:
                for source in req.sources:
                    state.files[source] = state_bytes(store, source)
                    settings = job_settings(cfg, source, req.today.isoformat(),
                                            state.url(source))
                    try:
                        job = api.schedule(source, version=version, settings=settings)
                    except ScrapydError as exc:
                        fail(source, f"the job could not be scheduled: {exc}")
                        continue
                    tracked[job] = _Tracked(source, job)
                    on_event({"event": "queued", "source": source, "job": job})
                _follow(api, store, req, tracked, outcomes, started_at, on_event, fail)
            except BaseException:
                for t in tracked.values():
                    if t.source not in outcomes:
                        try:
                            api.cancel(t.job)
                        except ScrapydError:
                            pass
                raise
    finally:
        store.close()
    return [outcomes[s] for s in req.sources]


def _follow(api: Scrapyd, store: Store, req: CrawlRequest, tracked: dict[str, _Tracked],
            outcomes: dict[str, SourceOutcome], started_at: str,
            on_event: Callable[[Event], None], fail: Callable[[str, str], None]) -> None:
    """Poll Scrapyd until every job has finished (or Scrapyd is gone), ingesting each one."""
    failures = 0
    while any(t.source not in outcomes for t in tracked.values()):
        try:
            jobs = api.jobs()
            failures = 0
        except ScrapydError as exc:
            failures += 1
            if failures >= MAX_POLL_FAILURES:
                for t in tracked.values():
                    if t.source not in outcomes:
                        fail(t.source, f"Scrapyd stopped answering during the crawl ({exc}); "
                                       f"job {t.job} may still be running there")
                return
            time.sleep(POLL_S)
            continue
        for t in tracked.values():
            if t.source in outcomes:
                continue
            job = jobs.get(t.job)
            if job is None:
                fail(t.source, f"Scrapyd no longer knows job {t.job} (was it restarted?)")
                continue
            if job.state == "running" and t.state == "pending":
                on_event({"event": "started", "source": t.source, "job": t.job})
            t.state = job.state
            if job.state == "running":
                _progress(api, t, job, on_event)
            elif job.state == "finished":
                _finished(api, store, req, t, job, outcomes, started_at, on_event, fail)
        if any(t.source not in outcomes for t in tracked.values()):
            time.sleep(POLL_S)


def _progress(api: Scrapyd, t: _Tracked, job: Job, on_event: Callable[[Event], None]) -> None:
    """Count the feed's new lines since the last look (a range request: new bytes only)."""
    if not job.items_url:
        return
    try:
        got = api.read_range(job.items_url, t.feed_bytes)
    except ScrapydError:
        return
    if got:
        t.feed_bytes += len(got)
        t.items += got.count(b"\n")
        on_event({"event": "progress", "source": t.source, "items": t.items})


def _finished(api: Scrapyd, store: Store, req: CrawlRequest, t: _Tracked, job: Job,
              outcomes: dict[str, SourceOutcome], started_at: str,
              on_event: Callable[[Event], None], fail: Callable[[str, str], None]) -> None:
    where = f"job {t.job} on {api.url}"
    try:
        log = api.read_text(job.log_url) if job.log_url else ""
    except ScrapydError as exc:
        fail(t.source, f"the log of {where} could not be read ({exc})")
        return
    summary = summary_in_log(log, t.source)
    if summary is None:
        fail(t.source, f"the Scrapyd job ended without finishing its crawl ({where}; "
                       f"{_log_tail(log)})")
        return
    if not job.items_url:
        fail(t.source, f"Scrapyd keeps no item feeds for {where}: set items_dir in its "
                       "scrapyd.conf (see docs/scaling.md)")
        return
    try:
        done = ingest(store, req.run_id, t.source, api.stream_lines(job.items_url), summary,
                      today=req.today, started_at=started_at)
    except ScrapydError as exc:
        fail(t.source, f"the item feed of {where} could not be read ({exc})")
        return
    outcomes[t.source] = done.outcome
    on_event(closed_event(done.outcome))


def _log_tail(log: str, lines: int = 2) -> str:
    """The job's last logged errors, or that it logged none (then it was stopped from outside:
    killed, or its machine went down)."""
    errors = [ln for ln in log.splitlines() if "] ERROR:" in ln or "] CRITICAL:" in ln]
    if not errors:
        return "its log shows no error: the process was stopped from outside"
    return " | ".join(ln.strip()[:200] for ln in errors[-lines:])


def describe(cfg: Config) -> dict[str, Any]:
    """What ``fondsradar deploy`` reports about the node (daemonstatus.json)."""
    return client(cfg).daemon_status()
