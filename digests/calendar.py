"""Deadlines as iCalendar (RFC 5545): the email's attachment and the subscribable file.

Calendar clients match events by UID and replace an event when its SEQUENCE rises. So the
UID names the call and the deadline's position in the call's list of deadlines (not its
date: a moved deadline must update the event, not add a second one), and the SEQUENCE is
the number of times the call's deadlines changed (the store's ``call_changes``).
Timed deadlines are written in UTC, so no VTIMEZONE is needed; date-only deadlines are
all-day events. Events are TRANSPARENT: a deadline does not make anyone "busy".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from digests.formatting import amount_text, local_day
from digests.model import Call
from digests.text import clean_text, safe_url
from digests.words import WORDS, funder_name
from records.clock import COPENHAGEN

PRODID = "-//Region Midtjylland//Fondsradar//DA"
UID_DOMAIN = "fondsradar"


def event_uid(call_id: str, position: int) -> str:
    """Stable per call and deadline position (1-based), whatever the deadline's date."""
    return f"{call_id}#deadline-{position}@{UID_DOMAIN}"


def build_calendar(
    calls: Sequence[Call],
    *,
    language: str,
    today: date,
    now: datetime,
    name: str | None = None,
    organizer: str | None = None,
) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) with one event per deadline not yet passed.

    ``organizer`` (an email address) is written as each event's ORGANIZER, which iTIP
    (RFC 5546) requires of a published event; strict clients ignore events without it.
    """
    words = WORDS[language]
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name or words["ics_name"])
    cal.add("x-wr-calname", name or words["ics_name"])
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    # Subscribed calendars (Outlook, Google) refresh at most this often.
    cal.add("refresh-interval", timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")
    stamp = now.astimezone(UTC).replace(microsecond=0)
    for call in sorted(calls, key=lambda c: c.id):
        for event in _events(call, language, today, stamp):
            if organizer:
                event.add("organizer", f"mailto:{organizer}", parameters={"CN": "Fondsradar"})
            cal.add_component(event)
    return cal.to_ical()


def _events(call: Call, language: str, today: date, stamp: datetime) -> list[Event]:
    title = clean_text(call.title, 200) or call.id
    deadlines = sorted(call.deadlines, key=_sort_key)
    url = safe_url(call.url)
    details = [p for p in (funder_name(clean_text(call.funder), language),
                           clean_text(call.programme)) if p]
    amount = amount_text(call.amount_min, call.amount_max, call.budget_total,
                         clean_text(call.currency) or None, language)
    description = "\n".join(p for p in (" · ".join(details), amount, url or "") if p)
    out = []
    for position, deadline in enumerate(deadlines, start=1):
        try:
            event = _event(call, position, deadline, deadlines, title, description, url,
                           language, today, stamp)
        except (ValueError, OverflowError):  # a date no calendar can hold: no event for it
            continue
        if event is not None:
            out.append(event)
    return out


def _event(call: Call, position: int, deadline: str, deadlines: list[str], title: str,
           description: str, url: str | None, language: str, today: date, stamp: datetime
           ) -> Event | None:
    """One deadline's event, or None when it has passed."""
    words = WORDS[language]
    day = local_day(deadline)
    if day < today:
        return None
    event = Event()
    event.add("uid", event_uid(call.id, position))
    event.add("dtstamp", stamp)
    event.add("sequence", call.deadline_moves)
    if len(deadlines) > 1:
        summary = words["ics_stage"].format(n=position, total=len(deadlines), title=title)
    else:
        summary = words["ics_summary"].format(title=title)
    event.add("summary", summary)
    if len(deadline) <= 10:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        dt = datetime.fromisoformat(deadline)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=COPENHAGEN)
        event.add("dtstart", dt.astimezone(UTC))
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Fondsradar"])
    return event


def _sort_key(value: str) -> tuple[date, str]:
    try:
        return (local_day(value), value)
    except (ValueError, OverflowError):
        return (date.max, value)
