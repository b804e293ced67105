"""The Novo Nordisk Fonden spider on sample pages written for these tests.

No real HTML of novonordiskfonden.dk exists here; the pages under tests/sites/novonordisk are
modelled on docs/sources.md §4 and on the label/value lines of
tests/fixtures/novonordisk/call_pages_fields.jsonl, in every markup variant we could think of.
The strings that ARE real (label sets, date and amount forms) are also checked straight from the
fixture file at the end, through the same label reader the spider uses.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.labels import find_labels
from crawler.pagewatch import readable
from crawler.spiders.novonordisk import LABELS, NovoNordiskSpider
from crawler.structured import Facts
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

HOST = "https://novonordiskfonden.dk"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "novonordisk" / "call_pages_fields.jsonl"

# path on the sample site → what a person reading the page would write down
EXPECTED: dict[str, dict[str, Any]] = {
    "/en/grant/project-grants-science-education-2027/": {
        "title": "Project grants for science education in schools – 2027", "language": "en",
        "status": "open", "opens": "2026-12-14", "deadlines": ["2027-03-04T14:00:00+01:00"],
        "amount_min": 100_000, "amount_max": 6_000_000, "currency": "DKK",
        "budget_total": 30_000_000, "programme": "Committee on Science Education"},
    "/en/grant/efteruddannelsespulje-2027-28/": {  # Danish text under /en/, English shell
        "title": "Efteruddannelsespulje 2027/28", "language": "da", "status": "open",
        "opens": "2026-12-01", "deadlines": ["2027-03-10T14:00:00+01:00"],
        "amount_min": None, "amount_max": 150_000, "currency": "DKK",
        "budget_total": 20_000_000},
    "/grant/projektstoette-naturfag-2027/": {  # dl/dd, "Copenhagen time" in April = CEST
        "title": "Projektstøtte til naturfag 2027", "language": "da", "status": "forthcoming",
        "opens": "2027-02-01", "deadlines": ["2027-04-15T14:00:00+02:00"],
        "amount_min": 100_000, "amount_max": 3_000_000, "currency": "DKK",
        "programme": "Komite for Naturvidenskabelig Uddannelse"},
    "/en/prizes/science-teacher-prize-2027/": {  # info meeting and publication date first
        "title": "Science Teacher Prize 2027", "language": "en", "status": "open",
        "opens": None, "deadlines": ["2027-11-19T12:00:00+01:00"], "amount_max": 250_000,
        "budget_total": 500_000},
    "/en/grant/informal-learning-2026/": {  # sibling divs, "Call closed"
        "status": "closed", "opens": "2026-06-18", "deadlines": ["2026-09-03T14:00:00+02:00"],
        "amount_max": 3_000_000},
    "/en/grant/vocational-stem-2027/": {  # a header row of labels; unrelated dates above
        "status": "open", "opens": "2027-01-05", "deadlines": ["2027-04-22T14:00:00+02:00"],
        "amount_min": 2_000_000, "amount_max": 4_000_000},
    "/en/grant/synergy-two-stage-2027/": {  # two stages: every deadline
        "status": "open", "opens": "2026-12-01",
        "deadlines": ["2027-02-08T16:00:00+01:00", "2027-08-22T16:00:00+02:00"],
        "amount_max": 15_000_000},
}


def call_page(path: str) -> HtmlResponse:
    return page_response("novonordisk", path, HOST + path)


def parse_call(path: str, spider: NovoNordiskSpider | None = None) -> list[CallItem]:
    spider = spider or make_spider(NovoNordiskSpider)
    return list(spider.parse_call(call_page(path)))


@pytest.mark.parametrize("path", list(EXPECTED))
def test_call_page_fields(path: str) -> None:
    [item] = parse_call(path)
    for field, value in EXPECTED[path].items():
        assert getattr(item, field) == value, field


@pytest.mark.parametrize("path", list(EXPECTED))
def test_call_page_invariants(path: str) -> None:
    [item] = parse_call(path)
    assert item.source == "novonordisk" and item.funder == "Novo Nordisk Fonden"
    assert item.url == HOST + path
    assert item.status in STATUSES and item.status != "watch"
    assert item.description and "<" not in item.description
    assert "cookie" not in item.description.lower()  # the banner is not the description
    assert all(d[:4].isdigit() and d[4] == "-" for d in item.deadlines)


def test_prize_is_a_call_with_its_nomination_deadline_not_the_info_meeting() -> None:
    [item] = parse_call("/en/prizes/science-teacher-prize-2027/")
    assert item.extra["kind"] == "prize"
    assert "2027-01-07" not in " ".join(item.deadlines)  # the information meeting
    assert "2026-12-02" not in " ".join(item.deadlines)  # the publication date


def test_results_and_recurring_dates_are_kept_as_text() -> None:
    [item] = parse_call("/en/grant/project-grants-science-education-2027/")
    assert item.extra["results"] == "June 2027"
    assert item.extra["recurring"] == "December 2027"


def test_page_without_labels_is_reported_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(NovoNordiskSpider)
    path = "/en/grant/redesigned-call-2027/"
    with caplog.at_level(logging.WARNING):
        assert parse_call(path, spider) == []
    assert layout_changed(spider) == [HOST + path]
    assert "layout changed?" in caplog.text and HOST + path in caplog.text


def test_html_listing_follows_every_call_page_and_nothing_else() -> None:
    spider = make_spider(NovoNordiskSpider)
    requests = list(spider.parse(page_response("novonordisk", "/en/grant/", HOST + "/en/grant/")))
    urls = {r.url for r in requests}
    assert urls == {HOST + p for p in EXPECTED}  # not the menu, not another site's /grant/
    assert all(r.callback == spider.parse_call for r in requests)


def test_javascript_shell_leads_to_the_admin_ajax_tiles() -> None:
    spider = make_spider(NovoNordiskSpider)
    [request] = spider.parse(page_response("novonordisk", "/shell/en/grant/",
                                           HOST + "/shell/en/grant/"))
    assert request.url.startswith(HOST + "/wp/wp-admin/admin-ajax.php?")
    assert "action=content_api" in request.url and "type=grants" in request.url
    assert "page=1" in request.url and "forced_lang=en" in request.url


def test_shell_without_ajax_leads_to_the_rest_route() -> None:
    spider = make_spider(NovoNordiskSpider)
    [request] = spider.parse(page_response("novonordisk", "/rest-shell/en/grant/",
                                           HOST + "/rest-shell/en/grant/"))
    assert request.url.startswith(HOST + "/wp-json/wp/v2/grant?")


def test_admin_ajax_tiles_then_next_page_until_empty() -> None:
    spider = make_spider(NovoNordiskSpider)
    url = HOST + "/wp/wp-admin/admin-ajax.php?action=content_api&type=grants&page=1"
    tiles = page_response("novonordisk", "/wp/wp-admin/admin-ajax.php/page-1.html", url)
    out = list(spider.parse(tiles, page=1))
    calls = [r.url for r in out if r.callback == spider.parse_call]
    assert calls == [HOST + "/en/grant/project-grants-science-education-2027/",
                     HOST + "/en/grant/efteruddannelsespulje-2027-28/"]
    [following] = [r for r in out if r.callback == spider.parse]
    assert "page=2" in following.url
    empty = page_response("novonordisk", "/wp/wp-admin/admin-ajax.php/page-3.html",
                          url.replace("page=1", "page=3"))
    assert list(spider.parse(empty, page=3)) == []
    assert layout_changed(spider) == []  # the end of the tiles is not a layout change


def test_rest_route_json_follows_links_and_link_header() -> None:
    spider = make_spider(NovoNordiskSpider)
    url = HOST + "/wp-json/wp/v2/grant?per_page=50&page=1"
    body = (Path(__file__).parent / "sites/novonordisk/wp-json/wp/v2/grant/page-1.json"
            ).read_bytes().replace(b"{{BASE}}", HOST.encode())
    response = TextResponse(url=url, body=body, encoding="utf-8", request=Request(url),
                            headers={"Link": f'<{HOST}/wp-json/wp/v2/grant?page=2>; rel="next"',
                                     "Content-Type": "application/json"})
    out = list(spider.parse(response, page=1))
    calls = [r.url for r in out if r.callback == spider.parse_call]
    # only the posts' own links, not links inside their content
    assert calls == [HOST + "/en/grant/project-grants-science-education-2027/",
                     HOST + "/en/grant/efteruddannelsespulje-2027-28/"]
    assert [r.url for r in out if r.callback == spider.parse] == [
        HOST + "/wp-json/wp/v2/grant?page=2"]


@pytest.mark.parametrize("body", [b"", bytes(range(256)) * 4, b"<html><body>Maintenance</body></html>"])
def test_unreadable_listing_is_a_layout_change(body: bytes) -> None:
    spider = make_spider(NovoNordiskSpider)
    url = HOST + "/en/grant/"
    response = HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))
    assert list(spider.parse(response)) == []
    assert layout_changed(spider) == [url]


# ------------------------------------------------------------------------- real crawls
def test_crawl_all_three_listing_back_ends(tmp_path: Path) -> None:
    with serve("novonordisk") as site:
        starts = [site.url("/en/grant/"), site.url("/shell/en/grant/"),
                  site.url("/rest-shell/en/grant/")]
        config = write_config(tmp_path, f"[sources.novonordisk]\nstart_urls = {toml_list(starts)}")
        result = crawl(config, "novonordisk")
        assert result.returncode == 0, result.stdout + result.stderr
        requested = set(site.requests)
    calls = stored(config)
    assert len(calls) == len(EXPECTED)  # each call once, however many listings lead to it
    by_url = {c["url"]: c for c in calls.values()}
    for path, expected in EXPECTED.items():
        call = by_url[site.url(path)]
        for field in ("status", "opens", "deadlines", "amount_max", "language"):
            if field in expected:
                assert call[field] == expected[field], (path, field)
    # the tiles were paged to their empty end, the REST route to its X-WP-TotalPages
    assert any("admin-ajax.php" in r and "page=3" in r for r in requested)
    assert any("/wp/v2/grant" in r and "page=2" in r for r in requested)
    assert health(config)["novonordisk"]["status"] == "ok"


def test_crawl_reports_a_changed_layout(tmp_path: Path) -> None:
    with serve("novonordisk") as site:
        config = write_config(tmp_path, "[sources.novonordisk]\nstart_urls = "
                              + toml_list([site.url("/changed/en/grant/")]))
        result = crawl(config, "novonordisk")
    assert result.returncode == 3, result.stdout + result.stderr
    row = health(config)["novonordisk"]
    assert row["status"] == "failed" and "layout changed?" in row["message"]
    assert "redesigned-call-2027" in row["message"]
    # the good page of the same listing is still stored
    assert "Project grants for science education in schools – 2027" in stored(config)


@pytest.mark.faults
def test_crawl_http_500_fails_this_source_and_not_the_other(tmp_path: Path) -> None:
    with serve("novonordisk", **{"/": 500}) as nnf, serve("pdj") as pdj:
        config = write_config(tmp_path, f"""
