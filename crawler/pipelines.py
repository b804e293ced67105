"""What every item goes through between a crawl's feed and the store, one concern each:

read (a feed record, bounded) → normalise → validate → dedupe.

A crawl job only yields items into its feed (JSON Lines); the shell's ingest step
(``fondsradar.ingest``) runs these stages on the feed and then stores the result, whether the
feed came from a local crawl or from a Scrapyd node. The feed is therefore hostile input: a
record is read field by field, with types and sizes checked, and a record for another source is
refused. Validation counts problems (``count``) instead of silently losing data; only an item
that cannot be stored at all (no title, no http(s) URL) is dropped, and that is counted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from records.bounds import AMOUNT_FIELDS, bound_record, strip_controls
from records.call import STATUSES, CallItem, stable_id
from records.clock import is_iso, sort_key

Count = Callable[[str], None]

# Bounds on one feed record: far above any real call, low enough that junk cannot flood the store.
MAX_RECORD_BYTES = 8 * 1024 * 1024
_TEXT_LIMITS = {"title": 2_000, "url": 4_000, "funder": 1_000, "programme": 1_000,
                "source_id": 1_000, "language": 10, "status": 20, "opens": 64, "currency": 10,
                "description": 500_000}
MAX_LIST = 500
MAX_LIST_TEXT = 1_000
_FIELDS = {f.name for f in fields(CallItem)}


class Drop(Exception):
    """This record cannot become a stored call; the message says why."""


def read_record(line: bytes | str, source: str, count: Count) -> CallItem:
    """One feed line as a CallItem of ``source``, or :class:`Drop` with the reason."""
    if len(line) > MAX_RECORD_BYTES:
        count("dropped/too_large")
        raise Drop(f"a record of {len(line)} bytes (limit {MAX_RECORD_BYTES})")
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        count("dropped/not_json")
        raise Drop("a line that is not JSON") from None
    if not isinstance(record, dict):
        count("dropped/not_a_record")
        raise Drop("a line that is not a JSON object")
    return item_from_record(record, source, count)


def item_from_record(record: Mapping[str, Any], source: str, count: Count) -> CallItem:
    """A CallItem from a decoded record, each field type- and size-checked."""
    if record.get("source") != source:
        count("dropped/other_source")
        raise Drop(f"a record of source {str(record.get('source'))[:40]!r} in {source}'s feed")
    values: dict[str, Any] = {"source": source}
    for name, limit in _TEXT_LIMITS.items():
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            count(f"invalid/{name}")
            continue
        values[name] = value[:limit]
    for name in ("deadlines", "keywords"):
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            count(f"invalid/{name}")
            continue
        values[name] = [v[:MAX_LIST_TEXT] for v in value[:MAX_LIST]]
    for name in ("amount_min", "amount_max", "budget_total"):
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            count(f"invalid/{name}")
            continue
        values[name] = value
    extra = record.get("extra")
    if isinstance(extra, dict):
        values["extra"] = extra
    elif extra is not None:
        count("invalid/extra")
    for required in ("title", "url", "funder"):
        values.setdefault(required, "")
    return CallItem(**{k: v for k, v in values.items() if k in _FIELDS})


def normalise(item: CallItem) -> CallItem:
    """Tidy white space, sort and dedupe deadlines, and give the item its stable id."""
    item.title = _one_line(item.title)
    item.description = strip_controls(item.description or "").strip()
    item.funder = _one_line(item.funder)
    item.url = strip_controls(item.url, one_line=True).strip()
    item.deadlines = sorted(set(item.deadlines), key=_safe_sort_key)
    item.keywords = list(dict.fromkeys(_one_line(k) for k in item.keywords if k and k.strip()))
    if item.currency:
        item.currency = item.currency.strip().upper()
    # Always derived, never taken from the feed: an id names its source, so a record can only
    # ever write a call of the source whose feed it came in.
    item.id = stable_id(item.source, item.source_id, item.url)
    return item


def validate(item: CallItem, count: Count, warn: Callable[[str], None] | None = None
             ) -> CallItem:
    """Drop what cannot be stored; count (and blank) what is merely wrong. An impossible date or
    amount (records.bounds) is also told to ``warn``, naming the call, the field and the value,
    for the source's health."""
    if not item.title:
        count("dropped/no_title")
        raise Drop(f"no title: {item.url[:200]}")
    if not re.match(r"^https?://", item.url):
        count("dropped/bad_url")
        raise Drop(f"not a web address: {item.url[:200]!r}")
    if item.status not in STATUSES:
        count("invalid/status")
        item.status = "open"
    if item.opens and not is_iso(item.opens):
        count("invalid/opens")
        item.opens = None
    good = [d for d in item.deadlines if is_iso(d)]
    if len(good) != len(item.deadlines):
        count("invalid/deadlines")
        item.deadlines = good
    if item.language not in ("da", "en"):
        count("invalid/language")
        item.language = "en"
    # Impossible dates and amounts (9999-12-31, 10^50, NaN): the one rule of records.bounds.
    values = {f: getattr(item, f) for f in ("opens", "deadlines", *AMOUNT_FIELDS)}
    for warning in bound_record(values):
        count(f"invalid/{warning.split(':', 1)[0]}")
        if warn is not None:
            warn(f"{item.title[:60]}: {warning}")
    for field, value in values.items():
        setattr(item, field, value)
    if not item.description:
        count("missing/description")
    return item


class Dedupe:
    """One item per id per crawl; of two, the richer wins (SEDIA's two record styles). The
    kept items stay in the order their ids first appeared."""

    def __init__(self, count: Count):
        self.count = count
        self.kept: dict[str, tuple[int, CallItem]] = {}

    def add(self, item: CallItem) -> None:
        score = richness(item)
        best = self.kept.get(item.id)
        if best is not None and score <= best[0]:
            self.count("dedupe/dropped")
            return
        if best is not None:
            self.count("dedupe/replaced")
        self.kept[item.id] = (score, item)

    def items(self) -> list[CallItem]:
        return [item for _, item in self.kept.values()]


def richness(item: CallItem) -> int:
    """How much an item tells: the count of its filled fields, description counting double."""
    filled = [item.description, item.description, item.opens, item.deadlines, item.amount_max,
              item.budget_total, item.keywords, item.programme]
    return sum(1 for value in filled if value)


def _one_line(text: str | None) -> str:
    """One line of plain text: white space runs as one space, no control characters (terminal
    escape codes, bidirectional overrides) from a page reach a terminal, a log or a header."""
    return re.sub(r"\s+", " ", strip_controls(text or "", one_line=True)).strip()


def _safe_sort_key(value: str) -> tuple[Any, ...]:
    return sort_key(value) if is_iso(value) else (date.max, value)
