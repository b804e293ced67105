"""The Erasmus+ spider on the real SEDIA responses in tests/fixtures/erasmus.

Parsing tests build Scrapy responses from the fixture files and call the spider directly (a
parse callback is a plain function of a response); the end-to-end tests (test_job_erasmus.py)
replay them through a HAR and a real loopback server. Each quirk of docs/sources.md §1 has a
test named after it.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import date
from typing import Any

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.pipelines import Dedupe, Drop, normalise, validate
from crawler.spiders.erasmus import (
    ErasmusSpider,
    epoch_ms,
    flatten_metadata,
    local_time,
    sedia_date,
)
from records.call import CallItem
from tests.support.sedia import FETCHED, PAGES, erasmus_topics, page

SEARCH = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"


def make_spider(today: str = FETCHED, page_size: int = 100,
                programmes: tuple[str, ...] = ("43353764",)) -> ErasmusSpider:
    crawler = get_crawler(ErasmusSpider, {
        "FONDSRADAR_TODAY": today,
        "FONDSRADAR_SOURCES": {"erasmus": {"search_url": SEARCH, "programmes": list(programmes),
                                           "page_size": page_size, "max_pages": 50}},
    })
    spider = ErasmusSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()
    spider._first = asyncio.run(_collect(spider.start()))  # type: ignore[attr-defined]
    return spider


async def _collect(gen: Any) -> list[Any]:
    return [x async for x in gen]


def parse_page(spider: ErasmusSpider, name: str, status_id: str = "31094502",
               number: int = 1) -> tuple[list[CallItem], list[Request]]:
    request = Request(f"{SEARCH}?pageNumber={number}", method="POST")
    response = TextResponse(request.url, body=page(name), encoding="utf-8", request=request)
    out = list(spider.parse(response, status_id=status_id, page=number))
    return ([o for o in out if isinstance(o, CallItem)],
            [o for o in out if isinstance(o, Request)])


def by_id(items: list[CallItem]) -> dict[str, CallItem]:
    return {i.source_id: i for i in items if i.source_id}


P01, P07, P14, P19 = PAGES["31094502"][0], PAGES["31094501"][0], PAGES["31094502"][1], \
    PAGES["31094502"][2]


# ---------------------------------------------------------------------------- requests
def test_first_requests_are_one_multipart_post_per_status() -> None:
    spider = make_spider()
    requests = spider._first  # type: ignore[attr-defined]
    assert len(requests) == 2
    from crawler.multipart import parse_multipart

    statuses = []
    for req in requests:
        assert req.method == "POST"
        assert "apiKey=SEDIA" in req.url and "pageNumber=1" in req.url
        parts = {n: (t, json.loads(c)) for n, t, c in parse_multipart(
            req.body, req.headers["Content-Type"].decode())}
        assert set(parts) == {"query", "languages", "sort"}
        assert all(t == "application/json" for t, _ in parts.values())
        assert parts["languages"][1] == ["en"]
        must = parts["query"][1]["bool"]["must"]
        assert {"terms": {"frameworkProgramme": ["43353764"]}} in must
        statuses += [m["term"]["status"] for m in must if "term" in m]
    assert sorted(statuses) == ["31094501", "31094502"]


def test_request_body_is_deterministic() -> None:
    assert make_spider()._first[0].body == make_spider()._first[0].body  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ fields
def test_new_style_open_topic_fields() -> None:
    items, _ = parse_page(make_spider(), P01)
    cove = by_id(items)["ERASMUS-EDU-2026-PEX-COVE"]
    assert cove.title == "Centres of Vocational Excellence"
    assert cove.funder == "European Commission" and cove.programme == "Erasmus+"
    assert cove.url.endswith("/portal/screen/opportunities/topic-details/ERASMUS-EDU-2026-PEX-COVE")
    assert cove.status == "open"
    assert cove.opens == "2025-12-04"
    assert cove.deadlines == ["2026-09-03"]
    assert cove.budget_total == 68_000_000 and cove.amount_max == 68_000_000
    assert cove.currency == "EUR"
    assert "Centres of Vocational Excellence (CoVE) aim to be a driving force" in cove.description
    assert "<" not in cove.description and "&amp;" not in cove.description
    assert "VET" in cove.keywords and "ERASMUS-EDU-2026-PEX-COVE" not in cove.keywords
    assert cove.extra["record_style"] == "new"
    assert cove.extra["latest_info"]["changed"] == "2025-12-04T00:01:00+01:00"
    assert cove.extra["submission"][0]["opens"] == "2025-12-04T00:00:00+00:00"


def test_only_configured_programmes_are_kept() -> None:
    spider = make_spider()
    items, _ = parse_page(spider, P01)
    assert [i.source_id for i in items] == ["ERASMUS-EDU-2026-PEX-COVE"]
    assert spider.crawler.stats.get_value("erasmus/other_programme") == 99


def test_forthcoming_topics_with_a_shared_budget_overview() -> None:
    items, requests = parse_page(make_spider(), P07, status_id="31094501")
    assert len(items) == 5 and not requests  # 38 results: a short page ends the paging
    for item in items:
        assert item.status == "forthcoming"
        assert item.opens == "2026-06-30" and item.deadlines == ["2026-09-17"]
        # The five awards share one budgetOverview: each gets its own action's 25,000 only.
        assert item.budget_total == 25_000


# ------------------------------------------------------------------------------ quirks
def test_quirk1_stale_status_is_decided_by_the_deadlines() -> None:
    raw = erasmus_topics([P19])
    assert all(r[0]["metadata"]["status"] == ["31094502"] for r in raw.values())  # "open"
    spider = make_spider()
    items, _ = parse_page(spider, P19)
    assert items == []
    assert spider.crawler.stats.get_value("erasmus/closed_dropped") == 2


def test_quirk1_a_topic_closes_once_its_last_deadline_passed() -> None:
    items, _ = parse_page(make_spider(today="2026-09-04"), P01)
    assert items == []
    items, _ = parse_page(make_spider(today="2026-09-03"), P01)
    assert [i.status for i in items] == ["open"]  # the deadline day itself still counts


def test_quirk2_every_deadline_of_a_multiple_cut_off_topic_is_kept() -> None:
    items, _ = parse_page(make_spider(), P14)
    eche = by_id(items)["ERASMUS-EDU-2022-ECHE-CERT-FP"]
    assert eche.extra["deadline_model"] == "multiple cut-off"
    assert eche.deadlines == [f"{y}T17:00:00+00:00" for y in (
        "2022-05-03", "2023-01-26", "2024-01-25", "2025-01-28", "2026-01-27", "2027-01-26")]
    assert eche.status == "open"  # its 2027 cut-off is still ahead


def test_quirk3_legacy_record_points_people_at_the_portal_not_the_json() -> None:
    items, _ = parse_page(make_spider(), P14)
    eche = by_id(items)["ERASMUS-EDU-2022-ECHE-CERT-FP"]
    assert eche.extra["record_style"] == "legacy"
    assert eche.url.endswith("/topic-details/ERASMUS-EDU-2022-ECHE-CERT-FP")
    assert "Erasmus Charter" in eche.keywords  # decoded from a JSON string in the array


def _legacy_copy(result: dict[str, Any]) -> dict[str, Any]:
    """The legacy generation of a real new-style record, as SEDIA keeps it beside it."""
    legacy = copy.deepcopy(result)
    meta = legacy["metadata"]
    for key in ("descriptionByte", "actions", "budgetOverview", "links", "latestInfos", "tags"):
        meta.pop(key, None)
    ident = meta["identifier"][0]
    json_url = f"https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/{ident}.json"
    meta["url"] = meta["esST_URL"] = [json_url]
    meta["deadlineDate"] = [d.replace("T00:00:00", "T17:00:00") for d in meta["deadlineDate"]]
    legacy["reference"] = f"{ident}legacy"
    return legacy


@pytest.mark.parametrize("legacy_first", [True, False])
def test_quirk3_two_generations_are_deduped_keeping_the_richer(legacy_first: bool) -> None:
    new = erasmus_topics([P01])["ERASMUS-EDU-2026-PEX-COVE"][0]
    results = [_legacy_copy(new), new] if legacy_first else [new, _legacy_copy(new)]
    body = json.dumps({"totalResults": 2, "results": results}).encode()
    spider = make_spider()
    request = Request(SEARCH, method="POST")
    response = TextResponse(SEARCH, body=body, encoding="utf-8", request=request)
    items = [i for i in spider.parse(response, status_id="31094502", page=1)
             if isinstance(i, CallItem)]
    assert len(items) == 2  # both generations come out of the spider under one id ...
    counts: list[str] = []
    dedupe = Dedupe(counts.append)
    for item in items:
        try:
            dedupe.add(validate(normalise(item), counts.append))
        except Drop:
            pass
    kept = dedupe.items()
    assert counts.count("dedupe/replaced") + counts.count("dedupe/dropped") == 1
    assert {i.id for i in kept} == {"erasmus:ERASMUS-EDU-2026-PEX-COVE"}
    # ... and what reaches the store last is the new style, with description and budget.
    assert kept[-1].extra["record_style"] == "new" and kept[-1].description
    assert kept[-1].deadlines == ["2026-09-03"]


def test_quirk4_a_full_page_asks_for_the_next_one() -> None:
    _, requests = parse_page(make_spider(), P01)  # 100 results
    assert len(requests) == 1 and "pageNumber=2" in requests[0].url
    assert requests[0].cb_kwargs == {"status_id": "31094502", "page": 2}


def test_quirk4_a_short_page_ends_the_paging() -> None:
    _, requests = parse_page(make_spider(), P19)  # 12 results
    assert requests == []


def test_quirk4_a_full_page_with_nothing_new_ends_the_paging() -> None:
    spider = make_spider()
    parse_page(spider, P01)
    _, requests = parse_page(spider, P01, number=2)  # the same page again: paging went round
    assert requests == []


def test_quirk4_paging_stops_at_max_pages() -> None:
    spider = make_spider()
    spider.max_pages = 1
    _, requests = parse_page(spider, P01)
    assert requests == []


def test_quirk4_total_results_jumps_and_is_never_trusted() -> None:
    # The API's own totalResults, same query: 632, then 638, then 1812 the next day.
    totals = [json.loads(page(n))["totalResults"] for n in (P01, P07, P14)]
    assert totals[0] < 1000 and totals[1] < 1000 < totals[2]
    # The spider pages by page length only: page 14 of a "1812" total still pages on.
    _, requests = parse_page(make_spider(), P14, number=14)
    assert [r.cb_kwargs["page"] for r in requests] == [15]


def test_quirk5_date_formats() -> None:
    assert sedia_date("2026-09-03T00:00:00.000+0000") == "2026-09-03"
    assert sedia_date("2027-01-26T17:00:00.000+0000") == "2027-01-26T17:00:00+00:00"
    assert sedia_date("2026-09-03") == "2026-09-03"
    assert epoch_ms("1788393600000") == "2026-09-03T00:00:00+00:00"
    assert epoch_ms("not a number") is None
    assert local_time("2025-12-04T00:01:00.320") == "2025-12-04T00:01:00+01:00"
    assert local_time("2026-07-01T10:00:00") == "2026-07-01T10:00:00+02:00"  # summer time


# ------------------------------------------------------------------------- flattening
def test_metadata_is_flattened_and_json_strings_decoded() -> None:
    result = erasmus_topics([P01])["ERASMUS-EDU-2026-PEX-COVE"][0]
    meta = flatten_metadata(result["metadata"])
    assert meta["identifier"] == "ERASMUS-EDU-2026-PEX-COVE"  # a scalar, not ["..."]
    assert isinstance(meta["deadlineDate"], list)
    assert meta["actions"][0]["deadlineDates"] == ["2026-09-03"]
    assert meta["budgetOverview"]["budgetYearsColumns"] == ["2026"]
    assert meta["links"][0]["endDate"] == "1788393600000"
    assert isinstance(meta["latestInfos"], list)


@pytest.mark.parametrize("name", [n for names in PAGES.values() for n in names])
def test_invariants_on_every_erasmus_item(name: str) -> None:
    items, _ = parse_page(make_spider(), name)
    for item in items:
        assert item.source == "erasmus" and item.source_id and item.title
        assert item.url.startswith("https://ec.europa.eu/") and not item.url.endswith(".json")
        assert item.status in ("open", "forthcoming")
        assert item.deadlines and item.deadlines == sorted(item.deadlines)
        assert all(d >= "2026-06-27" for d in item.deadlines[-1:])
        assert "<" not in item.description


def test_garbage_answer_raises_a_clear_error() -> None:
    spider = make_spider()
    request = Request(SEARCH, method="POST")
    response = TextResponse(SEARCH, body=b'{"type":"throwable"}', encoding="utf-8",
                            request=request)
    with pytest.raises(ValueError, match="did not answer with search results"):
        list(spider.parse(response, status_id="31094502", page=1))


def test_today_comes_from_settings() -> None:
    assert make_spider("2030-01-01").today == date(2030, 1, 1)
