"""Source health as it happens: progress events for the person watching a crawl.

The verdict itself (ok / failed, and why) is :func:`crawler.health.assess`, written to the
store with the source's items by the store pipeline. This extension tells the ``fondsradar``
shell, line by line on standard output, which source started, how many calls it has found so
far and how it ended, so a manual ``fondsradar crawl`` can show live progress. It is on only
when ``FONDSRADAR_EVENTS`` is set, so a plain ``scrapy crawl`` prints nothing extra.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.faults import retry_waiting
from crawler.health import assess


def emit(event: dict[str, Any]) -> None:
    """One JSON line on stdout; the shell reads them while the crawl runs."""
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class HealthExtension:
    """Progress events per source: started, items found (at most 4 a second), retrying
    (each retry and its pause), closed."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.items = 0
        self.last_emit = 0.0
        self.name = "?"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthExtension:
        if not crawler.settings.getbool("FONDSRADAR_EVENTS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.retrying, signal=retry_waiting)
        # engine_stopped comes after every spider_closed handler, the store pipeline's included,
        # so the verdict it wrote to the stats is there to report.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.name = spider.name
        emit({"event": "started", "source": spider.name})

    def item_scraped(self, item: Any, spider: Spider) -> None:
        self.items += 1
        now = time.monotonic()
        if now - self.last_emit >= 0.25:
            self.last_emit = now
            emit({"event": "progress", "source": spider.name, "items": self.items,
                  "requests": self.crawler.stats.get_value("downloader/request_count", 0)})

    def retrying(self, url: str, attempt: int, retries: int, wait_s: float,
                 reason: str) -> None:
        """A request failed and will be tried again after a pause: say so, or a slow or
        unreachable site looks like a crawl that hangs."""
        emit({"event": "retrying", "source": self.name, "url": url, "attempt": attempt,
              "retries": retries, "wait_s": wait_s, "reason": reason})

    def engine_stopped(self) -> None:
        stats = self.crawler.stats
        if stats.get_value("fondsradar/health") is None:  # no store pipeline: judge here
            verdict = assess(stats.get_stats(), stats.get_value("finish_reason", ""), self.items)
            status, message, cause = verdict.status, verdict.message, str(verdict.cause)
        else:
            status = stats.get_value("fondsradar/health")
            message = stats.get_value("fondsradar/health_message", "")
            cause = stats.get_value("fondsradar/health_cause", "")
        emit({"event": "closed", "source": self.name, "items": self.items, "status": status,
              "message": message, "cause": cause})
