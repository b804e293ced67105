"""The ingest step: a feed is hostile input (it may come from another machine), a summary says
how the crawl went, and a crawl without one stores nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from fondsradar.ingest import Summary, ingest, summary_in_log
from records.store import Store

TODAY = date(2027, 1, 11)
OK_SUMMARY = Summary("pdj", "finished", {"downloader/request_count": 3})


def _line(**fields: object) -> bytes:
    record = {"source": "pdj", "title": "Pulje", "url": "https://pdjf.dk/a", "funder": "PDJ",
              **fields}
    return json.dumps(record).encode()


def _ingest(db: Path, lines: list[bytes], summary: Summary | None = OK_SUMMARY):
    store = Store(db)
    try:
        done = ingest(store, None, "pdj", lines, summary, today=TODAY, started_at="x")
        return done, store.calls.current(TODAY, include_all=True)
    finally:
        store.close()


def test_records_are_read_field_by_field_and_bad_ones_are_counted(tmp_path: Path) -> None:
    lines = [
        _line(),
        b"not json at all",
        b"[1, 2]",
        _line(source="erasmus", url="https://x/other"),  # another source's record
        _line(url="https://pdjf.dk/b", id="erasmus:FORGED", amount_max="lots",
              deadlines=["2027-02-01", 5], budget_total=-3, extra=["x"]),
        _line(url="ftp://pdjf.dk/c"),
        _line(url="https://pdjf.dk/d", title=""),
        b"",
    ]
    done, calls = _ingest(tmp_path / "f.db", lines)
    counts = done.counts
    assert counts["dropped/not_json"] == 1 and counts["dropped/not_a_record"] == 1
    assert counts["dropped/other_source"] == 1
    assert counts["dropped/bad_url"] == 1 and counts["dropped/no_title"] == 1
    assert counts["invalid/amount_max"] == 1 and counts["invalid/deadlines"] == 1
    assert counts["invalid/budget_total"] == 1 and counts["invalid/extra"] == 1
    assert done.outcome.status == "ok" and done.outcome.items == 2
    ids = sorted(c["id"] for c in calls)
    assert len(ids) == 2 and all(i.startswith("pdj:") for i in ids)  # the forged id is not used
    [b] = [c for c in calls if c["url"] == "https://pdjf.dk/b"]
    assert b["amount_max"] is None and b["budget_total"] is None and b["deadlines"] == []


def test_an_oversized_record_is_refused(tmp_path: Path) -> None:
    done, calls = _ingest(tmp_path / "f.db", [_line(description="x" * (9 * 1024 * 1024)),
                                              _line(url="https://pdjf.dk/ok")])
    assert done.counts["dropped/too_large"] == 1
    assert [c["url"] for c in calls] == ["https://pdjf.dk/ok"]


def test_without_a_summary_nothing_is_stored_and_the_source_fails(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    _ingest(db, [_line(), _line(url="https://pdjf.dk/b")])
    done, calls = _ingest(db, [_line(title="Half a feed")], summary=None)
    assert done.outcome.status == "failed"
    assert done.outcome.message == "the crawl stopped before this source finished"
    assert sorted(c["title"] for c in calls) == ["Pulje", "Pulje"]
    assert all(c["seen"] for c in calls)


def test_a_failing_crawl_stores_its_calls_but_marks_none_gone(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    _ingest(db, [_line(), _line(url="https://pdjf.dk/b")])
    failing = Summary("pdj", "finished", {"httperror/response_ignored_status_count/500": 1})
    done, calls = _ingest(db, [_line(title="Pulje 2027")], summary=failing)
    assert done.outcome.status == "failed"
    assert "HTTP errors (500)" in done.outcome.message
    assert {c["title"]: c["seen"] for c in calls} == {"Pulje 2027": 1, "Pulje": 1}


def test_the_summary_is_the_last_one_of_its_source_in_the_log() -> None:
    def mark(source: str, reason: str, stats: object) -> str:
        body = json.dumps({"source": source, "reason": reason, "stats": stats})
        return f"2027-01-11 06:30:00 [crawler.summary] INFO: FONDSRADAR-SUMMARY {body}"

    log = "\n".join([
        mark("pdj", "shutdown", {}),
        mark("erasmus", "finished", {}),
        "FONDSRADAR-SUMMARY {not json",
        mark("pdj", "finished", {"downloader/request_count": 7, "robotstxt/forbidden": "many",
                                 "fondsradar/layout_changed": ["https://x/"], "x": {"a": 1}}),
        "2027-01-11 06:30:01 [scrapy.core.engine] INFO: Spider closed (finished)",
    ])
    summary = summary_in_log(log, "pdj")
    assert summary is not None and summary.reason == "finished"
    # A number where a number belongs; text where the verdict would count is dropped.
    assert summary.stats == {"downloader/request_count": 7,
                             "fondsradar/layout_changed": ["https://x/"]}
    assert summary_in_log(log, "novonordisk") is None
    assert summary_in_log("no summary here", "pdj") is None
