"""Serving the real SEDIA responses (tests/fixtures/erasmus) to the Erasmus+ spider.

The fixture pages were fetched by another crawler with one open+forthcoming query over every
programme (see tests/fixtures/erasmus/README.md), so they cannot be replayed byte for byte
against our per-status, per-programme queries. Instead we answer our queries with them: the open query gets
pages 01 → 14 → 19 (19 is short and ends the paging), the forthcoming query gets page 07 (short).
The pages are the vendored copies, byte for byte; nothing here edits them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from crawler.multipart import encode_multipart

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ERASMUS = FIXTURES / "erasmus"
MORE = ERASMUS / "more"  # other programmes and newer API versions; no Erasmus+ record in them
PAGES = {
    "31094502": ["sedia_search_open-forthcoming_2026-05-31_page-01.json",
                 "sedia_search_open-forthcoming_2026-06-27_page-14.json",
                 "sedia_search_open-forthcoming_2026-06-27_page-19.json"],
    "31094501": ["sedia_search_open-forthcoming_2026-06-26_page-07.json"],
}
# The day of the last fetch; every fixture topic's status is decided against it.
FETCHED = "2026-06-27"


def page(name: str) -> bytes:
    return (ERASMUS / name).read_bytes()


def erasmus_topics(names: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every Erasmus+ record in the fixture pages, by identifier (both generations)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in names or [n for pages in PAGES.values() for n in pages]:
        for result in json.loads(page(name))["results"]:
            meta = result["metadata"]
            if meta.get("frameworkProgramme") == ["43353764"]:
                out.setdefault(meta["identifier"][0], []).append(result)
    return out


def sedia_request(base: str, status_id: str, page_number: int,
                  programmes: list[str], boundary: str = "TestBoundary99") -> dict[str, Any]:
    """The request our spider sends, as a HAR request (any boundary matches on replay)."""
    query = {"bool": {"must": [
        {"terms": {"type": ["1", "2", "8"]}},
        {"term": {"status": status_id}},
        {"terms": {"frameworkProgramme": programmes}},
    ]}}
    body, ctype = encode_multipart([
        ("query", "application/json", json.dumps(query)),
        ("languages", "application/json", json.dumps(["en"])),
        ("sort", "application/json", json.dumps({"field": "identifier", "order": "ASC"})),
    ], boundary)
    params = {"apiKey": "SEDIA", "text": "***", "pageSize": 100, "pageNumber": page_number}
    return {
        "method": "POST",
        "url": f"{base}?{urlencode(params)}",
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Content-Type", "value": ctype}],
        "queryString": [{"name": k, "value": str(v)} for k, v in params.items()],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(body),
        "postData": {"mimeType": ctype, "text": body.decode("utf-8")},
    }


def har_entry(request: dict[str, Any], status: int, body: str,
              mime: str = "application/json") -> dict[str, Any]:
    return {
        "startedDateTime": "2026-06-27T04:05:28.000Z",
        "time": 1,
        "request": request,
        "response": {
            "status": status, "statusText": "OK" if status == 200 else "Error",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": mime}],
            "cookies": [],
            "content": {"size": len(body), "mimeType": mime, "text": body},
            "redirectURL": "", "headersSize": -1, "bodySize": len(body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }


def build_har(path: Path, base: str, programmes: list[str] | None = None,
              pages: dict[str, list[str]] | None = None) -> Path:
    """A HAR 1.2 file answering the spider's queries with the fixture pages."""
    programmes = programmes or ["43353764"]
    entries = []
    for status_id, names in (pages or PAGES).items():
        for number, name in enumerate(names, 1):
            entries.append(har_entry(sedia_request(base, status_id, number, programmes), 200,
                                     page(name).decode("utf-8")))
    har = {"log": {"version": "1.2", "creator": {"name": "fondsradar-tests", "version": "1"},
                   "entries": entries}}
    path.write_text(json.dumps(har), encoding="utf-8")
    return path
