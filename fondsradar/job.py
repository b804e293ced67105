"""The weekly job and its stages, wired: crawl → store → match → digest → send.

Each stage package stays pure (DESIGN.md): this module reads the store, hands plain records to
``matcher`` and ``digests``, and writes what they return.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from digests.render import build_view, render_digest
from fondsradar.config import Config
from fondsradar.crawl import CrawlRequest, Event, run_crawl
from fondsradar.lock import run_lock
from fondsradar.store import SourceOutcome, Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SOURCE_FAILED = 0, 1, 2, 3
# Exceptions a network-less machine produces; all sources failing with them means "offline".
OFFLINE_WORDS = ("DNSLookupError", "could not be reached", "ConnectionRefused", "TimeoutError",
                 "TCPTimedOut", "NoRouteError")


@dataclass
class JobResult:
    run_id: int
    outcomes: list[SourceOutcome] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    exit_code: int = EXIT_OK

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def offline(self) -> bool:
        """Every source failed to connect: most likely this machine has no network."""
        return bool(self.outcomes) and all(
            o.status != "ok" and any(w in o.message for w in OFFLINE_WORDS)
            for o in self.outcomes)


def crawl(
    cfg: Config,
    store: Store,
    *,
    today: date,
    sources: Sequence[str] | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    command: str = "crawl",
    lock_fd: int | None = None,
    on_event: Callable[[Event], None] = lambda e: None,
) -> JobResult:
    """Collect and store; one run record, one source record per source.

    Holds the run lock (fondsradar.lock) unless the caller passes the one it holds."""
    if lock_fd is None:
        with run_lock(cfg.db_path) as fd:
            return crawl(cfg, store, today=today, sources=sources, replay=replay, record=record,
                         command=command, on_event=on_event, lock_fd=fd)
    names = list(sources or cfg.sources.enabled())
    store.mark_interrupted()
    run_id = store.start_run(command, today, pid=os.getpid())
    result = JobResult(run_id=run_id)
    try:
        result.outcomes = run_crawl(cfg, CrawlRequest(
            sources=names, run_id=run_id, today=today,
            replay=replay, record=record, lock_fd=lock_fd), on_event)
    except BaseException:
        store.finish_run(run_id, "interrupted", EXIT_ERROR, "the crawl was interrupted")
        raise
    result.exit_code = EXIT_SOURCE_FAILED if result.failed else EXIT_OK
    if command == "crawl":
        _finish(store, result)
    return result


def _finish(store: Store, result: JobResult) -> None:
    message = "; ".join(f"{o.source}: {o.message}" for o in result.failed)
    store.finish_run(result.run_id, "failed" if result.failed else "ok", result.exit_code,
                     message)


def ranked_sections(cfg: Config, store: Store, today: date) -> list[dict[str, Any]]:
    """Stored open calls grouped under their best theme, best first."""
    from fondsradar.ranking import rank_calls  # scikit-learn loads only when ranking

    calls = {c["id"]: c for c in store.calls(today)}
    rankings = rank_calls(cfg, list(calls.values()))
    sections: dict[str, dict[str, Any]] = {
        slug: {"slug": slug, "name": theme.name, "calls": []}
        for slug, theme in cfg.themes.items()
    }
    for r in rankings:
        if r.best_theme is None or r.score <= 0:
            continue
        record = dict(calls[r.id], score=r.score, matched=r.matched.get(r.best_theme, []))
        sections[r.best_theme]["calls"].append(record)
    return list(sections.values())


def write_digest(cfg: Config, store: Store, today: date, out_dir: Path | None = None) -> list[Path]:
    """Render the digest of what is stored and write it (HTML and text) to the output folder."""
    out = out_dir or cfg.out_dir
    view = build_view(
        today=today,
        language=cfg.digest.language,
        themes=ranked_sections(cfg, store, today),
        health=store.source_health(),
    )
    rendered = render_digest(view)
    files = []
    for kind, suffix in (("html", ".html"), ("text", ".txt")):
        path = out / f"{view['week']}{suffix}"
        atomic_write(path, rendered[kind])
        files.append(path)
    return files


def run(
    cfg: Config,
    store: Store,
    *,
    today: date,
    replay: Path | None = None,
    send: bool = True,
    on_event: Callable[[Event], None] = lambda e: None,
) -> JobResult:
    """The weekly job: crawl every enabled source, match, write the digest (and send it)."""
    with run_lock(cfg.db_path) as lock_fd:
        return _run(cfg, store, today=today, replay=replay, send=send, on_event=on_event,
                    lock_fd=lock_fd)


def _run(
    cfg: Config,
    store: Store,
    *,
    today: date,
    replay: Path | None,
    send: bool,
    on_event: Callable[[Event], None],
    lock_fd: int,
) -> JobResult:
    result = crawl(cfg, store, today=today, replay=replay, command="run",
                   on_event=on_event, lock_fd=lock_fd)
    try:
        result.files = write_digest(cfg, store, today)
    except BaseException:
        store.finish_run(result.run_id, "failed", EXIT_ERROR, "the digest could not be written")
        raise
    _finish(store, result)
    return result


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