[sources.novonordisk]
start_urls = {toml_list([nnf.url("/en/grant/")])}
[sources.pdj]
start_urls = {toml_list([pdj.url("/nyheder/")])}
""")
        result = crawl(config, "novonordisk", "pdj")
    assert result.returncode == 3, result.stdout + result.stderr
    rows = health(config)
    assert rows["novonordisk"]["status"] == "failed"
    assert "500" in rows["novonordisk"]["message"]
    assert rows["pdj"]["status"] == "ok" and rows["pdj"]["items"] > 0


# ----------------------------------------------------------- real strings from fixtures
def _fixture_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_real_label_lines_from_the_fixture_are_read_by_their_labels() -> None:
    """The label/value lines of the stored real pages (2018-2024 designs, EN and DA) give the
    stored raw opens and deadline strings back through the spider's own label set."""
    checked = 0
    for record in _fixture_records():
        lines = record.get("header_lines") or []
        if not lines or not record.get("deadline_raw") or record["design"] == "nnf-wp-2021":
            continue
        if "(split over lines)" in record["deadline_raw"] or record["design"].startswith(
                "nnf-drupal") or record["design"] == "nnf-prize-page":
            continue
        labels = find_labels(lines, LABELS)
        assert record["deadline_raw"] in (labels.value("deadline") or ""), record["url"]
        if record.get("opens_raw"):
            assert record["opens_raw"] in (labels.value("opens") or ""), record["url"]
        checked += 1
    assert checked >= 8


