"""Downloader middlewares: answer requests from an HTTP Archive, or record one.

``fondsradar crawl --replay FILE.har`` sets ``FONDSRADAR_HAR_REPLAY`` and ``--record FILE.har``
sets ``FONDSRADAR_HAR_RECORD`` (docs/architecture.md, "Command line"). The matching rules and the
file format
live in :mod:`crawler.har`; this module only translates between Scrapy objects and it.

Where they sit: ``process_request`` runs from the engine towards the downloader (ascending
priority), ``process_response`` from the downloader back towards the engine. Both middlewares sit
next to the downloader, after Scrapy's built-ins (the highest of them is HttpCacheMiddleware, 900):

* The recorder (950) sees every request as it goes on the wire (user agent, cookies and
  Accept-Encoding already set) and every raw response before RedirectMiddleware (600) follows a
  3xx or HttpCompressionMiddleware (590) decodes the body, so redirects are recorded hop by hop;
  it decodes bodies itself for a readable archive.
* Replay (960) answers in place of the downloader. The recorded 3xx, 503 or Set-Cookie then
  passes through redirects, retries and cookies exactly as the live one did, robots.txt included.
  Because replay comes after the recorder, ``--replay a.har --record b.har`` copies the traffic
  that a crawl actually used.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxt
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.faults import report_too_large
from crawler.har import REPLAY_HEADER, HarIndex, TooLargeError, get_writer, make_entry

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

#: Merge into ``DOWNLOADER_MIDDLEWARES``. Both sit on the downloader side of every built-in
#: middleware (the highest is HttpCacheMiddleware at 900); the recorder runs before replay on the
#: way out and after it on the way back. Each one is off unless its setting names a file.
HAR_MIDDLEWARES: dict[str, int] = {
    "crawler.middlewares.HarRecordMiddleware": 950,
    "crawler.middlewares.HarReplayMiddleware": 960,
}

#: Merge into ``DOWNLOADER_MIDDLEWARES`` too: Scrapy's robots.txt middleware, fixed (see
#: :class:`RobotsTxtMiddleware`), in the built-in's place.
ROBOTSTXT_MIDDLEWARES: dict[str, int | None] = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
}

# Schemes that never leave the machine; replay lets them through instead of answering 404.
_LOCAL_SCHEMES = frozenset({"data", "file"})
_STARTED = "_har_started"  # request.meta key: (wall clock, monotonic) when it went out


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers (bytes, multi-valued) as HAR name/value pairs."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class HarReplayMiddleware:
    """Answers every HTTP(S) request from a HAR file; never touches the network.

    A request that is not in the archive gets an empty 404 (header ``X-Fondsradar-Replay: miss``)
    and a warning, so a spider fails the way it would on a missing page. A missing robots.txt is
    normal for browser recordings and only logged at INFO; its 404 means "allow all" to Scrapy.
    """

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        # An unreadable archive must stop the crawl: going live instead would break the promise.
        self.index = HarIndex.from_file(path)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        logger.info("HAR replay from %s (%d entries)", path, len(self.index))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HarReplayMiddleware:
        path = crawler.settings.get("FONDSRADAR_HAR_REPLAY")
        if not path:
            raise NotConfigured  # no message: Scrapy would log a warning on every crawl
        return cls(crawler, str(path))

    def process_request(self, request: Request) -> Response | None:
        if urlparse_cached(request).scheme in _LOCAL_SCHEMES:
            return None
        content_type = request.headers.get("Content-Type")
        max_size = int(request.meta.get("download_maxsize", self.max_size))
        try:
            found = self.index.lookup(
                request.method,
                request.url,
                request.body,
                content_type.decode("latin-1") if content_type else None,
                max_size,
            )
        except TooLargeError as exc:
            # As on the network: a page over the limit is refused, and the source says so.
            report_too_large(self.crawler, request.url, str(exc))
            raise IgnoreRequest(f"HAR replay: {request.url} is too large ({exc})") from None
        stats = self.crawler.stats
        if found is None:
            is_robots = urlparse_cached(request).path == "/robots.txt"
            if stats:
                # A recording without robots.txt is normal (browsers do not ask for it).
                stats.inc_value("har/replay_miss_robots" if is_robots else "har/replay_miss")
            logger.log(
                logging.INFO if is_robots else logging.WARNING,
                "HAR replay: %s %s is not in %s; answering 404",
                request.method,
                request.url,
                self.path,
                extra={"spider": self.crawler.spider},
            )
            return TextResponse(
                url=request.url,
                status=404,
                headers={REPLAY_HEADER: "miss", "Content-Type": "text/plain; charset=utf-8"},
                body=b"",
                encoding="utf-8",
                request=request,
                flags=["har-miss"],
            )
        if stats:
            stats.inc_value("har/replay_hit")
        headers = Headers()
        for name, value in found.headers:
            headers.appendlist(name, value)
        headers[REPLAY_HEADER] = "hit"
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=found.body)
        return respcls(
            url=request.url,
            status=found.status,
            headers=headers,
            body=found.body,
            request=request,
            protocol=found.http_version,
            flags=["har"],
        )


class HarRecordMiddleware:
    """Records every exchange with the network into a HAR file.

    Entries go to the process-wide writer for the file (:func:`crawler.har.get_writer`), which is
    rewritten with everything recorded so far whenever a spider closes, so several spiders in one
    process can record into one archive. Replay misses are not recorded.
    """

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.writer = get_writer(path)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HarRecordMiddleware:
        path = crawler.settings.get("FONDSRADAR_HAR_RECORD")
        if not path:
            raise NotConfigured
        return cls(crawler, str(path))

    def process_request(self, request: Request) -> None:
        request.meta[_STARTED] = (datetime.now(UTC), time.monotonic())

    def process_response(self, request: Request, response: Response) -> Response:
        if response.headers.get(REPLAY_HEADER) == b"miss":
            return response
        started, t0 = request.meta.pop(_STARTED, (datetime.now(UTC), time.monotonic()))
        entry = make_entry(
            method=request.method,
            url=response.url,
            request_headers=_pairs(request.headers),
            request_body=request.body,
            status=response.status,
            response_headers=[h for h in _pairs(response.headers) if h[0] != REPLAY_HEADER],
            response_body=response.body,
            http_version=response.protocol or "HTTP/1.1",
            started=started,
            elapsed_ms=(time.monotonic() - t0) * 1000,
            max_size=self.max_size,
        )
        self.writer.add(entry)
        if self.crawler.stats:
            self.crawler.stats.inc_value("har/recorded")
        return response

    def spider_closed(self, spider: Spider) -> None:
        self.writer.write()
        logger.info(
            "HAR: %d entries written to %s",
            len(self.writer.entries),
            self.writer.path,
            extra={"spider": spider},
        )


class RobotsTxtMiddleware(_ScrapyRobotsTxt):
    """Scrapy's robots.txt middleware, obeyed by *every* request of a host.

    In Scrapy 2.19 all requests that arrive while a host's robots.txt is being fetched await one
    shared Deferred; the first awaiter's callback returns None down the chain, so the others get
    no parser and are let through, disallowed or not (scrapy/scrapy#6802 swapped the old per-
    waiter Deferred for ``await maybe_deferred_to_future(parser)``). The first requests of a
    crawl are exactly those, so this hands every waiter its own Deferred again.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            mine: Deferred[RobotParser | None] = Deferred()

            def relay(parser: RobotParser | None) -> RobotParser | None:
                mine.callback(parser)
                return parser  # pass it on to the next waiter

            pending.addCallback(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)
