"""Is a source healthy after its crawl? Decided from the crawl's stats and items, and from
the source's last good crawl.

A source is failing when its spider raised, when it met HTTP errors or could not connect,
when it yielded nothing, when its pages no longer had the labels the spider looks for
("layout changed?"), when a page became an empty script shell, or when its calls lost a field
they used to have (found, but none has a deadline any more). City-Bureau's validation passed on
zero items; we do not.

Everything here is a pure function of plain values (stats, item dicts, the last good run's
figures), so it can be called wherever a crawl's items are ingested.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from records.clock import is_iso, local_date
from records.health import Cause

# The line a crawl job logs when its spider closes: this mark, then JSON {source, reason,
# stats}; the verdict below is made from it (crawler/extensions.py writes it, the shell's
# ingest step reads it). Here rather than beside the writer, so reading it imports no Scrapy.
SUMMARY_MARK = "FONDSRADAR-SUMMARY "
OK = "ok"
FAILED = "failed"
# Stats key: impossible values dropped from items (records.bounds), as "title: field: why".
DROPPED_VALUES = "fondsradar/dropped_values"


# Network failures in plain words.
_NET_WORDS = {
    "CannotResolveHostError": "the site could not be reached: its name was not found",
    "DNSLookupError": "the site could not be reached: its name was not found",
    "DownloadConnectionRefusedError": "the site could not be reached: connection refused",
    "ConnectionRefusedError": "the site could not be reached: connection refused",
    "DownloadTimeoutError": "the site did not answer in time",
    "TimeoutError": "the site did not answer in time",
    "TCPTimedOutError": "the site did not answer in time",
    "DownloadCancelledError": "a page was larger than the size limit (crawl.max_page_mb)",
    "ResponseDataLossError": "the site sent incomplete pages",
    "ResponseFailed": "the site sent incomplete pages",
}


# Exceptions that are the crawler's own refusals, not the network's failures.
_OWN_REFUSALS = {"PolicyRefused", "IgnoreRequest"}

# The failures an offline machine produces for every source.
_OFFLINE_KINDS = {"CannotResolveHostError", "DNSLookupError", "DownloadConnectionRefusedError",
                  "ConnectionRefusedError"}


@dataclass(frozen=True)
class Verdict:
    """A source's health after one crawl: ``cause`` for code, ``message`` for people."""

    status: str  # OK or FAILED
    message: str = ""
    errors: int = 0
    cause: Cause = Cause.NONE
    problems: tuple[str, ...] = ()  # one plain sentence each; ``message`` joins them
    lost: tuple[str, ...] = ()  # the fields the calls lost (FIELD_NAMES keys)


