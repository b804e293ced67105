"""``export --format csv``: the stored calls as a spreadsheet opens them cleanly.

- the header row always (an empty store gives a file with only the header);
- one row per call: line breaks inside a value become spaces, so no cell spans rows;
- lists joined with "; " (deadlines, keywords, the matcher's levels and groups), never JSON;
- amounts as plain numbers (``250000``, not ``250000.0``);
- a text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) gets a leading apostrophe, as OWASP advises for CSV
  injection: scraped titles are hostile, and a spreadsheet would otherwise run them;
- UTF-8 with a byte order mark, so Excel reads "æøå" right (``--no-bom`` leaves it out);
- ``extra`` (source-specific facts, nested) is left out: ``--format json`` has it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

BOM = "\ufeff"
COLUMNS = (
    "id", "source", "funder", "programme", "title", "url", "language", "status", "opens",
    "next_deadline", "deadlines", "amount_min", "amount_max", "currency", "budget_total",
    "description", "keywords", "levels", "groups", "first_seen", "last_seen", "changed_at",
    "seen", "origin",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JOIN = "; "
LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def to_csv(records: Iterable[Mapping[str, Any]], *, bom: bool = True,
           delimiter: str = ",") -> str:
    """The records as CSV text (CRLF line ends, as RFC 4180 and Excel expect)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        signals = record.get("signals") if isinstance(record.get("signals"), Mapping) else {}
        row = []
        for column in COLUMNS:
            value = signals.get(column) if column in ("levels", "groups") else record.get(column)
            row.append(cell(value))
        writer.writerow(row)
    return (BOM if bom else "") + buf.getvalue()


def cell(value: Any) -> str | int | float:
    """One value as a spreadsheet cell: numbers as numbers, everything else one line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list | tuple | set):
        return _text(JOIN.join(str(_flat(v)) for v in value if v is not None and v != ""))
    if isinstance(value, Mapping):
        return _text(JOIN.join(f"{k}: {_flat(v)}" for k, v in value.items()))
    return _text(str(value))


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _text(text: str) -> str:
    """One line (a line break would start a new row in some tools), then made inert."""
    if any(c in LINE_BREAKS for c in text):
        text = " ".join(text.split())
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text
