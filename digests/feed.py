"""An Atom feed (RFC 4287) of the calls that fit the pagt's themes, newest first.

Feed readers (Outlook's RSS folder, Feedly, Teams connectors) keep entries by ``id`` and show
an entry again when ``updated`` changes, so the id is a tag URI made from the call's stable id
and ``updated`` is when a field of the call last changed. Written with ElementTree, which
escapes every scraped string as XML text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from digests.formatting import amount_text, format_deadline, target_text
from digests.model import Entry
from digests.text import clean_text, safe_url
from digests.words import WORDS, funder_name

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:fondsradar,2026:calls"
MAX_ENTRIES = 100


def entry_id(call_id: str) -> str:
    return f"{FEED_ID}:{quote(call_id, safe=':@-._~!$&()*+,;=')}"


def build_feed(
    entries: Sequence[Entry],
    *,
    language: str,
    now: datetime,
    self_url: str | None = None,
    alternate_url: str | None = None,
) -> bytes:
    """The feed document; ``entries`` in any order, the newest ``MAX_ENTRIES`` are kept."""
    words = WORDS[language]
    newest = sorted(entries, key=lambda e: (e.call.first_seen or "", e.call.id),
                    reverse=True)[:MAX_ENTRIES]
    # Plain tag names under a default xmlns: no global namespace registry to touch.
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": language})
    _text(feed, "id", FEED_ID)
    _text(feed, "title", words["feed_title"])
    _text(feed, "subtitle", words["feed_subtitle"])
    updated = max((_when(e.call.changed_at or e.call.first_seen) for e in newest),
                  default=None) or now.astimezone(UTC)
    _text(feed, "updated", _iso(updated))
    author = ET.SubElement(feed, "author")
    _text(author, "name", "Fondsradar")
    _text(feed, "generator", "Fondsradar")
    if self_url:
        ET.SubElement(feed, "link", {"rel": "self", "href": self_url,
                                                "type": "application/atom+xml"})
    if alternate_url:
        ET.SubElement(feed, "link", {"rel": "alternate", "href": alternate_url,
                                                "type": "text/html"})
    for entry in newest:
        feed.append(_entry(entry, language, now))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(entry: Entry, language: str, now: datetime) -> ET.Element:
    words = WORDS[language]
    call = entry.call
    el = ET.Element("entry")
    _text(el, "id", entry_id(call.id))
    _text(el, "title", clean_text(call.title, 300) or call.id)
    url = safe_url(call.url)
    if url:
        ET.SubElement(el, "link", {"rel": "alternate", "href": url})
    published = _when(call.first_seen) or now.astimezone(UTC)
    _text(el, "published", _iso(published))
    _text(el, "updated", _iso(_when(call.changed_at) or published))
    author = ET.SubElement(el, "author")
    funder = funder_name(clean_text(call.funder), language)
    _text(author, "name", funder or "Fondsradar")
    ET.SubElement(el, "category", {"term": entry.theme.slug,
                                              "label": clean_text(entry.theme.name)})
    lines = [" · ".join(p for p in (funder, clean_text(call.programme)) if p)]
    if call.next_deadline:  # no "days left": a feed entry is read days after it was written
        lines.append(f"{words['deadline']}: {format_deadline(call.next_deadline, language)}")
    amount = amount_text(call.amount_min, call.amount_max, call.budget_total,
                         clean_text(call.currency) or None, language)
    if amount:
        lines.append(f"{words['amount']}: {amount}")
    target = target_text(call.levels, call.groups, language)
    if target:
        lines.append(f"{words['target']}: {target}")
    why = ", ".join(clean_text(t) for t in entry.why)
    lines.append(f"{clean_text(entry.theme.name)}" + (f" — {words['why']}: {why}" if why else ""))
    _text(el, "summary", "\n".join(line for line in lines if line), type="text")
    return el


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    el.text = text
    return el


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat().replace("+00:00", "Z")
