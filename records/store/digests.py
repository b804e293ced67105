"""What each digest delivered, so a group is sent each week's digest once and "new" means new."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from records.store.schema import now_iso


class DigestLog:
    """The ``digest_sends`` and ``digest_items`` tables (see migration m002 for the statuses)."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, kind: str, group: str, week: str) -> dict[str, Any] | None:
        """The record of ``group``'s digest of ``week`` (``kind`` email or archive)."""
        rows = list(self.db.query(
            "select * from digest_sends where kind = ? and group_name = ? and week = ?",
            [kind, group, week]))
        return rows[0] if rows else None

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select * from digest_sends order by week desc, id desc limit ?", [limit]))

    def included(self, kind: str, group: str, before_week: str) -> set[str]:
        """Ids of calls in a sent digest of ``group`` of a week before ``before_week``.

        Earlier weeks only, so re-running in the same week composes the same digest.
        """
        rows = self.db.execute(
            """select distinct i.call_id from digest_items i
               join digest_sends s on s.id = i.send_id
               where s.kind = ? and s.group_name = ? and s.status = 'sent' and s.week < ?""",
            [kind, group, before_week])
        return {r[0] for r in rows}

    def last_sent(self, kind: str, group: str, before_week: str) -> str | None:
        """When ``group`` was last sent a digest of a week before ``before_week`` (UTC ISO)."""
        row = self.db.execute(
            """select max(sent_at) from digest_sends
               where kind = ? and group_name = ? and status = 'sent' and week < ?""",
            [kind, group, before_week]).fetchone()
        return row[0] if row else None

    def claim(
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
        return self.get(kind, group, week) if cursor.rowcount == 1 else None

    def finish(
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

    def supersede(self, kind: str, group: str, before_week: str) -> int:
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
