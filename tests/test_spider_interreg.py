"""The Interreg page watch on sample pages written for these tests, and on real date strings.

No real HTML of any Interreg page exists here; tests/sites/interreg holds pages modelled on
docs/sources.md §2 and tests/fixtures/interreg/pages_fields.jsonl. The fixture's real
date and status strings, with its hand-derived ``expected`` opens and deadlines, are fed to the
spider's round detection at the end.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.pagewatch import text_hash
from crawler.spiders.interreg import InterregSpider
from records.call import CallItem
from tests.sites.server import (
    crawl,
    health,
    layout_changed,
    make_spider,
    page_response,
    serve,
    stored,
    write_config,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "interreg" / "pages_fields.jsonl"
OKS = "https://interreg-oks.eu"
NORTHSEA = "https://www.interregnorthsea.eu"

# sample page → (host, what a careful reader would record on 2027-01-11)
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "/oks/da/kalender/ansogningsrunde-2027-1.html": (OKS, {
        "status": "open", "opens": "2027-01-11", "deadlines": ["2027-02-12"], "language": "da",
        "programme": "Interreg Öresund-Kattegat-Skagerrak", "title": "Ansøgningsrunde 2027:1"}),
    "/oks/da/kalender/ansogningsrunde-2027-2.html": (OKS, {  # yearless period, year in title
        "status": "forthcoming", "opens": "2027-09-02", "deadlines": ["2027-09-23"]}),
    "/oks/da/om-programmet.html": (OKS, {"status": "watch", "deadlines": [], "opens": None}),
    "/northsea/previous-calls.html": (NORTHSEA, {  # past rounds only: still a watch
        "status": "watch", "deadlines": [], "programme": "Interreg North Sea",
        "language": "en"}),
    "/northsea/calls/call-7.html": (NORTHSEA, {
        "status": "open", "opens": "2026-12-01", "deadlines": ["2027-03-05T17:00:00+01:00"]}),
    "/baltic/news/open-calls-2027.html": ("https://interreg-baltic.eu", {  # two steps
        "status": "open", "opens": "2027-01-08", "deadlines": ["2027-02-09", "2027-04-20"],
        "programme": "Interreg Baltic Sea Region"}),
    "/europe/call-for-projects.html": ("https://interregeurope.eu", {
        "status": "watch", "deadlines": [], "programme": "Interreg Europe"}),
}


def watch(path: str, spider: InterregSpider | None = None, **page: Any) -> list[CallItem]:
    spider = spider or make_spider(InterregSpider)
    host = EXPECTED[path][0] if path in EXPECTED else OKS
    url = host + path
    return list(spider.parse(page_response("interreg", path, url), {"url": url, **page}))


@pytest.mark.parametrize("path", list(EXPECTED))
def test_page_fields(path: str) -> None:
    [item] = watch(path)
    for field, value in EXPECTED[path][1].items():
        assert getattr(item, field) == value, field


@pytest.mark.parametrize("path", list(EXPECTED))
def test_every_item_carries_its_main_text_and_hash(path: str) -> None:
    [item] = watch(path)
    text = item.extra["text"]
    assert text and item.extra["hash"] == text_hash(text)
    assert item.source == "interreg" and item.url == EXPECTED[path][0] + path
    # menus, cookie banners and footers are not the page's text
    for furniture in ("Forside", "Accepter", "cookie", "Sidst opdateret", "Viborg", "Home"):
        assert furniture not in text


def test_furniture_dates_do_not_count() -> None:
    [item] = watch("/oks/da/kalender/ansogningsrunde-2027-1.html")
    seen = " ".join(item.extra["deadlines_seen"])
    assert "2027-01-02" not in seen and "2027-01-05" not in seen  # cookie banner, footer


def test_advice_cut_off_and_teasers_are_not_deadlines() -> None:
    [call7] = watch("/northsea/calls/call-7.html")
    assert not any(d.startswith("2027-02-19") for d in call7.deadlines)
    [baltic] = watch("/baltic/news/open-calls-2027.html")
    assert "2027-06-03" not in baltic.deadlines  # a teaser in the sidebar of the news post


def test_past_rounds_are_kept_in_extra() -> None:
    [item] = watch("/northsea/previous-calls.html")
    assert item.extra["deadlines_seen"][:2] == ["2025-07-22", "2026-06-16"]


def test_configured_programme_name_and_language_win() -> None:
    [item] = watch("/oks/da/om-programmet.html", programme="ØKS (Kattegat-Skagerrak)",
                   language="en", name="ØKS: om programmet")
    assert item.programme == "ØKS (Kattegat-Skagerrak)"
    assert item.language == "en" and item.title == "ØKS: om programmet"


def test_selector_narrows_the_text() -> None:
    [item] = watch("/europe/call-for-projects.html", selector="#call-info")
    assert item.extra["text"].startswith("Call for projects")
    assert "regional and local governments" not in item.extra["text"]


def test_selector_that_matches_nothing_is_a_layout_change() -> None:
    spider = make_spider(InterregSpider)
    assert watch("/europe/call-for-projects.html", spider, selector="#old-box") == []
    assert layout_changed(spider) == ["https://interregeurope.eu/europe/call-for-projects.html"]


def test_the_same_page_gives_the_same_hash_and_a_rewrite_another() -> None:
    [a] = watch("/oks/da/om-programmet.html")
    [b] = watch("/oks/da/om-programmet.html")
    assert a.extra["hash"] == b.extra["hash"]
    spider = make_spider(InterregSpider)
    response = page_response("interreg", "/oks/da/om-programmet.html", OKS + "/x")
    changed = response.replace(body=response.body.replace(b"Sj\xc3\xa6lland", b"Syddanmark"))
    [c] = spider.parse(changed, {"url": OKS + "/x"})
    assert c.extra["hash"] != a.extra["hash"]


# ------------------------------------------------------------------------- real crawls
def _pages_toml(site_base: str, paths: list[str]) -> str:
    return "pages = [" + ", ".join(f'{{ url = "{site_base}{p}" }}' for p in paths) + "]"


def test_crawl_watches_every_configured_page(tmp_path: Path) -> None:
    with serve("interreg") as site:
        config = write_config(tmp_path, "[sources.interreg]\n"
                              + _pages_toml(site.base, list(EXPECTED)))
        result = crawl(config, "interreg")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = stored(config)
    assert len(calls) == len(EXPECTED)
    assert calls["Ansøgningsrunde 2027:1"]["status"] == "open"
    assert calls["Ansøgningsrunde 2027:2"]["status"] == "forthcoming"
    assert calls["Previous calls"]["status"] == "watch"
    assert calls["Previous calls"]["extra"]["hash"]
    assert health(config)["interreg"]["status"] == "ok"


@pytest.mark.faults
def test_crawl_500_fails_interreg_while_watch_completes(tmp_path: Path) -> None:
    path = "/oks/da/kalender/ansogningsrunde-2027-1.html"
    with serve("interreg", **{"/oks/": 500}) as site, serve("watch") as other:
        config = write_config(tmp_path, f"""
