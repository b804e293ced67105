"""Poul Due Jensens Fond (the Grundfos Foundation), pdjf.dk: news watched, the prize as a call.

The foundation has no open calls: "Fonden opsøger som udgangspunkt selv partnere"
(docs/sources.md §5). What is worth seeing each week is its news (new programmes for
science education and inclusion in Region Midtjylland are announced there) and the Grundfos
Prize, for which Danish universities nominate candidates "no later than 1 May 2025" (DKK 1
million). So, from each start URL:

- a news listing becomes a ``watch`` item itself (new headlines show up as changes), and its
  newest articles (``/nyhed/<slug>/``, ``/en/article/<slug>/``) become ``watch`` items too;
- a link to the Grundfos Prize page, wherever it is (menu, teaser), is followed, and the prize
  page becomes a call with its nomination deadline, opening and amount;
- any other page given as a start URL is watched like the listing.

Watch items carry their text and hash in ``extra`` (:mod:`crawler.pagewatch`), so the diff
pipeline can say what changed. Dates on Danish pages use English month abbreviations
("13. Mar. 2024"); :mod:`crawler.parsing` reads them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.labels import find_labels, report_layout_changed
from crawler.pagewatch import (
    DESCRIPTION_CHARS,
    PageWatchSpider,
    all_dates,
    canonical_url,
    main_text,
    opens_date,
    page_language,
    page_title,
    readable,
    same_site_links,
    sentence_deadlines,
)
from crawler.parsing import Amount, find_amounts, parse_amount
from crawler.structured import structured_facts
from records import sources as defaults
from records.call import OPEN, CallItem
from records.clock import effective_status

FUNDER = "Poul Due Jensens Fond"
ARTICLE_PATH = re.compile(r"(?:^|/)(?:en/)?(?:nyhed|nyheder|news|article|artikel)/[^/?#]+/?$",
                          re.I)
PRIZE = re.compile(r"grundfos[\s_-]*pri[sz]e|grundfospris", re.I)
# Sentences about the prize money ("a cash payment of DKK 1 million", "en kontant betaling").
PRIZE_MONEY = re.compile(r"pri[sz]e|pris|cash|kontant|award|beløb|amount", re.I)
# The prize page's facts, when it states them by label (the vocabularies widen these).
PRIZE_LABELS: dict[str, list[str]] = {
    "deadline": ["Nomineringsfrist", "Frist for nominering", "Nomination deadline",
                 "Deadline for nominations"],
    "opens": [],
    "amount": ["Prisbeløb", "Prize amount", "Prize money"],
}
MAX_ARTICLES = 10  # the newest articles of a listing; older ones have been seen already


class PdjSpider(PageWatchSpider):
    """News listing and articles as watch items; the Grundfos Prize as a call."""

    name = "pdj"
    default_urls = defaults.PDJ_START_URLS  # the outbound policy, without a config
    default_funder = FUNDER

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.conf.get("start_urls") or defaults.PDJ_START_URLS:
            yield scrapy.Request(url, callback=self.parse_start)

    # ----------------------------------------------------------------------- start pages
    def parse_start(self, response: Response) -> Iterator[Any]:
        """A start URL: the prize page, an article, or a listing (watched, and followed)."""
        page = readable(response)
        if page is None:
            report_layout_changed(self, response.url, "no readable page")
            return
        if _is_prize(page):
            yield from self.parse_prize(page)
        elif ARTICLE_PATH.search(urlsplit(page.url).path):
            yield from self.parse_article(page)
        else:
            yield from self.parse_listing(page)

    def parse_listing(self, response: TextResponse) -> Iterator[Any]:
        """The listing as a watch item, its newest articles, and the prize page."""
        item = self._watch(response)
        if item is not None:
            item.title = f"{FUNDER}: {item.title}"  # "Nyheder" alone says nothing in a digest
            yield item
        articles = [u for u in same_site_links(response, ARTICLE_PATH)
                    if canonical_url(u) != canonical_url(response.url)]
        if not articles:
            report_layout_changed(self, response.url, "no links to news articles",
                                  "only the listing is watched")
        for url in articles[:MAX_ARTICLES]:
            yield scrapy.Request(url, callback=self.parse_article)
        for url in _prize_links(response):
            if url not in articles:  # news about the prize is news, not the prize page
                yield scrapy.Request(url, callback=self.parse_prize)

    def parse_article(self, response: Response) -> Iterator[CallItem]:
        """One news article → one watch item (with its publication date in ``extra``)."""
        page = readable(response)
        item = self._watch(page) if page is not None else None
        if item is None:
            report_layout_changed(self, response.url, "no readable article text")
            return
        published = all_dates("\n".join(item.extra["text"].splitlines()[:6]), self.today)
        if published:
            item.extra["published"] = published[0]
        yield item

    def _watch(self, response: TextResponse) -> CallItem | None:
        text = main_text(response.text)
        if not text:
            return None
        page = {"url": canonical_url(response.url), "funder": FUNDER}
        return self.watch_item(response, page, text)

    # ------------------------------------------------------------------------ the prize
    def parse_prize(self, response: Response) -> Iterator[CallItem]:
        """The Grundfos Prize page → a call with its nomination deadline. Without a deadline
        the page is still watched, and reported: the prize text changed beyond reading."""
        page = readable(response)
        text = main_text(page.text) if page is not None else ""
        if page is None or not text:
            report_layout_changed(self, response.url, "no readable prize page")
            return
        labels = find_labels(page.text, self.labels_with(PRIZE_LABELS))
        facts = structured_facts(page.text)
        deadlines = labels.dates("deadline", self.today) or facts.deadlines
        sentence = None
        if not deadlines:
            deadlines, sentence = sentence_deadlines(text, self.today)
        if not deadlines:
            report_layout_changed(self, response.url, "no nomination deadline",
                                  "kept as a watched page")
            item = self._watch(page)
            if item is not None:
                yield item
            return
        title = page_title(page) or "Grundfos Prize"
        opens = (labels.dates("opens", self.today) or [facts.opens or self._parse_opens(text)])[0]
        amount = (next((a for v in labels.values("amount") if (a := parse_amount(v))), None)
                  or facts.amount or self._parse_amount(text))
        yield CallItem(
            source=self.name,
            title=title,
            url=canonical_url(page.url),
            funder=FUNDER,
            programme=title,
            language=page_language(page, text),
            status=effective_status(OPEN, opens, deadlines, self.today),
            opens=opens,
            deadlines=deadlines,
            amount_min=None,
            amount_max=amount.max if amount else None,
            currency=(amount.currency or "DKK") if amount else None,
            description=text[:DESCRIPTION_CHARS],
            extra={"kind": "prize", **({"deadline_sentence": sentence} if sentence else {})},
        )

    def _parse_opens(self, text: str) -> str | None:
        return opens_date(text, self.today)

    def _parse_amount(self, text: str) -> Amount | None:
        """The prize money: the largest amount in the sentences about it (DKK 1 million, of
        which DKK 250,000 goes to the winner: the prize is the million)."""
        lines = [line for line in re.split(r"(?<=[.!?])\s+|\n", text) if PRIZE_MONEY.search(line)]
        amounts = [a for line in lines for a in find_amounts(line) if a.max]
        if not amounts:
            amounts = [a for a in find_amounts(text) if a.max]
        return max(amounts, key=lambda a: a.max or 0, default=None)


def _is_prize(response: TextResponse) -> bool:
    return bool(PRIZE.search(f"{urlsplit(response.url).path} {page_title(response)}"))


def _prize_links(response: TextResponse) -> list[str]:
    """Links to the prize page by their address or their text, on the same site."""
    host = urlsplit(response.url).netloc.lower()
    out: list[str] = []
    for a in response.xpath("//a[@href]"):
        href = a.xpath("@href").get() or ""
        label = " ".join(a.xpath(".//text()").getall())
        url = canonical_url(urljoin(response.url, href.strip()))
        if urlsplit(url).netloc.lower() != host or url in out:
            continue
        if PRIZE.search(urlsplit(url).path) or PRIZE.search(label):
            out.append(url)
    return out