def count(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


# "Far fewer calls than last time": fewer than this share of the last good crawl's count ...
DROP_RATIO = 0.5
# ... when that crawl had at least this many (small sources vary naturally).
DROP_MIN_PREVIOUS = 6


def assess(
    stats: Mapping[str, Any], reason: str, items: int, previous: int | None = None, *,
    fields: FieldStats | None = None, baseline: Baseline | None = None,
    today: date | None = None,
) -> Verdict:
    """The verdict on one finished crawl: status, a plain-words message, the number of errors
    and the main cause (the first that applies of network, HTTP, refusals, layout, drop).

    ``previous`` is the item count of the source's last good crawl: a sudden drop below half
    of it fails the source, so a half-broken site never quietly empties the digest.
    ``fields`` (this crawl's :func:`field_stats`) and ``baseline`` (the last good crawl's)
    fail a source whose calls lost a field they used to have (:func:`lost_fields`).
    """
    problems: list[str] = []
    causes: list[Cause] = []
    exceptions = count(stats, "spider_exceptions/")
    http_errors = count(stats, "httperror/response_ignored_status_count/")
    # Requests the crawler refused itself (the outbound policy, a page over the size limit)
    # pass through Scrapy's exception counts too; they are reported on their own below.
    net_stats = {k: v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")
                 and k.rsplit(".", 1)[-1] not in _OWN_REFUSALS}
    net_errors = count(net_stats, "downloader/exception_type_count/")
    replay_misses = int(stats.get("har/replay_miss", 0))
    layout = stats.get("fondsradar/layout_changed") or []
    if reason not in ("finished", ""):
        problems.append(f"the crawl stopped early ({reason})")
        causes.append(Cause.ERROR)
    if exceptions:
        problems.append(f"{exceptions} page(s) could not be read (see the log)")
        causes.append(Cause.ERROR)
    if http_errors:
        codes = sorted(k.rsplit("/", 1)[-1] for k in stats
                       if k.startswith("httperror/response_ignored_status_count/"))
        problems.append(f"the site answered with HTTP errors ({', '.join(codes)})")
        causes.append(Cause.HTTP)
    if net_errors:
        kinds = sorted({k.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for k in net_stats})
        problems.extend(sorted({_NET_WORDS.get(kind, "the site could not be reached")
                                + f" ({kind})" for kind in kinds}))
        causes.append(Cause.OFFLINE if set(kinds) <= _OFFLINE_KINDS else Cause.UNREACHABLE)
    if replay_misses:
        problems.append(f"{replay_misses} request(s) were not in the recorded archive")
        causes.append(Cause.ERROR)
    offsite = stats.get("fondsradar/offsite_redirect") or []
    if offsite:
        problems.append("redirected to another site: " + ", ".join(offsite[:3]))
        causes.append(Cause.REFUSED)
    refused = stats.get("fondsradar/refused") or []
    refused_count = int(stats.get("fondsradar/refused_count", 0))
    budget = stats.get("fondsradar/budget_exceeded")
    if budget:
        problems.append(f"stopped after {budget} requests, the source's budget "
                        "(sources.<name>.max_requests); the site may be a crawler trap")
        causes.append(Cause.REFUSED)
    if refused:
        problems.append(f"{refused_count} request(s) outside the allowed sites were refused: "
                        + ", ".join(refused[:3]))
        causes.append(Cause.REFUSED)
    too_large = stats.get("fondsradar/too_large") or []
    if too_large:
        problems.append("a page was larger than the size limit (crawl.max_page_mb): "
                        + ", ".join(too_large[:3]))
        causes.append(Cause.UNREACHABLE)
    robots = int(stats.get("robotstxt/forbidden", 0))
    if robots:
        problems.append(f"robots.txt asks crawlers not to fetch {robots} page(s)")
        causes.append(Cause.REFUSED)
    shells = stats.get(SCRIPT_SHELL) or []
    if shells:
        problems.append(
            f"{_pages(len(shells))} now an empty shell that a script fills in the browser, so "
            f"there is no text to read ({', '.join(shells[:3])}); the site has probably been "
            "rebuilt")
        causes.append(Cause.SHELL)
    if layout:
        problems.append("layout changed? no expected labels on " + ", ".join(layout[:5]))
        causes.append(Cause.LAYOUT)
    lost: list[str] = []
    if fields is not None and baseline is not None and baseline.fields is not None:
        for name, text in lost_fields(fields, baseline.fields, when(baseline.day, today)):
            lost.append(name)
            problems.append(text)
            causes.append(Cause.FIELDS)
    if items == 0:
        problems.append("no calls found")
        causes.append(Cause.LAYOUT)
    elif previous and previous >= DROP_MIN_PREVIOUS and items < previous * DROP_RATIO:
        problems.append(f"far fewer calls than last time ({items}, was {previous}); "
                        "the site may have changed")
        causes.append(Cause.DROP)
    errors = (exceptions + http_errors + net_errors + len(layout) + len(offsite) + robots
              + refused_count + len(too_large) + (1 if budget else 0) + len(shells) + len(lost))
    # A value dropped as impossible is worth a word, not a failure: the call itself is kept.
    dropped = stats.get(DROPPED_VALUES) or []
    notes = [f"{int(stats.get(DROPPED_VALUES + '_count', len(dropped)))} impossible value(s) "
             "dropped: " + "; ".join(dropped[:3])] if dropped else []
    if problems:
        return Verdict(FAILED, "; ".join(problems + notes), max(errors, 1),
                       min(causes, key=_RANK.index), tuple(problems + notes), tuple(lost))
    return Verdict(OK, "; ".join(notes))


def _pages(n: int) -> str:
    return "a page is" if n == 1 else f"{n} pages are"


# ------------------------------------------------------------------------ fields of the calls
SCRIPT_SHELL = "fondsradar/script_shell"  # stats key: pages that were empty script shells
# The fields whose share of calls is watched, and how a sentence names them.
FIELD_NAMES = {"deadline": "a deadline", "amount": "an amount", "opening": "an opening date",
               "description": "a description"}
# A field counts as "used to have" when at least this share of the last good crawl's calls
# had it; it is lost when no call has it now, or when its share fell below LOST_RATIO of what
# it was and the last good crawl had it on at least LOST_MIN_CALLS calls (a few calls changing
# between rolling and dated is normal).
USED_SHARE = 0.5
LOST_RATIO = 0.5
LOST_MIN_CALLS = 4
# Fields are compared only when both crawls found at least this many calls: a source with one
# call now and then (an Interreg round, a prize) changes its fields with the call, not its page.
MIN_CALLS = 2


@dataclass(frozen=True)
class FieldStats:
    """How many of a crawl's calls (items that are not watched pages) have each field."""

    calls: int = 0
    have: Mapping[str, int] = field(default_factory=dict)

    def share(self, name: str) -> float | None:
        """The share of calls with the field (0–1, 3 decimals); None without calls."""
        return round(self.have.get(name, 0) / self.calls, 3) if self.calls else None

    def shares(self) -> dict[str, float | None]:
        return {name: self.share(name) for name in FIELD_NAMES}

    def to_json(self, lost: Iterable[str] = ()) -> str:
        return json.dumps({"calls": self.calls, "have": dict(self.have), "lost": list(lost)},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> FieldStats | None:
        """What :meth:`to_json` wrote; None for a run recorded before fields were counted, or
        for anything that is not such a record."""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("have"), dict):
            return None
        calls = data.get("calls")
        have = {k: v for k, v in data["have"].items() if k in FIELD_NAMES and isinstance(v, int)}
        return cls(calls, have) if isinstance(calls, int) and calls >= 0 else None


@dataclass(frozen=True)
class Baseline:
    """A source's last good crawl: what this crawl is compared with."""

    items: int
    fields: FieldStats | None
    day: date | None = None


def baseline_of(row: Mapping[str, Any] | None) -> Baseline | None:
    """The last good crawl as :func:`assess` compares with it, from its stored row (``items``,
    ``fields`` JSON, and ``day``: the run's "today", else when it finished)."""
    if row is None:
        return None
    day = row.get("day") or row.get("finished_at")
    return Baseline(int(row.get("items") or 0), FieldStats.from_json(row.get("fields")),
                    local_date(day) if isinstance(day, str) and is_iso(day) else None)


def has_field(item: Mapping[str, Any], name: str) -> bool:
    """Whether an item (a call record as a dict) has the field, in :data:`FIELD_NAMES` terms."""
    if name == "deadline":
        return bool(item.get("deadlines"))
    if name == "amount":
        return item.get("amount_max") is not None or item.get("amount_min") is not None
    if name == "opening":
        return bool(item.get("opens"))
    return bool((item.get("description") or "").strip())


def field_stats(items: Iterable[Mapping[str, Any]]) -> FieldStats:
    """Per field, how many calls have it; watched pages (status ``watch``) are not calls."""
    calls = [i for i in items if i.get("status") != "watch"]
    return FieldStats(len(calls), {name: sum(1 for i in calls if has_field(i, name))
                                   for name in FIELD_NAMES})


def lost_fields(now: FieldStats, before: FieldStats, since: str = "last time"
                ) -> list[tuple[str, str]]:
    """(field, plain sentence) for each field the calls used to have and lost, e.g. "8 calls
    found, but none has a deadline — last week 8 of 8 did; the page layout may have changed".

    Compared only when both crawls found at least :data:`MIN_CALLS` calls: no calls at all is
    its own problem, and a lone call's fields change with the call.
    """
    out: list[tuple[str, str]] = []
    if now.calls < MIN_CALLS or before.calls < MIN_CALLS:
        return out
    for name, words in FIELD_NAMES.items():
        had, share_before = before.have.get(name, 0), before.share(name) or 0.0
        has, share_now = now.have.get(name, 0), now.share(name) or 0.0
        if share_before < USED_SHARE or had == 0:
            continue
        if has == 0:
            found, what = "none has", words
        elif had >= LOST_MIN_CALLS and share_now < share_before * LOST_RATIO:
            found = f"only {has} {'has' if has == 1 else 'have'}"
            what = words
        else:
            continue
        out.append((name, f"{_calls(now.calls)} found, but {found} {what} — {since} {had} of "
                          f"{before.calls} did; the page layout may have changed"))
    return out


def _calls(n: int) -> str:
    return "1 call" if n == 1 else f"{n} calls"


def when(day: date | None, today: date | None) -> str:
    """The last good crawl's day as a sentence says it: "last week", "on 2027-01-04"."""
    if day is None:
        return "last time"
    if today is not None and 5 <= (today - day).days <= 9:
        return "last week"
    if today is not None and (today - day).days == 0:
        return "earlier today"
    return f"on {day.isoformat()}"


def keep_last_good(items: Iterable[dict[str, Any]], stored: Mapping[str, Mapping[str, Any]],
                   on: date) -> list[dict[str, Any]]:
    """Items of a failed crawl with every field the page lost taken back from the stored call,
    so a broken page never empties a call; each kept field is named in
    ``extra["not_confirmed"]`` (field → the day it was last confirmed, or the stored call's
    last sighting), which a healthy crawl clears by storing what it finds."""
    out = []
    for item in items:
        old = stored.get(item.get("id", ""))
        if old is None:
            out.append(item)
            continue
        item = dict(item)
        extra = dict(item.get("extra") or {})
        before = dict((old.get("extra") or {}).get("not_confirmed") or {})
        kept = {}
        for name in FIELD_NAMES:
            if has_field(old, name) and not has_field(item, name):
                for key in _COLUMNS[name]:
                    item[key] = old.get(key)
                kept[name] = before.get(name) or str(old.get("last_seen") or on.isoformat())[:10]
        if kept:
            extra["not_confirmed"] = kept
            if ("deadline" in kept or "opening" in kept) and old.get("status"):
                item["status"] = old["status"]  # it was decided from the dates now missing
        item["extra"] = extra
        out.append(item)
    return out


_COLUMNS = {"deadline": ("deadlines",), "amount": ("amount_min", "amount_max", "currency"),
            "opening": ("opens",), "description": ("description",)}


# Which cause explains a failure best when there are several: a machine without network also
# finds no calls, and that is not a layout change.
_RANK = [Cause.OFFLINE, Cause.UNREACHABLE, Cause.HTTP, Cause.REFUSED, Cause.SHELL, Cause.LAYOUT,
         Cause.FIELDS, Cause.DROP, Cause.ERROR]
