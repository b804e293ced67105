"""The digest's plain data: what the shell hands in, and what :func:`digests.compose` returns.

The digest package never reads the database (docs/architecture.md: the stage packages take plain
records),
so everything it needs about a call, its ranking, its history and the sources' health arrives
here as frozen dataclasses built from the store's export records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from records.bounds import AMOUNT_FIELDS, bound_record, date_problem, strip_controls

# The statuses a call can be listed under (docs/architecture.md); "closed" calls are never listed.
LISTED_STATUSES = ("open", "forthcoming", "rolling")
WATCH = "watch"
# Changes worth a line under "Ændringer", in the order they are shown.
CHANGE_FIELDS = ("status", "deadlines", "amount_min", "amount_max", "budget_total")


@dataclass(frozen=True)
class Theme:
    """A pagt theme: its config slug and the name staff know it by."""

    slug: str
    name: str


@dataclass(frozen=True)
class Audience:
    """Who a digest is for: a ``[[digest.groups]]`` entry, or everyone (the archive page)."""

    name: str
    emails: tuple[str, ...] = ()
    themes: tuple[str, ...] = ("*",)

    def follows(self, themes: Sequence[Theme]) -> list[Theme]:
        """The group's themes in config order ("*" = all of them)."""
        if "*" in self.themes:
            return list(themes)
        return [t for t in themes if t.slug in self.themes]


@dataclass(frozen=True)
class PageChanges:
    """The lines a watched page gained and lost since the crawl before (another pipeline's
    ``extra["changes"]``); absent when that pipeline said nothing."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    more: int = 0  # lines the pipeline left out (its "more_added" + "more_removed")

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed)

    @classmethod
    def from_extra(cls, extra: Any) -> PageChanges | None:
        """Read ``extra["changes"]`` defensively: it is written elsewhere and may be missing or
        malformed, and a digest must never fail on it."""
        if not isinstance(extra, Mapping):
            return None
        changes = extra.get("changes")
        if not isinstance(changes, Mapping):
            return None
        more = sum(_count(changes.get(k)) for k in ("more_added", "more_removed"))
        return cls(added=_lines(changes.get("added")), removed=_lines(changes.get("removed")),
                   more=more)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v) for v in value if v is not None and str(v).strip())


@dataclass(frozen=True)
class Call:
    """One stored call as the digest sees it: the export record plus the matcher's verdict.

    ``scores`` and ``matched`` are per theme slug (the matcher's ``Ranking.themes`` and
    ``Ranking.matched``); ``levels`` and ``groups`` are its education signals;
    ``deadline_moves`` counts the call's recorded deadline changes (the calendar's SEQUENCE).
    """

    id: str
    title: str
    url: str | None = None
    source: str = ""
    funder: str = ""
    programme: str = ""
    status: str = "open"
    opens: str | None = None
    deadlines: tuple[str, ...] = ()
    next_deadline: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    currency: str | None = None
    budget_total: float | None = None
    description: str = ""
    first_seen: str | None = None
    changed_at: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    matched: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    levels: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    deadline_moves: int = 0
    page_changes: PageChanges | None = None

    @classmethod
    def from_record(
        cls,
        record: Mapping[str, Any],
        *,
        scores: Mapping[str, float] | None = None,
        matched: Mapping[str, Sequence[str]] | None = None,
        signals: Mapping[str, Sequence[str]] | None = None,
        deadline_moves: int = 0,
    ) -> Call:
        """A call from an export record (docs/architecture.md "A stored call") and its ranking."""
        signals = signals or {}
        # Stored values from old runs may be impossible (9999-12-31, 1e308): the one rule of
        # records.bounds drops them here too, so a digest always renders.
        values: dict[str, Any] = {
            "opens": record.get("opens"), "deadlines": list(record.get("deadlines") or ()),
            **{f: _number(record.get(f)) for f in AMOUNT_FIELDS}}
        bound_record(values)
        next_deadline = record.get("next_deadline")
        if next_deadline is not None and date_problem(next_deadline):
            next_deadline = None
        return cls(
            id=str(record["id"]),
            title=_text(record.get("title")),
            url=record.get("url"),
            source=_text(record.get("source")),
            funder=_text(record.get("funder")),
            programme=_text(record.get("programme")),
            status=str(record.get("status") or "open"),
            opens=values["opens"],
            deadlines=tuple(values["deadlines"]),
            next_deadline=next_deadline,
            amount_min=values["amount_min"],
            amount_max=values["amount_max"],
            currency=record.get("currency"),
            budget_total=values["budget_total"],
            description=strip_controls(str(record.get("description") or "")),
            first_seen=record.get("first_seen"),
            changed_at=record.get("changed_at"),
            scores=dict(scores or {}),
            matched={k: tuple(v) for k, v in (matched or {}).items()},
            levels=tuple(signals.get("levels") or ()),
            groups=tuple(signals.get("groups") or ()),
            deadline_moves=deadline_moves,
            page_changes=PageChanges.from_extra(record.get("extra")),
        )


def _text(value: Any) -> str:
    return strip_controls(str(value or ""), one_line=True)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class FieldChange:
    """One row of the store's ``call_changes``: a field's old and new value as stored text."""

    call_id: str
    field: str
    old: str | None
    new: str | None
    changed_at: str = ""


@dataclass(frozen=True)
class SourceHealth:
    """One source's latest crawl and its last good one (the store's ``source_health()``)."""

    source: str
    status: str
    items: int = 0
    last_ok: str | None = None
    message: str = ""
    stored: int = 0
    cause: str = ""  # a records.health.Cause value
    lost: tuple[str, ...] = ()  # fields the calls lost ("deadline", "amount", ...)

    @property
    def failing(self) -> bool:
        return self.status != "ok"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SourceHealth:
        return cls(source=str(row.get("source") or "?"), status=str(row.get("status") or ""),
                   items=int(row.get("items") or 0), last_ok=row.get("last_ok"),
                   message=str(row.get("message") or ""), stored=int(row.get("stored") or 0),
                   cause=str(row.get("cause") or ""), lost=_lost(row.get("fields")))


def _lost(fields: Any) -> tuple[str, ...]:
    """The ``lost`` list of a source run's ``fields`` JSON; () when absent or unreadable."""
    try:
        data = json.loads(fields) if isinstance(fields, str) and fields else {}
    except ValueError:
        return ()
    lost = data.get("lost") if isinstance(data, dict) else None
    return tuple(str(f) for f in lost[:10]) if isinstance(lost, list) else ()


