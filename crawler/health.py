"""Is a source healthy after its crawl? Decided from the crawl's stats alone.

A source is failing when its spider raised, when it met HTTP errors or could not connect,
when it yielded nothing, or when its pages no longer had the labels the spider looks for
("layout changed?"). City-Bureau's validation passed on zero items; we do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from records.health import Cause

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


def count(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


# "Far fewer calls than last time": fewer than this share of the last good crawl's count ...
DROP_RATIO = 0.5
# ... when that crawl had at least this many (small sources vary naturally).
DROP_MIN_PREVIOUS = 6


def assess(
    stats: Mapping[str, Any], reason: str, items: int, previous: int | None = None
) -> Verdict:
    """The verdict on one finished crawl: status, a plain-words message, the number of errors
    and the main cause (the first that applies of network, HTTP, refusals, layout, drop).

    ``previous`` is the item count of the source's last good crawl: a sudden drop below half
    of it fails the source, so a half-broken site never quietly empties the digest.
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
    if layout:
        problems.append("layout changed? no expected labels on " + ", ".join(layout[:5]))
        causes.append(Cause.LAYOUT)
    if items == 0:
        problems.append("no calls found")
        causes.append(Cause.LAYOUT)
    elif previous and previous >= DROP_MIN_PREVIOUS and items < previous * DROP_RATIO:
        problems.append(f"far fewer calls than last time ({items}, was {previous}); "
                        "the site may have changed")
        causes.append(Cause.DROP)
    errors = (exceptions + http_errors + net_errors + len(layout) + len(offsite) + robots
              + refused_count + len(too_large) + (1 if budget else 0))
    # A value dropped as impossible is worth a word, not a failure: the call itself is kept.
    dropped = stats.get(DROPPED_VALUES) or []
    notes = [f"{int(stats.get(DROPPED_VALUES + '_count', len(dropped)))} impossible value(s) "
             "dropped: " + "; ".join(dropped[:3])] if dropped else []
    if problems:
        return Verdict(FAILED, "; ".join(problems + notes), max(errors, 1),
                       min(causes, key=_RANK.index))
    return Verdict(OK, "; ".join(notes))


# Which cause explains a failure best when there are several: a machine without network also
# finds no calls, and that is not a layout change.
_RANK = [Cause.OFFLINE, Cause.UNREACHABLE, Cause.HTTP, Cause.REFUSED, Cause.LAYOUT, Cause.DROP,
         Cause.ERROR]