[sources.interreg]
{_pages_toml(site.base, [path, "/europe/call-for-projects.html"])}
[sources.watch]
pages = [{{ url = "{other.url('/erasmusplus/skolepartnerskaber.html')}", name = "Erasmus+" }}]
""")
        result = crawl(config, "interreg", "watch")
    assert result.returncode == 3, result.stdout + result.stderr
    rows = health(config)
    assert rows["interreg"]["status"] == "failed" and "500" in rows["interreg"]["message"]
    assert rows["watch"]["status"] == "ok"


# ----------------------------------------------------------- real strings from fixtures
def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _round_cases() -> list[dict[str, Any]]:
    # The EuroAccess record is an aggregator's lone "05.06.2025 23:59" without any deadline
    # word; the parser does not call a lone date in prose a deadline, so it stays a watch.
    return [r for r in _records() if r["expected"]["deadlines"]
            and not r["id"].startswith("euro-access")]


@pytest.mark.parametrize("record", _round_cases(), ids=lambda r: r["id"])
def test_real_date_strings_give_the_expected_round(record: dict[str, Any]) -> None:
    """On the day before the round opened, the real strings announce the expected round."""
    expected = record["expected"]
    first = (expected["opens"] or expected["deadlines"][0])[:10]
    day = date.fromisoformat(first) - timedelta(days=1)
    spider = make_spider(InterregSpider, today=day.isoformat())
    text = "\n".join(record["date_strings"] + record["status_strings"])
    found = spider._parse_round(record["title"], text)
    assert found is not None
    assert found.opens == expected["opens"]
    assert found.deadlines == expected["deadlines"]


def test_real_pages_without_a_round_stay_watches() -> None:
    spider = make_spider(InterregSpider)
    for record in _records():
        if record["expected"]["deadlines"]:
            continue
        text = "\n".join(record["date_strings"] + record["status_strings"])
        assert spider._parse_round(record["title"], text) is None, record["id"]
