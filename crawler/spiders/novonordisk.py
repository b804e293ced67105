"""Novo Nordisk Fonden: open calls and prizes from novonordiskfonden.dk (WordPress).

What is known (docs/sources.md §4): the listing ``/en/grant/`` is filled by JavaScript;
two back ends are reported, ``admin-ajax.php?action=content_api&type=grants...`` (HTML tiles)
and the REST route ``/wp-json/wp/v2/grant`` (JSON with ``link``). Call pages ``/en/grant/<slug>/``
and ``/grant/<slug>/`` are server-rendered with a block of labels, in three designs and two
languages. So:

- ``parse`` takes whatever a start URL answers and decides by content, not by URL: JSON (the
  REST route, or tiles wrapped in JSON), HTML with links to call pages (the page itself or the
  tiles), a call page, or an HTML shell without links, whose back ends it discovers from the
  page itself (the ``admin-ajax.php`` address in its scripts, WordPress's ``api.w.org`` link);
- every call page is read by its visible labels (:mod:`crawler.labels`), English and Danish;
  a page without any of them is reported as "layout changed?", never silently skipped;
- quirks handled by name: English month names on Danish pages and Danish text under ``/en/``
  (the language comes from the text), CET/CEST/"Copenhagen time" (parsing), Danish thousands
  separators in English text and amounts without currency (DKK is assumed), prizes (a
  nomination deadline in a sentence, "Call closed" as a status line).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
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
    page_language,
    page_title,
    readable,
    sentence_deadlines,
)
from crawler.parsing import Amount, amount_fields, is_closed, parse_amount
from crawler.structured import Facts, structured_facts
from crawler.vocabulary import status_word
from records import sources as defaults
from records.call import CLOSED, OPEN, CallItem
from records.clock import effective_status

# Call and prize pages: /en/grant/<slug>/, /grant/<slug>/, /en/grants/<slug>/, /en/prizes/<slug>/.
CALL_PATH = re.compile(r"(?:^|/)(?:(?:en|da)/)?(?:grants?|prizes?|priser)/[^/?#]+/?$", re.I)
# WordPress's own address for a post: /en/?post_type=grant&p=96576.
CALL_QUERY = re.compile(r"^(?=.*(?:^|&)post_type=grants?(?:&|$))(?=.*(?:^|&)p=\d+(?:&|$))")
# The tiles' back end as a page's scripts name it, JSON-escaped ("https:\/\/...") or not.
ADMIN_AJAX = re.compile(r"""(?:https?:)?(?:\\?/){2}[^"'\s<>]+?admin-ajax\.php"""
                        r"""|/[^"'\s<>]*?admin-ajax\.php""")
MAX_PAGES = 20  # listing pages per start URL; a weekly run needs a handful
MAX_REST_CALLS = 40  # the REST route lists every grant ever; only the newest are followed

LABELS: dict[str, list[str]] = {
    "opens": ["Call opens", "Kald åbner", "Ansøgningsrunde åbner", "Application system opens",
              "Open for applications on", "Open for applications", "Åbner for ansøgninger"],
    "deadline": ["Call closes", "Kald lukker", "Ansøgningsrunde lukker", "Application deadline",
                 "Ansøgningsfrist", "Deadline for nominations", "Nomination deadline",
                 "Frist for indstilling", "Deadline"],
    "results": ["Announcement of results", "Svar til ansøger", "Tidspunkt for offentliggørelse",
                "Tidspunkt for afgørelse", "Decision announcement"],
    "recurring": ["Recurring calls", "Recurring call", "Tilbagevendende ansøgningsrunde",
                  "Tilbagevendende kald"],
    "amount": ["Amount", "Beløb", "Award amount", "Grant capital", "Bevillingsbeløb",
               "Grant amount", "Prize amount", "Prisbeløb"],
    "budget": ["Total amount", "Samlet beløb", "Samlet pulje", "Total pool"],
    "status": ["Status", "Ansøgningsstatus"],
    "info": ["Application Information", "Ansøgningsinfo", "Ansøgningsinformation"],
    "closed": ["Call closed", "Kald lukket", "Lukket for ansøgninger", "Closed for applications"],
    "committee": ["Committee", "Komite", "Komité"],
}
# Finding any of these says the page is still a call page of a known design.
EXPECTED = ("opens", "deadline", "results", "recurring", "amount", "budget", "info", "closed")
PRIZE_WORDS = re.compile(r"\bpri[sz]e\b|\bpris(?:en)?\b|lærerpris|\baward\b|nominat|indstill",
                         re.I)


