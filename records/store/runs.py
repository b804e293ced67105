"""Runs of the job: one row per ``run``/``crawl``/``digest`` command, and how it ended."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from records.store.schema import now_iso


class Runs:
    """The ``runs`` table. A run still ``running`` when another starts under the lock was
    killed: :meth:`mark_interrupted` says so."""

    def __init__(self, db: Database):
        self.db = db

    def start(self, command: str, today: date, pid: int | None = None) -> int:
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

    def finish(self, run_id: int, status: str, exit_code: int, message: str = "") -> None:
        with self.db.atomic():
            self.db.table("runs").update(
                run_id, {"finished_at": now_iso(), "status": status, "exit_code": exit_code,
                         "message": message}
            )

    def recent(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by id desc limit ?", [limit]))
