"""The shared machinery: labels found by their visible text, a page's main text, the watch
spider, and the ingest step that says what changed on a watched page.

Every HTML snippet here is written for the test; each one is a markup variant a redesign could
plausibly produce (label and value in one element, siblings, table rows, a header row, dt/dd).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.labels import find_labels, prose_amounts
from crawler.pagewatch import main_text, page_language, text_hash
from crawler.spiders.watch import WatchSpider
from crawler.text import visible_lines
from crawler.watch import changes, diff_lines, track
from fondsradar.ingest import Summary, ingest
from records.call import CallItem, stable_id
from records.language import detect_language
from records.store import Store
from tests.sites.server import (
    TODAY,
    crawl,
    layout_changed,
    make_spider,
    page_response,
    serve,
    write_config,
)

LABELS = {
    "opens": ["Call opens", "Kald åbner", "Open for submissions"],
    "deadline": ["Call closes", "Kald lukker", "Deadline for submissions", "Ansøgningsfrist"],
    "amount": ["Amount", "Beløb"],
    "status": ["Status"],
    "committee": ["Komite"],
}
DEADLINE = "2027-03-04T14:00:00+01:00"


# --------------------------------------------------------------------------------- labels
@pytest.mark.parametrize("html", [
    # label and value in one element, with and without a colon
    "<p><strong>Call closes:</strong> 4 March 2027 2:00pm (CET)</p>",
    "<div><span>Call closes</span><span>4 March 2027 2:00pm (CET)</span></div>",
    # sibling elements
    "<div><div>Call closes</div><div>4 March 2027 <span>2:00pm</span> (CET)</div></div>",
    "<dl><dt>Call closes</dt><dd>4 March 2027 2:00pm (CET)</dd></dl>",
    "<table><tr><th>Call closes</th><td>4 March 2027 2:00pm (CET)</td></tr></table>",
    # a header row of labels over a row of values
    "<table><tr><th>Call opens</th><th>Call closes</th></tr>"
    "<tr><td>1 February 2027</td><td>4 March 2027 2:00pm (CET)</td></tr></table>",
    # the time in its own element, a label split over two lines
    "<dl><dt>Application<br>- Deadline for submissions</dt>"
    "<dd><div>4 March 2027</div><div>14:00</div></dd></dl>",
    # a run of labels, then the run of values (NNF's 2020 design)
    "<div>Call opens</div><div>Call closes</div><div>1 February 2027</div>"
    "<div>4 March 2027 2:00pm (CET)</div>",
    # two labels on one line
    "<p>Call opens: 1 February 2027 Call closes: 4 March 2027 2:00pm (CET)</p>",
    # Danish, time written "kl."
    "<p>Kald lukker: 4. marts 2027 kl. 14.00</p>",
    # a date that a script formats: only its datetime attribute is in the page
    "<p>Deadline for submissions: <time datetime='2027-03-04T14:00:00+01:00'></time></p>",
])
def test_deadline_found_in_every_markup_variant(html: str) -> None:
    labels = find_labels(f"<html><body><main>{html}</main></body></html>", LABELS)
    assert labels.dates("deadline") == [DEADLINE]


def test_value_stays_inside_the_box_of_its_label() -> None:
    html = """<div class="facts"><div>Call closes</div><div>4 March 2027 2:00pm (CET)</div></div>
              <p>Information meeting 20 January 2027 kl. 10.30-12.00</p>"""
    assert find_labels(html, LABELS).dates("deadline") == [DEADLINE]


def test_a_heading_label_in_the_article_takes_only_the_next_paragraph() -> None:
    filler = "<p>" + "Lorem ipsum dolor sit amet. " * 60 + "</p>"
    html = f"""<article>{filler}<h3>Ansøgningsfrist</h3>
        <p>Ansøgninger sendes senest 4. marts 2027 kl. 14.00.</p>
        <p>Informationsmøde 20. januar 2027 kl. 10.30-12.00.</p></article>"""
    assert find_labels(html, LABELS).dates("deadline") == [DEADLINE]


def test_value_that_starts_with_a_label_word_is_a_value() -> None:
    html = "<dl><dt>Komite</dt><dd>Komite for Naturvidenskab</dd></dl>"
    assert find_labels(html, LABELS).value("committee") == "Komite for Naturvidenskab"


def test_prose_that_starts_with_a_label_word_is_not_a_label() -> None:
    html = "<p>Amount of funding depends on the size of the project and on how many pupils " \
           "take part; the committee decides case by case after the deadline.</p>"
    assert not find_labels(html, LABELS)


def test_labels_match_across_case_dashes_and_colons() -> None:
    lines = ["STATUS:", "Closed", "– Open for submissions –", "1 February 2027"]
    labels = find_labels(lines, LABELS)
    assert labels.value("status") == "Closed"
    assert labels.dates("opens") == ["2027-02-01"]


def test_visible_lines_break_at_blocks_and_keep_inline_text_together() -> None:
    html = ("<div>Call <b>closes</b><br>4 March</div><script>var x = 'no';</script>"
            "<p>Next<span>line</span></p>")
    assert visible_lines(html) == ["Call closes", "4 March", "Next line"]


def test_prose_amounts_tell_grant_size_from_total() -> None:
    grant, total = prose_amounts("Der er afsat i alt 5 mio. kr. til puljen, og der er mulighed "
                                 "for at søge 0,5 - 1 mio. kr.")
    assert grant is not None and (grant.min, grant.max) == (500_000, 1_000_000)
    assert total == 5_000_000


# ------------------------------------------------------------------------------ main text
PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>T</title></head><body>
<div id="CybotCookiebotDialog"><p>Cookies, updated 2 January 2027</p></div>
<header class="site-header"><nav><a href="/">Home</a></nav><p>Site slogan</p></header>
<main>
  <article><header><p>Published 3 January 2027</p><h1>Ansøgningsrunde 2027:1</h1></header>
  <p>Fra den 11. januar til den 12. februar 2027 kan skoler og kommuner søge om støtte til
  projekter, og vi vil gerne have ansøgninger fra hele regionen.</p>
  <p hidden>Hidden draft text</p><p aria-hidden="true">Icon</p>
  <p style="display: none">Invisible</p>
  <div class="share-links">Share on LinkedIn</div></article>
</main>
<footer><p>Last updated 5 January 2027</p></footer></body></html>"""


