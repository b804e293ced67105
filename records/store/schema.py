"""The one SQLite schema of Fondsradar and its migrations.

Each migration runs once, in order, recorded by sqlite-utils' ``Migrations``; a database of any
earlier version upgrades itself when a :class:`~records.store.Store` opens it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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





@migrations()
def m004_health_cause(db: Database) -> None:
    """Why a source run failed, as a value (records.health.Cause), beside its message."""
    db.table("source_runs").add_column("cause", str)


@migrations()
def m005_source_fields(db: Database) -> None:
    """Per source run: how many calls had each field (JSON: calls, have, lost), which is what
    the next crawl is compared with, and its problems as a JSON list of sentences."""
    for column in ("fields", "problems"):
        db.table("source_runs").add_column(column, str)


def now_iso() -> str:
    """UTC now, to the second: when the crawler saw something."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
