"""The VILLUM FONDEN / VELUX FONDEN spider on sample pages written for these tests.

No real HTML of villumfonden.dk or veluxfonden.dk exists here; the pages under tests/sites/villum
and tests/sites/velux are modelled on docs/sources.md §3 and on the sidebar and prose lines
of tests/fixtures/velux/call_pages_fields.jsonl. The real lines themselves are checked at
the end through the spider's own label set and parser calls.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from crawler.labels import find_labels, iso
from crawler.pagewatch import deadline_dates
from crawler.parsing import is_rolling, parse_date
from crawler.spiders.villum_velux import LABELS, VillumVeluxSpider
from records.call import STATUSES, CallItem
from tests.sites.server import (
    crawl,
    health,
    layout_changed,
    make_spider,
    page_response,
    serve,
    stored,
    toml_list,
    write_config,
)

VILLUM = "https://villumfonden.dk"
VELUX = "https://veluxfonden.dk"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "velux" / "call_pages_fields.jsonl"

EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    ("villum", "/en/group/channel/science-in-schools-2027"): {  # dl sidebar, time apart
        "title": "Science in schools 2027", "funder": "VILLUM FONDEN", "language": "en",
        "status": "open", "opens": "2027-01-04", "deadlines": ["2027-03-12T14:00:00+01:00"],
        "amount_min": 500_000, "amount_max": 5_000_000, "currency": "DKK",
        "budget_total": 30_000_000},
    ("villum", "/da/group/channel/boern-unge-og-science-fritid-2027"): {  # Danish table
        "title": "Science i fritiden 2027", "language": "da", "status": "open",
        "opens": "2027-01-02", "deadlines": ["2027-03-01T12:00:00+01:00"],
        "amount_min": None, "amount_max": 500_000, "budget_total": 25_000_000},
    ("villum", "/en/group/channel/nature-technology-premises"): {  # sibling divs, closed
        "status": "closed", "opens": "2026-01-08", "deadlines": ["2026-04-11T14:00:00+02:00"],
        "amount_min": 500_000, "amount_max": 5_000_000, "budget_total": 30_000_000},
    ("villum", "/en/group/channel/villum-experiment-2027"): {  # prose, unrelated dates first
        "status": "open", "opens": None, "deadlines": ["2027-03-10T14:00:00+01:00"],
        "amount_max": 2_000_000, "budget_total": 100_000_000},
    ("velux", "/en/group/channel/core-groups-2027"): {  # "Label: value" in one element
        "funder": "VELUX FONDEN", "status": "open", "opens": "2027-01-04",
        "deadlines": ["2027-04-14T13:00:00+02:00"], "budget_total": 40_000_000},
    ("velux", "/da/group/channel/aktive-aeldre"): {  # no deadline at all
        "funder": "VELUX FONDEN", "language": "da", "status": "rolling", "deadlines": []},
    ("velux", "/da/group/channel/et-sundt-hav-2027"): {  # /da/ URL, English text
        "language": "en", "status": "open", "deadlines": ["2027-02-25T09:00:00+01:00"],
        "amount_min": 1_000_000, "amount_max": 8_000_000},
}


def parse_call(site: str, path: str, spider: VillumVeluxSpider | None = None) -> list[CallItem]:
    spider = spider or make_spider(VillumVeluxSpider)
    host = VILLUM if site == "villum" else VELUX
    return list(spider.parse_call(page_response(site, path, host + path)))


@pytest.mark.parametrize(("site", "path"), list(EXPECTED))
def test_call_page_fields(site: str, path: str) -> None:
    [item] = parse_call(site, path)
    for field, value in EXPECTED[(site, path)].items():
        assert getattr(item, field) == value, field


@pytest.mark.parametrize(("site", "path"), list(EXPECTED))
def test_call_page_invariants(site: str, path: str) -> None:
    [item] = parse_call(site, path)
    assert item.source == "villum_velux"
    assert item.funder == ("VILLUM FONDEN" if site == "villum" else "VELUX FONDEN")
    assert item.status in STATUSES and item.status != "watch"
    assert item.title and item.description and "<" not in item.description


def test_information_meetings_and_publication_date_are_not_deadlines() -> None:
    [sidebar] = parse_call("villum", "/en/group/channel/science-in-schools-2027")
    [prose] = parse_call("villum", "/en/group/channel/villum-experiment-2027")
    for item in (sidebar, prose):
        assert not any(d.startswith(("2027-01-19", "2027-01-20", "2027-01-26", "2027-01-04"))
                       for d in item.deadlines)


def test_funder_comes_from_the_page_on_a_mirror() -> None:
    spider = make_spider(VillumVeluxSpider)
    mirror = "http://127.0.0.1:8099"
    path = "/en/group/channel/core-groups-2027"
    [item] = spider.parse_call(page_response("velux", path, mirror + path))
    assert item.funder == "VELUX FONDEN"


def test_page_without_labels_or_deadline_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(VillumVeluxSpider)
    path = "/en/group/channel/redesigned-call"
    with caplog.at_level(logging.WARNING):
        assert parse_call("villum", path, spider) == []
    assert layout_changed(spider) == [VILLUM + path]
    assert "layout changed?" in caplog.text


def test_listing_follows_call_pages_and_its_next_page() -> None:
    spider = make_spider(VillumVeluxSpider)
    url = VILLUM + "/en/basic-page/current-calls"
    out = list(spider.parse(page_response("villum", "/en/basic-page/current-calls", url)))
    calls = [r.url for r in out if r.callback == spider.parse_call]
    assert calls == [VILLUM + "/en/group/channel/science-in-schools-2027",
                     VILLUM + "/da/group/channel/boern-unge-og-science-fritid-2027",
                     VILLUM + "/en/group/channel/nature-technology-premises"]
    [following] = [r for r in out if r.callback == spider.parse]
    assert following.url == url + "?page=1"
    assert all(r.cb_kwargs.get("funder") == "VILLUM FONDEN" for r in out
               if r.callback == spider.parse_call)


def test_listing_without_call_links_is_a_layout_change() -> None:
    spider = make_spider(VillumVeluxSpider)
    url = VILLUM + "/en/basic-page/current-calls"
    page = page_response("villum", "/en/group/channel/redesigned-call", url)
    assert list(spider.parse(page)) == []
    assert layout_changed(spider) == [url]


# ------------------------------------------------------------------------- real crawls
def test_crawl_both_foundations(tmp_path: Path) -> None:
    with serve("villum") as villum, serve("velux") as velux:
        starts = [villum.url("/en/basic-page/current-calls"),
                  velux.url("/en/basic-page/current-calls")]
        config = write_config(tmp_path,
                              f"[sources.villum_velux]\nstart_urls = {toml_list(starts)}")
        result = crawl(config, "villum_velux")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = stored(config)
    assert len(calls) == len(EXPECTED)  # page 2 of the Villum listing included
    assert calls["Villum Experiment 2027"]["funder"] == "VILLUM FONDEN"
    assert calls["Core groups 2027"]["funder"] == "VELUX FONDEN"
    assert calls["Aktive ældre"]["status"] == "rolling"
    assert calls["Science in schools 2027"]["next_deadline"] == "2027-03-12T14:00:00+01:00"
    assert health(config)["villum_velux"]["status"] == "ok"


@pytest.mark.faults
def test_crawl_garbage_fails_this_source_and_not_the_other(tmp_path: Path) -> None:
    with serve("villum", **{"/": "garbage"}) as villum, serve("pdj") as pdj:
        config = write_config(tmp_path, f"""
