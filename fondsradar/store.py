"""The one SQLite schema of Fondsradar, its migrations, and every read and write of it.

Everything else goes through :class:`Store`. Rules the rest of the project relies on:

- A call is keyed by its stable id ``<source>:<source's id or URL hash>``; re-running never
  duplicates it. A call that disappears from its source is kept and marked unseen, never deleted.
- Every change of a stored field is kept in ``call_changes`` (field, old, new, when).
- A source's results of one crawl are written in one transaction, together with the record of
  that source's run, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from fondsradar.lifecycle import effective_status, next_deadline

# The fields that describe a call; a difference in any of them is a change worth recording.
CALL_FIELDS = (
    "source", "funder", "programme", "title", "url", "language", "status", "opens",
    "deadlines", "amount_min", "amount_max", "currency", "budget_total", "description",
    "keywords", "extra",
)
JSON_FIELDS = ("deadlines", "keywords", "extra")
EXPORT_KEYS = (
    "id", "source", "funder", "programme", "title", "url", "language", "status", "opens",
    "deadlines", "next_deadline", "amount_min", "amount_max", "currency", "budget_total",
    "description", "keywords", "first_seen", "last_seen", "changed_at", "seen", "origin",
    "signals",
)

migrations = Migrations("fondsradar")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("calls").create(
        {
            "id": str, "source": str, "funder": str, "programme": str, "title": str,
            "url": str, "language": str, "status": str, "opens": str, "deadlines": str,
            "amount_min": float, "amount_max": float, "currency": str, "budget_total": float,
            "description": str, "keywords": str, "extra": str, "origin": str,
            "first_seen": str, "last_seen": str, "changed_at": str, "seen": int,
            "unseen_since": str, "first_run_id": int,
        },
        pk="id",
        not_null={"source", "title", "url"},
    )
    db.table("calls").create_index(["source"])
    db.table("call_changes").create(
        {"id": int, "call_id": str, "field": str, "old": str, "new": str,
         "changed_at": str, "run_id": int},
        pk="id",
    )
    db.table("call_changes").create_index(["call_id"])
    db.table("runs").create(
        {"id": int, "command": str, "started_at": str, "finished_at": str, "status": str,
         "today": str, "exit_code": int, "pid": int, "message": str},
        pk="id",
    )
    db.table("source_runs").create(
        {"id": int, "run_id": int, "source": str, "started_at": str, "finished_at": str,
         "status": str, "items": int, "new": int, "changed": int, "unseen": int,
         "errors": int, "requests": int, "duration_s": float, "finish_reason": str,
         "message": str},
        pk="id",
    )
    db.table("source_runs").create_index(["source", "run_id"])


@migrations()
def m002_digests(db: Database) -> None:
    """What each digest delivered: one row per (kind, group, ISO week) and the calls in it.

    ``kind`` is ``email`` (a group's message) or ``archive`` (the week's archive page, whose
    group is ""). ``status``: ``pending`` (built, a temporary failure to retry), ``sending``
    (claimed by a run right now), ``sent``, ``failed`` (a permanent failure, retried by the
    next run once the cause is fixed) or ``superseded`` (never sent; a later week's digest
    carries its calls). Calls are recorded in ``digest_items`` only once the digest is sent,
    so "new since the last digest" is "not in a sent digest of that group".
    """
    db.table("digest_sends").create(
        {"id": int, "kind": str, "group_name": str, "week": str, "status": str,
         "attempts": int, "message_id": str, "subject": str, "recipients": str,
         "error": str, "created_at": str, "claimed_at": str, "sent_at": str,
         "updated_at": str},
        pk="id",
        not_null={"kind", "group_name", "week", "status", "attempts"},
        defaults={"attempts": 0},
    )
    db.table("digest_sends").create_index(["kind", "group_name", "week"], unique=True)
    db.table("digest_items").create(
        {"send_id": int, "call_id": str, "section": str},
        pk=("send_id", "call_id", "section"),
        foreign_keys=[("send_id", "digest_sends", "id")],
    )
    db.table("digest_items").create_index(["call_id"])


@migrations()
def m003_feedback_signals_costs(db: Database) -> None:
    """Staff feedback on calls, the matcher's education signals on each call, and what a
    crawl cost the site (bytes, 304s, pages skipped by incremental crawling)."""
    db.table("feedback").create(
        {"id": int, "call_id": str, "verdict": str, "theme": str, "given_at": str},
        pk="id",
    )
    db.table("feedback").create_index(["call_id"])
    db.table("calls").add_column("signals", str)
    for column in ("bytes", "not_modified", "skipped"):
        db.table("source_runs").add_column(column, int)


def now_iso() -> str:
    """UTC now, to the second: when the crawler saw something."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def stable_id(source: str, source_id: str | None, url: str) -> str:
    """``<source>:<own id>``, or a hash of the canonical URL when the source has no id."""
    if source_id:
        return f"{source}:{source_id}"
    canonical = url.strip().split("#", 1)[0].rstrip("/").lower()
    return f"{source}:{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"


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


