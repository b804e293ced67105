"""VILLUM FONDEN and VELUX FONDEN: current calls from villumfonden.dk and veluxfonden.dk.

What is known (docs/sources.md §3): each site lists its current calls (``/en/basic-page/
current-calls``; the Villum and Danish twins are a guess) and a call is a page
``/{da,en}/group/channel/<slug>`` with a sidebar of labels and values: Status, Full budget of the
call, Application amount range, "Application – Open for submissions" and "Application –
Deadline for submissions" (a date, the time apparently in its own element). Older pages put the
deadline in prose ("senest mandag den 11. april 2024 kl. 12.00", "15 March 2023, 2 PM"); some
schemes have no deadline at all ("Vi har ingen ansøgningsfrister"): status ``rolling``.

So: the listing gives the call links (and its next page); each call page is read by its sidebar
labels (:mod:`crawler.labels`), with the prose as the fallback for dates and amounts. A page that
has neither labels nor a deadline nor a rolling notice is reported as "layout changed?".
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.incremental import stamp
from crawler.labels import Labels, find_labels, prose_amounts, report_layout_changed
from crawler.pagewatch import (
    DESCRIPTION_CHARS,
    SourceSpider,
    canonical_url,
    card_links,
    main_text,
    next_page,
    opens_date,
    page_language,
    page_title,
    readable,
    same_site_links,
    sentence_deadlines,
)
from crawler.parsing import Amount, amount_fields, is_closed, is_rolling, parse_amount
from crawler.structured import Facts, structured_facts
from crawler.vocabulary import status_word
from records import sources as defaults
from records.call import CLOSED, FORTHCOMING, OPEN, ROLLING, CallItem
from records.clock import effective_status

VILLUM = "VILLUM FONDEN"
VELUX = "VELUX FONDEN"
CALL_PATH = re.compile(r"(?:^|/)(?:da|en)/group/channel/[^/?#]+/?$", re.I)
MAX_PAGES = 10

# Sidebar labels: the English ones are seen; the Danish ones are guesses at the /da/ twins.
LABELS: dict[str, list[str]] = {
    "status": ["Status"],
    "budget": ["Full budget of the call", "Full budget", "Total budget of the call",
               "Opslagets samlede budget", "Samlet budget for opslaget", "Opslagets budget",
               "Samlet budget", "Fuldt budget for opslaget", "Samlet pulje"],
    "amount": ["Application amount range", "Amount range", "Ansøgningsbeløb",
              "Beløbsramme for ansøgninger", "Beløbsinterval", "Ansøgningsramme"],
    "opens": ["Application – Open for submissions", "Open for submissions",
              "Ansøgning – Åben for ansøgninger", "Åben for ansøgninger", "Åbner for ansøgninger",
              "Ansøgning – Åbner"],
    "deadline": ["Application – Deadline for submissions", "Deadline for submissions",
                 "Ansøgning – Frist for ansøgninger", "Frist for ansøgninger",
                 "Frist for indsendelse", "Ansøgningsfrist", "Application deadline"],
}
# Lines of prose that may say "no deadline" or "closed" (notices, the deadline paragraph).
NOTICE = re.compile(r"frist|deadline|\bsøg|\bapply|applications?\b|ansøgning|\bOBS\b|bemærk"
                    r"|please note", re.I)


class VillumVeluxSpider(SourceSpider):
    """Current-calls listings of both foundations → call pages → one item per call."""

    name = "villum_velux"
    default_urls = defaults.VILLUM_VELUX_START_URLS  # the outbound policy, without a config

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.conf.get("start_urls") or defaults.VILLUM_VELUX_START_URLS:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": 1})

    # ------------------------------------------------------------------------- listing
    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        """A current-calls listing: every call page it links to, then its next page."""
        listing = readable(response)
        if listing is not None and CALL_PATH.search(urlsplit(listing.url).path):
            yield from self.parse_call(listing)  # a call page configured as a start URL
            return
        links = same_site_links(listing, CALL_PATH) if listing else []
        if listing is not None and not links:
            links = card_links(listing)  # a redesign with new addresses: the listing's cards
        if listing is None or not links:
            if page == 1:
                report_layout_changed(self, response.url, "no links to call pages")
            return
        funder = _funder(listing)
        for url in links:
            yield self.detail(url, listing, self.parse_call, funder=funder)
        following = next_page(listing) if page < MAX_PAGES else None
        if following:
            yield scrapy.Request(following, callback=self.parse, cb_kwargs={"page": page + 1})

    # ---------------------------------------------------------------------- call pages
    def parse_call(self, response: Response, funder: str | None = None) -> Iterator[CallItem]:
        """One call page → one item; the sidebar first, the prose as fallback."""
        page = readable(response)
        if page is None:
            report_layout_changed(self, response.url, "no readable page")
            return
        labels = find_labels(page.text, self.labels_with(LABELS))
        facts = structured_facts(page.text)
        text = main_text(page.text) or ""
        opens = self._parse_opens(labels, facts, text)
        deadlines, sentence = self._parse_deadlines(labels, facts, text)
        rolling = not deadlines and self._says_rolling(labels, text)
        if not labels and not facts and not deadlines and not rolling:
            report_layout_changed(self, response.url)
            return
        title = self._parse_title(page)
        amount = self._parse_amount(labels, facts, text)
        yield stamp(CallItem(
            source=self.name,
            title=title,
            url=canonical_url(page.url),
            funder=_funder(page) or funder or VILLUM,
            language=page_language(page, text),
            status=self._parse_status(labels, text, opens, deadlines, rolling),
            opens=opens,
            deadlines=deadlines,
            **amount_fields(amount, "DKK"),
            budget_total=self._parse_budget(labels, text),
            description=self._parse_description(text, title),
            extra=self._parse_extra(labels, sentence),
        ), response.meta)

    def _parse_title(self, response: TextResponse) -> str:
        return page_title(response)

    def _parse_opens(self, labels: Labels, facts: Facts, text: str) -> str | None:
        dates = labels.dates("opens", self.today)
        if dates:
            return dates[0]
        if facts.opens:
            return facts.opens
        return None if labels.has("opens") else opens_date(text, self.today)

    def _parse_deadlines(self, labels: Labels, facts: Facts, text: str
                         ) -> tuple[list[str], str | None]:
        """The sidebar's deadline (date and time, perhaps in separate elements); else the
        page's structured data; else the deadlines the parser finds in a sentence that names
        a deadline ("senest ..."), returned with that sentence."""
        found = labels.dates("deadline", self.today) or facts.deadlines
        return (found, None) if found else sentence_deadlines(text, self.today)

    def _says_rolling(self, labels: Labels, text: str) -> bool:
        """"Vi har ingen ansøgningsfrister" / "Søg året rundt", in the sidebar or a notice."""
        candidates = [*labels.values("status"), *labels.values("deadline")]
        candidates += [line for line in text.splitlines()
                       if len(line) <= 300 and NOTICE.search(line)]
        return any(is_rolling(line) for line in candidates)

    def _parse_status(self, labels: Labels, text: str, opens: str | None,
                      deadlines: list[str], rolling: bool) -> str:
        """Closed when the sidebar says so; rolling without a deadline; else the dates decide
        (a stale "Open" with a passed deadline is closed)."""
        word = status_word(labels.value("status") or "")
        if word == CLOSED:
            return CLOSED
        if rolling or (word == ROLLING and not deadlines):
            return ROLLING
        if not deadlines and any(is_closed(line) for line in text.splitlines()
                                 if len(line) <= 300 and NOTICE.search(line)):
            return CLOSED
        flag = FORTHCOMING if word == FORTHCOMING else OPEN
        return effective_status(flag, opens, deadlines, self.today)

    def _parse_amount(self, labels: Labels, facts: Facts, text: str) -> Amount | None:
        """"Application amount range" (DKK 500,000 - DKK 5.0m), else the structured data's
        amount, else the grant size in prose."""
        found = next((a for v in labels.values("amount") if (a := parse_amount(v))), None)
        return found or facts.amount or prose_amounts(text)[0]

    def _parse_budget(self, labels: Labels, text: str) -> float | None:
        """"Full budget of the call" (DKK 30m), else a pool written in prose."""
        found = parse_amount(labels.value("budget") or "")
        return found.max if found and found.max else prose_amounts(text)[1]

    def _parse_description(self, text: str, title: str) -> str:
        lines = [line for line in text.splitlines() if line.strip() != title]
        return "\n".join(lines)[:DESCRIPTION_CHARS]

    def _parse_extra(self, labels: Labels, sentence: str | None) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if labels.value("status"):
            extra["status_text"] = labels.value("status")
        if sentence:
            extra["deadline_sentence"] = sentence  # no deadline label: read from this sentence
        return extra


def _funder(response: TextResponse | None) -> str | None:
    """Which foundation: the host says it; on a mirror, the page's own name for itself."""
    if response is None:
        return None
    host = urlsplit(response.url).netloc.lower()
    if "villum" in host:
        return VILLUM
    if "velux" in host:
        return VELUX
    names = " ".join([*response.xpath("//meta[@property='og:site_name']/@content").getall(),
                      *response.xpath("//title//text()").getall()]).lower()
    for source in (names, response.text.lower()):
        villum, velux = source.count("villum"), source.count("velux")
        if villum != velux:
            return VILLUM if villum > velux else VELUX
    return None
