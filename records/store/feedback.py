"""Staff verdicts on calls ("relevant" / "irrelevant", optionally for one theme)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from records.store.calls import Calls, export_record
from records.store.schema import now_iso


class FeedbackLog:
    """The ``feedback`` table; each verdict comes back with the call as stored."""

    def __init__(self, db: Database, calls: Calls):
        self.db = db
        self._calls = calls

    def add(self, call_id: str, verdict: str, theme: str | None) -> None:
        with self.db.atomic():
            self.db.table("feedback").insert({"call_id": call_id, "verdict": verdict,
                                              "theme": theme, "given_at": now_iso()})

    def all(self, on: date) -> list[dict[str, Any]]:
        """Every verdict, latest last; with the call as stored (any status)."""
        rows = list(self.db.query("select * from feedback order by id"))
        out = []
        for row in rows:
            stored = self._calls.row(row["call_id"])
            if stored is not None:
                out.append({**row, "call": export_record(stored, on)})
        return out
