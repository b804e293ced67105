"""The outcomes of delivering a digest, as values (kept apart from ``job`` so that the command
line can compare them without loading the digest machinery)."""

from __future__ import annotations

from enum import StrEnum


class SendStatus(StrEnum):
    """What happened to one group's digest in a run (compared as values, shown as words)."""

    SENT = "sent"
    PENDING = "pending"  # a temporary failure; the next run retries
    FAILED = "failed"  # a permanent failure; the next run retries once the cause is fixed
    ALREADY_SENT = "already-sent"
    BUSY = "busy"  # another run is sending it
    NOTHING = "nothing"  # nothing new, changed or closing soon
    WRITTEN = "written"  # not sent: no [smtp], or --no-send
