"""When a call is open: decided from its dates and "today", never from a source's status flag.

Sources keep stale flags (SEDIA says "open" for topics that closed in 2024), so every status
shown to staff is recomputed here from ``opens`` and ``deadlines`` against the day of the run.
Pure functions of the bottom layer, shared by the spiders, the store and the digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

# The region's time zone: calendar days, deadlines without an offset and digest times.
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def today(forced: str | date | None = None) -> date:
    """The day a run is for: ``forced`` (``--today``, a replay, a crawl child told by its
    parent) or Copenhagen's calendar day now. The only place "today" is computed: the shell
    calls it once per command and passes the day on; a crawl child gets it as a setting."""
    if isinstance(forced, date):
        return forced
    if forced:
        return date.fromisoformat(forced)
    return datetime.now(COPENHAGEN).date()


def local_date(value: str) -> date:
    """The Copenhagen calendar day of an ISO date or datetime string.

    A time at the very edge of the calendar (``0001-01-01T00:00:00+01:00``) cannot be moved to
    Copenhagen; its own calendar day is taken rather than failing every later reader of a
    stored value (records.bounds keeps such values out; old stores may hold them)."""
    if len(value) <= 10:
        return date.fromisoformat(value)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=COPENHAGEN)
    try:
        return dt.astimezone(COPENHAGEN).date()
    except (OverflowError, ValueError):
        return dt.date()


def is_iso(value: object) -> bool:
    """An ISO 8601 date or datetime string (what the exported record's dates must be)."""
    if not isinstance(value, str):
        return False
    try:
        (date.fromisoformat if len(value) <= 10 else datetime.fromisoformat)(value)
    except ValueError:
        return False
    return True


def sort_key(value: str) -> tuple[date, str]:
    return (local_date(value), value)


def next_deadline(deadlines: Iterable[str], on: date) -> str | None:
    """The first deadline not yet passed on day ``on`` (a deadline on that day still counts)."""
    upcoming = [d for d in deadlines if local_date(d) >= on]
    return min(upcoming, key=sort_key) if upcoming else None


def effective_status(status: str, opens: str | None, deadlines: list[str], on: date) -> str:
    """The status on day ``on``; ``rolling`` and ``watch`` are kept as the source said."""
    if status in ("rolling", "watch"):
        return status
    if deadlines and next_deadline(deadlines, on) is None:
        return "closed"
    if opens:
        return "forthcoming" if local_date(opens) > on else "open"
    if status == "forthcoming":
        return "forthcoming"
    if status == "closed" and not deadlines:
        return "closed"
    return "open"
