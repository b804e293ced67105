"""The outbound policy: the one place that decides whether the crawler may send a request.

Pages are written by other people, so every URL taken from a page (a ``rel=next`` link, a
``Link`` header, a WordPress back end, a redirect) is hostile until checked. Every request a
crawler makes passes :class:`OutboundPolicyMiddleware` on its way to the downloader: start
URLs, followed links, back ends, redirects (Scrapy schedules the redirected request anew) and
robots.txt (fetched through the same chain). It sits before the robots.txt middleware, so a
refused host is not even asked for its robots.txt. The rules, per source:

* only ``http`` and ``https`` (never ``file:``, ``data:``, ``ftp:`` …);
* only the hosts of the source's configured URLs (``start_urls``, ``search_url``,
  ``pages[].url``) and the hosts listed in its ``allowed_hosts``; ``www.`` counts as the same
  host; the port must be the configured one (80 and 443 count as one, for http → https);
* never a loopback, private, link-local or otherwise non-public address (``169.254.169.254``,
  ``10.x``, ``::1`` …) unless one of the source's own configured URLs is such an address, which
  only a test or a mirror on this machine does. Names are checked once resolved as well
  (through Scrapy's resolver and its cache, whose answer the connection then uses), so a
  public-looking name that points into the local network is refused too;
* at most ``max_requests`` requests per source and crawl (retries and robots.txt included).

A refusal is counted in the stats (``fondsradar/refused``) and so fails the source's health
with the URL and the reason; nothing refused ever reaches the network.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError

from crawler.outbound import (
    DEFAULT_MAX_REQUESTS,
    OutboundPolicy,
    configured_urls,
    is_literal,
    is_public,
)

logger = logging.getLogger(__name__)

REFUSED = "fondsradar/refused"  # stats key: list of "URL (reason)"
REFUSED_COUNT = "fondsradar/refused_count"
BUDGET = "fondsradar/budget_exceeded"  # stats key: the budget that was used up
_KEEP = 5  # refusals kept by name in the stats (the count keeps counting)


class PolicyRefused(IgnoreRequest):
    """A request the outbound policy does not allow; the message says why."""


def policy_for(crawler: Crawler) -> OutboundPolicy:
    """The rules for the source this crawler crawls, from its config (or the spider's own
    default addresses when there is none, as for a plain ``scrapy crawl`` without config)."""
    name = getattr(crawler.spidercls, "name", "")
    conf = crawler.settings.getdict("FONDSRADAR_SOURCES").get(name) or {}
    urls = configured_urls(conf) or list(getattr(crawler.spidercls, "default_urls", ()))
    budget = conf.get("max_requests") or crawler.settings.getint(
        "FONDSRADAR_MAX_REQUESTS", DEFAULT_MAX_REQUESTS)
    return OutboundPolicy(urls, conf.get("allowed_hosts") or (), int(budget))


class OutboundPolicyMiddleware:
    """Applies :class:`OutboundPolicy` to every request of one crawler (one source)."""

    def __init__(self, crawler: Crawler, policy: OutboundPolicy) -> None:
        self.crawler = crawler
        self.policy = policy
        # A replay never connects, so there is no address to check (and none may resolve).
        self.resolve = not crawler.settings.get("FONDSRADAR_HAR_REPLAY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutboundPolicyMiddleware:
        return cls(crawler, policy_for(crawler))

    async def process_request(self, request: Request) -> None:
        stats = self.crawler.stats
        reason = self.policy.refusal(request.url)
        if reason is None and self.resolve:
            reason = await self._address_refusal(request)
        if reason is not None:
            stats.inc_value(REFUSED_COUNT)
            seen = list(stats.get_value(REFUSED) or [])
            if len(seen) < _KEEP:
                seen.append(f"{_short(request.url)} ({reason})")
                stats.set_value(REFUSED, seen)
            logger.error("not requesting %s: %s", _short(request.url), reason,
                         extra={"spider": self.crawler.spider})
            raise PolicyRefused(f"outbound policy: {reason}")
        if self.policy.sent >= self.policy.max_requests:
            if not stats.get_value(BUDGET):
                logger.error("%d requests made: the source's budget (max_requests) is used up;"
                             " no more requests", self.policy.max_requests,
                             extra={"spider": self.crawler.spider})
            stats.set_value(BUDGET, self.policy.max_requests)
            stats.inc_value(BUDGET + "_refused")
            raise PolicyRefused("outbound policy: the source's request budget is used up")
        self.policy.sent += 1

    async def _address_refusal(self, request: Request) -> str | None:
        """Resolve the host as the downloader will (Scrapy's resolver and its cache, so the
        connection uses this very answer) and refuse a non-public address. A name that does
        not resolve fails here exactly as it would in the downloader."""
        host = urlsplit(request.url).hostname or ""
        if self.policy.local_ok or is_literal(host):
            return None  # literals were judged by the rules already
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except DNSLookupError as exc:
            raise CannotResolveHostError(str(exc)) from exc
        if not is_public(address):
            return f"{host} points to {address}, an address inside this machine or its network"
        return None


def _short(url: str, limit: int = 120) -> str:
    """A URL fit for a status line: control characters out, long ones cut."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in url)
    return clean if len(clean) <= limit else clean[:limit - 1] + "…"
