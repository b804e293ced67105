"""Incremental crawling: a call page is fetched again only when its listing entry changed.

A re-crawl always fetches the listings (and API pages); for every call page they link to, it
compares a fingerprint of the link's listing entry (the text of the card, row or list item
around the link) with the one stored with the call last time. Unchanged → the stored call is
yielded again as it was (so it stays "seen"), and the page is not requested. New or changed →
the page is fetched. Every ``REFRESH_DAYS`` a call page is fetched anyway, since a page can
change without its listing entry changing. Counted in the stats as ``fondsradar/skipped``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import urlopen
from weakref import WeakKeyDictionary

from lxml import html as lxml_html
from scrapy.http import TextResponse

from records.call import CallItem

REFRESH_DAYS = 28
_ITEM_TAGS = {"li", "article", "tr", "dd"}
_BLOCK_TAGS = {"section", "div", "p"}
_ITEM_FIELDS = {f.name for f in fields(CallItem)}


def entry_fingerprint(response: TextResponse, url: str) -> str | None:
    """A hash of the listing entry around the link to ``url`` (None when no link is found)."""
    listing = _LISTINGS.get(response)
    if listing is None:
        listing = _LISTINGS[response] = _Listing(response)
    return listing.fingerprint(url)


class _Listing:
    """A listing page parsed once, however many of its links are looked up: parsing it again
    for every link made a page of n links cost n parses (quadratic in the page's size)."""

    def __init__(self, response: TextResponse):
        self.links: dict[str, Any] = {}  # link target → the first <a> that points there
        self.fingerprints: dict[str, str] = {}
        try:
            root = lxml_html.fromstring(response.body, base_url=response.url)
        except (ValueError, TypeError, lxml_html.etree.ParserError):
            return
        root.make_links_absolute(response.url, resolve_base_href=True)
        for link in root.iter("a"):
            self.links.setdefault((link.get("href") or "").split("#")[0].rstrip("/"), link)

    def fingerprint(self, url: str) -> str | None:
        target = url.rstrip("/")
        if target not in self.fingerprints:
            link = self.links.get(target)
            if link is None:
                return None
            self.fingerprints[target] = fingerprint(_text(_entry(link)))
        return self.fingerprints[target]


def _entry(link: Any) -> Any:
    """The list item, card or table row around a link; a plain block only once it says more
    than the link itself."""
    own = _text(link)
    entry = link
    for parent in link.iterancestors():
        entry = parent
        if parent.tag in _ITEM_TAGS or (
                parent.tag in _BLOCK_TAGS and len(_text(parent)) > len(own)):
            break
    return entry


# Per listing response, while it is being parsed (the entry goes when the response does).
_LISTINGS: WeakKeyDictionary[TextResponse, _Listing] = WeakKeyDictionary()


def fingerprint(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _text(el: Any) -> str:
    return re.sub(r"\s+", " ", " ".join(el.itertext())).strip()


class Memory:
    """The calls a source stored last time, by the listing URL they were found under."""

    def __init__(self, records: list[dict[str, Any]], now: datetime | None = None):
        self.now = now or datetime.now(UTC)
        self.by_url = {r["extra"].get("listing_url"): r for r in records
                       if r.get("extra", {}).get("listing_url")}

    @classmethod
    def for_spider(cls, spider: Any) -> Memory:
        """Read once per crawl from the state the shell handed over (empty without one).

        ``FONDSRADAR_STATE_URL`` names it, with ``{source}`` for the spider's name: a file
        (local crawls) or an http(s) address the shell serves while Scrapyd jobs run, so a job
        on another machine gets what it needs in one request, however many calls there are.
        A state that cannot be read makes a full crawl, never a failed one.
        """
        settings = spider.settings
        url = settings.get("FONDSRADAR_STATE_URL")
        if not url or not settings.getbool("FONDSRADAR_INCREMENTAL", True):
            return cls([])
        try:
            return cls(read_state(url.replace("{source}", spider.name)))
        except (OSError, ValueError) as exc:
            spider.logger.warning("incremental state not read (%s); fetching every page", exc)
            return cls([])

    def remembered(self, url: str, fp: str | None) -> CallItem | None:
        """The stored call for this listing entry, if the entry is unchanged and fresh enough."""
        record = self.by_url.get(url)
        if record is None or fp is None or record["extra"].get("listing_fp") != fp:
            return None
        if not record.get("seen") or not record["extra"].get("_fetched"):
            return None
        if record["extra"].get("not_confirmed"):
            return None  # values kept from before a broken crawl: read the page again
        fetched = datetime.fromisoformat(record["extra"]["_fetched"])
        if self.now - fetched > timedelta(days=REFRESH_DAYS):
            return None
        values = {k: v for k, v in record.items() if k in _ITEM_FIELDS}
        return CallItem(**values)


# A state larger than this is refused (about 40 times what 10,000 calls need).
MAX_STATE_BYTES = 512 * 1024 * 1024


def read_state(url: str) -> list[dict[str, Any]]:
    """The records of a state file (gzip'd JSON: ``{"records": [...]}``) at a file path,
    ``file://`` or ``http(s)://`` address; only well-formed records are kept."""
    if "://" not in url:
        with open(url, "rb") as fh:
            raw = fh.read(MAX_STATE_BYTES + 1)
    else:
        with urlopen(url, timeout=60) as resp:  # noqa: S310 (file or http(s), from the shell)
            raw = resp.read(MAX_STATE_BYTES + 1)
    if len(raw) > MAX_STATE_BYTES:
        raise ValueError("the state is larger than the limit")
    data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise ValueError("the state holds no record list")
    return [r for r in records if isinstance(r, dict) and isinstance(r.get("extra"), dict)]


def stamp(item: CallItem, meta: dict[str, Any]) -> CallItem:
    """Mark a freshly fetched call with its listing entry, for the next crawl to compare."""
    if meta.get("listing_url"):
        item.extra["listing_url"] = meta["listing_url"]
        item.extra["listing_fp"] = meta.get("listing_fp")
        item.extra["_fetched"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    return item
