"""Rendering the weekly digest: plain records in, HTML and text out, no I/O but the templates.

Scraped text is untrusted, so templates autoescape, links are kept only when they are http(s),
and ``StrictUndefined`` makes a typo in a template fail a test instead of mailing a blank.
Dates and amounts are formatted with Babel in the digest's language (Danish by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = {"da": "da_DK", "en": "en_GB"}
COPENHAGEN = "Europe/Copenhagen"

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Fondsradar: nye fondsmuligheder",
        "week": "Uge",
        "intro": "Åbne og kommende opslag, sorteret efter hvor godt de passer til "
                 "Teknologipagtens temaer.",
        "deadline": "Frist",
        "days_left": "{n} dage tilbage",
        "today": "i dag",
        "no_deadline": "løbende",
        "amount": "Beløb",
        "budget": "Samlet budget",
        "why": "Hvorfor",
        "opens": "Åbner",
        "nothing": "Ingen åbne opslag matcher temaerne i denne uge.",
        "health": "Kilder",
        "failing": "{source}: kilden fejlede ved sidste kørsel — {message}",
        "healthy": "{source}: {items} opslag, sidst hentet {when}",
        "up_to": "op til {amount}",
        "generated": "Lavet af Fondsradar",
    },
    "en": {
        "title": "Fondsradar: new funding opportunities",
        "week": "Week",
        "intro": "Open and forthcoming calls, ranked by how well they fit the Teknologipagt's "
                 "themes.",
        "deadline": "Deadline",
        "days_left": "{n} days left",
        "today": "today",
        "no_deadline": "rolling",
        "amount": "Amount",
        "budget": "Total budget",
        "why": "Why",
        "opens": "Opens",
        "nothing": "No open calls match the themes this week.",
        "health": "Sources",
        "failing": "{source}: the source failed at the last run — {message}",
        "healthy": "{source}: {items} calls, last fetched {when}",
        "up_to": "up to {amount}",
        "generated": "Made by Fondsradar",
    },
}


def safe_url(url: str | None) -> str | None:
    """Only http(s) links reach an email; ``javascript:`` and friends are dropped."""
    if not url:
        return None
    scheme = urlparse(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


def format_deadline(value: str | None, language: str) -> str:
    """``2027-09-03T14:00:00+02:00`` → ``3. september 2027 kl. 14.00`` (Copenhagen time)."""
    if not value:
        return WORDS[language]["no_deadline"]
    locale = LOCALES[language]
    if len(value) <= 10:
        return format_date(date.fromisoformat(value), "d. MMMM y" if language == "da"
                           else "d MMMM y", locale=locale)
    dt = datetime.fromisoformat(value)
    pattern = "d. MMMM y 'kl.' HH.mm" if language == "da" else "d MMMM y, HH:mm"
    return format_datetime(dt, pattern, tzinfo=COPENHAGEN, locale=locale)


def format_amount(amount: float | None, currency: str | None, language: str) -> str:
    """``6000000, DKK`` → ``6 mio. kr.`` (da) or ``DKK 6 million`` (en)."""
    if amount is None:
        return ""
    locale = LOCALES[language]
    cur = (currency or "").upper()
    if amount >= 1_000_000:
        number = format_decimal(round(amount / 1_000_000, 1), locale=locale)
        if language == "da":
            unit = "kr." if cur == "DKK" else cur
            return f"{number} mio. {unit}".strip()
        return f"{cur} {number} million".strip()
    number = format_decimal(round(amount), locale=locale)
    if language == "da":
        return f"{number} kr." if cur == "DKK" else f"{number} {cur}".strip()
    return f"{cur} {number}".strip()


def amount_text(call: Mapping[str, Any], language: str) -> str:
    low, high, cur = call.get("amount_min"), call.get("amount_max"), call.get("currency")
    if low and high and low != high:
        return f"{format_amount(low, cur, language)} – {format_amount(high, cur, language)}"
    if high:
        return WORDS[language]["up_to"].format(amount=format_amount(high, cur, language))
    if call.get("budget_total"):
        budget = format_amount(call["budget_total"], cur, language)
        return f"{WORDS[language]['budget']}: {budget}"
    return ""


def days_left(deadline: str | None, today: date, language: str) -> str:
    """``12 dage tilbage``, counted in Copenhagen days."""
    if not deadline:
        return ""
    if len(deadline) <= 10:
        day = date.fromisoformat(deadline)
    else:
        day = datetime.fromisoformat(deadline).astimezone(ZoneInfo(COPENHAGEN)).date()
    n = (day - today).days
    return WORDS[language]["today"] if n == 0 else WORDS[language]["days_left"].format(n=n)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Everything is escaped but the plain-text part, which is never read as HTML.
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_digest(digest: Mapping[str, Any]) -> dict[str, str]:
    """Render ``digest`` (see :func:`build_view`) as ``{"html": ..., "text": ...}``."""
    env = environment()
    return {
        "html": env.get_template("digest.html.j2").render(**digest),
        "text": env.get_template("digest.txt.j2").render(**digest),
    }


def build_view(
    *,
    today: date,
    language: str,
    themes: Sequence[Mapping[str, Any]],
    health: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The template's view of the week.

    ``themes``: ``[{"slug", "name", "calls": [call record + "score", "matched"]}]``, best first;
    ``health``: ``[{"source", "status", "items", "last_ok", "message"}]``.
    """
    words = WORDS[language]
    sections = []
    for theme in themes:
        calls = [_call_view(call, today, language) for call in theme["calls"]]
        if calls:
            sections.append({"slug": theme["slug"], "name": theme["name"], "calls": calls})
    week = today.isocalendar()
    return {
        "w": words,
        "language": language,
        "today": format_date(today, "d. MMMM y" if language == "da" else "d MMMM y",
                             locale=LOCALES[language]),
        "week": f"{week.year}-W{week.week:02d}",
        "sections": sections,
        "health": [_health_view(h, language) for h in health],
    }


def _call_view(call: Mapping[str, Any], today: date, language: str) -> dict[str, Any]:
    words = WORDS[language]
    deadline = call.get("next_deadline")
    return {
        "title": call["title"],
        "url": safe_url(call.get("url")),
        "funder": call.get("funder") or "",
        "programme": call.get("programme") or "",
        "status": call.get("status") or "",
        "deadline": format_deadline(deadline, language) if deadline else (
            words["no_deadline"] if call.get("status") == "rolling" else ""),
        "days_left": days_left(deadline, today, language),
        "amount": amount_text(call, language),
        "why": ", ".join(call.get("matched") or []),
    }


def _health_view(row: Mapping[str, Any], language: str) -> dict[str, Any]:
    words = WORDS[language]
    failing = row.get("status") != "ok"
    text = (words["failing"] if failing else words["healthy"]).format(
        source=row.get("source"), message=row.get("message") or "",
        items=row.get("items") or 0, when=(row.get("last_ok") or "")[:10])
    return {"failing": failing, "text": text}
