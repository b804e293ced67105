"""The one way a crawl's results reach the store: a job's item feed plus its closing summary.

Local crawls and Scrapyd jobs alike yield their items into a JSON Lines feed and end with a
summary (the finish reason and the crawl stats, :mod:`crawler.extensions`). Ingesting one
source's feed runs the crawler's item stages (read → normalise → validate → dedupe,
:mod:`crawler.pipelines`), tracks what changed on watched pages (:mod:`crawler.watch`), judges
the source's health from the summary (:func:`crawler.health.assess`) and writes the calls and
the source's result in one transaction (``store.calls.save``).

A job that ended without a summary (killed, crashed, cancelled before it began, or a Scrapyd
that could not be asked) stores nothing for its source: the source is recorded as failed with
the reason, and the calls stored before stay as they were. The same holds for a failing crawl:
its calls are stored, but none are marked gone.

The state an incremental crawl needs (what each source stored last time) leaves through
:func:`write_state`, a gzip'd JSON file per source that a job reads once when it starts.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date
from pathlib import Path
from typing import Any

from crawler.health import (
    DROPPED_VALUES,
    OK,
    SCRIPT_SHELL,
    SUMMARY_MARK,
    assess,
    baseline_of,
    field_stats,
    keep_last_good,
)
from crawler.pipelines import Dedupe, Drop, normalise, read_record, validate
from crawler.translations import merge_translations
from crawler.watch import track
from records.call import CallItem
from records.health import Cause
from records.store import SourceOutcome, Store

# Summary stats the health verdict reads as lists of text; every other value must be a number
# or a short text.
_LIST_STATS = ("fondsradar/layout_changed", "fondsradar/offsite_redirect", "fondsradar/refused",
               "fondsradar/too_large", SCRIPT_SHELL)
_MAX_STAT_KEYS = 2_000
_ITEM_FIELDS = tuple(f.name for f in dataclass_fields(CallItem))


@dataclass
class Summary:
    """What a job said about its crawl when it closed."""

    source: str
    reason: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ingested:
    """The source's stored result and what the ingest counted on the way (``validate/...``)."""

    outcome: SourceOutcome
    counts: Counter[str] = field(default_factory=Counter)
    lines: int = 0


def summary_from(event: Mapping[str, Any], source: str) -> Summary | None:
    """A summary from its JSON form (a log line's or a progress event's); None if it is not one
    for ``source``. Its stats are reduced to what the health verdict can safely read."""
    if not isinstance(event, Mapping) or event.get("source") != source:
        return None
    reason = event.get("reason")
    raw = event.get("stats")
    if not isinstance(reason, str) or not isinstance(raw, Mapping):
        return None
    stats: dict[str, Any] = {}
    for key, value in list(raw.items())[:_MAX_STAT_KEYS]:
        if not isinstance(key, str) or len(key) > 300:
            continue
        if key in _LIST_STATS:
            if isinstance(value, list):
                stats[key] = [str(v)[:300] for v in value[:50]]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            stats[key] = value
        elif isinstance(value, str) and not key.startswith(("har/", "robotstxt/", "downloader/",
                                                            "httpcache/", "fondsradar/")):
            stats[key] = value[:300]
    return Summary(source=source, reason=reason[:100], stats=stats)


def summary_in_log(text: str, source: str) -> Summary | None:
    """The last summary for ``source`` in a job's log (Scrapyd keeps and serves the log)."""
    for line in reversed(text.splitlines()):
        at = line.find(SUMMARY_MARK)
        if at < 0:
            continue
        try:
            found = summary_from(json.loads(line[at + len(SUMMARY_MARK):]), source)
        except ValueError:
            continue
        if found is not None:
            return found
    return None