class NovoNordiskSpider(SourceSpider):
    """Listing (any of three back ends) → call pages → one item per call or prize."""

    name = "novonordisk"
    default_urls = defaults.NOVONORDISK_START_URLS  # the outbound policy, without a config
    funder = "Novo Nordisk Fonden"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rest_followed = 0  # call pages taken from the REST route so far
        self.seen_calls: set[str] = set()
        self.last_links: dict[str, set[str]] = {}  # per paged listing: its last page's links

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.conf.get("start_urls") or defaults.NOVONORDISK_START_URLS:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": 1})

    # ------------------------------------------------------------------------ listings
    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        """Whatever a listing URL answered, decided by its content."""
        if response.status == 404 and response.meta.get("guessed_page"):
            self.logger.info("end of the listing at %s", response.url)
            return
        text_response = readable(response)
        if text_response is None:
            report_layout_changed(self, response.url, "no readable listing")
            return
        data = _json(text_response)
        if data is not None:
            yield from self._parse_json(text_response, data, page)
        elif _is_call_url(text_response.url) and _looks_like_call(text_response):
            yield from self.parse_call(text_response)
        else:
            yield from self._parse_html_listing(text_response, page)

    def _parse_html_listing(self, response: TextResponse, page: int) -> Iterator[Any]:
        """The /en/grant/ page or admin-ajax tiles: follow every call link, then the next page."""
        links = _call_links(response, response.xpath("//a/@href").getall())
        backends = [] if links or page > 1 else list(self._discover_backends(response))
        if page == 1 and not links and not backends:
            # a redesign that moved the call pages: the links in the listing's cards/headings
            links = card_links(response)
            if not links:
                report_layout_changed(self, response.url, "no links to call pages")
        yield from self._follow(links, response, page)
        yield from backends

    def _parse_json(self, response: TextResponse, data: Any, page: int) -> Iterator[Any]:
        """The REST route (a list of posts, each with its ``link``) or tiles wrapped in JSON."""
        if isinstance(data, list):  # the REST route: every grant ever, newest first
            hrefs = [d["link"] for d in data if isinstance(d, dict) and isinstance(d.get("link"),
                                                                                   str)]
            links = _call_links(response, hrefs)[:max(MAX_REST_CALLS - self.rest_followed, 0)]
            self.rest_followed += len(links)
        else:
            hrefs = []
            for value in _json_strings(data):
                if "<a " in value:
                    hrefs += Selector(text=value).xpath("//a/@href").getall()
                elif value.startswith(("http://", "https://", "/")):
                    hrefs.append(value)
            links = _call_links(response, hrefs)
        if not links and page == 1:
            report_layout_changed(self, response.url, "no call pages in the JSON listing")
        yield from self._follow(links, response, page)

    def _follow(self, links: list[str], response: TextResponse, page: int) -> Iterator[Any]:
        """Requests for the call pages not seen yet, then the next listing page while pages
        bring links (a back end that ignores ``page`` and repeats itself ends the paging)."""
        for url in links:
            if url not in self.seen_calls and canonical_url(url) != canonical_url(response.url):
                self.seen_calls.add(url)
                yield self.detail(url, response, self.parse_call)
        listing = _without_page(response.url)
        repeated = self.last_links.get(listing) == set(links)
        self.last_links[listing] = set(links)
        if links and not repeated and self.rest_followed < MAX_REST_CALLS:
            yield from self._next_listing_page(response, page, html=_json(response) is None)

    def _next_listing_page(self, response: TextResponse, page: int, html: bool
                           ) -> Iterator[scrapy.Request]:
        """Documented paging only: a Link/rel=next, WordPress's X-WP-TotalPages with ``page``,
        or the ``page`` parameter of the admin-ajax tiles."""
        if page >= MAX_PAGES:
            return
        url = _link_header_next(response) or (next_page(response) if html else None)
        if url:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": page + 1})
            return
        url = _bump_page_param(response, page)
        if url:
            # A guessed next page: a 404 there is the end of the list, not a fault.
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": page + 1},
                                 meta={"handle_httpstatus_list": [404], "guessed_page": True})

    def _discover_backends(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A JavaScript-filled listing: its tiles come from admin-ajax (reported), else the
        WordPress REST route that the page itself links to (``rel="https://api.w.org/"``)."""
        html_lang = (response.xpath("/html/@lang").get() or "da").lower()[:2]
        lang = "en" if urlsplit(response.url).path.startswith("/en") else html_lang
        ajax = ADMIN_AJAX.search(response.text)
        if ajax:
            base = urljoin(response.url, ajax.group(0).replace("\\/", "/"))
            query = urlencode({"action": "content_api", "type": "grants", "status": "open",
                               "page": 1, "forced_lang": lang})
            yield scrapy.Request(f"{base}?{query}", callback=self.parse, cb_kwargs={"page": 1})
            return
        api = response.xpath("//link[@rel='https://api.w.org/']/@href").get()
        if api:
            url = urljoin(urljoin(response.url, api).rstrip("/") + "/", "wp/v2/grant")
            yield scrapy.Request(f"{url}?per_page=50&page=1", callback=self.parse,
                                 cb_kwargs={"page": 1})

    # ----------------------------------------------------------------------- call pages
    def parse_call(self, response: Response) -> Iterator[CallItem]:
        """One call or prize page → one item; a page without any known label is reported."""
        page = readable(response)
        labels = find_labels(page.text, self.labels_with(LABELS)) if page else Labels()
        facts = structured_facts(page.text) if page else Facts()
        if page is None or not (any(labels.has(name) for name in EXPECTED) or facts):
            report_layout_changed(self, response.url)
            return
        text = main_text(page.text) or ""
        title = self._parse_title(page)
        opens = self._parse_opens(labels, facts)
        deadlines, sentence = self._parse_deadlines(labels, facts, text)
        amount = self._parse_amount(labels, facts, text)
        yield stamp(CallItem(
            source=self.name,
            title=title,
            url=self._parse_url(page),
            funder=self.funder,
            programme=self._parse_programme(labels),
            language=page_language(page, text),
            status=self._parse_status(labels, opens, deadlines),
            opens=opens,
            deadlines=deadlines,
            **amount_fields(amount, "DKK"),
            budget_total=self._parse_budget(labels, text),
            description=self._parse_description(text, title),
            extra=self._parse_extra(labels, title, page.url, sentence),
        ), response.meta)

    def _parse_title(self, response: TextResponse) -> str:
        return page_title(response)

    def _parse_url(self, response: TextResponse) -> str:
        """The page's canonical address when it is on the same site, else the address read."""
        canonical = response.xpath("//link[@rel='canonical']/@href").get()
        if canonical:
            url = urljoin(response.url, canonical.strip())
            if urlsplit(url).netloc == urlsplit(response.url).netloc:
                return canonical_url(url)
        return canonical_url(response.url)

    def _parse_programme(self, labels: Labels) -> str | None:
        return labels.value("committee")

    def _parse_opens(self, labels: Labels, facts: Facts) -> str | None:
        dates = labels.dates("opens", self.today)
        return dates[0] if dates else facts.opens

    def _parse_deadlines(self, labels: Labels, facts: Facts, text: str
                         ) -> tuple[list[str], str | None]:
        """Every date next to a deadline label; else the page's structured data; else the
        deadline sentence of a prize page's information block or of the text (returned with
        the sentence, which the record keeps)."""
        found = labels.dates("deadline", self.today) or facts.deadlines
        if found:
            return found, None
        for value in labels.values("info"):
            found, sentence = sentence_deadlines(value, self.today)
            if found:
                return found, sentence
        return sentence_deadlines(text, self.today)

    def _parse_status(self, labels: Labels, opens: str | None, deadlines: list[str]) -> str:
        """"Call closed" on the page wins; otherwise the dates decide (never a stale flag)."""
        if labels.has("closed") or any(is_closed(v) for v in labels.values("info")):
            return CLOSED
        if any(status_word(v) == CLOSED for v in labels.values("status")):
            return CLOSED
        return effective_status(OPEN, opens, deadlines, self.today)

    def _parse_amount(self, labels: Labels, facts: Facts, text: str) -> Amount | None:
        """The "Amount" label's value ("Up to DKK 6 Million per grant", "DKK 250.000"), with
        the lower bound from the text when it gives the same range ("grants between DKK
        100.000-6.000.000"); else that range alone."""
        in_text = prose_amounts(text)[0]
        for value in labels.values("amount"):
            found = parse_amount(value)
            if found and found.min is None and in_text and in_text.max == found.max:
                return Amount(in_text.min, found.max, found.currency or in_text.currency)
            if found:
                return found
        return facts.amount or in_text

    def _parse_budget(self, labels: Labels, text: str) -> float | None:
        for value in labels.values("budget"):
            found = parse_amount(value)
            if found and found.max:
                return found.max
        return prose_amounts(text)[1]

    def _parse_description(self, text: str, title: str) -> str:
        lines = [line for line in text.splitlines() if line.strip() != title]
        return "\n".join(lines)[:DESCRIPTION_CHARS]

    def _parse_extra(self, labels: Labels, title: str, url: str, sentence: str | None
                     ) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "kind": "prize" if PRIZE_WORDS.search(f"{title} {urlsplit(url).path}") else "grant",
        }
        if sentence:
            extra["deadline_sentence"] = sentence  # no deadline label: read from this sentence
        for name in ("results", "recurring"):
            if labels.value(name):
                extra[name] = labels.value(name)
        return extra