class Store:
    """The Fondsradar database. Open one per process; it migrates itself on open."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: a manual `crawl` may meet the weekly run's writes.
        conn = sqlite3.connect(str(self.path), timeout=30)
        self.db = Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # ----------------------------------------------------------------------------- runs
    def start_run(self, command: str, today: date, pid: int | None = None) -> int:
        with self.db.atomic():
            table = self.db.table("runs").insert(
                {"command": command, "started_at": now_iso(), "status": "running",
                 "today": today.isoformat(), "pid": pid}
            )
        return int(table.last_pk)

    def mark_interrupted(self) -> int:
        """Runs still "running" when a new one starts under the run lock were killed."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update runs set status = 'interrupted', finished_at = ?, exit_code = 1, "
                "message = 'the run was stopped before it finished' where status = 'running'",
                [now_iso()])
        return cursor.rowcount

    def finish_run(self, run_id: int, status: str, exit_code: int, message: str = "") -> None:
        with self.db.atomic():
            self.db.table("runs").update(
                run_id, {"finished_at": now_iso(), "status": status, "exit_code": exit_code,
                         "message": message}
            )

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by id desc limit ?", [limit]))

    def source_runs(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select * from source_runs where run_id = ? order by id", [run_id]))

    def record_source(self, run_id: int | None, outcome: SourceOutcome, started_at: str) -> None:
        """Record one source's result in a run (used on its own when a source failed)."""
        with self.db.atomic():
            self._insert_source_run(run_id, outcome, started_at)

    def _insert_source_run(self, run_id: int | None, o: SourceOutcome, started_at: str) -> None:
        self.db.table("source_runs").insert({
            "run_id": run_id, "source": o.source, "started_at": started_at,
            "finished_at": now_iso(), "status": o.status, "items": o.items, "new": o.new,
            "changed": o.changed, "unseen": o.unseen, "errors": o.errors,
            "requests": o.requests, "duration_s": round(o.duration_s, 3),
            "finish_reason": o.finish_reason, "message": o.message, "bytes": o.bytes,
            "not_modified": o.not_modified, "skipped": o.skipped,
        })

    def last_good_items(self, source: str) -> int | None:
        """How many calls the source's last healthy crawl found (None: never healthy)."""
        row = self.db.execute(
            "select items from source_runs where source = ? and status = 'ok' "
            "order by id desc limit 1", [source]).fetchone()
        return row[0] if row else None

    def source_health(self) -> list[dict[str, Any]]:
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

    # ---------------------------------------------------------------------------- calls
    def save_source(
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
            self._insert_source_run(run_id, outcome, started_at)
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
        old = self._row(call_id)
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

    def _row(self, call_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from calls where id = ?", [call_id]))
        return rows[0] if rows else None

    def call(self, call_id: str, on: date) -> dict[str, Any] | None:
        row = self._row(call_id)
        return _export(row, on) if row else None

    def calls(self, on: date, *, include_all: bool = False) -> list[dict[str, Any]]:
        """Stored calls as export records; by default only those open, forthcoming or rolling
        on day ``on`` (and watched pages), still seen at their source."""
        out = []
        for row in self.db.query("select * from calls order by source, id"):
            record = _export(row, on)
            if include_all or (record["seen"] and record["status"] != "closed"):
                out.append(record)
        return out

    # ----------------------------------------------------------------- matcher's view
    def set_signals(self, signals: Mapping[str, Mapping[str, list[str]]]) -> None:
        """Keep the education levels and target groups the matcher found on each call (the
        matcher's reading, not the source's data: no change history)."""
        with self.db.atomic():
            for call_id, found in signals.items():
                self.db.execute("update calls set signals = ? where id = ?",
                                [json.dumps(found, ensure_ascii=False, sort_keys=True), call_id])

    def add_feedback(self, call_id: str, verdict: str, theme: str | None) -> None:
        with self.db.atomic():
            self.db.table("feedback").insert({"call_id": call_id, "verdict": verdict,
                                              "theme": theme, "given_at": now_iso()})

    def feedback(self) -> list[dict[str, Any]]:
        """Every verdict, latest last; with the call as stored (any status)."""
        rows = list(self.db.query("select * from feedback order by id"))
        out = []
        for row in rows:
            stored = self._row(row["call_id"])
            if stored is not None:
                out.append({**row, "call": _export(stored, date.today())})
        return out

    def raw_calls(self, source: str) -> list[dict[str, Any]]:
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

    def counts(self) -> dict[str, int]:
        q = self.db.execute
        return {
            "calls": q("select count(*) from calls").fetchone()[0],
            "seen": q("select count(*) from calls where seen = 1").fetchone()[0],
            "changes": q("select count(*) from call_changes").fetchone()[0],
            "runs": q("select count(*) from runs").fetchone()[0],
        }

    # -------------------------------------------------------------------------- digests
    def digest_send(self, kind: str, group: str, week: str) -> dict[str, Any] | None:
        """The record of ``group``'s digest of ``week`` (``kind`` email or archive)."""
        rows = list(self.db.query(
            "select * from digest_sends where kind = ? and group_name = ? and week = ?",
            [kind, group, week]))
        return rows[0] if rows else None

    def digest_sends(self, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select * from digest_sends order by week desc, id desc limit ?", [limit]))

    def digest_included(self, kind: str, group: str, before_week: str) -> set[str]:
        """Ids of calls in a sent digest of ``group`` of a week before ``before_week``.

        Earlier weeks only, so re-running in the same week composes the same digest.
        """
        rows = self.db.execute(
            """select distinct i.call_id from digest_items i
               join digest_sends s on s.id = i.send_id
               where s.kind = ? and s.group_name = ? and s.status = 'sent' and s.week < ?""",
            [kind, group, before_week])
        return {r[0] for r in rows}

    def digest_last_sent(self, kind: str, group: str, before_week: str) -> str | None:
        """When ``group`` was last sent a digest of a week before ``before_week`` (UTC ISO)."""
        row = self.db.execute(
            """select max(sent_at) from digest_sends
               where kind = ? and group_name = ? and status = 'sent' and week < ?""",
            [kind, group, before_week]).fetchone()
        return row[0] if row else None

    def claim_digest_send(
        self,
        kind: str,
        group: str,
        week: str,
        *,
        message_id: str,
        subject: str,
        recipients: Sequence[str],
        stale_after_s: int = 3600,
    ) -> dict[str, Any] | None:
        """Claim the right to send ``group``'s digest of ``week``, or None if it was sent or
        another run is sending it now. The record (and its Message-ID) is created on the
        first claim and kept for every retry. A claim older than ``stale_after_s`` is taken
        over: the run that held it died.
        """
        now = now_iso()
        stale = (datetime.now(UTC).replace(microsecond=0)
                 - timedelta(seconds=stale_after_s)).isoformat()
        with self.db.atomic():
            self.db.execute(
                """insert or ignore into digest_sends
                   (kind, group_name, week, status, attempts, message_id, created_at,
                    updated_at)
                   values (?, ?, ?, 'pending', 0, ?, ?, ?)""",
                [kind, group, week, message_id, now, now])
        with self.db.atomic():
            cursor = self.db.execute(
                """update digest_sends set status = 'sending', claimed_at = ?, updated_at = ?,
                          subject = ?, recipients = ?
                   where kind = ? and group_name = ? and week = ?
                   and (status in ('pending', 'failed')
                        or (status = 'sending' and claimed_at < ?))""",
                [now, now, subject, json.dumps(list(recipients)), kind, group, week, stale])
        return self.digest_send(kind, group, week) if cursor.rowcount == 1 else None

    def finish_digest_send(
        self,
        send_id: int,
        *,
        status: str,
        attempts: int,
        error: str = "",
        call_ids: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Record a claimed send's outcome; a sent digest's calls in the same transaction."""
        if status not in ("sent", "pending", "failed"):
            raise ValueError(f"unknown digest status {status!r}")
        now = now_iso()
        with self.db.atomic():
            self.db.execute(
                """update digest_sends set status = ?, attempts = attempts + ?, error = ?,
                          updated_at = ?, sent_at = case when ? = 'sent' then ? else sent_at end
                   where id = ?""",
                [status, attempts, error or None, now, status, now, send_id])
            if status == "sent" and call_ids:
                self._insert_digest_items(send_id, call_ids)

    def record_archive(self, week: str, call_ids: Mapping[str, Sequence[str]]) -> None:
        """The week's archive page was (re)written with these calls: the archive's own record
        of what it has shown, so its "new" works without any email being sent."""
        now = now_iso()
        with self.db.atomic():
            self.db.execute(
                """insert into digest_sends (kind, group_name, week, status, attempts,
                                             created_at, updated_at, sent_at)
                   values ('archive', '', ?, 'sent', 1, ?, ?, ?)
                   on conflict (kind, group_name, week) do update set
                       attempts = attempts + 1, updated_at = excluded.updated_at,
                       sent_at = excluded.sent_at, status = 'sent'""",
                [week, now, now, now])
            send_id = self.db.execute(
                "select id from digest_sends where kind = 'archive' and group_name = '' "
                "and week = ?", [week]).fetchone()[0]
            self.db.execute("delete from digest_items where send_id = ?", [send_id])
            self._insert_digest_items(send_id, call_ids)

    def supersede_digest_sends(self, kind: str, group: str, before_week: str) -> int:
        """Unsent digests of earlier weeks will never go out: this week's carries their calls
        (they were never recorded as sent, so they are still "new")."""
        with self.db.atomic():
            cursor = self.db.execute(
                """update digest_sends set status = 'superseded', updated_at = ?
                   where kind = ? and group_name = ? and week < ?
                   and status in ('pending', 'failed')""",
                [now_iso(), kind, group, before_week])
        return cursor.rowcount

    def _insert_digest_items(self, send_id: int, call_ids: Mapping[str, Sequence[str]]) -> None:
        self.db.conn.executemany(
            "insert or ignore into digest_items (send_id, call_id, section) values (?, ?, ?)",
            [(send_id, call_id, section) for section, ids in call_ids.items()
             for call_id in ids])

    def call_changes_since(
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


def _export(row: Mapping[str, Any], on: date) -> dict[str, Any]:
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
