"""The one item every spider yields.

Declared once, as a dataclass, so that ``dataclasses.asdict(item)`` is the complete record the
store upserts (Scrapy supports dataclass items natively). Field names follow the exported record
of docs/architecture.md; ``id`` is filled in by the normalise pipeline from ``source`` and
``source_id``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# Status values of the exported record (docs/architecture.md "A stored call").
OPEN = "open"
FORTHCOMING = "forthcoming"
CLOSED = "closed"
ROLLING = "rolling"
WATCH = "watch"
STATUSES = (OPEN, FORTHCOMING, CLOSED, ROLLING, WATCH)


@dataclass
class CallItem:
    """A funding call (or a watched page) as one source describes it."""

    source: str
    title: str
    url: str
    funder: str
    programme: str | None = None
    source_id: str | None = None
    language: str = "en"
    status: str = OPEN
    opens: str | None = None
    deadlines: list[str] = field(default_factory=list)
    amount_min: float | None = None
    amount_max: float | None = None
    currency: str | None = None
    budget_total: float | None = None
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    # Source-specific facts worth keeping (deadline model, call identifier, what changed ...).
    extra: dict[str, Any] = field(default_factory=dict)
    id: str = ""


def stable_id(source: str, source_id: str | None, url: str) -> str:
    """``<source>:<own id>``, or a hash of the canonical URL when the source has no id."""
    if source_id:
        return f"{source}:{source_id}"
    canonical = url.strip().split("#", 1)[0].rstrip("/").lower()
    return f"{source}:{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"
