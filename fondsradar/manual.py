"""Calls entered by hand (``fondsradar import``): calls heard of by mail, national-agency rounds.

The file is JSON Lines (one JSON object per line) with the exported record's keys; the accepted
fields, their types and defaults are :data:`FIELDS` (also listed by ``fondsradar import --help``
and in the README). An import file is written by a person, so every value is checked before
anything is stored, and *every* problem of the file is reported at once, each with its line
number and field: a wrong type or a missing ``title``/``url`` is an error (nothing is
imported; exit 2); an unknown field is a warning naming it (the line is imported without it);
a date or amount beyond what a call can hold (records.bounds: years 1990–2100, at most 100
billion, no NaN) is dropped from the call with a warning, as for the spiders' items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from records.bounds import bound_record, strip_controls
from records.call import STATUSES, stable_id
from records.store import CALL_FIELDS, EXPORT_KEYS


class ImportError_(Exception):  # noqa: N801 - "ImportError" is a builtin
    """The import file cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


#: Every field an import line may have: (what it holds, its default). The README's table and
#: ``import --help`` are written from this.
FIELDS: dict[str, tuple[str, Any]] = {
    "title": ("text, required", None),
    "url": ("the call's web address (http:// or https://), required", None),
    "id": ("text; the same id updates the same call", "derived from source and url"),
    "source": ("text: letters, digits, _ . -", "manual"),
    "funder": ("text", ""),
    "programme": ("text", None),
    "language": ('"da" or "en"', "da"),
    "status": (" | ".join(f'"{s}"' for s in STATUSES), "open"),
    "opens": ('a date, "2027-03-01" or "2027-03-01T12:00:00+01:00"', None),
    "deadlines": ("a date, or a list of dates", []),
    "amount_min": ("a number of at least 0", None),
    "amount_max": ("a number of at least 0", None),
    "currency": ('a three-letter code, e.g. "DKK"', None),
    "budget_total": ("a number of at least 0", None),
    "description": ("text", ""),
    "keywords": ("a list of texts", []),
    "extra": ("an object of further facts", {}),
}
DEFAULTS: dict[str, Any] = {
    k: v for k, (_, v) in FIELDS.items() if k in CALL_FIELDS and k not in ("title", "url")}
DEFAULTS["source"] = "manual"
# Keys of an export that Fondsradar computes itself: accepted (an export imports again) and
# not used.
COMPUTED = frozenset(EXPORT_KEYS) - set(FIELDS)
_LIMITS = {"title": 500, "url": 2000, "id": 200, "source": 40, "funder": 300,
           "programme": 300, "description": 20_000}
