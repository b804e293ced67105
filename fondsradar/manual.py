"""Calls entered by hand (``fondsradar import``): calls heard of by mail, national-agency rounds.

The file is JSON Lines with the exported record's keys. ``title`` and ``url`` are required,
``source`` defaults to ``manual``, ``id`` is derived when absent, unknown keys are ignored.
A bad line stops the import with its line number, before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records.call import STATUSES, stable_id
from records.clock import is_iso
from records.store import CALL_FIELDS


class ImportError_(Exception):  # noqa: N801 - "ImportError" is a builtin
    """A line of the import file is not a usable call."""


DEFAULTS: dict[str, Any] = {
    "source": "manual", "funder": "", "programme": None, "language": "da", "status": "open",
    "opens": None, "deadlines": [], "amount_min": None, "amount_max": None, "currency": None,
    "budget_total": None, "description": "", "keywords": [], "extra": {},
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise ImportError_(f"{path.name} line {number}: not valid JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ImportError_(f"{path.name} line {number}: expected a JSON object")
        records.append(to_record(raw, f"{path.name} line {number}"))
    return records


def to_record(raw: dict[str, Any], where: str) -> dict[str, Any]:
    for key in ("title", "url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ImportError_(f"{where}: {key!r} is required")
    if not raw["url"].startswith(("http://", "https://")):
        raise ImportError_(f"{where}: url must start with http:// or https://")
    record = {f: raw.get(f, DEFAULTS.get(f)) for f in CALL_FIELDS}
    if record["status"] not in STATUSES:
        raise ImportError_(f"{where}: status must be one of {', '.join(STATUSES)}")
    deadlines = record["deadlines"] or []
    if isinstance(deadlines, str):
        deadlines = [deadlines]
    for d in [*deadlines, *([record["opens"]] if record["opens"] else [])]:
        if not is_iso(d):
            raise ImportError_(f"{where}: {d!r} is not an ISO date like 2027-03-01")
    record["deadlines"] = sorted(deadlines)
    record["id"] = raw.get("id") or stable_id(record["source"], None, record["url"])
    return record