[sources.villum_velux]
start_urls = {toml_list([villum.url("/en/basic-page/current-calls")])}
[sources.pdj]
start_urls = {toml_list([pdj.url("/nyheder/")])}
""")
        result = crawl(config, "villum_velux", "pdj")
    assert result.returncode == 3, result.stdout + result.stderr
    rows = health(config)
    assert rows["villum_velux"]["status"] == "failed"
    assert "layout changed?" in rows["villum_velux"]["message"]
    assert rows["pdj"]["status"] == "ok"


# ----------------------------------------------------------- real strings from fixtures
def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_real_sidebar_lines_are_read_by_their_labels() -> None:
    [record] = [r for r in _records() if r.get("sidebar_lines")]
    labels = find_labels(record["sidebar_lines"], LABELS)
    assert labels.value("status") == "Closed"
    assert labels.value("budget") == "DKK 30m"
    assert labels.value("amount") == "DKK 500,000 - DKK 5.0m"
    assert labels.has("opens") and labels.has("deadline")
    assert "14:00" in (labels.value("deadline") or "")


def test_real_prose_deadlines_are_found_and_rolling_is_recognised() -> None:
    from datetime import date

    today = date(2027, 1, 11)
    found = 0
    for record in _records():
        raw = record.get("deadline_raw") or ""
        lines = record.get("key_lines") or []
        if raw.startswith("(rolling"):
            assert any(is_rolling(line) for line in lines), record["url"]
            continue
        if not raw or "/" in raw or "absent" in raw:
            continue
        text = "\n".join(lines)
        expected = parse_date(raw, today=today)
        assert expected is not None, raw
        # the raw deadline string of the record, not another date of the page's lines
        assert iso(expected) in deadline_dates(text, today), record["url"]
        found += 1
    assert found >= 8
