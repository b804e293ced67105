"""Stored calls: upserts with change history, the exported record, and the views on them.

Rules the rest of the project relies on:

- A call is keyed by its stable id ``<source>:<source's id or URL hash>``; re-running never
  duplicates it. A call that disappears from its source is kept and marked unseen, never deleted.
- Every change of a stored field is kept in ``call_changes`` (field, old, new, when).
- A source's results of one crawl are written in one transaction, together with the record of
  that source's run, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlite_utils import Database

from records.clock import effective_status, next_deadline
from records.store.schema import CALL_FIELDS, EXPORT_KEYS, JSON_FIELDS, now_iso
from records.store.sources import SourceOutcome, SourceRuns


class Calls:
    """The ``calls`` and ``call_changes`` tables."""

    def __init__(self, db: Database, sources: SourceRuns):
        self.db = db
        self._sources = sources

    def save(
        self,
        run_id: int | None,
        source: str,
        records: Sequence[Mapping[str, Any]],
        outcome: SourceOutcome,
        started_at: str,
        *,
        complete: bool,
    ) -> SourceOutcome:
        """Upsert one source's calls and record its run, all in one transaction.

        ``complete`` says the crawl saw the whole source: only then are its stored calls that
        were not seen this time marked unseen (a failing site must never empty the store).
        """
        seen_at = now_iso()
        with self.db.atomic():
            for record in records:
                is_new, changed = self._upsert_call(record, seen_at, run_id, origin="crawl")
                outcome.new += is_new
                outcome.changed += changed
            if complete:
                ids = [r["id"] for r in records]
                outcome.unseen = self._mark_unseen(source, ids, seen_at)
            self._sources.insert(run_id, outcome, started_at)
        return outcome

    def import_records(self, records: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
        """Add or update calls by hand; returns (new, changed)."""
        new = changed = 0
        seen_at = now_iso()
        with self.db.atomic():
            for record in records:
                is_new, did_change = self._upsert_call(record, seen_at, None, origin="manual")
                new += is_new
                changed += did_change
        return new, changed

    def _upsert_call(
        self, record: Mapping[str, Any], seen_at: str, run_id: int | None, origin: str
    ) -> tuple[bool, bool]:
        row = {f: _to_db(f, record.get(f)) for f in CALL_FIELDS}
        call_id = record["id"]
        old = self.row(call_id)
        if old is None:
            self.db.table("calls").insert({
                "id": call_id, **row, "origin": origin, "first_seen": seen_at,
                "last_seen": seen_at, "changed_at": seen_at, "seen": 1, "unseen_since": None,
                "first_run_id": run_id,
            })
            return True, False
        diffs = {f: (old[f], row[f]) for f in CALL_FIELDS if not _same(old[f], row[f], f)}
        update: dict[str, Any] = {"last_seen": seen_at, "seen": 1, "unseen_since": None}
        if old["extra"] != row["extra"]:
            update["extra"] = row["extra"]  # bookkeeping keys change silently
        if diffs:
            update.update({f: new for f, (_, new) in diffs.items()})
            update["changed_at"] = seen_at
            self.db.table("call_changes").insert_all(
                {"call_id": call_id, "field": f, "old": _as_text(o), "new": _as_text(n),
                 "changed_at": seen_at, "run_id": run_id}
                for f, (o, n) in diffs.items()
            )
        self.db.table("calls").update(call_id, update)
        return False, bool(diffs)

    def _mark_unseen(self, source: str, seen_ids: list[str], when: str) -> int:
        placeholders = ",".join("?" * len(seen_ids)) or "''"
        cursor = self.db.execute(
            f"""update calls set seen = 0, unseen_since = ?
                where source = ? and seen = 1 and origin = 'crawl'
                and id not in ({placeholders})""",
            [when, source, *seen_ids],
        )
        return cursor.rowcount

    def row(self, call_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from calls where id = ?", [call_id]))
        return rows[0] if rows else None

    def get(self, call_id: str, on: date) -> dict[str, Any] | None:
        row = self.row(call_id)
        return export_record(row, on) if row else None

    def current(self, on: date, *, include_all: bool = False) -> list[dict[str, Any]]:
        """Stored calls as export records; by default only those open, forthcoming or rolling
        on day ``on`` (and watched pages), still seen at their source."""
        out = []
        for row in self.db.query("select * from calls order by source, id"):
            record = export_record(row, on)
            if include_all or (record["seen"] and record["status"] != "closed"):
                out.append(record)
        return out

    def set_signals(self, signals: Mapping[str, Mapping[str, list[str]]]) -> None:
        """Keep the education levels and target groups the matcher found on each call (the
        matcher's reading, not the source's data: no change history)."""
        with self.db.atomic():
            for call_id, found in signals.items():
                self.db.execute("update calls set signals = ? where id = ?",
                                [json.dumps(found, ensure_ascii=False, sort_keys=True), call_id])

    def raw(self, source: str) -> list[dict[str, Any]]:
        """A source's stored calls as the crawler left them (status not recomputed): what an
        incremental crawl yields again for pages it does not fetch."""
        out = []
        for row in self.db.query("select * from calls where source = ?", [source]):
            record = dict(row)
            for f in JSON_FIELDS:
                record[f] = json.loads(record[f]) if record.get(f) else (
                    [] if f != "extra" else {})
            out.append(record)
        return out

    def changes(self, call_id: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select field, old, new, changed_at from call_changes where call_id = ? order by id",
            [call_id]))

    def changes_since(
        self, since: str | None, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Rows of ``call_changes`` of these fields after ``since`` (all when None), oldest
        first."""
        marks = ",".join("?" * len(fields)) or "''"
        return list(self.db.query(
            f"""select call_id, field, old, new, changed_at from call_changes
                where field in ({marks}) and (? is null or changed_at > ?)
                order by changed_at, id""",
            [*fields, since, since]))

    def deadline_moves(self) -> dict[str, int]:
        """Per call, how often its deadlines changed: the calendar events' SEQUENCE."""
        rows = self.db.execute(
            "select call_id, count(*) from call_changes where field = 'deadlines' "
            "group by call_id")
        return {r[0]: int(r[1]) for r in rows}


def _to_db(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return json.dumps(value if value is not None else ([] if field != "extra" else {}),
                          ensure_ascii=False, sort_keys=True)
    return value


def _same(old: Any, new: Any, field: str = "") -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    if field == "extra" and old != new:
        # Bookkeeping keys ("_fetched") are stored but are not a change of the call.
        return _public(old) == _public(new)
    return old == new


def _public(extra_json: str | None) -> dict[str, Any]:
    data = json.loads(extra_json) if extra_json else {}
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def export_record(row: Mapping[str, Any], on: date) -> dict[str, Any]:
    """A stored row as the exported record of docs/architecture.md, status recomputed for day
    ``on``."""
    record = dict(row)
    for f in JSON_FIELDS:
        record[f] = json.loads(record[f]) if record.get(f) else ([] if f != "extra" else {})
    record["signals"] = json.loads(record["signals"]) if record.get("signals") else {}
    record["status"] = effective_status(
        record["status"], record["opens"], record["deadlines"], on)
    record["next_deadline"] = next_deadline(record["deadlines"], on)
    record["seen"] = bool(record["seen"])
    out = {k: record.get(k) for k in EXPORT_KEYS}
    out["extra"] = record["extra"]
    return out
