"""Watched pages: what a page says as a whole, and the spider that watches pages for changes.

Interreg programmes announce rounds on ordinary pages in prose, Poul Due Jensens Fond has no
calls but news worth a look, and staff want to add "any page" without code
(docs/sources.md §2 and §5). All of these are a **page watch**: fetch the page, keep its
main text (menus, headers, footers and cookie banners stripped, or only the part a CSS
``selector`` names), and emit a ``watch`` item whose ``extra`` holds the text and its hash;
:func:`crawler.watch.track` (in the ingest step) then says what changed since the last run.

The page helpers here (main text, title, language, links) are shared by every spider that reads
HTML, so "main text" means the same thing everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse

from crawler.incremental import Memory, entry_fingerprint
from crawler.labels import iso, report_layout_changed
from crawler.parsing import find_dates, find_deadlines, find_opens
from crawler.text import parse_html, visible_lines
from crawler.vocabulary import label_set
from records.call import WATCH, CallItem
from records.clock import local_date, today
from records.language import detect_language

# Page furniture that is never the content, and changes for reasons of its own.
# (Not <form>: ASP.NET sites wrap the whole page in one; a search form has role="search".)
_FURNITURE_TAGS = ("nav", "footer", "button", "dialog", "menu")
_FURNITURE_ROLES = ("navigation", "banner", "contentinfo", "search", "dialog", "alertdialog")
# Cookie banners and friends, by the words their makers put in ids and classes (Cookiebot,
# CookieInformation, OneTrust ...). Used only to drop boilerplate, never to find a value.
_FURNITURE_NAMES = re.compile(
    r"cookie|consent|gdpr|onetrust|coi-banner|breadcrumb|skip-?link|skip-?to|share-?(?:bar|links)"
    r"|social-?(?:links|share)|newsletter|site-?header|site-?footer|mega-?menu",
    re.I,
)
_MAIN_XPATHS = ("//main", "//*[@role='main']", "//article", "//*[@id='content']",
                "//*[@id='main']")
MIN_MAIN_TEXT = 200  # a <main> with less text than this is a shell; read the whole body
MAX_TEXT = 50_000  # stored per page; far above any real call page
DESCRIPTION_CHARS = 4000
SENTENCE_CHARS = 300  # the deadline sentence kept in a record's extra

# ----------------------------------------------------------------------------- page reading
def page_tree(html: str | bytes) -> etree._Element | None:
    """A fresh tree of the page with its furniture removed (the response's own stays intact)."""
    root = parse_html(html)
    if root is None:
        return None
    for el in list(root.iter()):
        if isinstance(el.tag, str) and _is_furniture(el):
            _drop(el)
    return root


def _is_furniture(el: etree._Element) -> bool:
    if el.tag in _FURNITURE_TAGS or (el.get("role") or "").lower() in _FURNITURE_ROLES:
        return True
    if el.tag == "header" and not _inside(el, ("main", "article")):
        return True  # the site's header; an article's own <header> holds its title and dates
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    if re.search(r"display\s*:\s*none", el.get("style") or "", re.I):
        return True
    names = f"{el.get('id') or ''} {el.get('class') or ''}"
    return bool(_FURNITURE_NAMES.search(names)) and el.tag not in ("html", "body", "main")


def _inside(el: etree._Element, tags: tuple[str, ...]) -> bool:
    return any(a.tag in tags for a in el.iterancestors())


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text (it belongs to the parent)."""
    if el.getparent() is not None:
        el.drop_tree()


def main_element(root: etree._Element, selector: str | None = None) -> list[etree._Element]:
    """The part of the page that is its content: what ``selector`` names (CSS), else the
    <main>/<article>, else the body. An empty list means the selector matched nothing."""
    if selector:
        return list(root.cssselect(selector))
    for xpath in _MAIN_XPATHS:
        found = root.xpath(xpath)
        if found and len(" ".join(visible_lines(found[0]))) >= MIN_MAIN_TEXT:
            return [found[0]]
    body = root.find("body")
    return [body if body is not None else root]


def main_text(html: str | bytes, selector: str | None = None) -> str | None:
    """The page's main text, one line per visible line; None when ``selector`` finds nothing."""
    root = page_tree(html)
    if root is None:
        return ""
    parts = main_element(root, selector)
    if not parts:
        return None
    text = "\n".join(line for part in parts for line in visible_lines(part))
    return text[:MAX_TEXT]


def text_hash(text: str) -> str:
    """What identifies a page's text: sha256 of its lines with runs of space folded."""
    folded = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def page_title(response: TextResponse) -> str:
    """The heading a person sees: the first <h1>, else og:title, else <title> without the
    site name."""
    root = page_tree(response.text)
    if root is not None:
        for h1 in root.iter("h1"):
            text = " ".join(visible_lines(h1))
            if text:
                return text
    og = response.xpath("//meta[@property='og:title']/@content").get()
    if og and og.strip():
        return og.strip()
    title = " ".join((response.xpath("//title/text()").get() or "").split())
    return re.split(r"\s+[|–—-]\s+", title)[0] if title else ""


def page_language(response: TextResponse, text: str, default: str = "en") -> str:
    """The language of the page's content: its text decides (NNF serves Danish text under /en/
    and inside an English shell), then ``<html lang>``, then ``default``; never the URL."""
    found = detect_language(text)
    if found:
        return found
    lang = (response.xpath("/html/@lang").get() or "").lower()[:2]
    return lang if lang in ("da", "en") else default


def same_site_links(response: TextResponse, path_pattern: re.Pattern[str]) -> list[str]:
    """Absolute links on the page to the same host whose path matches, in page order, once."""
    host = urlsplit(response.url).netloc.lower()
    out: list[str] = []
    for href in response.xpath("//a/@href").getall():
        url = canonical_url(urljoin(response.url, href.strip()))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host:
            continue
        if path_pattern.search(parts.path) and url not in out:
            out.append(url)
    return out


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def card_links(response: TextResponse, limit: int = 100) -> list[str]:
    """The entries of a listing whose addresses follow no known pattern (a redesign moved
    them): same-site links that stand in a heading, wrap a heading, or sit in an
    ``<article>`` card of the page's main part; never the page itself or a pager link."""
    root = page_tree(response.text)
    if root is None:
        return []
    host = urlsplit(response.url).netloc.lower()
    here = canonical_url(response.url)
    out: list[str] = []
    for part in main_element(root):
        for a in part.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#") or (a.get("rel") or "").lower() == "next":
                continue
            ancestors = {x.tag for x in a.iterancestors()}
            wraps = any(isinstance(x.tag, str) and x.tag in _HEADINGS for x in a.iterdescendants())
            if not (ancestors & _HEADINGS or wraps or "article" in ancestors):
                continue
            if _NEXT_WORDS.match(" ".join(a.itertext())):
                continue
            url = canonical_url(urljoin(response.url, href))
            parts = urlsplit(url)
            if (parts.scheme in ("http", "https") and parts.netloc.lower() == host
                    and url != here and "page=" not in parts.query and url not in out):
                out.append(url)
            if len(out) >= limit:
                return out
    return out


def canonical_url(url: str) -> str:
    """The URL without its fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


_NEXT_WORDS = re.compile(r"^\s*(?:next|næste|nästa|neste|older|ældre|›|»|>|→)\s*(?:page|side)?"
                         r"\s*[›»>→]?\s*$", re.I)


def next_page(response: TextResponse) -> str | None:
    """The next page of a listing: ``rel="next"``, else a pager link that says "Next"/"Næste"."""
    href = (response.xpath("//link[@rel='next']/@href").get()
            or response.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
                              "/@href").get())
    if not href:
        for a in response.xpath("//a[@href]"):
            label = " ".join(a.xpath(".//text()").getall()) or a.xpath("@aria-label").get() or ""
            if _NEXT_WORDS.match(label) or re.match(r"^\s*(?:next|næste)",
                                                    a.xpath("@aria-label").get() or "", re.I):
                href = a.xpath("@href").get()
                break
    if not href:
        return None
    url = canonical_url(urljoin(response.url, href))
    return url if url != canonical_url(response.url) else None


def deadline_dates(text: str, on: date, default_year: int | None = None) -> list[str]:
    """ISO dates that stand next to deadline words in ``text`` (never simply every date)."""
    return _unique_iso(find_deadlines(text, default_year=default_year, today=on))


def sentence_deadlines(text: str, on: date) -> tuple[list[str], str | None]:
    """Deadlines written in a sentence that names a deadline ("Fristen er 3. marts 2027",
    "apply by 3 March 2027"), and the first such sentence: a call whose page has no deadline
    label says in its record that its deadline was read this way (``extra``)."""
    found = deadline_dates(text, on)
    if not found:
        return [], None
    for line in text.splitlines():
        if found[0] in all_dates(line, on):
            return found, " ".join(line.split())[:SENTENCE_CHARS]
    return found, None


def all_dates(text: str, on: date, default_year: int | None = None) -> list[str]:
    """Every date in ``text`` (ISO), deadline or not, in order."""
    return _unique_iso([d.value for d in find_dates(text, default_year=default_year, today=on)])


def _unique_iso(values: list[Any]) -> list[str]:
    out: list[str] = []
    for value in values:
        if iso(value) not in out:
            out.append(iso(value))
    return out


def opens_date(text: str, on: date, default_year: int | None = None) -> str | None:
    value = find_opens(text, default_year=default_year, today=on)
    return iso(value) if value else None


def upcoming(deadlines: list[str], on: date) -> list[str]:
    return [d for d in deadlines if local_date(d) >= on]


def spider_today(settings: Any) -> date:
    """"Today" of a crawl: the ``FONDSRADAR_TODAY`` setting (tests, replays), else Copenhagen's."""
    return today(settings.get("FONDSRADAR_TODAY"))


def readable(response: Response) -> TextResponse | None:
    """The response as text, or None when it is not a page (an image, a PDF, an empty body,
    binary noise served as text/html)."""
    if not isinstance(response, TextResponse) or not response.text.strip():
        return None
    sample = response.text[:4000]
    noise = sum(1 for c in sample if c == "\ufffd" or (ord(c) < 32 and c not in "\r\n\t\f"))
    return None if noise > len(sample) // 20 else response


# ----------------------------------------------------------------------------- the spiders
class SourceSpider(scrapy.Spider):
    """What every HTML source spider reads from the settings, once: its own table of
    ``FONDSRADAR_SOURCES`` and the day of the crawl (so tests can call parse methods directly)."""

    @cached_property
    def conf(self) -> dict[str, Any]:
        return dict(self.settings.getdict("FONDSRADAR_SOURCES").get(self.name) or {})

    @cached_property
    def today(self) -> date:
        return spider_today(self.settings)

    def labels_with(self, own: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        """The spider's labels widened with the shared vocabularies and the synonyms staff gave
        this source in config.toml (``[sources.<name>.labels]``)."""
        return label_set(own, self.conf.get("labels"))

    @cached_property
    def memory(self) -> Memory:
        return Memory.for_spider(self)

    def detail(self, url: str, listing: TextResponse, callback: Any,
               **cb_kwargs: Any) -> scrapy.Request | CallItem:
        """The request for a call page, or the stored call when its listing entry is unchanged
        (crawler/incremental.py)."""
        fp = entry_fingerprint(listing, url)
        remembered = self.memory.remembered(url, fp)
        if remembered is not None:
            self.crawler.stats.inc_value("fondsradar/skipped")
            return remembered
        return scrapy.Request(url, callback=callback, cb_kwargs=cb_kwargs,
                              meta={"listing_url": url, "listing_fp": fp})


class PageWatchSpider(SourceSpider):
    """Watches the pages configured under ``[sources.<name>] pages``: one ``watch`` item each.

    Subclasses add what their pages have in common (programme names, round detection); the
    ``watch`` spider itself adds nothing.
    """

    default_funder = ""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        pages = self.conf.get("pages") or []
        if not pages:
            self.logger.warning("%s: no pages configured under [sources.%s]", self.name,
                                self.name)
        for page in pages:
            yield scrapy.Request(page["url"], callback=self.parse, cb_kwargs={"page": page},
                                 dont_filter=True)

    def parse(self, response: Response, page: Mapping[str, Any]) -> Iterator[CallItem]:
        """One watched page → one item (or a layout warning when its content is gone)."""
        page_response = readable(response)
        text = main_text(page_response.text, page.get("selector")) if page_response else ""
        if page_response is None or not text:
            what = (f"the selector {page.get('selector')!r} matched nothing" if text is None
                    else "no readable text")
            report_layout_changed(self, page["url"], what)
            return
        yield self.watch_item(page_response, page, text)

    def watch_item(self, response: TextResponse, page: Mapping[str, Any], text: str) -> CallItem:
        title = self._parse_title(response, page)
        deadlines = deadline_dates(f"{title}\n{text}", self.today)
        return CallItem(
            source=self.name,
            title=title,
            url=page["url"],
            funder=self._parse_funder(response, page),
            programme=self._parse_programme(response, page),
            language=page.get("language") or page_language(response, text),
            status=WATCH,
            deadlines=upcoming(deadlines, self.today),
            description=text[:DESCRIPTION_CHARS],
            extra=self._parse_extra(response, page, text, deadlines),
        )

    def _parse_title(self, response: TextResponse, page: Mapping[str, Any]) -> str:
        return page.get("name") or page_title(response) or page["url"]

    def _parse_funder(self, response: TextResponse, page: Mapping[str, Any]) -> str:
        return page.get("funder") or self.default_funder or urlsplit(page["url"]).netloc

    def _parse_programme(self, response: TextResponse, page: Mapping[str, Any]) -> str | None:
        return page.get("programme")

    def _parse_extra(self, response: TextResponse, page: Mapping[str, Any], text: str,
                     deadlines: list[str]) -> dict[str, Any]:
        """The text and hash the diff pipeline compares, and every deadline-like date seen
        (past ones too; only upcoming ones become the item's deadlines)."""
        extra: dict[str, Any] = {"text": text, "hash": text_hash(text),
                                 "deadlines_seen": deadlines}
        if canonical_url(response.url) != canonical_url(page["url"]):
            extra["final_url"] = response.url
        return extra
