"""When is a source failing? The verdict from a crawl's stats (crawler/health.py)."""

from __future__ import annotations

import pytest

from crawler.health import Verdict, assess
from records.health import Cause

OK_STATS = {"downloader/request_count": 3, "finish_reason": "finished"}


def test_a_clean_crawl_is_ok() -> None:
    assert assess(OK_STATS, "finished", 7) == Verdict("ok", "", 0, Cause.NONE)


@pytest.mark.parametrize(("stats", "reason", "items", "words", "cause"), [
    ({"spider_exceptions/ValueError": 1}, "finished", 3, "could not be read", Cause.ERROR),
    ({"httperror/response_ignored_status_count/500": 2}, "finished", 0, "HTTP errors (500)",
     Cause.HTTP),
    ({"downloader/exception_type_count/twisted.internet.error.DNSLookupError": 3}, "finished",
     0, "could not be reached: its name was not found (DNSLookupError)", Cause.OFFLINE),
    ({"downloader/exception_type_count/twisted.internet.error.DNSLookupError": 1,
      "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError": 1}, "finished",
     0, "did not answer in time", Cause.UNREACHABLE),
    ({}, "finished", 0, "no calls found", Cause.LAYOUT),
    ({}, "shutdown", 5, "stopped early (shutdown)", Cause.ERROR),
    ({"har/replay_miss": 1}, "finished", 5, "not in the recorded archive", Cause.ERROR),
    ({"fondsradar/layout_changed": ["https://x.dk/a"]}, "finished", 5,
     "layout changed? no expected labels on https://x.dk/a", Cause.LAYOUT),
    ({"robotstxt/forbidden": 2}, "finished", 0, "robots.txt", Cause.REFUSED),
])
def test_failing_crawls_say_why(stats: dict, reason: str, items: int, words: str,
                                cause: Cause) -> None:
    verdict = assess(stats, reason, items)
    assert verdict.status == "failed" and words in verdict.message and verdict.errors >= 1
    assert verdict.cause == cause


def test_an_offline_crawl_is_offline_not_a_layout_change() -> None:
    """Offline, a source also finds no calls: the cause is the network, not the layout."""
    stats = {"downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError": 2}
    assert assess(stats, "finished", 0).cause == Cause.OFFLINE


def test_robots_txt_missing_from_a_recording_is_not_a_failure() -> None:
    assert assess({"har/replay_miss_robots": 2}, "finished", 4).status == "ok"


def test_far_fewer_calls_than_last_time_fails_the_source() -> None:
    verdict = assess(OK_STATS, "finished", 3, previous=40)
    assert verdict.status == "failed" and verdict.cause == Cause.DROP
    assert "far fewer calls than last time (3, was 40)" in verdict.message
    assert assess(OK_STATS, "finished", 25, previous=40).status == "ok"
    assert assess(OK_STATS, "finished", 1, previous=4).status == "ok"  # small sources vary
