"""The Poul Due Jensens Fond spider on sample pages written for these tests.

No real HTML of pdjf.dk exists here; tests/sites/pdj holds pages modelled on docs/sources.md §5
and tests/fixtures/pdj/pages_fields.jsonl. The prize's real key lines are checked at the
end through the same calls the spider makes.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request

from crawler.pagewatch import deadline_dates
from crawler.spiders.pdj import PdjSpider
from records.call import CallItem
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

HOST = "https://www.pdjf.dk"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pdj" / "pages_fields.jsonl"


def start(path: str, spider: PdjSpider | None = None) -> list[Any]:
    spider = spider or make_spider(PdjSpider)
    return list(spider.parse_start(page_response("pdj", path, HOST + path)))


def items(out: list[Any]) -> list[CallItem]:
    return [x for x in out if isinstance(x, CallItem)]


def test_listing_is_watched_and_leads_to_articles_and_the_prize() -> None:
    spider = make_spider(PdjSpider)
    out = start("/nyheder/", spider)
    [listing] = items(out)
    assert listing.status == "watch" and listing.title == "Poul Due Jensens Fond: Nyheder"
    assert listing.language == "da" and listing.extra["hash"]
    assert "Ny indsats for naturfag i Midtjylland" in listing.extra["text"]
    assert "Forside" not in listing.extra["text"]  # the menu is furniture
    requests = [x for x in out if isinstance(x, Request)]
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    prizes = [r.url for r in requests if r.callback == spider.parse_prize]
    assert articles == [HOST + "/nyhed/ny-pulje-naturfag-midtjylland/",
                        HOST + "/nyhed/grundfosprisen-2027-nomineringer/",
                        HOST + "/nyhed/partnerskab-naturvidenskabernes-hus/"]
    # the prize pages, from the menu and the footer; news about the prize stays news
    assert prizes == [HOST + "/grundfosprisen/", HOST + "/en/the-grundfos-prize/"]


def test_article_is_a_watch_item_with_its_publication_date() -> None:
    spider = make_spider(PdjSpider)
    path = "/nyhed/ny-pulje-naturfag-midtjylland/"
    [item] = spider.parse_article(page_response("pdj", path, HOST + path))
    assert item.status == "watch" and item.funder == "Poul Due Jensens Fond"
    assert item.title == "Ny indsats for naturfag i Midtjylland"
    assert item.extra["published"] == "2027-01-13"  # "13. Jan. 2027"
    assert item.deadlines == []


@pytest.mark.parametrize(("path", "language"), [("/grundfosprisen/", "da"),
                                                ("/en/the-grundfos-prize/", "en")])
def test_prize_is_a_call_with_its_nomination_deadline(path: str, language: str) -> None:
    [item] = items(start(path))
    assert item.status == "open" and item.extra["kind"] == "prize"
    assert item.deadlines == ["2027-05-01"]  # not the birth date, not the ceremony
    assert item.amount_max == 1_000_000 and item.currency == "DKK"
    assert item.language == language


def test_last_years_prize_page_is_closed() -> None:
    [item] = items(start("/variants/prize-2025/"))
    assert item.status == "closed" and item.deadlines == ["2025-05-01"]


def test_prize_page_without_deadline_is_watched_and_reported(
        caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(PdjSpider)
    with caplog.at_level(logging.WARNING):
        [item] = items(start("/variants/prize-no-deadline/", spider))
    assert item.status == "watch"
    assert layout_changed(spider) == [HOST + "/variants/prize-no-deadline/"]
    assert "no nomination deadline" in caplog.text


def test_listing_without_article_links_is_reported_but_still_watched() -> None:
    spider = make_spider(PdjSpider)
    [listing] = items(start("/variants/news-redesigned/", spider))
    assert listing.status == "watch"
    assert layout_changed(spider) == [HOST + "/variants/news-redesigned/"]


def test_empty_page_yields_nothing_and_is_reported() -> None:
    from scrapy.http import HtmlResponse

    spider = make_spider(PdjSpider)
    empty = HtmlResponse(HOST + "/nyheder/", body=b"", request=Request(HOST + "/nyheder/"))
    assert list(spider.parse_start(empty)) == []
    assert layout_changed(spider) == [HOST + "/nyheder/"]


# ------------------------------------------------------------------------- real crawls
def test_crawl_news_and_prize(tmp_path: Path) -> None:
    with serve("pdj") as site:
        config = write_config(tmp_path, "[sources.pdj]\nstart_urls = "
                              + toml_list([site.url("/nyheder/")]))
        result = crawl(config, "pdj")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = stored(config)
    assert calls["Grundfosprisen"]["status"] == "open"
    assert calls["Grundfosprisen"]["next_deadline"] == "2027-05-01"
    assert calls["Grundfosprisen"]["amount_max"] == 1_000_000
    # the English page is the same prize: one call, the Danish one, naming its translation
    assert "The Grundfos Prize" not in calls
    [english] = calls["Grundfosprisen"]["extra"]["translations"]
    assert english["language"] == "en" and english["url"].endswith("/en/the-grundfos-prize/")
    watches = [c for c in calls.values() if c["status"] == "watch"]
    assert len(watches) == 4  # the listing and its three articles
    assert all(c["extra"]["text"] and c["extra"]["hash"] for c in watches)


@pytest.mark.faults
def test_crawl_empty_page_fails_pdj_while_interreg_completes(tmp_path: Path) -> None:
    with serve("pdj", **{"/": "empty"}) as site, serve("interreg") as other:
        config = write_config(tmp_path, f"""
[sources.pdj]
start_urls = {toml_list([site.url("/nyheder/")])}
[sources.interreg]
pages = [{{ url = "{other.url('/oks/da/om-programmet.html')}" }}]
""")
        result = crawl(config, "pdj", "interreg")
    assert result.returncode == 3, result.stdout + result.stderr
    rows = health(config)
    assert rows["pdj"]["status"] == "failed"
    assert rows["interreg"]["status"] == "ok"


# ----------------------------------------------------------- real strings from fixtures
def test_real_prize_lines_give_deadline_and_amount() -> None:
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    prizes = [r for r in records if "prize nomination" in r["kind"]
              and (r.get("deadline_raw") or "").startswith(("no later", "senest"))]
    assert len(prizes) == 3
    for record in prizes:
        year = int(record["deadline_raw"][-4:])
        spider = make_spider(PdjSpider, today=f"{year}-01-15")
        text = "\n".join(record["key_lines"])
        # the same calls parse_prize makes on the page's text
        assert deadline_dates(text, date(year, 1, 15)) == [f"{year}-05-01"], record["url"]
        amount = spider._parse_amount(text)
        if "1 mio" in text or "1 million" in text:  # the 2022 lines leave the amount out
            assert amount is not None and amount.max == 1_000_000, record["url"]
