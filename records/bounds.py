"""The one rule for which values a call record may hold, applied wherever values enter.

Pages and import files are written by other people: a deadline of 9999-12-31, an amount of
10^50 or ``1e308``, ``NaN``, or a title with terminal escape codes are all possible, and each
one, once stored, used to break every following digest. So the spiders' items (the validate
pipeline), ``fondsradar import`` and the digest's reading of stored records (old runs may have
stored such values) all pass through :func:`bound_record`: an impossible value is dropped from
the record, with a warning that names the field and the value, and the rest of the call is kept.
"""

from __future__ import annotations

import math
import re
from collections.abc import MutableMapping
from datetime import date, datetime
from typing import Any

#: Dates outside these years are typing errors or placeholders (0001-01-01, 9999-12-31), not
#: deadlines: funding calls in this programme's lifetime fall well inside.
MIN_YEAR, MAX_YEAR = 1990, 2100
#: The largest amount a call can name: 100 billion in any currency (Horizon Europe's whole
#: seven-year budget is about 95 billion euro); above it the number is a parsing accident.
MAX_AMOUNT = 100_000_000_000.0
AMOUNT_FIELDS = ("amount_min", "amount_max", "budget_total")

# C0 and C1 control characters (ESC starts terminal escape codes), DEL, and the invisible
# bidirectional overrides that make text read differently from what it is; lone surrogates
# (invalid Unicode that breaks writing UTF-8).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")
_CONTROLS_ONE_LINE = re.compile(_CONTROLS.pattern[:-1] + "\t\n]")


def strip_controls(text: str, *, one_line: bool = False) -> str:
    """``text`` without control characters (keeping newlines and tabs unless ``one_line``,
    where they become spaces): safe for a terminal, a log line and a mail header alike."""
    if one_line:
        return _CONTROLS_ONE_LINE.sub(lambda m: " " if m.group() in "\t\n" else "", text)
    return _CONTROLS.sub("", text)


def date_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a call's date, or None: an ISO date or datetime (with or
    without offset) in the years MIN_YEAR–MAX_YEAR."""
    if not isinstance(value, str):
        return f"expected a date as text like \"2027-03-01\", got {_kind(value)}"
    try:
        parsed = (date.fromisoformat if len(value) <= 10 else datetime.fromisoformat)(value)
    except ValueError:
        return f"{_show(value)} is not a date like 2027-03-01"
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return f"{_show(value)} is outside the years {MIN_YEAR}–{MAX_YEAR}"
    if isinstance(parsed, datetime) and parsed.tzinfo is not None:
        try:
            parsed.utcoffset()
            parsed.astimezone()
        except (OverflowError, ValueError):
            return f"{_show(value)} is not a usable time"
    return None


def amount_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an amount, or None: a finite number from 0 to MAX_AMOUNT."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number, got {_kind(value)}"
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return "the number is far too large"
    if not math.isfinite(number):
        return f"{value!r} is not a number"
    if number < 0:
        return f"{_show(value)} is negative"
    if number > MAX_AMOUNT:
        return f"{_show(value)} is more than {MAX_AMOUNT:,.0f}"
    return None


def bound_record(record: MutableMapping[str, Any]) -> list[str]:
    """Drop the impossible dates and amounts of one call record, in place; say what went.

    ``opens`` becomes None, a bad deadline leaves the list, an amount becomes None. Each
    warning reads ``"deadlines: '9999-12-31' is outside the years 1990–2100"``.
    """
    warnings: list[str] = []
    opens = record.get("opens")
    if opens is not None:
        problem = date_problem(opens)
        if problem:
            warnings.append(f"opens: {problem}")
            record["opens"] = None
    deadlines = record.get("deadlines")
    if deadlines is not None:
        if isinstance(deadlines, str):
            deadlines = [deadlines]
        if not isinstance(deadlines, list | tuple):
            warnings.append(f"deadlines: expected a list of dates, got {_kind(deadlines)}")
            deadlines = []
        kept = []
        for value in deadlines:
            problem = date_problem(value)
            if problem:
                warnings.append(f"deadlines: {problem}")
            else:
                kept.append(value)
        record["deadlines"] = kept
    for field in AMOUNT_FIELDS:
        value = record.get(field)
        if value is not None:
            problem = amount_problem(value)
            if problem:
                warnings.append(f"{field}: {problem}")
                record[field] = None
    return warnings


def _kind(value: Any) -> str:
    names = {list: "a list", dict: "an object", bool: "true/false", int: "a number",
             float: "a number", str: "text", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 40) -> str:
    text = strip_controls(repr(value) if not isinstance(value, str) else value, one_line=True)
    if isinstance(value, int | float) and len(text) > 16:
        text = f"{float(value):.3g}" if not isinstance(value, int) or value < 10**300 else "1e300+"
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text
