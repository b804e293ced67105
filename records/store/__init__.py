"""The Fondsradar database, one table group per concern.

``Store`` opens (and migrates) the SQLite file and hands out one object per concern:
``store.runs`` (job runs), ``store.sources`` (each source's result per run: health history),
``store.calls`` (calls, their changes and the exported record), ``store.feedback`` (staff
verdicts) and ``store.digests`` (what each digest delivered). Everything else in the project
reads and writes the database through these.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from records.store.calls import Calls, export_record
from records.store.digests import DigestLog
from records.store.feedback import FeedbackLog
from records.store.runs import Runs
from records.store.schema import CALL_FIELDS, EXPORT_KEYS, JSON_FIELDS, migrations, now_iso
from records.store.sources import SourceOutcome, SourceRuns

__all__ = [
    "CALL_FIELDS", "EXPORT_KEYS", "JSON_FIELDS", "Calls", "DigestLog", "FeedbackLog", "Runs",
    "SourceOutcome", "SourceRuns", "Store", "export_record", "migrations", "now_iso",
]


class Store:
    """The database file. Open one per process; it migrates itself on open."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: a manual `crawl` may meet the weekly run's writes.
        conn = sqlite3.connect(str(self.path), timeout=30)
        self.db = Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrations.apply(self.db)
        self.runs = Runs(self.db)
        self.sources = SourceRuns(self.db)
        self.calls = Calls(self.db, self.sources)
        self.feedback = FeedbackLog(self.db, self.calls)
        self.digests = DigestLog(self.db)

    def close(self) -> None:
        self.db.close()

    def counts(self) -> dict[str, int]:
        """Row counts across the concerns (status and tests)."""
        q = self.db.execute
        return {
            "calls": q("select count(*) from calls").fetchone()[0],
            "seen": q("select count(*) from calls where seen = 1").fetchone()[0],
            "changes": q("select count(*) from call_changes").fetchone()[0],
            "runs": q("select count(*) from runs").fetchone()[0],
        }