def test_main_text_strips_furniture_and_keeps_the_article() -> None:
    text = main_text(PAGE)
    assert text is not None
    assert text.splitlines()[:2] == ["Published 3 January 2027", "Ansøgningsrunde 2027:1"]
    for furniture in ("Cookies", "Home", "Site slogan", "Hidden draft", "Icon", "Invisible",
                      "Share on", "Last updated"):
        assert furniture not in text


def test_main_text_with_a_selector() -> None:
    assert main_text(PAGE, "article h1") == "Ansøgningsrunde 2027:1"
    assert main_text(PAGE, "#nowhere") is None


def test_language_comes_from_the_text_not_the_shell() -> None:
    response = page_response("novonordisk", "/en/grant/efteruddannelsespulje-2027-28/",
                             "https://novonordiskfonden.dk/en/grant/efteruddannelsespulje/")
    assert page_language(response, main_text(response.text) or "") == "da"
    assert detect_language("The call is open for applications from schools and "
                           "municipalities in the region.") == "en"
    assert detect_language("5 March 2027") is None


def test_text_hash_ignores_white_space_only() -> None:
    assert text_hash("a  b\n\nc") == text_hash("a b\nc")
    assert text_hash("a b\nc") != text_hash("a b\nd")


# -------------------------------------------------------------------------- watch spider
def test_watch_spider_makes_one_watch_item_per_page() -> None:
    spider = make_spider(WatchSpider)
    url = "https://erasmusplus.dk/skoler/skolepartnerskaber"
    page = {"url": url, "name": "Erasmus+ skolepartnerskaber", "funder": "UFS"}
    response = page_response("watch", "/erasmusplus/skolepartnerskaber.html", url)
    [item] = spider.parse(response, page)
    assert (item.source, item.status, item.title, item.funder) == (
        "watch", "watch", "Erasmus+ skolepartnerskaber", "UFS")
    assert item.language == "da" and item.url == url
    # the deadline next to "Ansøgningsfrist", not the information meeting before it
    assert item.deadlines == ["2027-03-05T12:00:00+01:00"]
    assert item.extra["hash"] == text_hash(item.extra["text"])
    assert "Vi bruger cookies" not in item.extra["text"]


# ----------------------------------------------------------------------- diff pipeline
def test_diff_lines_lists_added_and_removed_lines_in_page_order() -> None:
    old = "Title\nRound 2026:2 is closed\nContact us"
    new = "Title\nRound 2027:1: from 11 January to 12 February 2027\nContact us\nNew FAQ"
    assert diff_lines(old, new) == {
        "added": ["Round 2027:1: from 11 January to 12 February 2027", "New FAQ"],
        "removed": ["Round 2026:2 is closed"]}


