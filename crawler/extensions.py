"""How a crawl job reports: live progress, and the summary its health is judged from.

A job writes its items into a feed and nothing into the store; the shell's ingest step judges
the source's health (:func:`crawler.health.assess`) from the job's crawl stats. This extension
hands those over in a form that survives the trip from any machine: when the spider closes it
writes one log line ``FONDSRADAR-SUMMARY {json}`` (the source, the finish reason and the stats)
into the job's log, which Scrapyd keeps and serves. With ``FONDSRADAR_EVENTS`` (the local crawl
child) it also tells the shell, line by line on standard output, which source started, how many
calls it has found so far, and the same summary when it closed, so ``fondsradar crawl`` shows
live progress and ingests each source as soon as its crawl is over.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.faults import retry_waiting
from crawler.health import SUMMARY_MARK

logger = logging.getLogger("crawler.summary")


def emit(event: dict[str, Any]) -> None:
    """One JSON line on stdout; the shell reads them while the crawl runs."""
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def plain_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The crawl stats as JSON values (times as ISO text; anything else as text)."""
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[key] = value
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, int | float | str) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out


class HealthExtension:
    """Progress events per source (started, items found at most 4 a second, retrying: each
    retry and its pause, closed) and the closing summary in the log."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.events = crawler.settings.getbool("FONDSRADAR_EVENTS")
        self.items = 0
        self.last_emit = 0.0
        self.name = "?"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.retrying, signal=retry_waiting)
        # engine_stopped comes after every spider_closed handler (the feed exporter's, which
        # closes the feed file, included) and after the stats got their finish reason.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.name = spider.name
        if self.events:
            emit({"event": "started", "source": spider.name})

    def item_scraped(self, item: Any, spider: Spider) -> None:
        self.items += 1
        now = time.monotonic()
        if self.events and now - self.last_emit >= 0.25:
            self.last_emit = now
            emit({"event": "progress", "source": spider.name, "items": self.items,
                  "requests": self.crawler.stats.get_value("downloader/request_count", 0)})

    def retrying(self, url: str, attempt: int, retries: int, wait_s: float,
                 reason: str) -> None:
        """A request failed and will be tried again after a pause: say so, or a slow or
        unreachable site looks like a crawl that hangs."""
        if self.events:
            emit({"event": "retrying", "source": self.name, "url": url, "attempt": attempt,
                  "retries": retries, "wait_s": wait_s, "reason": reason})

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats()
        summary = {"source": self.name, "reason": str(stats.get("finish_reason", "")),
                   "items": self.items, "stats": plain_stats(stats)}
        logger.info("%s%s", SUMMARY_MARK, json.dumps(summary, ensure_ascii=False))
        if self.events:
            emit({"event": "crawled", **summary})