_SOURCE = re.compile(r"^[A-Za-z0-9_.-]+$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Imported:
    """The calls of a file that can be stored, and the warnings about them."""

    records: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The calls of an import file; ``ImportError_`` with every problem if any line is bad."""
    return read_import(path).records


def read_import(path: Path) -> Imported:
    """Check every line of an import file; raise ``ImportError_`` listing every error."""
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a BOM from Notepad or Excel is fine
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{path.name}: not UTF-8 text (byte {exc.start}); save the file as "
                           "UTF-8 and try again") from None
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot be read ({exc.strerror})") from None
    result = Imported()
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError) as exc:
            detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            errors.append(f"{where}: not valid JSON ({detail})")
            continue
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected a JSON object {{...}}, got {_kind(raw)}")
            continue
        try:
            record, warnings = check_record(raw, where)
        except ImportError_ as exc:
            errors.extend(exc.problems)
            continue
        result.records.append(record)
        result.warnings.extend(warnings)
    if errors:
        raise ImportError_(errors)
    return result


def to_record(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """One line's call as the store takes it; ``ImportError_`` with all of its problems."""
    return check_record(raw, where)[0]


def check_record(raw: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """(the call as the store takes it, warnings); ``ImportError_`` with every error."""
    errors: list[str] = []
    warnings = [f"{where}: unknown field {_show_key(k)} ignored (see `fondsradar import --help`)"
                for k in raw if k not in FIELDS and k not in COMPUTED and k != "labels"]
    record: dict[str, Any] = {}

    def bad(key: str, why: str) -> None:
        errors.append(f"{where}: {key}: {why}")

    for key in ("title", "url"):
        if key not in raw or raw[key] is None or raw[key] == "":
            bad(key, "is required")
    for key in ("title", "url", "id", "source", "funder", "programme", "description"):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            bad(key, f"expected text in quotes, got {_kind(value)}")
        elif _SURROGATE.search(value):
            bad(key, "contains a broken character (a lone \\ud800-\\udfff escape)")
        elif len(value) > _LIMITS[key]:
            bad(key, f"longer than {_LIMITS[key]:,} characters")
    url = raw.get("url")
    if isinstance(url, str) and url and not re.match(r"^https?://[^\s/]+\S*$", url.strip()):
        bad("url", "must start with http:// or https:// and hold no spaces")
    source = raw.get("source")
    if isinstance(source, str) and not _SOURCE.match(source):
        bad("source", "use letters, digits and _ . - only (e.g. manual)")
    if raw.get("language") is not None and raw["language"] not in ("da", "en"):
        bad("language", f'expected "da" or "en", got {_value(raw["language"])}')
    if raw.get("status") is not None and raw["status"] not in STATUSES:
        bad("status", f"expected one of {', '.join(STATUSES)}, got {_value(raw['status'])}")
    currency = raw.get("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.match(currency)):
        bad("currency", f'expected a three-letter code like "DKK", got {_value(currency)}')
    opens = raw.get("opens")
    if opens is not None and not isinstance(opens, str):
        bad("opens", f'expected a date in quotes like "2027-03-01", got {_kind(opens)}')
    deadlines = raw.get("deadlines")
    if isinstance(deadlines, str):
        deadlines = [deadlines]
    if deadlines is not None and not (isinstance(deadlines, list)
                                      and all(isinstance(d, str) for d in deadlines)):
        bad("deadlines", 'expected a date in quotes or a list of them, like ["2027-03-01"]')
    for key in ("amount_min", "amount_max", "budget_total"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            bad(key, f"expected a number (without quotes), got {_kind(value)}")
    keywords = raw.get("keywords")
    if keywords is not None and not (isinstance(keywords, list)
                                     and all(isinstance(k, str) for k in keywords)):
        bad("keywords", 'expected a list of texts, like ["robotter", "STEM"]')
    if raw.get("extra") is not None and not isinstance(raw["extra"], dict):
        bad("extra", f"expected an object {{...}}, got {_kind(raw['extra'])}")
    dates = [("opens", opens)] if isinstance(opens, str) else []
    if isinstance(deadlines, list):
        dates += [("deadlines", d) for d in deadlines if isinstance(d, str)]
    for key, value in dates:
        if not _is_date_text(value):
            bad(key, f"{_value(value)} is not a date like 2027-03-01")
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        if not any("broken character" in e for e in errors):
            errors.append(f"{where}: contains a broken character (a lone \\ud800-\\udfff "
                          "escape) in keywords, extra or a field name")
    if errors:
        raise ImportError_(errors)

    for key in CALL_FIELDS:
        value = raw.get(key)
        record[key] = DEFAULTS.get(key) if value is None else value
    for key in ("title", "funder", "programme", "source"):
        if isinstance(record.get(key), str):
            record[key] = strip_controls(record[key], one_line=True).strip()
    record["url"] = record["url"].strip()
    record["description"] = strip_controls(record["description"] or "")
    record["keywords"] = [strip_controls(k, one_line=True) for k in record["keywords"] or []]
    record["deadlines"] = list(deadlines or [])
    record["currency"] = record["currency"].upper() if record["currency"] else None
    record["extra"] = dict(record["extra"] or {})
    # Impossible dates and amounts: the one rule of records.bounds, as for the spiders.
    warnings += [f"{where}: {w} (left out)" for w in bound_record(record)]
    record["deadlines"] = sorted(record["deadlines"])
    record["id"] = raw.get("id") or stable_id(record["source"], None, record["url"])
    return record, warnings


def fields_help() -> str:
    """The accepted fields, one line each, for ``import --help``."""
    return "\n".join(f"{k}: {what}" + (f" (default {_default(d)})" if d not in (None, "", [],
                                                                              {}) else "")
                     for k, (what, d) in FIELDS.items())


def _default(value: Any) -> str:
    return value if isinstance(value, str) and " " in value else json.dumps(value)


def _is_date_text(value: str) -> bool:
    from datetime import date, datetime

    try:
        (date.fromisoformat if len(value) <= 10 else datetime.fromisoformat)(value)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    names = {list: "a list", dict: "an object", bool: "true/false", int: "a number",
             float: "a number", str: "text", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:39] + "…"


def _show_key(key: str) -> str:
    return _value(strip_controls(key, one_line=True))
