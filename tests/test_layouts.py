"""The same calls under several layouts of each source's pages (issue 12: a site redesigned).

Every layout under tests/sites/layouts/ is ours (modelled, each page says so) and was written
after the spiders, by the rule "same facts, different markup and words": the calls, deadlines,
amounts and statuses must come out the same under each. Each site is served on loopback and
crawled through the spider's own callbacks (tests/sites/walk.py).

Layouts, one line each:
- novonordisk/cards: listing cards with the link in an <h3>; facts in a <dl> (Opening date,
  Application deadline, Grant size).
- novonordisk/table: listing as a table; facts in <th>/<td> rows, labels reworded (Opens,
  Closing date, Funding); a Status row says Closed.
- novonordisk/headings: call pages moved to /da/stoette/<slug>/ (links found in <h2> headings);
  Danish labels as <h3> headings over paragraphs (Frist for ansøgning, Støttebeløb).
- novonordisk/structured: no visible labels at all; facts only in schema.org JSON-LD (Event
  start/end date, MonetaryAmount; once inside an @graph).
- novonordisk/oneline: links wrapping card headings; "Label: value" inside paragraphs with new
  labels (Åbningsdato, Sidste frist), the amount labels given as staff synonyms in the config,
  one deadline only in a sentence ("Fristen for ansøgninger er 20. maj 2027").
- villum/sidebar: the labels seen on villumfonden.dk in a sidebar <dl>.
- villum/moved: call pages moved to /en/calls/<slug> (links in <article><h2>); <th>/<td> rows
  with reworded labels (Call status, Total budget, Grant size, Submission deadline "at 2 PM").
- villum/danish: Danish "Label: value" lines (Status: Åben, Samlet pulje, Beløb, Åbner,
  Ansøgningsfrist); the rolling scheme says "Vi har ingen ansøgningsfrister".
- pdj/shared: the news listing and a news item, the same under the three pdj layouts below
  (each of which is only its prize page).
- pdj/prose: the prize's deadline and money only in sentences.
- pdj/facts: a <dl> with Danish labels (Nomineringsfrist, Prisbeløb).
- pdj/structured: the prize's facts only in JSON-LD.
- interreg/prose: a round page with the period in a Danish sentence ("åben fra den 1. marts
  2027, og ansøgningsfristen er den 14. april 2027 kl. 12.00").
- interreg/facts: English labels in a <dl> (Opening date, Closing date).
- interreg/table: <th>/<td> rows (Call opens, Application deadline "at 12:00").
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.spiders.interreg import InterregSpider
from crawler.spiders.novonordisk import NovoNordiskSpider
from crawler.spiders.pdj import PdjSpider
from crawler.spiders.villum_velux import VillumVeluxSpider
from tests.sites.server import SITES, layout_changed, make_spider, serve
from tests.sites.walk import by_title, walk

FIELDS = ("status", "opens", "deadlines", "amount_min", "amount_max", "currency")

NNF = {
    "Science Education Project Grants 2027": {
        "status": "open", "opens": "2027-01-05", "deadlines": ["2027-03-04T14:00:00+01:00"],
        "amount_min": 100_000, "amount_max": 3_000_000, "currency": "DKK"},
    "Teacher Networks in STEM 2027": {
        "status": "forthcoming", "opens": "2027-02-15", "deadlines": ["2027-05-20"],
        "amount_min": None, "amount_max": 500_000, "currency": "DKK"},
    "Outdoor Science Learning 2026": {
        "status": "closed", "opens": "2026-06-01", "deadlines": ["2026-10-01"],
        "amount_min": None, "amount_max": 2_000_000, "currency": "DKK"},
}
VILLUM = {
    "Science in Daycare 2027": {
        "status": "open", "opens": "2026-12-01", "deadlines": ["2027-03-15T14:00:00+01:00"],
        "amount_min": 500_000, "amount_max": 5_000_000, "currency": "DKK",
        "budget_total": 30_000_000, "funder": "VILLUM FONDEN"},
    "Maker Spaces in Schools": {
        "status": "rolling", "opens": None, "deadlines": [], "amount_min": None,
        "amount_max": 250_000, "currency": "DKK", "funder": "VILLUM FONDEN"},
}
PRIZE = {
    "The Grundfos Prize 2027": {
        "status": "open", "opens": None, "deadlines": ["2027-05-01"], "amount_min": None,
        "amount_max": 1_000_000, "currency": "DKK"},
}
# The amount labels of novonordisk/oneline are no built-in words: staff add them in config.toml.
SYNONYMS = {"amount": ["Støtte pr. projekt", "Max. tilsagn"]}


def crawl_layout(source: str, layout: str, spider_cls: type, start: str) -> tuple[Any, dict]:
    """Crawl one layout; pages it has not got of its own come from the source's `shared`
    folder when there is one (the pdj layouts differ only in the prize page)."""
    shared = f"layouts/{source}/shared"
    with serve(f"layouts/{source}/{layout}",
               shared=shared if (SITES / shared).is_dir() else None) as site:
        conf = {"start_urls": [site.url(start)], "labels": SYNONYMS}
        spider = make_spider(spider_cls, {spider_cls.name: conf})
        return spider, by_title(walk(spider))


def check(found: dict[str, Any], expected: dict[str, dict[str, Any]]) -> None:
    for title, facts in expected.items():
        assert title in found, f"{title!r} not found; found {sorted(found)}"
        for field, value in facts.items():
            assert getattr(found[title], field) == value, (title, field)


@pytest.mark.parametrize("layout", ["cards", "table", "headings", "structured", "oneline"])
def test_novonordisk_layouts_give_the_same_calls(layout: str) -> None:
    spider, found = crawl_layout("novonordisk", layout, NovoNordiskSpider, "/en/grant/")
    assert sorted(found) == sorted(NNF)
    check(found, NNF)
    assert layout_changed(spider) == []


@pytest.mark.parametrize("layout", ["sidebar", "moved", "danish"])
def test_villum_layouts_give_the_same_calls(layout: str) -> None:
    spider, found = crawl_layout("villum", layout, VillumVeluxSpider,
                                 "/en/basic-page/current-calls")
    assert sorted(found) == sorted(VILLUM)
    check(found, VILLUM)
    assert layout_changed(spider) == []


@pytest.mark.parametrize("layout", ["prose", "facts", "structured"])
def test_pdj_prize_layouts_give_the_same_call(layout: str) -> None:
    spider, found = crawl_layout("pdj", layout, PdjSpider, "/nyheder/")
    check(found, PRIZE)
    assert {i.status for t, i in found.items() if t not in PRIZE} == {"watch"}  # news
    assert layout_changed(spider) == []


@pytest.mark.parametrize("layout", ["prose", "facts", "table"])
def test_interreg_round_layouts_give_the_same_round(layout: str) -> None:
    with serve("layouts/interreg") as site:
        spider = make_spider(InterregSpider,
                             {"interreg": {"pages": [{"url": site.url(f"/{layout}.html")}]}})
        [item] = walk(spider)
    assert (item.status, item.opens, item.deadlines) == (
        "forthcoming", "2027-03-01", ["2027-04-14T12:00:00+02:00"])
    assert layout_changed(spider) == []


def test_a_deadline_read_from_a_sentence_says_so_in_the_record() -> None:
    _, found = crawl_layout("novonordisk", "oneline", NovoNordiskSpider, "/en/grant/")
    sentence = found["Teacher Networks in STEM 2027"].extra["deadline_sentence"]
    assert sentence.startswith("Fristen for ansøgninger er 20. maj 2027")
    labelled = found["Science Education Project Grants 2027"]
    assert "deadline_sentence" not in labelled.extra  # read by its label ("Sidste frist")
    _, prize = crawl_layout("pdj", "prose", PdjSpider, "/nyheder/")
    assert "no later than 1 May 2027" in prize["The Grundfos Prize 2027"].extra["deadline_sentence"]


def test_without_the_staff_synonym_the_amount_is_not_guessed() -> None:
    """The synonym is what finds "Max. tilsagn: 500.000 kr.": without it no amount label
    matches, and a lone amount without words about grants is not taken for the grant size."""
    with serve("layouts/novonordisk/oneline") as site:
        spider = make_spider(NovoNordiskSpider,
                             {"novonordisk": {"start_urls": [site.url("/en/grant/")]}})
        found = by_title(walk(spider))
    assert found["Teacher Networks in STEM 2027"].amount_max is None
    assert found["Outdoor Science Learning 2026"].amount_max is None
    assert found["Teacher Networks in STEM 2027"].deadlines == ["2027-05-20"]