@dataclass(frozen=True)
class Entry:
    """A call as listed in one section, under the theme it fits best for this audience."""

    call: Call
    theme: Theme
    score: float
    why: tuple[str, ...]
    is_new: bool = False


@dataclass(frozen=True)
class ThemeSection:
    theme: Theme
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class ChangedCall:
    """A call that changed since the audience's last digest: one old → new per field."""

    entry: Entry
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Digest:
    """One audience's digest of one week, before rendering."""

    week: str
    today: date
    language: str
    audience: Audience
    new: tuple[ThemeSection, ...] = ()
    changed: tuple[ChangedCall, ...] = ()
    closing: tuple[Entry, ...] = ()
    watched: tuple[Call, ...] = ()
    upcoming: tuple[Entry, ...] = ()
    health: tuple[SourceHealth, ...] = ()
    closing_soon_days: int = 21

    @property
    def new_count(self) -> int:
        return sum(len(s.entries) for s in self.new)

    @property
    def empty(self) -> bool:
        """Nothing new, changed, closing, not yet open or watched-and-changed: nothing is
        sent."""
        return not (self.new or self.changed or self.closing or self.watched or self.upcoming)

    def call_ids(self) -> dict[str, list[str]]:
        """The calls in each section, as the store records what a sent digest included."""
        return {
            "new": [e.call.id for s in self.new for e in s.entries],
            "changed": [c.entry.call.id for c in self.changed],
            "closing": [e.call.id for e in self.closing],
            "upcoming": [e.call.id for e in self.upcoming],
            "watched": [c.id for c in self.watched],
        }

    def calendar_calls(self, max_per_section: int | None = None) -> list[Call]:
        """The calls the email shows that have a deadline, once each, for its .ics attachment.

        With the email's cap, the attachment holds what the email lists (a first email, where
        everything is new, would otherwise carry every call); fondsradar.ics has them all."""
        seen: dict[str, Call] = {}
        cap = max_per_section
        entries = list(self.closing[:cap]) + [e for s in self.new for e in s.entries[:cap]]
        entries += [c.entry for c in self.changed[:cap]] + list(self.upcoming[:cap])
        for e in entries:
            if e.call.deadlines and e.call.id not in seen:
                seen[e.call.id] = e.call
        return list(seen.values())
