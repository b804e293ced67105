"""Item pipelines, one concern each, in the order of ``ITEM_PIPELINES`` in settings.py:

normalise (100) → validate (200) → dedupe (300) → store (900).

Validation counts problems in the crawl stats instead of silently losing data; only an item
that cannot be stored at all (no title, no http(s) URL) is dropped, and that is counted too.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict
from datetime import date
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.health import OK, assess
from records.call import STATUSES, CallItem, stable_id
from records.clock import is_iso, sort_key, today
from records.store import SourceOutcome, Store, now_iso


class NormalisePipeline:
    """Tidy white space, sort and dedupe deadlines, and give the item its stable id."""

    def process_item(self, item: CallItem) -> CallItem:
        item.title = _one_line(item.title)
        item.description = (item.description or "").strip()
        item.funder = _one_line(item.funder)
        item.url = item.url.strip()
        item.deadlines = sorted(set(item.deadlines), key=_safe_sort_key)
        item.keywords = list(dict.fromkeys(k.strip() for k in item.keywords if k and k.strip()))
        if item.currency:
            item.currency = item.currency.strip().upper()
        item.id = item.id or stable_id(item.source, item.source_id, item.url)
        return item


class ValidatePipeline:
    """Drop what cannot be stored; count (and blank) what is merely wrong."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: CallItem) -> CallItem:
        if not item.title:
            self._count("dropped/no_title")
            raise DropItem(f"no title: {item.url}")
        if not re.match(r"^https?://", item.url):
            self._count("dropped/bad_url")
            raise DropItem(f"not a web address: {item.url!r}")
        if item.status not in STATUSES:
            self._count("invalid/status")
            item.status = "open"
        if item.opens and not is_iso(item.opens):
            self._count("invalid/opens")
            item.opens = None
        good = [d for d in item.deadlines if is_iso(d)]
        if len(good) != len(item.deadlines):
            self._count("invalid/deadlines")
            item.deadlines = good
        if item.language not in ("da", "en"):
            self._count("invalid/language")
            item.language = "en"
        for field in ("amount_min", "amount_max", "budget_total"):
            value = getattr(item, field)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                self._count(f"invalid/{field}")
                setattr(item, field, None)
        if not item.description:
            self._count("missing/description")
        return item

    def _count(self, what: str) -> None:
        self.stats.inc_value(f"validate/{what}")


class DedupePipeline:
    """One item per id per crawl; of two, the richer wins (SEDIA's two record styles)."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats
        self.kept: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: CallItem) -> CallItem:
        score = richness(item)
        best = self.kept.get(item.id)
        if best is not None and score <= best:
            self.stats.inc_value("dedupe/dropped")
            raise DropItem(f"duplicate of {item.id}")
        if best is not None:
            self.stats.inc_value("dedupe/replaced")
        self.kept[item.id] = score
        return item


def richness(item: CallItem) -> int:
    """How much an item tells: the count of its filled fields, description counting double."""
    filled = [item.description, item.description, item.opens, item.deadlines, item.amount_max,
              item.budget_total, item.keywords, item.programme]
    return sum(1 for value in filled if value)


class StorePipeline:
    """Keep the crawl's items and write them, with the source's health, in one transaction.

    Writing at the end is what makes a crawl all-or-nothing per source, and what lets a
    failing crawl keep the stored calls instead of marking them gone.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = settings.get("FONDSRADAR_DB") or "data/fondsradar.db"
        self.run_id: int | None = settings.getint("FONDSRADAR_RUN_ID") or None
        self.items: dict[str, dict[str, Any]] = {}
        self.started_at = now_iso()
        self.t0 = time.monotonic()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: CallItem) -> CallItem:
        self.items[item.id] = asdict(item)
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        store = Store(self.db_path)
        previous = store.sources.last_good_items(spider.name)
        verdict = assess(stats, reason, len(self.items), previous)
        status, message = verdict.status, verdict.message
        outcome = SourceOutcome(
            source=spider.name, status=status, items=len(self.items), errors=verdict.errors,
            cause=verdict.cause,
            requests=int(stats.get("downloader/request_count", 0)),
            duration_s=time.monotonic() - self.t0, finish_reason=reason, message=message,
            bytes=int(stats.get("downloader/response_bytes", 0)),
            # The HTTP cache turns a 304 into the cached page before Scrapy's status counts
            # see it, so its own count is the one that knows.
            not_modified=int(stats.get("httpcache/revalidate", 0)),
            skipped=int(stats.get("fondsradar/skipped", 0)),
        )
        own_run = self.run_id is None
        run_id = self.run_id or store.runs.start(f"scrapy crawl {spider.name}", today(
            self.crawler.settings.get("FONDSRADAR_TODAY")))
        try:
            store.calls.save(run_id, spider.name, list(self.items.values()), outcome,
                              self.started_at, complete=status == OK)
            if own_run:
                store.runs.finish(run_id, status, 0 if status == OK else 3, message)
        finally:
            store.close()
        for key in ("new", "changed", "unseen"):
            self.crawler.stats.set_value(f"fondsradar/{key}", getattr(outcome, key))
        self.crawler.stats.set_value("fondsradar/health", status)
        self.crawler.stats.set_value("fondsradar/health_message", message)
        self.crawler.stats.set_value("fondsradar/health_cause", str(verdict.cause))
        spider.logger.log(
            20 if status == OK else 40,
            "%s: %d calls (%d new, %d changed)%s", spider.name, outcome.items, outcome.new,
            outcome.changed, f" — FAILING: {message}" if message else "",
        )


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _safe_sort_key(value: str) -> tuple[Any, ...]:
    return sort_key(value) if is_iso(value) else (date.max, value)
