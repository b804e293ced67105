"""Facts a page states for machines: JSON-LD (schema.org) and Open Graph.

A redesign that moves the visible labels around often keeps (or adds) the structured data that
search engines read: a ``<script type="application/ld+json">`` with an Event, a Grant or an
Offer, and ``og:`` meta tags. Where a page offers them, the spiders use them beside the labels:
dates first of all, because a JSON-LD date is unambiguous.

Every value here comes from a web page and is bounded where it enters: at most
``MAX_BLOCKS`` JSON-LD blocks of ``MAX_BLOCK_CHARS`` each are read, nested no deeper than
``MAX_DEPTH``; dates must parse as ISO 8601; amounts must be non-negative numbers below
``MAX_AMOUNT``; texts are cut to ``MAX_TEXT``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

from crawler.parsing import Amount
from crawler.text import parse_html

MAX_BLOCKS = 10
MAX_BLOCK_CHARS = 200_000
MAX_DEPTH = 8
MAX_AMOUNT = 1e12  # far above any grant; a bigger number is noise
MAX_TEXT = 4000

# schema.org and common non-standard keys, by the field they give.
DEADLINE_KEYS = ("applicationDeadline", "deadline", "endDate", "validThrough", "expires")
OPENS_KEYS = ("applicationStartDate", "startDate", "validFrom", "availabilityStarts")
AMOUNT_KEYS = ("amount", "grantAmount", "funding", "offers", "priceSpecification")


@dataclass
class Facts:
    """What the page's structured data says; empty fields when it says nothing."""

    deadlines: list[str] = field(default_factory=list)
    opens: str | None = None
    amount: Amount | None = None
    title: str | None = None
    description: str | None = None

    def __bool__(self) -> bool:
        return bool(self.deadlines or self.opens or self.amount)


def structured_facts(html: str | bytes | etree._Element) -> Facts:
    """Deadlines, opening, amount, title and description from JSON-LD, then Open Graph."""
    root = parse_html(html)
    facts = Facts()
    if root is None:
        return facts
    for node in _json_ld_nodes(root):
        for key in DEADLINE_KEYS:
            for value in _values(node.get(key)):
                found = iso_value(value)
                if found and found not in facts.deadlines:
                    facts.deadlines.append(found)
        if facts.opens is None:
            facts.opens = next((iso_value(v) for k in OPENS_KEYS for v in _values(node.get(k))
                                if iso_value(v)), None)
        if facts.amount is None:
            facts.amount = next((a for k in AMOUNT_KEYS for v in _values(node.get(k))
                                 if (a := _amount(v))), None)
        facts.title = facts.title or _text(node.get("name") or node.get("headline"))
        facts.description = facts.description or _text(node.get("description"))
    facts.title = facts.title or _meta(root, "og:title")
    facts.description = facts.description or _meta(root, "og:description")
    return facts


def _json_ld_nodes(root: etree._Element) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks (``@graph`` and nesting included)."""
    scripts = root.xpath("//script[translate(@type, 'LDJSON+APLICTN/', 'ldjson+aplictn/')"
                         " = 'application/ld+json']")
    for script in scripts[:MAX_BLOCKS]:
        text = (script.text or "")[:MAX_BLOCK_CHARS]
        try:
            data = json.loads(text)
        except ValueError:
            continue
        yield from _objects(data, 0)


def _objects(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _objects(value, depth + 1)
    elif isinstance(data, list):
        for value in data[:100]:
            yield from _objects(value, depth + 1)


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value[:20]) if isinstance(value, list) else [value]


def iso_value(value: Any) -> str | None:
    """An ISO 8601 date or date-time as the stored record wants it (a date stays a date; a
    time keeps its offset); None for anything else."""
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 40:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _amount(value: Any) -> Amount | None:
    """A schema.org MonetaryAmount (or a bare number): value, or minValue/maxValue."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _number(value)
        return Amount(None, number, None) if number is not None else None
    if not isinstance(value, dict):
        return None
    currency = value.get("currency") or value.get("priceCurrency")
    currency = currency.strip().upper()[:3] if isinstance(currency, str) else None
    low, high = _number(value.get("minValue")), _number(value.get("maxValue"))
    single = _number(value.get("value") if "value" in value else value.get("price"))
    if high is None and single is None and isinstance(value.get("value"), dict):
        return _amount(value["value"])
    if high is None:
        high = single
    if high is None or (low is not None and low > high):
        return None
    return Amount(low, high, currency)


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number < MAX_AMOUNT else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:MAX_TEXT]


def _meta(root: etree._Element, prop: str) -> str | None:
    found = root.xpath("//meta[@property=$p or @name=$p]/@content", p=prop)
    return _text(found[0]) if found else None
