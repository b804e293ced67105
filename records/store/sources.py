"""Each source's result in each run: the history that health verdicts are made from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from records.store.schema import now_iso


@dataclass
class SourceOutcome:
    """What one source's crawl did to the store."""

    source: str
    status: str  # ok | failed
    items: int = 0
    new: int = 0
    changed: int = 0
    unseen: int = 0
    errors: int = 0
    requests: int = 0
    duration_s: float = 0.0
    finish_reason: str = ""
    message: str = ""
    bytes: int = 0
    not_modified: int = 0
    skipped: int = 0
    cause: str = ""  # a records.health.Cause value; "" when healthy
    fields: str = ""  # JSON {"calls", "have": {field: n}, "lost": [field]} (crawler.health)
    problems: str = ""  # JSON list of plain sentences; ``message`` joins them


class SourceRuns:
    """The ``source_runs`` table: one row per source per run."""

    def __init__(self, db: Database):
        self.db = db

    def of_run(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select * from source_runs where run_id = ? order by id", [run_id]))

    def record(self, run_id: int | None, outcome: SourceOutcome, started_at: str) -> None:
        """Record one source's result in a run (used on its own when a source failed)."""
        with self.db.atomic():
            self.insert(run_id, outcome, started_at)

    def insert(self, run_id: int | None, o: SourceOutcome, started_at: str) -> None:
        """Insert inside the caller's transaction (a source's calls and its run go together)."""
        self.db.table("source_runs").insert({
            "run_id": run_id, "source": o.source, "started_at": started_at,
            "finished_at": now_iso(), "status": o.status, "items": o.items, "new": o.new,
            "changed": o.changed, "unseen": o.unseen, "errors": o.errors,
            "requests": o.requests, "duration_s": round(o.duration_s, 3),
            "finish_reason": o.finish_reason, "message": o.message, "bytes": o.bytes,
            "not_modified": o.not_modified, "skipped": o.skipped, "cause": o.cause,
            "fields": o.fields or None, "problems": o.problems or None,
        })

    def last_good(self, source: str) -> dict[str, Any] | None:
        """The source's last healthy crawl (items, fields, and ``day``: the run's "today",
        else the day it finished), or None."""
        rows = list(self.db.query(
            "select s.items, s.fields, s.finished_at, coalesce(r.today, s.finished_at) as day "
            "from source_runs s left join runs r on r.id = s.run_id "
            "where s.source = ? and s.status = 'ok' order by s.id desc limit 1", [source]))
        return rows[0] if rows else None

    def latest(self) -> list[dict[str, Any]]:
        """Per source: its latest run, and its last good one."""
        rows = self.db.query(
            """
            select s.*, (select max(finished_at) from source_runs g
                         where g.source = s.source and g.status = 'ok') as last_ok,
                   (select count(*) from calls c where c.source = s.source and c.seen = 1)
                       as stored
            from source_runs s
            where s.id = (select max(id) from source_runs t where t.source = s.source)
            order by s.source
            """
        )
        return list(rows)
