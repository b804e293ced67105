"""Is a source healthy after its crawl? Decided from the crawl's stats alone.

A source is failing when its spider raised, when it met HTTP errors or could not connect,
when it yielded nothing, or when its pages no longer had the labels the spider looks for
("layout changed?"). City-Bureau's validation passed on zero items; we do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OK = "ok"
FAILED = "failed"


# Network failures in plain words; "could not be reached" marks the ones an offline machine
# produces (the shell then points to `fondsradar demo`).
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


def count(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


# "Far fewer calls than last time": fewer than this share of the last good crawl's count ...
DROP_RATIO = 0.5
# ... when that crawl had at least this many (small sources vary naturally).
DROP_MIN_PREVIOUS = 6


def assess(
    stats: Mapping[str, Any], reason: str, items: int, previous: int | None = None
) -> tuple[str, str, int]:
    """(status, a plain-words message, number of errors) for one finished crawl.

    ``previous`` is the item count of the source's last good crawl: a sudden drop below half
    of it fails the source, so a half-broken site never quietly empties the digest.
    """
    problems: list[str] = []
    exceptions = count(stats, "spider_exceptions/")
    http_errors = count(stats, "httperror/response_ignored_status_count/")
    net_errors = count(stats, "downloader/exception_type_count/")
    replay_misses = int(stats.get("har/replay_miss", 0))
    layout = stats.get("fondsradar/layout_changed") or []
    if reason not in ("finished", ""):
        problems.append(f"the crawl stopped early ({reason})")
    if exceptions:
        problems.append(f"{exceptions} page(s) could not be read (see the log)")
    if http_errors:
        codes = sorted(k.rsplit("/", 1)[-1] for k in stats
                       if k.startswith("httperror/response_ignored_status_count/"))
        problems.append(f"the site answered with HTTP errors ({', '.join(codes)})")
    if net_errors:
        kinds = sorted({k.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for k in stats
                        if k.startswith("downloader/exception_type_count/")})
        problems.extend(sorted({_NET_WORDS.get(kind, "the site could not be reached")
                                + f" ({kind})" for kind in kinds}))
    if replay_misses:
        problems.append(f"{replay_misses} request(s) were not in the recorded archive")
    offsite = stats.get("fondsradar/offsite_redirect") or []
    if offsite:
        problems.append("redirected to another site: " + ", ".join(offsite[:3]))
    robots = int(stats.get("robotstxt/forbidden", 0))
    if robots:
        problems.append(f"robots.txt asks crawlers not to fetch {robots} page(s)")
    if layout:
        problems.append("layout changed? no expected labels on " + ", ".join(layout[:5]))
    if items == 0:
        problems.append("no calls found")
    elif previous and previous >= DROP_MIN_PREVIOUS and items < previous * DROP_RATIO:
        problems.append(f"far fewer calls than last time ({items}, was {previous}); "
                        "the site may have changed")
    errors = exceptions + http_errors + net_errors + len(layout) + len(offsite) + robots
    if problems:
        return FAILED, "; ".join(problems), max(errors, 1)
    return OK, "", 0
