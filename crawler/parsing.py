"""Dates, deadlines and amounts out of Danish and English funding-call text.

Every spider reads its dates and amounts through this module, so that "5 September 2024 2:00pm
(CEST)", "senest mandag den 11. april 2024 kl. 12.00" and "20.06.2019" all become the same kind
of value, and a page's publication date or info meeting is never taken for its deadline.

Hand-written regular expressions, not dateparser: the sources use a small, known set of forms
(docs/sources.md and the fixtures), a regex says exactly what is accepted, it runs in
microseconds, and it gives the match offsets that the label logic of `find_deadlines` needs.
dateparser's search mode also finds "dates" in words like "may" and in bare numbers.

Conventions, chosen once here so that every spider agrees:
- A time given -> a timezone-aware datetime; no time -> a date. "CET"/"CEST" are honoured as
  written (+01:00/+02:00, even when a page says CET in October); "UTC"/"GMT"/"Z" are UTC; no zone,
  "Copenhagen time" or "dansk tid" -> Europe/Copenhagen with that day's DST offset.
- Weekday names are skipped, never checked: pages get them wrong ("mandag den 11. april 2024").
- A day and month without a year take it from a later date in the same range or list ("13. januar
  til den 14. februar 2025"), else `default_year`, else the next such day on or after `today`,
  else the date is dropped. A month without a day ("December 2024") is not a date.
- Numbers: "100.000" and "6,000,000" are thousands (groups of exactly three digits), "5.0",
  "0,5" and "13,65" are decimals; with both separators the last one is the decimal point.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from records.clock import COPENHAGEN

__all__ = [
    "Amount",
    "DateMatch",
    "find_amounts",
    "find_dates",
    "find_deadline",
    "find_deadlines",
    "find_opens",
    "is_closed",
    "is_rolling",
    "parse_amount",
    "parse_date",
    "year_from_context",
]


DateValue = date | datetime  # datetime is a subclass of date; the alias documents the intent


@dataclass(frozen=True)
class DateMatch:
    """One date found in a text, with where it was found."""

    value: DateValue
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Amount:
    """An amount or range of money; a bound that the text does not give is None."""

    min: float | None
    max: float | None
    currency: str | None  # ISO 4217 code, or None when the text names no currency


def amount_fields(amount: Amount | None, default_currency: str) -> dict[str, object]:
    """A CallItem's amount_min, amount_max and currency; a bare number is in the source's
    own currency."""
    if amount is None:
        return {"amount_min": None, "amount_max": None, "currency": None}
    return {"amount_min": amount.min, "amount_max": amount.max,
            "currency": amount.currency or default_currency}


# ----------------------------------------------------------------------------------- dates

_MONTHS = {
    "januar": 1, "january": 1, "januari": 1, "jan": 1,
    "februar": 2, "february": 2, "februari": 2, "feb": 2,
    "marts": 3, "march": 3, "mars": 3, "mar": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5, "mai": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "augusti": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "desember": 12, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-zæøå])\.?"
_YEAR = r"(?P<y>(?:19|20)\d{2})(?!\d)"
_H = r"[ \t\u00a0]"  # horizontal space: a day-first date stays on one line
# An optional time after a date: "2:00pm (CEST)", "kl. 12.00", "at 17.00 CET", ", 12 noon",
# "12:00 p.m. (midday) CEST (Paris time)", "kl. 10.30-12.00" (the start is kept).
_TIME = rf"""
  (?P<time>
    (?:{_H}*,)?{_H}*(?:\(|(?P<pre>at|kl|klokken)\b\.?{_H}*)?
    (?P<hh>\d{{1,2}})(?:[:.](?P<mm>\d{{2}})(?!\d))?
    (?:{_H}*(?P<ap>[ap]\.?{_H}?m\b\.?))?
    (?:{_H}*\(?(?P<noon>noon|midday|middag)\)?)?
    (?:{_H}*[-–]{_H}*\d{{1,2}}(?:[:.]\d{{2}})?(?![\d]))?
    (?:{_H}*\(?{_H}*(?P<tz>CEST|CET|UTC|GMT
        |(?:Copenhagen|Danish|Paris|Brussels|CPH|local){_H}+time|dansk{_H}+tid|lokal{_H}*tid)\b\)?)?
  )?
"""
_FLAGS = re.IGNORECASE | re.VERBOSE
_DATE_PATTERNS = {
    "iso": re.compile(
        r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
        r"(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2})(?::(?P<ss>\d{2})(?:\.\d+)?)?"
        r"(?P<off>Z|[+-]\d{2}:?\d{2})?)?(?!\d)",
        re.IGNORECASE,
    ),
    "numeric": re.compile(
        rf"(?<![\d.])(?P<d>\d{{1,2}})[./-](?P<m>\d{{1,2}})[./-]{_YEAR}{_TIME}", _FLAGS
    ),
    # "2.–23. september [2022]": two dates sharing a month
    "dayrange": re.compile(
        rf"(?<![\d.,])(?P<d1>\d{{1,2}})\.?{_H}*[-–—]{_H}*(?P<d>\d{{1,2}})\.?{_H}*(?:of{_H}+)?"
        rf"{_MONTH}(?:(?:,{_H}*|{_H}+){_YEAR})?{_TIME}",
        _FLAGS,
    ),
    # "13. Mar. 2024", "5 September 2024 2:00pm", "1st of May", "21 October"
    "dmy": re.compile(
        rf"(?<![\d.,])(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?{_H}*(?:of{_H}+)?{_MONTH}"
        rf"(?:(?:,{_H}*|{_H}+){_YEAR})?{_TIME}",
        _FLAGS,
    ),
    # "November 22, 2024", and NNF's 2020 design with month, day and year on separate lines
    "mdy": re.compile(
        rf"(?<![a-zæøå]){_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
        rf"(?:\s*,\s*|\s+){_YEAR}{_TIME}",
        _FLAGS,
    ),
}
_WEEKDAYS = (
    r"mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
# What may stand between two dates of one range or list: "til den", " to ", "–", " og den ".
_CONNECTOR = re.compile(
    rf"\s*(?P<c>til|to|until|till|through|[-–—]|og|and|,)\s*"
    rf"(?:(?:den|the)\s+)?(?:(?:{_WEEKDAYS}),?\s+(?:den\s+|the\s+)?)?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\b(?:between|mellem)\s+(?:den\s+|the\s+)?$", re.IGNORECASE)


@dataclass
class _Hit:
    """A raw date match before its year is resolved."""

    start: int
    end: int
    day: int
    month: int
    year: int | None
    hour: int | None = None
    minute: int = 0
    second: int = 0
    zone: tzinfo | None = None
    link: str | None = None  # how it joins the next hit: "range", "list" or None
    value: DateValue | None = None


def _zone(label: str | None) -> tzinfo:
    """Zone labels seen in the sources; anything else (or none) is Danish local time."""
    key = (label or "").lower()
    if key == "cet":
        return timezone(timedelta(hours=1))
    if key == "cest":
        return timezone(timedelta(hours=2))
    if key in ("utc", "gmt", "z"):
        return UTC
    return COPENHAGEN


def _clock(m: re.Match[str]) -> tuple[int, int] | None:
    """Hour and minute of the optional time part, or None when it is not a real time.

    A bare number after a date ("1 May 2025 3 projects") is only a time with minutes, am/pm,
    "noon", or after "kl".
    """
    if not m.group("time") or m.group("hh") is None:
        return None
    hour, minute = int(m.group("hh")), int(m.group("mm") or 0)
    ap, pre = (m.group("ap") or "").lower(), (m.group("pre") or "").lower()
    if not (m.group("mm") or ap or m.group("noon") or pre.startswith("kl")):
        return None
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap.startswith("p") else 0)
    return (hour, minute) if hour <= 23 and minute <= 59 else None


def _hits_from(kind: str, m: re.Match[str]) -> list[_Hit]:
    """Turn one regex match into one hit (two for a day range)."""
    if kind == "iso":
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
        hit = _Hit(m.start(), m.end(), day, month, year)
        if m["hh"] is not None:
            hit.hour, hit.minute, hit.second = int(m["hh"]), int(m["mm"]), int(m["ss"] or 0)
            off = m["off"]
            if off and off.upper() != "Z":
                sign = -1 if off[0] == "-" else 1
                digits = off[1:].replace(":", "")
                delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                hit.zone = timezone(sign * delta)
            else:
                hit.zone = UTC if off else COPENHAGEN
        return [hit]
    month = int(m["m"]) if kind == "numeric" else _MONTHS[m["mon"].lower()]
    year = int(m["y"]) if m["y"] else None
    end = m.end()
    clock = _clock(m)
    if clock is None and m.group("time"):
        end = m.start("time")  # a number after the date that is not a time stays outside
    hit = _Hit(m.start(), end, int(m["d"]), month, year)
    if clock is not None:
        hit.hour, hit.minute = clock
        hit.zone = _zone(m["tz"])
    if kind != "dayrange":
        return [hit]
    first = _Hit(m.start(), m.start() + len(m["d1"]), int(m["d1"]), month, year, link="range")
    hit.start = m.start("d")
    return [first, hit]


def _scan(text: str) -> list[_Hit]:
    """All date-shaped matches, leftmost-longest, without overlaps.

    Each search resumes where the previous hit really ended: a match may swallow a number
    that turns out not to be a time, which can be the day of the next date ("1 February 2027
    4 March 2027"), so plain ``finditer`` per pattern would lose it.
    """
    hits: list[_Hit] = []
    pos = 0
    # Each pattern's next match at or after `pos`, searched again only once it falls behind.
    ahead: dict[str, re.Match[str] | None] = {
        kind: pattern.search(text) for kind, pattern in _DATE_PATTERNS.items()}
    while True:
        for kind, m in ahead.items():
            if m is not None and m.start() < pos:
                ahead[kind] = _DATE_PATTERNS[kind].search(text, pos)
        candidates = [(m.start(), -m.end(), kind) for kind, m in ahead.items() if m is not None]
        if not candidates:
            return hits
        start, _neg_end, kind = min(candidates)
        m = ahead[kind]
        assert m is not None
        new = _hits_from(kind, m)
        hits += new
        pos = max(max(h.end for h in new), start + 1)


def _link(text: str, hits: list[_Hit]) -> None:
    """Mark neighbours joined by "til", "to", "–" (a range) or "og", "and", "," (a list)."""
    for a, b in zip(hits, hits[1:], strict=False):
        if a.link:  # already the start of a day range
            continue
        m = _CONNECTOR.fullmatch(text, a.end, b.start)
        if not m:
            continue
        word = m["c"].lower()
        if word in ("og", "and", ","):
            between = _BETWEEN.search(text, max(0, a.start - 20), a.start)
            a.link = "range" if between and word != "," else "list"
        else:
            a.link = "range"


def _build(hit: _Hit, year: int) -> DateValue | None:
    try:
        day = date(year, hit.month, hit.day)
    except ValueError:
        return None
    if hit.hour is None:
        return day
    return datetime(year, hit.month, hit.day, hit.hour, hit.minute, hit.second, tzinfo=hit.zone)


def _resolve(hits: list[_Hit], default_year: int | None, today: date | None) -> None:
    """Give each hit its value, lending years right to left along ranges and lists."""
    nxt: _Hit | None = None
    for hit in reversed(hits):
        if hit.year is not None:
            hit.value = _build(hit, hit.year)
        elif hit.link and nxt is not None and nxt.value is not None:
            hit.value = _build(hit, nxt.value.year)
            if hit.value is not None and _day(hit.value) > _day(nxt.value):
                hit.value = _build(hit, nxt.value.year - 1)  # "13. december til 14. januar 2025"
        elif default_year is not None:
            hit.value = _build(hit, default_year)
        elif today is not None:
            hit.value = _build(hit, today.year)
            if hit.value is None or _day(hit.value) < today:
                hit.value = _build(hit, today.year + 1)
        nxt = hit


def _day(value: DateValue) -> date:
    return value.date() if isinstance(value, datetime) else value


def _dates(text: str, default_year: int | None, today: date | None) -> list[_Hit]:
    hits = _scan(text)
    _link(text, hits)
    _resolve(hits, default_year, today)
    return [h for h in hits if h.value is not None]


def find_dates(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> list[DateMatch]:
    """Every date in `text`, in order; both ends of a range ("Fra den 2.–23. september")."""
    return [
        DateMatch(h.value, h.start, h.end, text[h.start : h.end])
        for h in _dates(text, default_year, today)
        if h.value is not None
    ]


def parse_date(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> DateValue | None:
    """The first date in `text` (a date, or an aware datetime when a time is given)."""
    found = find_dates(text, default_year=default_year, today=today)
    return found[0].value if found else None


def year_from_context(text: str) -> int | None:
    """The first plausible year in a title or heading ("Ansøgningsrunde 2022:1" -> 2022).

    Pages like Interreg ØKS write "Fra den 2.–23. september" and give the year only in the title;
    pass this as `default_year`.
    """
    m = re.search(r"(?<![\d.,])(19[89]\d|20\d{2})(?![\d.,]\d)", text)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------- deadline labels

# Labels that say what a nearby date is. The longest label wins where two overlap.
_LABELS = [
    ("deadline", r"\w*frist(?:en|er|erne)?\b|\bdeadlines?\b|\bclosing\s+date\b"
                 r"|\bclos(?:es|ed\s+on)\b|\blukker\b|\bsenest\b|\bno(?:t)?\s+later\s+than\b"
                 r"|\binden\b(?!\s+for\b)|\bdue\b(?!\s+to\b)|\bsista\s+ansökningsdag(?:en)?\b"),
    ("opens", r"\bopen\s+for\s+(?:\w+\s+){0,3}?(?:applications|submissions|nominations)"
              r"(?:\s+(?:on|from))?"  # before the bare "open", which would win otherwise
              r"|\b(?:call\s+|kald\s+|ansøgningsrunde\s+)?(?:opens?|opened|opening(?:\s+date)?"
              r"|åbne[rt]?|åbnede|start(?:s|ing|er|ede)?)\b|\bfra\s+den\b|\bfrom\b"),
    ("other", r"\binformationsmøde\w*|\binfo(?:rmation)?[\s-]?(?:meeting|session|møde)\w*"
              r"|\bwebinar\w*|\bworkshop\w*|\bannouncement\b|\bresults?\b|\boffentliggørelse\b"
              r"|\bsvar\s+til\b|\bafgørelse\b|\bdecisions?\b|\bstart\s*(?:date|dato)\b"
              r"|\bstartdato\b|\bborn\b|\bfødt\b|\bceremony\b|\bprisoverrækkelse\b|\bpublished\b"
              r"|\bpubliceret\b|\blast\s+update\w*|\bopdateret\b|\binterview\w*|\bexpected\b"
              r"|\bforventes\b|\brecurring\b|\btilbagevendende\b"),
]  # fmt: skip
_LABEL_RE = [(kind, re.compile(rx, re.IGNORECASE)) for kind, rx in _LABELS]
_LABEL_REACH = 160  # a label further before its date than this is someone else's
_CONTINUE_REACH = 80  # "9 March 2022 ... for the core projects – 15 March 2022"


@dataclass
class _Label:
    start: int
    end: int
    kind: str


def _labels(text: str) -> list[_Label]:
    found = [
        _Label(m.start(), m.end(), kind)
        for kind, rx in _LABEL_RE
        for m in rx.finditer(text)
        if m.end() > m.start()
    ]
    found.sort(key=lambda lab: (lab.start, -lab.end))
    kept: list[_Label] = []
    for lab in found:
        if kept and lab.start < kept[-1].end:
            continue
        kept.append(lab)
    return kept


def _stacked(text: str, a: _Label, b: _Label) -> bool:
    """Labels on consecutive lines with nothing between ("Opens\\nDeadline\\n<d1>\\n<d2>")."""
    between = text[a.end : b.start]
    return "\n" in between and not re.search(r"\d", between) and len(between.split()) <= 2


def _kinds(text: str, hits: list[_Hit]) -> list[str | None]:
    """Say for each date whether it is a deadline, an opening, something else, or unknown.

    A date takes the nearest label before it ("Deadline was 15 March 2023"), or the label just
    after it behind a colon ("21 February 2024, 2 PM: Deadline for applications"). Labels stacked
    on their own lines above a column of dates pair up in order. The members of a list share a
    kind; a range is an opening period unless its label says otherwise.
    """
    labels = _labels(text)
    kinds: list[str | None] = [None] * len(hits)
    pending: list[_Label] = []
    li = 0
    for i, hit in enumerate([*hits, None]):
        while li < len(labels) and (hit is None or labels[li].start < hit.start):
            lab = labels[li]
            li += 1
            if i and re.fullmatch(r"\s*:\s*", text[hits[i - 1].end : lab.start]):
                kinds[i - 1] = kinds[i - 1] or lab.kind  # "<date>: Deadline for applications"
            else:
                pending.append(lab)
        if hit is None or (i and hits[i - 1].link):
            continue  # a group's later members share the label of its first
        pending = [lab for lab in pending if hit.start - lab.end <= _LABEL_REACH]
        if not pending:
            continue
        run = len(pending) - 1
        while run > 0 and _stacked(text, pending[run - 1], pending[run]):
            run -= 1
        if run < len(pending) - 1:  # a column of labels: first label, first date
            kinds[i] = pending[run].kind
            pending = pending[run + 1 :]
        else:
            kinds[i] = pending[-1].kind
            pending = []
    _spread_over_groups(hits, kinds)
    _continue_deadlines(hits, kinds, labels)
    return kinds


def _spread_over_groups(hits: list[_Hit], kinds: list[str | None]) -> None:
    """A list's members share its first member's kind; a range opens and then closes."""
    i = 0
    while i < len(hits):
        j = i
        while hits[j].link and j + 1 < len(hits):
            j += 1
        if hits[i].link == "range" and j == i + 1 and kinds[i] != "other":
            kinds[i], kinds[j] = ("opens" if kinds[i] != "deadline" else None), "deadline"
        else:
            for k in range(i + 1, j + 1):
                kinds[k] = kinds[i]
        i = j + 1


def _continue_deadlines(hits: list[_Hit], kinds: list[str | None], labels: list[_Label]) -> None:
    """An unlabelled later date right after a deadline is the next step's deadline.

    "the deadline ... is 9 March 2022 ... for the core projects – 15 March 2022".
    """
    label_starts = [lab.start for lab in labels]
    for i in range(1, len(hits)):
        prev, hit = hits[i - 1], hits[i]
        if kinds[i] is not None or kinds[i - 1] != "deadline":
            continue
        if hit.start - prev.end > _CONTINUE_REACH:
            continue
        i_lab = bisect_left(label_starts, prev.end)
        if i_lab < len(label_starts) and label_starts[i_lab] < hit.start:
            continue  # a label between them: the later date has its own meaning
        if hit.value is not None and prev.value is not None:
            if _day(hit.value) >= _day(prev.value):
                kinds[i] = "deadline"


def _unique(values: list[DateValue]) -> list[DateValue]:
    """Drop repeats, and a bare date when the same day is also given with its time."""
    timed = {v.date() for v in values if isinstance(v, datetime)}
    out: list[DateValue] = []
    for v in values:
        if v in out or (not isinstance(v, datetime) and v in timed):
            continue
        out.append(v)
    return out


def _is_value_cell(text: str, hits: list[_Hit]) -> bool:
    """One day and at most three words besides ("20.06.2019 / 20. juni 2019 kl. 13.00"), unlike
    a news page whose only date is when it was published."""
    if len({_day(h.value) for h in hits if h.value is not None}) != 1:
        return False
    rest = "".join(text[a.end : b.start] for a, b in zip(hits, hits[1:], strict=False))
    rest = text[: hits[0].start] + rest + text[hits[-1].end :]
    return len(re.findall(r"[^\W\d_]{2,}", rest)) <= 3


def find_deadlines(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> list[DateValue]:
    """Every deadline in a page or label block, in page order (two-step calls have two).

    First choice: dates next to a deadline label, the steps that follow them, and the ends of
    open periods ("Fra den 13. januar til den 14. februar 2025"). Failing those: unlabelled
    dates after an opening date (layouts whose deadline label was lost: "Call opens / 27 Oct
    2021 / 11 Jan 2022, 2pm (CET)"). Failing that, a value cell without labels that holds one
    day ("05.06.2025 23:59", the value next to a label the spider already matched) is its own
    deadline. Never simply the first date.
    """
    hits = _dates(text, default_year, today)
    kinds = _kinds(text, hits)
    values = [h.value for h, k in zip(hits, kinds, strict=True) if k == "deadline"]
    if not values and "opens" in kinds:
        first_open = kinds.index("opens")
        opened = hits[first_open].value
        values = [
            h.value
            for h, k in zip(hits[first_open + 1 :], kinds[first_open + 1 :], strict=True)
            if k is None
            and h.value is not None
            and opened is not None
            and _day(h.value) >= _day(opened)
        ]
    if not values and hits and not _labels(text) and _is_value_cell(text, hits):
        values = [h.value for h in hits]
    return _unique([v for v in values if v is not None])


def find_deadline(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> DateValue | None:
    """The first deadline of `find_deadlines` (the first step of a two-step call), or None."""
    found = find_deadlines(text, default_year=default_year, today=today)
    return found[0] if found else None


def find_opens(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> DateValue | None:
    """The date next to an opening label ("Call opens", "Kald åbner", "Opening date", "Starting
    on"), or the start of an open period ("Fra den 13. januar til ...", "from 20 March to ...")."""
    hits = _dates(text, default_year, today)
    for hit, kind in zip(hits, _kinds(text, hits), strict=True):
        if kind == "opens":
            return hit.value
    return None


# --------------------------------------------------------------------------------- amounts

_NUM = r"(?<![\d.,])(?:\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
_CUR = (
    r"(?:DKK|EURO?|euros?|SEK|NOK|USD|GBP)\b|€|\$|£|(?:danske|danish)\s+kroner\b"
    r"|kroner\b|kronor\b|kr\b\.?"
)
_MAG = (
    r"milliard(?:er)?\b|mia\b\.?|billions?\b|bn\b|millioner\b|millions?\b|mill\b\.?|mio\b\.?"
    r"|mn\b|thousand\b|tusind\b|m(?![a-zæøå²³])|k(?![a-zæøå])"
)
_QUAL = (
    r"up\s+to|op\s+til|max(?:imum)?\.?|maks(?:imum|imalt)?\.?|højst|at\s+most|under|below"
    r"|less\s+than|over|above|more\s+than|at\s+least|mindst|min(?:imum)?\.?|between|mellem"
    r"|from|fra|approx(?:imately)?\.?|ca\.|around|about|omkring|cirka"
)
_AMOUNT = re.compile(
    rf"""
    (?:(?P<qual>\b(?:{_QUAL}))\s+)?
    (?:(?P<cur1>{_CUR})\s*)?
    (?P<n1>{_NUM})(?:\s*(?P<mag1>{_MAG}))?(?:\s*(?P<cur2>{_CUR}))?
    (?:\s*(?P<sep>[-–—]|\btil\b|\bto\b|\band\b|\bog\b)\s*
       (?:(?P<cur3>{_CUR})\s*)?
       (?P<n2>{_NUM})(?:\s*(?P<mag2>{_MAG}))?(?:\s*(?P<cur4>{_CUR}))?
    )?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PERCENT = re.compile(r"\s*(?:%|procent\b|percent\b|per\s*cent\b|pct\b)", re.IGNORECASE)
_SCALE = {"m": 6, "k": 3, "t": 3}  # million, thousand/tusind; billions are handled first
_LOWER_ONLY = ("over", "above", "more", "at least", "mindst", "min", "from", "fra")


def _number(raw: str) -> tuple[Decimal, bool]:
    """The value of "100.000", "5.0", "0,5", "500,000.00"; and whether it had thousands groups.

    Groups split by spaces ("2 500 000 kr.") are read but do not make a number money by
    themselves: "1 200 ansøgere" is a count.
    """
    raw = re.sub(r"[\u00a0\u202f ]", "", raw)
    seps = [c for c in raw if c in ".,"]
    if not seps:
        return Decimal(raw), False
    if len(set(seps)) == 2:
        point = raw[max(raw.rfind("."), raw.rfind(","))]
        other = "," if point == "." else "."
        return Decimal(raw.replace(other, "").replace(point, ".")), True
    groups = raw.split(seps[0])
    if all(len(g) == 3 for g in groups[1:]):
        return Decimal("".join(groups)), True
    return Decimal(raw.replace(seps[0], ".")), False


def _scale(mag: str | None) -> int:
    if not mag:
        return 0
    word = mag.lower()
    if word.startswith(("milliard", "mia", "b")):
        return 9
    return _SCALE[word[0]]


def _currency(raw: str | None) -> str | None:
    if not raw:
        return None
    word = raw.lower()
    if word.startswith(("eur", "€")):
        return "EUR"
    if word in ("$", "usd"):
        return "USD"
    if word in ("£", "gbp"):
        return "GBP"
    if word in ("sek", "kronor"):
        return "SEK"
    if word == "nok":
        return "NOK"
    return "DKK"  # DKK, kr., kroner, Danish kroner: these are Danish sources


def find_amounts(text: str) -> list[Amount]:
    """Every amount of money in `text`, in order (see `parse_amount` for what counts)."""
    dates = find_dates(text)  # sorted and without overlaps, so their ends rise too
    starts = [d.start for d in dates]

    def in_date(start: int, end: int) -> int | None:
        """End of a date that overlaps start..end: years and days are not money."""
        i = bisect_left(starts, end) - 1
        return dates[i].end if i >= 0 and dates[i].end > start else None

    found: list[Amount] = []
    pos = 0
    while m := _AMOUNT.search(text, pos):
        skip_to = in_date(m.start("n1"), m.end("n1"))
        if skip_to is not None:
            pos = skip_to
            continue
        amount, pos = _amount(text, m, allow_range=in_date(m.start(), m.end()) is None)
        if amount is not None:
            found.append(amount)
    return found


def _amount(text: str, m: re.Match[str], *, allow_range: bool) -> tuple[Amount | None, int]:
    """Read one regex match: the amount (or None) and where to search on from."""
    qual = (m["qual"] or "").lower()
    n1, grouped1 = _number(m["n1"])
    first_end = max(m.end(g) for g in ("n1", "mag1", "cur2") if m[g])
    two = allow_range and m["n2"] is not None
    if two and m["sep"].lower() in ("and", "og") and not qual.startswith(("between", "mellem")):
        two = False  # "5 mio. kr. ... og 15 mio. kr." are two amounts, not a range
    if _PERCENT.match(text, m.end("n1")):
        return None, m.end("n1")
    v1 = n1 * Decimal(10) ** _scale(m["mag1"])
    currency = _currency(m["cur1"] or m["cur2"])
    accept = bool(currency or m["mag1"] or grouped1)
    if two:
        n2, grouped2 = _number(m["n2"])
        if _PERCENT.match(text, m.end("n2")):
            return None, m.end()
        v2 = n2 * Decimal(10) ** _scale(m["mag2"])
        if not m["mag1"] and m["mag2"] and n1 < 1000:  # "0,5 - 1 mio. kr.", "DKK 6 -35 million"
            v1 = n1 * Decimal(10) ** _scale(m["mag2"])
        currency = currency or _currency(m["cur3"] or m["cur4"])
        accept = bool(currency or m["mag1"] or m["mag2"] or grouped1 or grouped2)
        if v2 >= v1:
            return (Amount(float(v1), float(v2), currency) if accept else None), m.end()
        currency = _currency(m["cur1"] or m["cur2"])
        accept = bool(currency or m["mag1"] or grouped1)
    if not accept:
        return None, m.end("n1")
    if qual.startswith(_LOWER_ONLY):
        return Amount(float(v1), None, currency), first_end
    return Amount(None, float(v1), currency), first_end


def parse_amount(text: str) -> Amount | None:
    """The first amount of money in `text`: "25 mio. kr.", "DKK 500,000 - DKK 5.0m", "250.000".

    A range gives min and max. A single amount gives only max: "op til"/"up to"/"max" is a cap,
    and a plain amount ("DKK 30m", "bevillingsramme på 25 mio. kr.") is a full budget or a fixed
    grant, so nothing is known about a minimum; "over"/"at least"/"from" give only min. A number
    counts as money only with a currency, a magnitude word (mio., million, m, mia.) or thousands
    groups ("250.000"), so years, counts ("3-6 projekter") and percentages ("15%") never do.

    In prose with several amounts this is the first one; which is the budget and which the
    grant size depends on the page's labels, so a spider that needs both uses `find_amounts`.
    """
    found = find_amounts(text)
    return found[0] if found else None


# ---------------------------------------------------------------------------------- status

_ROLLING = re.compile(
    r"\bingen\s+(?:faste\s+)?(?:ansøgnings)?frist(?:er)?\b|\bløbende\b|\bon[-\s]?going\b"
    r"|\brolling\b|\bno\s+(?:fixed\s+|application\s+|submission\s+)?deadlines?\b"
    r"|\bat\s+any\s+time\b|\ball\s+year\s+round\b|\byear[-\s]round\b|\båret\s+rundt\b"
    r"|\bhele\s+året\b|\bnår\s+som\s+helst\b|\btil\s+enhver\s+tid\b|\baltid\s+(?:sende|søge)",
    re.IGNORECASE,
)
_CLOSED = re.compile(
    r"^\s*(?:status\s*:?\s*)?(?:call\s+)?(?:closed|lukket)\b"
    r"|\bcall\s+(?:is\s+(?:now\s+)?)?closed\b|\b(?:has|is\s+now|is)\s+closed\b|\bclosed\s+on\b"
    r"|\ber\s+(?:nu\s+)?lukket\b"
    r"|(?:frist\w*|deadline)\b[^.]{0,60}?(?:\ber\s+udløbet|\ber\s+overskredet|\bhas\s+passed"
    r"|\bhas\s+expired|\bis\s+over)\b"
    r"|(?:frist\w*|deadline)\s+(?:var|was)\b"
    r"|\bno\s+(?:more\s+)?open\s+calls\b|\bnot\s+planning\s+any\s+more\s+(?:open\s+)?calls\b"
    r"|\bikke\s+(?:længere\s+)?åben[te]?\s+for\s+ansøgning"
    r"|\bnot\s+(?:currently\s+)?open\s+for\s+(?:applications|submissions)\b"
    r"|\bingen\s+åbne\s+(?:opslag|kald|ansøgningsrunder)\b",
    re.IGNORECASE | re.MULTILINE,
)


def is_rolling(text: str) -> bool:
    """True when a deadline or status text says there is no fixed deadline
    ("Vi har ingen ansøgningsfrister", "løbende", "ongoing", "applications accepted at any time").

    Judge a deadline or status string, not a whole page: "ongoing" elsewhere on a page
    (NNF's "Announcement of results: On going") says nothing about the deadline.
    """
    return bool(_ROLLING.search(text))


def is_closed(text: str) -> bool:
    """True when a status line says the call is over ("Closed", "Lukket", "Ansøgningsrunden er
    lukket", "deadline has passed", "Deadline var ...", "no more open calls").

    A priority that "har været lukket" in earlier rounds, or a call that "closes" on a date,
    is not a closed call.
    """
    return bool(_CLOSED.search(text))