def test_diff_lines_stays_short() -> None:
    out = diff_lines("", "\n".join(f"line {i}" for i in range(20)) + "\n" + "x" * 500)
    assert len(out["added"]) == 5 and out["more_added"] == 16
    short = diff_lines("", "x" * 500)["added"][0]
    assert len(short) <= 200 and short.endswith("…")


def test_changes_first_sight_change_and_no_change() -> None:
    day = date(2027, 1, 11)
    first = changes(None, {"text": "a", "hash": text_hash("a")}, day)
    assert first == {"added": [], "removed": []}
    before = {"text": "a\nb", "hash": text_hash("a\nb"), "changes": first}
    changed = changes(before, {"text": "a\nc", "hash": text_hash("a\nc")}, day)
    assert changed == {"added": ["c"], "removed": ["b"], "on": "2027-01-11"}
    later = {"text": "a\nc", "hash": text_hash("a\nc"), "changes": changed}
    assert changes(later, dict(later), date(2027, 1, 18)) == changed  # kept, not emptied


def _watch_item(text: str) -> CallItem:
    item = CallItem(source="watch", title="Erasmus+", url="https://erasmusplus.dk/x",
                    funder="UFS", status="watch", description=text,
                    extra={"text": text, "hash": text_hash(text)})
    item.id = stable_id(item.source, None, item.url)
    return item


def _ingest(db: Path, item: CallItem) -> dict:
    """The shell's ingest step on a one-line feed; the stored call's extra comes back."""
    store = Store(db)
    try:
        line = json.dumps(asdict(item)).encode()
        ingest(store, None, "watch", [line], Summary("watch", "finished", {}),
               today=date.fromisoformat(TODAY), started_at=TODAY)
        return store.calls.get(item.id, date.fromisoformat(TODAY))["extra"]
    finally:
        store.close()


def test_ingest_compares_with_the_text_stored_last_time(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    first = _ingest(db, _watch_item("Skolepartnerskaber\nFrist: 5. marts 2026"))
    assert first["changes"] == {"added": [], "removed": []}
    second = _ingest(db, _watch_item("Skolepartnerskaber\nFrist: 5. marts 2027"))
    assert second["changes"] == {"added": ["Frist: 5. marts 2027"],
                                 "removed": ["Frist: 5. marts 2026"], "on": TODAY}


def test_tracking_leaves_items_without_page_text_alone() -> None:
    item = CallItem(source="novonordisk", title="T", url="https://x/", funder="F")
    assert track(item, None, date.fromisoformat(TODAY)) is False
    assert item.extra == {}


def test_real_crawls_twice_and_the_second_says_what_changed(tmp_path: Path) -> None:
    """Two `fondsradar crawl watch` runs; the page is rewritten in between, as programme pages
    are."""
    path = "/erasmusplus/skolepartnerskaber.html"
    with serve("watch") as site:
        config = write_config(tmp_path, f"""[sources.watch]
pages = [{{ url = "{site.url(path)}", name = "Erasmus+" }}]
""")
        first = crawl(config, "watch")
        assert first.returncode == 0, first.stdout + first.stderr[-2000:]
        original = (Path(__file__).parent / "sites/watch" / path.lstrip("/")).read_text()
        site.overrides[path] = original.replace("5. marts 2027", "12. marts 2027")
        second = crawl(config, "watch")
        assert second.returncode == 0, second.stdout + second.stderr[-2000:]
    store = Store(tmp_path / "fondsradar.db")
    [call] = store.calls.current(date.fromisoformat(TODAY))
    store.close()
    assert call["deadlines"] == ["2027-03-12T12:00:00+01:00"]
    assert call["extra"]["changes"] == {
        "added": ["Ansøgningsfrist for små partnerskaber (KA210): 12. marts 2027 kl. 12.00."],
        "removed": ["Ansøgningsfrist for små partnerskaber (KA210): 5. marts 2027 kl. 12.00."],
        "on": TODAY}


@pytest.mark.parametrize("body", [b"", b"   \n", bytes(range(256)) * 8])
def test_empty_or_garbage_page_is_reported_not_watched(body: bytes) -> None:
    spider = make_spider(WatchSpider)
    url = "https://example.dk/side"
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
    assert list(spider.parse(response, {"url": url})) == []
    assert layout_changed(spider) == [url]


def test_a_page_wrapped_in_one_form_keeps_its_text() -> None:
    html = ("<html><body><form id='aspnetForm'><div role='search'><input> Søg</div>"
            "<div id='content'><h1>Samarbejdsprojekter</h1><p>Ansøgningsfrist: 5. marts 2027 "
            "kl. 12.00</p></div></form></body></html>")
    assert main_text(html) == "Samarbejdsprojekter\nAnsøgningsfrist: 5. marts 2027 kl. 12.00"
