"""Downloader middlewares for sites that misbehave (retries with backoff, off-site redirects),
and the HTTP cache policy that makes re-crawls cheap without missing changes.

Scrapy retries 429 and 5xx answers at once; a site that is overloaded or rate-limiting us
deserves a pause. ``BackoffRetryMiddleware`` waits before each retry, doubling the wait and
honouring ``Retry-After``, without blocking other hosts (the wait is an asyncio sleep).

A redirect to another site is not followed: a funder's call page that suddenly sends us to a
domain parking page or a login portal is a fault to report, not a page to parse. Moves within
the same site (``www.`` added or dropped, http → https) are followed as usual.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from typing import Any
from urllib.parse import urljoin, urlparse

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

logger = logging.getLogger(__name__)
# Sent before each retry's pause (kwargs: url, attempt, retries, wait_s, reason), so the live
# display can say the crawl is waiting to retry rather than looking stuck.
retry_waiting = object()


def retry_after(response: Response | None, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``Retry-After`` (seconds or an HTTP date)."""
    if response is None:
        return None
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now or time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with a growing pause before each one."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.base = settings.getfloat("FONDSRADAR_BACKOFF_S", 2.0)
        self.cap = settings.getfloat("FONDSRADAR_BACKOFF_MAX_S", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    def delay(self, retry: Request, response: Response | None) -> float:
        attempt = int(retry.meta.get("retry_times", 1))
        wait = self.base * 2 ** (attempt - 1)
        asked = retry_after(response)
        if asked is not None:
            wait = max(wait, asked)
        return min(wait, self.cap)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(result, response, f"HTTP {response.status}")
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Any:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(result, None, type(exception).__name__)
        return result

    async def _pause(self, retry: Request, response: Response | None, reason: str) -> None:
        wait = self.delay(retry, response)
        self.crawler.signals.send_catch_log(
            signal=retry_waiting, url=retry.url, attempt=int(retry.meta.get("retry_times", 1)),
            retries=int(retry.meta.get("max_retry_times", self.max_retry_times)),
            wait_s=round(wait, 1), reason=reason)
        if wait > 0:
            self.crawler.stats.inc_value("fondsradar/backoff_s", round(wait, 1))
            logger.info("waiting %.1f s before retrying %s", wait, retry.url)
            await asyncio.sleep(wait)


def same_site(a: str, b: str) -> bool:
    """Hosts equal but for a leading ``www.`` (ports count)."""
    ha, hb = urlparse(a), urlparse(b)
    strip = lambda h: (h or "").lower().removeprefix("www.")  # noqa: E731
    return strip(ha.hostname) == strip(hb.hostname) and (
        ha.port == hb.port or {ha.port, hb.port} <= {None, 80, 443})


class OffsiteRedirectMiddleware:
    """Stops redirects to another site and says so in the stats (and so in the source's health).

    It sits just above Scrapy's RedirectMiddleware (600) so it sees the 3xx first."""

    def __init__(self, crawler: Crawler):
        from crawler.policy import policy_for

        self.crawler = crawler
        # Another of the source's own sites (a configured URL or allowed_hosts) is no "other
        # site"; the outbound policy still checks the redirected request like any other.
        self.policy = policy_for(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if same_site(request.url, target) or self.policy.refusal(target) is None:
            return response
        stats = self.crawler.stats
        seen = list(stats.get_value("fondsradar/offsite_redirect") or [])
        seen.append(f"{request.url} → {target}")
        stats.set_value("fondsradar/offsite_redirect", seen)
        logger.error("not following %s: it redirects to another site (%s)", request.url, target)
        request.meta["dont_redirect"] = True
        return response


class RevalidatePolicy(RFC2616Policy):
    """Scrapy's RFC 2616 cache policy, but a stored page is never taken as fresh: every page is
    asked for again, with its validators, so an unchanged page costs a 304 and a changed one is
    seen. (RFC 2616 would let a page without Cache-Control count as fresh for a tenth of its
    age, and skips the validators under ``no-cache``: a weekly watch must not miss changes.)"""

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False


TOO_LARGE = "fondsradar/too_large"  # stats key: pages over DOWNLOAD_MAXSIZE, as "URL (size)"


def report_too_large(crawler: Crawler, url: str, detail: str) -> None:
    """Count a page that was over the size limit, so the source's health says so."""
    stats = crawler.stats
    seen = list(stats.get_value(TOO_LARGE) or [])
    if len(seen) < 5:
        seen.append(f"{url} ({detail})")
    stats.set_value(TOO_LARGE, seen)
    stats.inc_value(TOO_LARGE + "_count")


class ReportingDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (with its DOWNLOAD_MAXSIZE limit while unpacking), but a page
    that unpacks to more than the limit is reported in the stats instead of silently dropped:
    Scrapy ignores such a page without a trace, so the source stayed "healthy" while the call
    vanished from the digest."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportingDecompressionMiddleware:
        mw = super().from_crawler(crawler)
        mw.crawler = crawler
        return mw

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                report_too_large(
                    self.crawler, request.url,
                    f"{len(response.body):,} bytes compressed, more than "
                    f"{exc.__cause__.max_size:,} unpacked")
            raise