def test_real_prize_page_lines_give_the_nomination_deadline() -> None:
    spider = make_spider(NovoNordiskSpider)
    prizes = [r for r in _fixture_records() if r["design"] == "nnf-prize-page"]
    assert prizes
    for record in prizes:
        labels = find_labels(record["header_lines"], LABELS)
        assert labels.has("info") and labels.has("closed"), record["url"]
        assert spider._parse_deadlines(labels, Facts(), "")[0] == ["2024-11-22T12:00:00+01:00"]


def test_readable_rejects_non_text() -> None:
    from scrapy.http import Response

    assert readable(Response("https://x/", body=b"\x89PNG")) is None


def test_a_404_on_a_guessed_next_page_ends_the_listing_quietly() -> None:
    spider = make_spider(NovoNordiskSpider)
    url = "https://novonordiskfonden.dk/wp/wp-admin/admin-ajax.php?action=content_api&page=3"
    request = Request(url, meta={"handle_httpstatus_list": [404], "guessed_page": True})
    response = HtmlResponse(url, status=404, body=b"<h1>Not found</h1>", request=request)
    assert list(spider.parse(response, page=3)) == []
    assert not spider.crawler.stats.get_value("fondsradar/layout_changed")


def test_admin_ajax_next_page_is_guessed_and_may_404() -> None:
    spider = make_spider(NovoNordiskSpider)
    url = "https://novonordiskfonden.dk/wp/wp-admin/admin-ajax.php?action=content_api&page=1"
    body = b'<div class="nnf-grant-list__item single-grant"><a href="/en/grant/x-2027/">X</a></div>'
    response = HtmlResponse(url, body=body, request=Request(url))
    nexts = [r for r in spider.parse(response, page=1)
             if isinstance(r, Request) and "admin-ajax" in r.url]
    assert [r.meta.get("guessed_page") for r in nexts] == [True]
    assert nexts[0].meta["handle_httpstatus_list"] == [404] and "page=2" in nexts[0].url
