"""`fondsradar status` as staff read it: one line per source, one line per source per run,
times in the configured time zone (the schedule's), and a failure told by its cause, once.

A run where every source failed the same way ("could not be reached") used to be one line of
600 characters repeating the error per source; here sources with the same reason share a line,
and a reason made of several problems is cut to the first and a count of the rest.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from records.bounds import strip_controls
from records.health import Cause

# What a cause means for the person reading status, short (the source's own words follow).
CAUSE_WORDS = {
    Cause.OFFLINE: "offline (no network?)",
    Cause.UNREACHABLE: "site unreachable",
    Cause.HTTP: "HTTP errors",
    Cause.REFUSED: "refused (robots.txt, redirect or limit)",
    Cause.LAYOUT: "pages may have changed",
    Cause.SHELL: "page is now an empty script shell",
    Cause.FIELDS: "calls lost a field; pages may have changed",
    Cause.DROP: "pages may have changed",
    Cause.ERROR: "a page could not be read",
}
WIDTH = 100  # every line fits a terminal of this many columns


def fit(line: str, width: int = WIDTH) -> str:
    """One line cut to ``width`` characters, with "…" where it was cut (and no control
    characters: messages quote pages, whose escape codes must not reach the terminal)."""
    line = strip_controls(line, one_line=True)
    return line if len(line) <= width else line[:width - 1].rstrip() + "…"


def local_time(value: str | None, tz: ZoneInfo) -> str:
    """A stored UTC ISO time as ``2027-01-11 07:40`` in ``tz``; "never" when absent."""
    if not value:
        return "never"
    try:
        return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def cause_words(row: Mapping[str, Any]) -> str:
    return CAUSE_WORDS.get(str(row.get("cause") or ""), "")  # type: ignore[call-overload]


def problems(row: Mapping[str, Any]) -> list[str]:
    """A source's separate problems: as stored one by one (``problems``, a JSON list), else
    its message split where health joins them ("; ")."""
    try:
        stored = json.loads(row.get("problems") or "null")
    except (TypeError, ValueError):
        stored = None
    if isinstance(stored, list) and stored:
        return [" ".join(strip_controls(str(p)).split()) for p in stored if str(p).strip()]
    message = " ".join(strip_controls(str(row.get("message") or "")).split())
    return [p for p in message.split("; ") if p]


def detail_lines(row: Mapping[str, Any], indent: str) -> list[str]:
    """Each problem of a failed source from its own line, wrapped within :data:`WIDTH` (a long
    address is broken rather than cut: its end is often the part that matters)."""
    lines: list[str] = []
    for p in problems(row):
        lines += textwrap.wrap(p, WIDTH, initial_indent=f"{indent}- ",
                               subsequent_indent=f"{indent}  ", break_on_hyphens=False)
    return lines


def reason(row: Mapping[str, Any], limit: int | None = None) -> str:
    """A failed source's reason in one line: its cause, then its first problem (cut so the
    whole fits ``limit``) and how many more there were."""
    found = problems(row)
    first = found[0] if found else ""
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    cause = cause_words(row)
    if limit is not None and first:
        room = limit - len(more) - (len(cause) + 2 if cause else 0)
        first = fit(first, max(room, 10))
    return ": ".join(p for p in (cause, first + more) if p) or "failed"


def source_line(h: Mapping[str, Any], tz: ZoneInfo, width: int) -> str:
    """``  erasmus  healthy  2027-01-11 07:40  7 calls (5 requests, …); 7 stored``, or why a
    source fails (its cause; the details are under its run) and when it last worked."""
    head = f"  {h['source']:<{width}}  "
    when = local_time(h.get("finished_at"), tz)
    if h.get("status") == "ok":
        return fit(f"{head}healthy  {when}  {h.get('items') or 0} calls "
                   f"({h.get('requests') or 0} requests, {_kb(h.get('bytes'))} kB, "
                   f"{h.get('not_modified') or 0} unchanged, "
                   f"{float(h.get('duration_s') or 0):.1f} s); {h.get('stored') or 0} stored")
    why = cause_words(h) or reason(h)
    last_ok = local_time(h.get("last_ok"), tz)[:10]  # the day is enough here
    stored = h.get("stored") or 0
    return fit(f"{head}FAILING  {when}  {why}; last good {last_ok}; {stored} stored")


def run_lines(run: Mapping[str, Any], sources: Sequence[Mapping[str, Any]],
              tz: ZoneInfo, details: bool = False) -> list[str]:
    """A run's line, then one line per source (sources failing alike share one line); with
    ``details``, each of their problems below it."""
    head = (f"  #{run['id']} {run['command']} {local_time(run.get('started_at'), tz)} → "
            f"{run.get('status')}")
    lines = []
    ok = [s for s in sources if s.get("status") == "ok"]
    failed: dict[str, list[Mapping[str, Any]]] = {}
    for s in sources:
        if s.get("status") != "ok":
            failed.setdefault(reason(s), []).append(s)
    if ok:
        lines.append(fit("      ok: " + ", ".join(f"{s['source']} ({s.get('items') or 0} calls)"
                                                for s in ok)))
        # A healthy source may still have a note (impossible values it dropped, records.bounds).
        lines += [fit(f"      {s['source']}: {s['message']}") for s in ok if s.get("message")]
    for rows in failed.values():
        names = [str(r.get("source")) for r in rows]
        who = "every source" if len(names) == len(sources) and len(names) > 1 else \
            ", ".join(names)
        prefix = f"      {who}: "
        if details:
            lines.append(fit(prefix + (cause_words(rows[0]) or "failed")))
            lines += detail_lines(rows[0], "        ")
        else:
            lines.append(fit(prefix + reason(rows[0], WIDTH - len(prefix))))
    message = " ".join(str(run.get("message") or "").split())
    if message and not sources:  # e.g. "the digest could not be written": no source rows
        lines.append(fit(f"      {message}"))
    elif message:  # problems beyond the sources' own, e.g. a digest not sent
        extra = [p for p in message.split("; ") if p.startswith("digest ")]
        lines += [fit(f"      {p}") for p in extra]
    return [fit(head), *lines]


def _kb(n: int | None) -> str:
    return f"{(n or 0) / 1024:,.0f}"


def status_lines(health: Sequence[Mapping[str, Any]], runs: Sequence[Mapping[str, Any]],
                 of_run: Callable[[int], Sequence[Mapping[str, Any]]], tz: ZoneInfo) -> list[str]:
    """Everything `status` prints about sources and runs (the schedule is the caller's)."""
    lines = []
    if health:
        lines.append(f"Sources (times in {tz.key}):")
        width = max(len(str(h["source"])) for h in health)
        lines += [source_line(h, tz, width) for h in health]
    if runs:
        lines.append("Last runs (the latest with every problem):")
        for i, run in enumerate(runs):
            lines += run_lines(run, of_run(int(run["id"])), tz, details=i == 0)
    return lines