# ------------------------------------------------------------------------------ helpers
def _json(response: TextResponse) -> Any | None:
    """The body as JSON when it is JSON (by content: the REST route may say text/html)."""
    body = response.text.lstrip()
    if not body.startswith(("[", "{")):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _json_strings(data: Any) -> Iterator[str]:
    """Every string in a JSON document, depth first (tiles may come as ``{"html": ...}``)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _json_strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_strings(value)


def _is_call_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(CALL_PATH.search(parts.path) or CALL_QUERY.search(parts.query))


def _call_links(response: TextResponse, hrefs: list[str]) -> list[str]:
    """The hrefs that lead to call pages on the same site, absolute, in order, once each."""
    host = urlsplit(response.url).netloc.lower()
    out: list[str] = []
    for href in hrefs:
        url = canonical_url(urljoin(response.url, href.strip()))
        if urlsplit(url).netloc.lower() == host and _is_call_url(url) and url not in out:
            out.append(url)
    return out


def _looks_like_call(response: TextResponse) -> bool:
    return bool(find_labels(response.text, LABELS))


def _link_header_next(response: TextResponse) -> str | None:
    for raw in response.headers.getlist("Link"):
        for part in raw.decode("latin-1").split(","):
            m = re.match(r'\s*<([^>]+)>\s*;.*\brel="?next"?', part)
            if m:
                return urljoin(response.url, m.group(1))
    return None


def _without_page(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _bump_page_param(response: TextResponse, page: int) -> str | None:
    """The same URL with ``page`` one higher, when the URL is paged by a ``page`` parameter
    (admin-ajax tiles; the REST route up to its ``X-WP-TotalPages``)."""
    parts = urlsplit(response.url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if "page" not in query:
        return None
    total = (response.headers.get("X-WP-TotalPages") or b"").decode("latin-1").strip()
    if total.isdigit() and page >= int(total):
        return None
    query["page"] = [str(page + 1)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))
