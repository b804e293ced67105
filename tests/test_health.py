"""When is a source failing? The verdict from a crawl's stats (crawler/health.py)."""

from __future__ import annotations

import pytest

from crawler.health import assess

OK_STATS = {"downloader/request_count": 3, "finish_reason": "finished"}


def test_a_clean_crawl_is_ok() -> None:
    assert assess(OK_STATS, "finished", 7) == ("ok", "", 0)


@pytest.mark.parametrize(("stats", "reason", "items", "words"), [
    ({"spider_exceptions/ValueError": 1}, "finished", 3, "could not be read"),
    ({"httperror/response_ignored_status_count/500": 2}, "finished", 0, "HTTP errors (500)"),
    ({"downloader/exception_type_count/twisted.internet.error.DNSLookupError": 3}, "finished",
     0, "could not be reached: its name was not found (DNSLookupError)"),
    ({}, "finished", 0, "no calls found"),
    ({}, "shutdown", 5, "stopped early (shutdown)"),
    ({"har/replay_miss": 1}, "finished", 5, "not in the recorded archive"),
    ({"fondsradar/layout_changed": ["https://x.dk/a"]}, "finished", 5,
     "layout changed? no expected labels on https://x.dk/a"),
])
def test_failing_crawls_say_why(stats: dict, reason: str, items: int, words: str) -> None:
    status, message, errors = assess(stats, reason, items)
    assert status == "failed" and words in message and errors >= 1


def test_robots_txt_missing_from_a_recording_is_not_a_failure() -> None:
    assert assess({"har/replay_miss_robots": 2}, "finished", 4)[0] == "ok"


def test_far_fewer_calls_than_last_time_fails_the_source() -> None:
    status, message, _ = assess(OK_STATS, "finished", 3, previous=40)
    assert status == "failed" and "far fewer calls than last time (3, was 40)" in message
    assert assess(OK_STATS, "finished", 25, previous=40)[0] == "ok"
    assert assess(OK_STATS, "finished", 1, previous=4)[0] == "ok"  # small sources vary
