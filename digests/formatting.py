"""Dates, amounts and counts as staff read them, formatted with Babel in the digest's language.

``2027-09-03T14:00:00+02:00`` → ``3. september 2027 kl. 14.00``; ``6000000 DKK`` →
``6 mio. kr.``. Deadlines are shown in Copenhagen time whatever offset the source gave,
because that is the clock the pagt's staff plan by. Babel puts no-break spaces inside
amounts, so "6 mio. kr." never wraps across two lines.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_currency, format_currency, format_decimal

from digests.text import clean_text
from digests.words import LEVELS, STATUS, WORDS
from records.bounds import amount_problem
from records.clock import COPENHAGEN, local_date

LOCALES = {"da": "da_DK", "en": "en_GB"}
DATE_PATTERN = {"da": "d. MMMM y", "en": "d MMMM y"}
DATETIME_PATTERN = {"da": "d. MMMM y 'kl.' HH.mm", "en": "d MMMM y, HH:mm"}


# The Copenhagen calendar day of an ISO date or datetime: the one rule, shared with the store.
local_day = local_date


def format_day(day: date, language: str, *, weekday: bool = False) -> str:
    pattern = ("EEEE " if weekday else "") + DATE_PATTERN[language]
    return format_date(day, pattern, locale=LOCALES[language])


def format_deadline(value: str | None, language: str) -> str:
    """An ISO deadline as words: with the time (Copenhagen) when the source gave one."""
    if not value:
        return ""
    try:
        if len(value) <= 10:
            return format_day(date.fromisoformat(value), language)
        dt = datetime.fromisoformat(value)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=COPENHAGEN)
        return format_datetime(dt, DATETIME_PATTERN[language], tzinfo=COPENHAGEN,
                               locale=LOCALES[language])
    except (ValueError, OverflowError):  # not a date, or one at the calendar's edge: as stored
        return value


def format_timestamp(value: str | None, language: str) -> str:
    """When the crawler saw something (UTC ISO) as a Copenhagen day; "" when unknown."""
    if not value:
        return ""
    try:
        return format_day(local_day(value), language)
    except (ValueError, OverflowError):
        return ""


def days_left(deadline: str | None, today: date, language: str) -> str:
    """``12 dage tilbage``, counted in Copenhagen days; "" for a deadline already passed."""
    if not deadline:
        return ""
    try:
        n = (local_day(deadline) - today).days
    except (ValueError, OverflowError):
        return ""
    words = WORDS[language]
    if n < 0:
        return ""
    if n == 0:
        return words["today"]
    if n == 1:
        return words["tomorrow"]
    return words["days_left"].format(n=n)


def format_amount(amount: float | None, currency: str | None, language: str) -> str:
    """``6000000, DKK`` → ``6 mio. kr.`` (da) / ``DKK 6M`` (en); smaller sums in full."""
    if amount is None or amount_problem(amount):  # NaN, 1e308, negative: nothing to show
        return ""
    locale = LOCALES[language]
    cur = (currency or "").upper().strip()
    if not cur:
        return format_decimal(round(amount), locale=locale)
    try:
        if abs(amount) >= 1_000_000:
            text = format_compact_currency(amount, cur, locale=locale, fraction_digits=2)
        else:
            pattern = "#,##0\xa0¤" if language == "da" else "¤#,##0"
            text = format_currency(round(amount), cur, format=pattern, locale=locale,
                                   currency_digits=False)
    except (ValueError, KeyError):  # an unknown currency code: number and code
        return f"{format_decimal(round(amount), locale=locale)}\xa0{cur}"
    if language == "en" and text[:3].isalpha():  # "DKK6M" reads better as "DKK 6M"
        text = f"{text[:3]}\xa0{text[3:]}"
    return text


def amount_text(amount_min: float | None, amount_max: float | None,
                budget_total: float | None, currency: str | None, language: str) -> str:
    """A call's grant size: a range, "up to", or the programme's total budget."""
    words = WORDS[language]
    low, high = amount_min or None, amount_max or None
    if low and high and low != high:
        return f"{format_amount(low, currency, language)} – " \
               f"{format_amount(high, currency, language)}"
    if high:
        return words["up_to"].format(amount=format_amount(high, currency, language))
    if low:
        return format_amount(low, currency, language)
    if budget_total:
        return f"{words['budget']}: {format_amount(budget_total, currency, language)}"
    return ""


def status_label(status: str | None, language: str) -> str:
    return STATUS[language].get(status or "", status or "")


def target_text(levels: tuple[str, ...], groups: tuple[str, ...], language: str) -> str:
    """The matcher's education signals as one line: ``erhvervsuddannelser, lærere · piger``."""
    names = LEVELS[language]
    parts = [", ".join(names.get(x, x) for x in levels), ", ".join(names.get(x, x)
                                                                  for x in groups)]
    text = " · ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def why_text(terms: tuple[str, ...], levels: tuple[str, ...], language: str) -> str:
    """The "Hvorfor" line: the matched terms (already in the reader's language) and the
    education levels found, ``erhvervsuddannelse, lærling · niveau: erhvervsuddannelser``.

    "skole" (a school of any kind) is left out beside a named level; it adds nothing there.
    """
    words = [t for t in (clean_text(t) for t in terms) if t]
    named = [x for x in levels if x != "skole"] or list(levels)
    text = ", ".join(dict.fromkeys(words))
    if text and named:
        names = LEVELS[language]
        text += f" · {WORDS[language]['level']}: " + ", ".join(names.get(x, x) for x in named)
    return text


def change_text(field: str, value: str | None, currency: str | None, language: str) -> str:
    """A value from ``call_changes`` (stored as text) in words, for "old → new"."""
    words = WORDS[language]
    if value is None or value == "":
        return words["none"]
    if field == "deadlines":
        try:
            items = json.loads(value)
        except (ValueError, TypeError):
            return value
        if not isinstance(items, list) or not items:
            return words["none"]
        return ", ".join(format_deadline(str(d), language) for d in items)
    if field in ("amount_min", "amount_max", "budget_total"):
        try:
            return format_amount(float(value), currency, language) or value
        except (ValueError, OverflowError):
            return value
    if field == "status":
        return status_label(value, language)
    return value


def week_of(day: date) -> str:
    """The ISO week a day falls in, as archive pages are named: ``2027-W02``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_range(week: str, language: str) -> str:
    """``2027-W02`` → ``11. januar 2027 – 17. januar 2027``."""
    start = date.fromisocalendar(int(week[:4]), int(week[6:8]), 1)
    return WORDS[language]["week_range"].format(
        start=format_day(start, language), end=format_day(start + timedelta(days=6), language))


def week_title(week: str, language: str) -> str:
    return WORDS[language]["week_title"].format(week=int(week[6:8]), year=week[:4])


def plural(key: str, n: int, language: str) -> str:
    words = WORDS[language]
    return words[f"{key}_1"] if n == 1 else words[key].format(n=n)

