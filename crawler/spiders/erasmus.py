"""Erasmus+ (and other EU programmes) from the EU Funding & Tenders search API, "SEDIA".

What is known about the API is in docs/sources.md §1; every quirk listed there is handled
here by name:

1. stale status: open/closed is decided from the deadlines, not the ``status`` flag;
2. several deadlines (two-stage, multiple cut-off): all are kept;
3. two record generations per identifier: both are yielded under one id and the dedupe
   pipeline keeps the richer (the new style, with description and budget);
4. unstable paging: stop on a short page, on a page with nothing new, or at ``max_pages``;
5. date formats: SEDIA timestamps, ``YYYY-MM-DD`` in ``actions``, epoch milliseconds in
   ``links``, zone-less local times in ``latestInfos``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response

from crawler.multipart import encode_multipart
from crawler.text import html_to_text
from records import sources as defaults
from records.call import CLOSED, FORTHCOMING, OPEN, CallItem
from records.clock import effective_status, sort_key, today

PORTAL_TOPIC = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
    "topic-details/{}"
)
PROGRAMMES = {"43353764": "Erasmus+", "43108390": "Horizon Europe"}
# SEDIA status ids (seen): only open and forthcoming topics are asked for.
STATUS_IDS = {"31094502": OPEN, "31094501": FORTHCOMING}
CLOSED_ID = "31094503"
# Result types asked for (topics and the like); type 6, a call's document, is no call.
RESULT_TYPES = ["1", "2", "8"]
# Fields whose array holds several values; every other metadata array holds one scalar.
LIST_FIELDS = {"deadlineDate", "keywords", "tags", "typesOfAction", "crossCuttingPriorities"}
# Fields that are JSON documents inside the strings.
JSON_FIELDS = {"actions", "budgetOverview", "links", "latestInfos"}
BRUSSELS = ZoneInfo("Europe/Brussels")
BOUNDARY = "FondsradarSedia7d4a1c"
Amount = float | None


class ErasmusSpider(scrapy.Spider):
    """One query per status and programme set, paged until a short page."""

    name = "erasmus"
    default_urls = (defaults.ERASMUS_SEARCH_URL,)  # the outbound policy, without a config
    funder = "European Commission"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        conf = self.settings.getdict("FONDSRADAR_SOURCES").get(self.name, {})
        self.search_url = conf.get("search_url", defaults.ERASMUS_SEARCH_URL)
        self.programmes = [str(p) for p in conf.get("programmes", defaults.ERASMUS_PROGRAMMES)]
        self.page_size = int(conf.get("page_size", 100))
        self.max_pages = int(conf.get("max_pages", 50))
        self.today: date = today(self.settings.get("FONDSRADAR_TODAY"))
        self.seen_results: set[str] = set()
        for status_id in STATUS_IDS:
            yield self._search(status_id, 1)

    # --------------------------------------------------------------------------- requests
    def _search(self, status_id: str, page: int) -> scrapy.Request:
        query = {"bool": {"must": [
            {"terms": {"type": RESULT_TYPES}},
            {"term": {"status": status_id}},
            {"terms": {"frameworkProgramme": self.programmes}},
        ]}}
        parts = [
            ("query", "application/json", json.dumps(query)),
            ("languages", "application/json", json.dumps(["en"])),
            ("sort", "application/json", json.dumps({"field": "identifier", "order": "ASC"})),
        ]
        body, content_type = encode_multipart(parts, BOUNDARY)
        params = {"apiKey": "SEDIA", "text": "***", "pageSize": self.page_size,
                  "pageNumber": page}
        return scrapy.Request(
            f"{self.search_url}?{urlencode(params)}",
            method="POST",
            body=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            callback=self.parse,
            cb_kwargs={"status_id": status_id, "page": page},
            dont_filter=True,
        )

    # ---------------------------------------------------------------------------- parsing
    def parse(self, response: Response, status_id: str, page: int) -> Iterator[Any]:
        """Items of one API page, then the next page unless this one ends the list."""
        try:
            # JSON is UTF-8 whatever the Content-Type header claims; decode the bytes.
            data = json.loads(response.body)
            results = data["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"the EU search API did not answer with search results ({exc.__class__.__name__}"
                f"): {response.text[:200]!r}"
            ) from exc
        stats = self.crawler.stats
        stats.inc_value("erasmus/results", len(results))
        keys = {_result_key(r) for r in results}
        fresh = len(keys - self.seen_results)
        self.seen_results |= keys
        for result in results:
            meta = flatten_metadata(result.get("metadata") or {})
            if meta.get("frameworkProgramme") not in self.programmes:
                # The query asks for these programmes only; a mirror may not filter.
                stats.inc_value("erasmus/other_programme")
                continue
            if not meta.get("identifier"):
                stats.inc_value("erasmus/no_identifier")
                continue
            # Asked for English topics only; an answer that ignores that (seen: one topic in
            # Swedish, Czech and English, and its call documents) must not store a translation
            # as an English call, or a document as a call.
            if str(meta.get("type") or "1") not in RESULT_TYPES:
                stats.inc_value("erasmus/other_type")
                continue
            if str(meta.get("language") or "en") != "en":
                stats.inc_value("erasmus/other_language")
                continue
            item = self._build_item(result, meta)
            if item.status == CLOSED:
                stats.inc_value("erasmus/closed_dropped")
                continue
            yield item
        # Quirk 4: totalResults jumps between runs, so it is never trusted; a short page
        # ends the list, and a full page with nothing new means the paging went round.
        if len(results) >= self.page_size and fresh and page < self.max_pages:
            yield self._search(status_id, page + 1)

    def _build_item(self, result: dict[str, Any], meta: dict[str, Any]) -> CallItem:
        opens = self._parse_opens(meta)
        deadlines = self._parse_deadlines(meta)
        amount_min, amount_max, budget = self._parse_amount(meta)
        return CallItem(
            source=self.name,
            source_id=meta["identifier"],
            funder=self.funder,
            programme=self._parse_programme(meta),
            title=self._parse_title(result, meta),
            url=self._parse_url(meta),
            language="en",
            status=self._parse_status(meta, opens, deadlines),
            opens=opens,
            deadlines=deadlines,
            amount_min=amount_min,
            amount_max=amount_max,
            currency="EUR" if (amount_max or budget) else None,
            budget_total=budget,
            description=self._parse_description(meta),
            keywords=self._parse_keywords(meta),
            extra=self._parse_extra(meta),
        )

    def _parse_title(self, result: dict[str, Any], meta: dict[str, Any]) -> str:
        return meta.get("title") or meta.get("callTitle") or result.get("summary") or (
            meta["identifier"])

    def _parse_url(self, meta: dict[str, Any]) -> str:
        """The portal page for people; legacy records point at a JSON file instead."""
        for key in ("url", "esST_URL"):
            url = meta.get(key) or ""
            if "/portal/screen/" in url:
                return url
        return PORTAL_TOPIC.format(meta["identifier"])

    def _parse_programme(self, meta: dict[str, Any]) -> str:
        pid = meta["frameworkProgramme"]
        return PROGRAMMES.get(pid, f"EU programme {pid}")

    def _parse_opens(self, meta: dict[str, Any]) -> str | None:
        actions = meta.get("actions") or []
        planned = [a.get("plannedOpeningDate") for a in actions if a.get("plannedOpeningDate")]
        raw = meta.get("startDate")
        return sedia_date(raw) if raw else (min(planned) if planned else None)

    def _parse_deadlines(self, meta: dict[str, Any]) -> list[str]:
        """Quirk 2: every deadline, from ``deadlineDate`` or else the ``actions``."""
        values = {sedia_date(d) for d in meta.get("deadlineDate") or [] if d}
        if not values:
            for action in meta.get("actions") or []:
                values.update(d for d in action.get("deadlineDates") or [] if d)
        return sorted(values, key=sort_key)

    def _parse_status(self, meta: dict[str, Any], opens: str | None, deadlines: list[str]) -> str:
        """Quirk 1: the flag only says forthcoming vs open; the dates decide closed."""
        flag = meta.get("status", "")
        flagged = STATUS_IDS.get(flag, CLOSED if flag == CLOSED_ID else OPEN)
        return effective_status(flagged, opens, deadlines, self.today)

    def _parse_amount(self, meta: dict[str, Any]) -> tuple[Amount, Amount, Amount]:
        """(min, max, total): the per-grant range where the budget gives one, else the
        topic's total as the maximum, and the total itself.

        ``budgetOverview`` may be shared by several topics (seen: five awards in one), so only
        the actions named after this identifier are counted.
        """
        overview = meta.get("budgetOverview") or {}
        actions = [a for group in (overview.get("budgetTopicActionMap") or {}).values()
                   for a in group]
        mine = [a for a in actions if str(a.get("action", "")).startswith(meta["identifier"])]
        mine = mine or (actions if len({a.get("action") for a in actions}) == 1 else [])
        total = sum(_number(v) or 0 for a in mine for v in (a.get("budgetYearMap") or {}).values())
        lows = [_number(a.get("minContribution")) for a in mine]
        highs = [_number(a.get("maxContribution")) for a in mine]
        low = min((v for v in lows if v), default=None)
        high = max((v for v in highs if v), default=None)
        # Without a per-grant maximum, the topic's budget is the most one could be granted.
        return low, high or (total or None), (total or None)

    def _parse_description(self, meta: dict[str, Any]) -> str:
        return html_to_text(meta.get("descriptionByte"))

    def _parse_keywords(self, meta: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for word in [*(meta.get("keywords") or []), *(meta.get("tags") or [])]:
            if word and word != meta["identifier"] and word not in out:
                out.append(word)
        return out

    def _parse_extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        infos = meta.get("latestInfos") or []
        latest = max(infos, key=lambda i: i.get("lastChangeDate") or "", default=None)
        links = meta.get("links") or []
        return {
            "record_style": "new" if meta.get("descriptionByte") or meta.get("actions")
            else "legacy",
            "call_identifier": meta.get("callIdentifier"),
            "deadline_model": meta.get("deadlineModel"),
            "types_of_action": meta.get("typesOfAction") or [],
            "latest_info": {
                "text": html_to_text(latest.get("content")),
                "changed": local_time(latest.get("lastChangeDate")),
            } if latest else None,
            "submission": [
                {"url": link.get("url"), "opens": epoch_ms(link.get("startDate")),
                 "closes": epoch_ms(link.get("endDate"))}
                for link in links if link.get("url")
            ],
        }


# ------------------------------------------------------------------------- metadata helpers
def flatten_metadata(metadata: dict[str, list[str]]) -> dict[str, Any]:
    """SEDIA wraps every value in an array of strings; unwrap and decode the JSON strings."""
    flat: dict[str, Any] = {}
    for key, values in metadata.items():
        if not isinstance(values, list):
            values = [values]
        if key in JSON_FIELDS:
            flat[key] = _decode_json(values[0]) if values else None
        elif key in LIST_FIELDS:
            flat[key] = _decode_list(values)
        else:
            flat[key] = values[0] if values else None
    return flat


def _result_key(result: dict[str, Any]) -> str:
    """What makes a result the same one on another page: its reference, else its content."""
    return str(result.get("reference") or json.dumps(result, sort_keys=True)[:500])


def _decode_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _decode_list(values: list[Any]) -> list[str]:
    """A list field; legacy records hold the whole list as one JSON string."""
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.startswith("["):
            decoded = _decode_json(value)
            if isinstance(decoded, list):
                out.extend(str(v) for v in decoded)
                continue
        out.append(str(value))
    return out


def sedia_date(value: str) -> str:
    """``2026-09-03T00:00:00.000+0000`` → ``2026-09-03``; a real time keeps its offset.

    New-style records put bare dates at midnight UTC, so midnight means "no time given"."""
    if len(value) <= 10:
        return date.fromisoformat(value).isoformat()
    dt = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    if dt.utcoffset() is not None and dt.utcoffset().total_seconds() == 0 and (
        dt.hour, dt.minute, dt.second) == (0, 0, 0):
        return dt.date().isoformat()
    return dt.replace(microsecond=0).isoformat()


def epoch_ms(value: Any) -> str | None:
    """``links`` carry epoch milliseconds as strings."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC).replace(microsecond=0).isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def local_time(value: str | None) -> str | None:
    """``latestInfos`` times have no zone; they are the Commission's, Brussels time."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BRUSSELS)
    return dt.replace(microsecond=0).isoformat()


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
