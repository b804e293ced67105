"""Which calls go into one audience's digest of one week, and under which heading.

Pure selection on plain data, so every rule below is testable without a crawl or a database.
The sections come in the order a reader acts on them:

- a call belongs to an audience when one of the audience's themes matched it with at least one
  term (a score with no term to show would leave the "why" line empty), and is listed under
  the best of those themes;
- "Lukker snart": open or forthcoming calls whose next deadline is within
  ``closing_soon_days``, new or not, soonest first (a new one carries the "NY" badge and is
  not listed again under "Nye opslag");
- "Nye opslag": open or rolling such calls not included in a digest the audience was sent
  before (``included``), best first per theme;
- "Ændringer": such calls already shown before, whose status, deadlines or amounts changed
  after the audience's last digest (``since``), one old → new per field;
- "Åbner senere": new calls that are not open yet (``forthcoming``), soonest opening first,
  so they are never mistaken for calls one can apply to now;
- "Sider vi holder øje med": watched pages (status ``watch``) that changed since ``since``.
  Watched pages are chosen by staff one by one, so every audience gets them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date

from digests.formatting import local_day, week_of
from digests.model import (
    CHANGE_FIELDS,
    LISTED_STATUSES,
    WATCH,
    Audience,
    Call,
    ChangedCall,
    Digest,
    Entry,
    FieldChange,
    SourceHealth,
    Theme,
    ThemeSection,
)


def compose(
    *,
    audience: Audience,
    today: date,
    language: str,
    themes: Sequence[Theme],
    calls: Sequence[Call],
    included: Collection[str] = (),
    since: str | None = None,
    changes: Sequence[FieldChange] = (),
    health: Sequence[SourceHealth] = (),
    closing_soon_days: int = 21,
) -> Digest:
    """The digest of ``audience`` for the week of ``today``.

    ``included``: ids of calls already in a digest this audience was sent; ``since``: when
    that last digest was sent (UTC ISO, as the store writes it), None if never; ``changes``:
    the store's ``call_changes`` rows (any order; only those after ``since`` count).
    """
    followed = audience.follows(themes)
    included = set(included)
    entries: dict[str, Entry] = {}
    for call in calls:
        if call.status not in LISTED_STATUSES:
            continue
        entry = _entry(call, followed, is_new=call.id not in included)
        if entry is not None:
            entries[call.id] = entry

    closing = _closing(entries, today, closing_soon_days)
    in_closing = {e.call.id for e in closing}
    fresh = [e for e in entries.values() if e.is_new and e.call.id not in in_closing]
    new_sections = []
    for theme in followed:
        listed = [e for e in fresh if e.call.status != "forthcoming"
                  and e.theme.slug == theme.slug]
        listed.sort(key=lambda e: (-e.score, e.call.title, e.call.id))
        if listed:
            new_sections.append(ThemeSection(theme, tuple(listed)))
    upcoming = [e for e in fresh if e.call.status == "forthcoming"]
    upcoming.sort(key=lambda e: (_day_or_end(e.call.opens), -e.score, e.call.id))

    changed = _changed(entries, changes, since)
    watched = [c for c in calls if c.status == WATCH and _page_changed(c, since)]
    watched.sort(key=lambda c: (c.funder, c.title, c.id))
    return Digest(
        week=week_of(today), today=today, language=language, audience=audience,
        new=tuple(new_sections), changed=tuple(changed), closing=tuple(closing),
        watched=tuple(watched), upcoming=tuple(upcoming), health=tuple(health),
        closing_soon_days=closing_soon_days,
    )


def matching(calls: Sequence[Call], themes: Sequence[Theme]) -> list[Entry]:
    """Every listed call that fits one of ``themes``, under the best of them: what the feed
    and the subscribable calendar offer, for whoever follows all themes."""
    out = []
    for call in calls:
        if call.status in LISTED_STATUSES:
            entry = _entry(call, themes, is_new=False)
            if entry is not None:
                out.append(entry)
    return out


def _entry(call: Call, followed: Sequence[Theme], *, is_new: bool) -> Entry | None:
    """The call under the followed theme it fits best, or None when none matched a term."""
    best: tuple[float, Theme] | None = None
    for theme in followed:
        score = float(call.scores.get(theme.slug, 0.0))
        if score > 0 and call.matched.get(theme.slug) and (best is None or score > best[0]):
            best = (score, theme)
    if best is None:
        return None
    score, theme = best
    return Entry(call=call, theme=theme, score=score, why=tuple(call.matched[theme.slug]),
                 is_new=is_new)


def _changed(entries: dict[str, Entry], changes: Sequence[FieldChange],
             since: str | None) -> list[ChangedCall]:
    """Changes after ``since`` of calls shown before, collapsed to first old → last new."""
    if since is None:
        return []  # never sent: everything this audience follows is new to it
    by_call: dict[str, dict[str, list[FieldChange]]] = {}
    for ch in sorted(changes, key=lambda c: c.changed_at):
        if ch.field in CHANGE_FIELDS and ch.changed_at > since:
            by_call.setdefault(ch.call_id, {}).setdefault(ch.field, []).append(ch)
    out = []
    for call_id, fields in by_call.items():
        entry = entries.get(call_id)
        if entry is None or entry.is_new:
            continue
        collapsed = []
        for name in CHANGE_FIELDS:
            rows = fields.get(name)
            if not rows:
                continue
            first, last = rows[0], rows[-1]
            if not _same(name, first.old, last.new):
                collapsed.append(FieldChange(call_id, name, first.old, last.new,
                                             last.changed_at))
        if collapsed:
            out.append(ChangedCall(entry, tuple(collapsed)))
    out.sort(key=lambda c: (c.entry.call.next_deadline or "9999", -c.entry.score,
                            c.entry.call.id))
    return out


def _same(field: str, old: str | None, new: str | None) -> bool:
    if field == "deadlines":
        try:
            return sorted(json.loads(old or "[]")) == sorted(json.loads(new or "[]"))
        except (ValueError, TypeError):
            return old == new
    if field.startswith("amount") or field == "budget_total":
        try:
            return (float(old) if old else None) == (float(new) if new else None)
        except ValueError:
            return old == new
    return (old or None) == (new or None)


def _closing(entries: dict[str, Entry], today: date, days: int) -> list[Entry]:
    out = []
    for entry in entries.values():
        call = entry.call
        if call.status not in ("open", "forthcoming") or not call.next_deadline:
            continue
        try:
            left = (local_day(call.next_deadline) - today).days
        except ValueError:
            continue
        if 0 <= left <= days:
            out.append(entry)
    out.sort(key=lambda e: (local_day(e.call.next_deadline or ""), e.call.next_deadline,
                            -e.score, e.call.id))
    return out


def _day_or_end(value: str | None) -> date:
    """A call's opening day for sorting; unknown or unreadable ones last."""
    try:
        return local_day(value) if value else date.max
    except ValueError:
        return date.max


def _page_changed(call: Call, since: str | None) -> bool:
    """A watched page changed after ``since`` (ever, for a first digest), and what changed is
    either unknown or not nothing: a recrawl that found the page as it was is no news."""
    changed_at = call.changed_at or ""
    if since is not None and changed_at <= since:
        return False
    if call.page_changes is not None:
        return not call.page_changes.empty
    return bool(changed_at) and changed_at != (call.first_seen or "")