def ingest(
    store: Store,
    run_id: int | None,
    source: str,
    lines: Iterable[bytes | str],
    summary: Summary | None,
    *,
    today: date,
    started_at: str,
    failure: str = "",
) -> Ingested:
    """Write one source's feed into the store; its outcome says how the source fared.

    Without a summary the feed is not trusted to be whole: nothing is stored, and the source
    fails with ``failure`` (or a plain default) as the reason.
    """
    counts: Counter[str] = Counter()

    def count(what: str) -> None:
        counts[what] += 1

    if summary is None:
        outcome = SourceOutcome(
            source=source, status="failed", errors=1, finish_reason="no summary",
            message=failure or "the crawl stopped before this source finished",
            cause=Cause.ERROR)
        store.sources.record(run_id, outcome, started_at)
        return Ingested(outcome, counts)
    dedupe = Dedupe(count)
    dropped: list[str] = []  # impossible values left out of calls (records.bounds)
    n = 0
    for line in lines:
        if not line.strip():
            continue
        n += 1
        try:
            dedupe.add(validate(normalise(read_record(line, source, count)), count,
                                dropped.append))
        except Drop:
            continue
    items = dedupe.items()
    for item in items:
        if track(item, _previous_extra(store, item, today), today):
            count("watch/changed")
    # One call in two languages is one call (crawler/translations.py). A shallow record per
    # item: dataclasses.asdict deep-copies every list and dict, which cost a third of the
    # ingest's time; these items are not used again.
    records = merge_translations([{name: getattr(i, name) for name in _ITEM_FIELDS}
                                  for i in items])
    for _ in range(len(items) - len(records)):
        count("translations/merged")
    stats = summary.stats
    if dropped:  # named in the source's health, which stays ok: the calls themselves are kept
        stats = {**stats, DROPPED_VALUES: dropped[:5], DROPPED_VALUES + "_count": len(dropped)}
    baseline = baseline_of(store.sources.last_good(source))
    fields = field_stats(records)
    verdict = assess(stats, summary.reason, len(records), baseline.items if baseline else None,
                     fields=fields, baseline=baseline, today=today)
    if verdict.status != OK and records:
        # a broken page must not empty the stored calls: lost fields keep their last value
        stored = {r["id"]: r for r in store.calls.raw(source)}
        records = keep_last_good(records, stored, today)
    outcome = SourceOutcome(
        source=source, status=verdict.status, items=len(records), errors=verdict.errors,
        cause=verdict.cause, requests=_int(stats, "downloader/request_count"),
        duration_s=float(stats.get("elapsed_time_seconds", 0) or 0),
        finish_reason=summary.reason, message=verdict.message,
        bytes=_int(stats, "downloader/response_bytes"),
        # The HTTP cache turns a 304 into the cached page before Scrapy's status counts see
        # it, so its own count is the one that knows.
        not_modified=_int(stats, "httpcache/revalidate"),
        skipped=_int(stats, "fondsradar/skipped"),
        fields=fields.to_json(verdict.lost),
        problems=json.dumps(list(verdict.problems), ensure_ascii=False),
    )
    store.calls.save(run_id, source, records, outcome, started_at,
                     complete=verdict.status == OK)
    return Ingested(outcome, counts, n)


def ingest_file(store: Store, run_id: int | None, source: str, feed: Path,
                summary: Summary | None, *, today: date, started_at: str,
                failure: str = "") -> Ingested:
    """:func:`ingest` of a feed file (a missing file is an empty feed)."""
    if not feed.exists():
        return ingest(store, run_id, source, [], summary, today=today, started_at=started_at,
                      failure=failure)
    with open(feed, "rb") as fh:
        return ingest(store, run_id, source, fh, summary, today=today, started_at=started_at,
                      failure=failure)


def _previous_extra(store: Store, item: CallItem, today: date) -> dict[str, Any] | None:
    if not isinstance(item.extra.get("text"), str):
        return None
    record = store.calls.get(item.id, today)
    extra = record.get("extra") if record else None
    return extra if isinstance(extra, dict) else None


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def state_records(store: Store, source: str) -> list[dict[str, Any]]:
    """What an incremental crawl of ``source`` needs: its stored calls that were found under a
    listing entry (the others are never skipped), as the crawler left them."""
    return [r for r in store.calls.raw(source)
            if isinstance(r.get("extra"), dict) and r["extra"].get("listing_url")]


def state_bytes(store: Store, source: str) -> bytes:
    """:func:`state_records` as the gzip'd JSON a job reads (``crawler.incremental``)."""
    body = json.dumps({"source": source, "records": state_records(store, source)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(body, compresslevel=1)


def write_state(store: Store, source: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(state_bytes(store, source))
    return path
