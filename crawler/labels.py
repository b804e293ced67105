"""Values found by their visible labels: "Call closes", "Kald lukker", "Deadline for submissions".

No real HTML of the foundations' pages exists here (docs/sources.md), and their markup
changes with every redesign, so no spider looks for a CSS class. Instead the page is read the
way a person reads it: as a sequence of visible lines, in which a value stands next to its label.
Every layout seen or expected comes down to one of these, and all are handled here once:

- label and value in one element: ``<p><b>Call closes:</b> 5 September 2024</p>``;
- sibling elements: ``<dt>``/``<dd>``, ``<th>``/``<td>`` in a row, ``<div>``/``<div>``, a
  label on one line and its value (perhaps split over several elements) on the next lines;
- a table whose first row holds the labels and whose next rows hold the values;
- a run of labels followed by a run of values (the 2020 Novo Nordisk design put "Open for
  applications on" and "Deadline" above both dates): each label of the run gets the values with
  its position, and the date helpers pick the date at that position;
- a label split over two lines ("Application" / "- Deadline for submissions" on villumfonden.dk).

Spiders declare which labels they expect per field (Danish and English); a page on which none is
found is a changed layout, and :func:`report_layout_changed` makes that visible in the crawl's
health instead of letting the source silently yield less.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

from crawler.parsing import Amount, find_amounts, find_dates
from crawler.text import Line, read_lines

LAYOUT_CHANGED = "fondsradar/layout_changed"

LabelSet = Mapping[str, Sequence[str]]

# Dashes, bullets and arrows that decorate labels ("- Deadline for submissions").
_DECOR = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2022\u00b7\u203a\u00bb|>*"
_SPACE = re.compile(r"[\s\u00a0\u200b]+")
# A value line longer than this is prose, not a value; it ends a label's value (unless first).
LONG_LINE = 300
# Without a colon, a line that starts with a label is only "label value" when the rest is short;
# a paragraph that happens to start with "Amount" or "Status" is prose.
SHORT_REST = 80
# A box with more text than this is the article itself, not a fact box: a label that stands in
# it like a heading takes only the next line as its value.
PROSE_BOX = 1200
_DIGIT = re.compile(r"\d")


# ------------------------------------------------------------------------------ labels
@dataclass(frozen=True)
class Found:
    """One label found on the page, with the text that stands next to it.

    ``run_index`` and ``run_size`` say where the label stood in a run of labels that share one
    run of values (a header row, or the 2020 NNF design); for a lone label they are 0 and 1.
    """

    field: str
    label: str
    value: str
    line: int
    run_index: int = 0
    run_size: int = 1
    parts: tuple[str, ...] = ()  # the value's lines, when it spans several

    def dates(self, today: date | None = None) -> list[str]:
        """The dates of this label's value (ISO 8601); in a run of labels, only the date at its
        position. ``today`` gives a year to dates written without one (the next such day).

        The value is read as one line ("12 March 2027" + "14:00" is one deadline with its
        time) and, when that finds fewer dates, line by line ("1 February 2027" / "4 March
        2027" under a run of two labels are two dates)."""
        dates = _iso_dates(self.value, today)
        if len(self.parts) > 1:
            apart = _iso_dates("\n".join(self.parts), today)
            dates = apart if len(apart) > len(dates) else dates
        if self.run_size > 1 and len(dates) >= self.run_size:
            return [dates[self.run_index]]
        return dates


def _iso_dates(text: str, today: date | None) -> list[str]:
    return [iso(d.value) for d in find_dates(text, today=today)]


@dataclass
class Labels:
    """What :func:`find_labels` found, by field, in page order."""

    found: dict[str, list[Found]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(self.found.values())

    def get(self, name: str) -> list[Found]:
        return self.found.get(name, [])

    def first(self, name: str) -> Found | None:
        """The first label of a field that has a value (else the first at all)."""
        hits = self.get(name)
        return next((h for h in hits if h.value), hits[0] if hits else None)

    def value(self, name: str) -> str | None:
        hit = self.first(name)
        return hit.value if hit and hit.value else None

    def values(self, name: str) -> list[str]:
        return [h.value for h in self.get(name) if h.value]

    def has(self, name: str) -> bool:
        return bool(self.get(name))

    def dates(self, name: str, today: date | None = None) -> list[str]:
        """Every date next to every label of a field, in page order, without repeats."""
        out: list[str] = []
        for hit in self.get(name):
            out.extend(d for d in hit.dates(today) if d not in out)
        return out


@dataclass(frozen=True)
class _Pattern:
    field: str
    label: str
    anchored: re.Pattern[str]
    anywhere: re.Pattern[str]


def compile_labels(labels: LabelSet) -> list[_Pattern]:
    """Regular expressions for every label variant, longest first (so "Application deadline"
    wins over "Deadline"). Words may be joined by spaces, dashes or line decoration.

    Compiled once per label set (a spider reads every page with the same set)."""
    return _compiled(tuple((name, tuple(variants)) for name, variants in labels.items()))


@functools.lru_cache(maxsize=64)
def _compiled(labels: tuple[tuple[str, tuple[str, ...]], ...]) -> list[_Pattern]:
    out = []
    for name, variants in labels:
        for label in variants:
            words = [re.escape(w) for w in normalise(label).split()]
            body = rf"[\s{_DECOR}]+".join(words)
            anchored = re.compile(rf"^[\s{_DECOR}]*(?P<label>{body})(?P<sep>\s*[:\uff1a]|\s+|$)"
                                  rf"(?P<rest>.*)$", re.I | re.S)
            anywhere = re.compile(rf"(?<![\w])(?P<label>{body})\s*[:\uff1a]", re.I)
            out.append(_Pattern(name, label, anchored, anywhere))
    out.sort(key=lambda p: len(p.label), reverse=True)
    return out


def normalise(text: str) -> str:
    """Lower case, no decoration or colons, single spaces: how labels are compared."""
    text = re.sub(rf"[{_DECOR}:\uff1a]+", " ", text.lower())
    return _SPACE.sub(" ", text).strip()


def find_labels(page: str | bytes | etree._Element | Sequence[str], labels: LabelSet,
                max_value_lines: int = 4) -> Labels:
    """Every label of ``labels`` on ``page`` (HTML, or plain lines), with its value.

    A value is the rest of the label's own line, else the lines after it up to the next label,
    kept inside the smallest box that holds the label and the line after it (so a date in the
    next paragraph is not taken for the value of the last label in a fact box). When that box is
    the whole article (the label is a heading of the text), only the next line is its value.
    """
    if isinstance(page, list | tuple):
        lines = [Line(str(t)) for t in page]
    else:
        lines = read_lines(page)
    patterns = compile_labels(labels)
    lines = _split_multi_label_lines(lines, patterns)
    heads = _label_heads([line.text for line in lines], patterns)
    result = Labels(lines=[line.text for line in lines])
    for found in _values(lines, heads, max_value_lines):
        result.found.setdefault(found.field, []).append(found)
    return result


@dataclass(frozen=True)
class _Head:
    """A line (or two) that is a label; ``rest`` is the value written on the same line."""

    line: int
    span: int
    field: str
    label: str
    rest: str


def join_label_lines(lines: Sequence[str], labels: LabelSet) -> list[str]:
    """Lines in which a label that stands alone ("Opening date", from a ``<dt>`` or ``<th>``)
    is joined with the line after it ("Opening date: 1 March 2027"), for readers that take a
    page line by line (the Interreg round finder)."""
    patterns = compile_labels(labels)
    out: list[str] = []
    i = 0
    while i < len(lines):
        hit = _match(lines[i], patterns)
        if hit and not hit[1] and i + 1 < len(lines) and not _match(lines[i + 1], patterns):
            out.append(f"{lines[i].rstrip(': ')}: {lines[i + 1]}")
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return out


def _split_multi_label_lines(lines: list[Line], patterns: list[_Pattern]) -> list[Line]:
    """"Call opens: 1 May Call closes: 5 Sep" on one short line becomes two lines."""
    out: list[Line] = []
    for line in lines:
        text = line.text
        starts: list[int] = []
        if len(text) <= 2 * LONG_LINE and (":" in text or "\uff1a" in text):
            found = {m.start("label") for p in patterns for m in p.anywhere.finditer(text)}
            starts = sorted(s for s in found if s > 0)
        if not starts:
            out.append(line)
            continue
        cuts = [0, *starts, len(text)]
        out.extend(Line(text[a:b].strip(), line.path)
                   for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip())
    return out


def _match(line: str, patterns: list[_Pattern]) -> tuple[_Pattern, str, bool] | None:
    """The label a line starts with, the rest of the line, and whether a colon followed."""
    for pattern in patterns:
        m = pattern.anchored.match(line)
        if not m:
            continue
        rest = re.sub(rf"^[\s{_DECOR}]+$", "", m.group("rest").strip())
        colon = ":" in m.group("sep") or "\uff1a" in m.group("sep")
        if rest and not colon and " " not in pattern.label.strip() and not _DIGIT.search(rest):
            continue  # "Opens in a new window", "Funding is given to ...": words, not a label
        if not rest or colon or len(rest) <= SHORT_REST:
            return pattern, rest, colon
    return None


def _label_heads(lines: list[str], patterns: list[_Pattern]) -> list[_Head]:
    heads: list[_Head] = []
    i = 0
    while i < len(lines):
        hit = _match(lines[i], patterns)
        span = 1
        after_bare_label = bool(heads) and heads[-1].line + heads[-1].span == i and not (
            heads[-1].rest)
        if hit and hit[1] and not hit[2] and after_bare_label:
            # "Komite" / "Komite for Naturvidenskabelig Uddannelse": the value of the label
            # above that happens to start with a label word, not a label of its own.
            i += 1
            continue
        if (hit is None or hit[1]) and i + 1 < len(lines) and len(lines[i]) < 40:
            # A label split over two lines: "Application" / "- Deadline for submissions".
            joined = _match(f"{lines[i]} {lines[i + 1]}", patterns)
            if joined and not joined[1] and (hit is None or
                                             len(joined[0].label) > len(hit[0].label)):
                hit, span = joined, 2
        if hit:
            heads.append(_Head(i, span, hit[0].field, hit[0].label, hit[1]))
        i += span
    return heads


def _values(lines: list[Line], heads: list[_Head], max_lines: int) -> list[Found]:
    """Each label's value: its own rest, else the lines up to the next label in its box."""
    out: list[Found] = []
    k = 0
    while k < len(heads):
        run = _run(heads, k)
        nxt = heads[k + len(run)].line if k + len(run) < len(heads) else len(lines)
        last = run[-1]
        start = last.line + last.span
        if len(run) > 1:
            parts = tuple(_window(lines, start, nxt, max_lines * len(run)))
            for idx, head in enumerate(run):
                out.append(Found(head.field, head.label, " ".join(parts), head.line, idx,
                                 len(run), parts))
        else:
            head = run[0]
            parts = (head.rest,) if head.rest else tuple(_window(lines, start, nxt, max_lines))
            out.append(Found(head.field, head.label, " ".join(parts), head.line, parts=parts))
        k += len(run)
    return out


def _run(heads: list[_Head], k: int) -> list[_Head]:
    """Heads k.. that stand directly under each other without values of their own."""
    run = [heads[k]]
    while (not run[-1].rest and k + len(run) < len(heads)
           and heads[k + len(run)].line == run[-1].line + run[-1].span
           and not heads[k + len(run)].rest):
        run.append(heads[k + len(run)])
    return run


def _window(lines: list[Line], start: int, stop: int, max_lines: int) -> list[str]:
    """The value lines after a label: inside the label's box, before the next label."""
    if start >= len(lines):
        return []
    box = _common(lines[start - 1].path, lines[start].path)
    if box and sum(len(line.text) for line in lines if line.path[:len(box)] == box) > PROSE_BOX:
        max_lines = 1
    out: list[str] = []
    for line in lines[start:min(stop, len(lines))]:
        if line.path[:len(box)] != box or len(out) >= max_lines:
            break
        if out and (len(line.text) > LONG_LINE or line.text.rstrip().endswith(":")):
            break  # prose, or a label this spider does not know ("Earliest start date:")
        out.append(line.text)
    return out


def _common(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def iso(value: date | datetime) -> str:
    """ISO 8601 as the stored record wants it: a date, or a datetime with its UTC offset."""
    return value.isoformat()


# ------------------------------------------------------------------------ layout changed
def report_layout_changed(spider: Any, url: str, what: str = "none of the expected labels found",
                          outcome: str = "page skipped") -> None:
    """Record a page whose layout no longer matches (crawl health shows it), and say so."""
    stats = spider.crawler.stats
    urls = list(stats.get_value(LAYOUT_CHANGED) or [])
    if url not in urls:
        urls.append(url)
    stats.set_value(LAYOUT_CHANGED, urls)
    spider.logger.warning("layout changed? %s on %s; %s", what, url, outcome)



# ------------------------------------------------------------------------ amounts in prose
_TOTAL_WORDS = re.compile(
    r"\bi\s+alt\b|\btotal\b|\bsamle(?:t|de)\b|\bpulje\w*|\bpool\b|\bbudget\w*|\bramme\b"
    r"|\bbevillingsramme\b|\bafsat\b|\ballocated\b|\bavailable\b|\btil\s+uddeling\b|\bannually\b"
    r"|\bårligt\b",
    re.I,
)
_GRANT_WORDS = re.compile(
    r"\bper\s+(?:grant|project|application|applicant)\b|\bpr\.?\s+(?:projekt|bevilling|ansøgning)"
    r"|\b(?:grants?|bevillinger|projektbevillinger|projects?)\s+(?:of|between|på|from)\b"
    r"|\bapply\s+for\b|\bsøge\s+(?:om\b)?|\bansøge\s+om\b|\beach\b|\bhver\b",
    re.I,
)


def prose_amounts(text: str) -> tuple[Amount | None, float | None]:
    """(per-grant amount, total budget) from sentences such as "A total of up to DKK 25 million
    is available ... for grants between DKK 100.000-3.000.000" or "Der er afsat i alt 5 mio. kr.
    til puljen, og der er mulighed for at søge 0,5 - 1 mio. kr.".

    Only sentences that say what the money is count: a range (the first one) is the grant size,
    else a single amount "per grant"; a single amount in a sentence about a total, pool or
    budget is the total.
    The amounts themselves are read by :func:`crawler.parsing.find_amounts`.
    """
    ranges: list[Amount] = []
    singles: list[Amount] = []
    totals: list[float] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])|\n", text):
        amounts = find_amounts(sentence)
        ranges += [a for a in amounts if a.min is not None and a.max is not None]
        one = [a for a in amounts if a.min is None and a.max is not None]
        if not one:
            continue
        if _TOTAL_WORDS.search(sentence):
            totals.append(max(a.max for a in one if a.max is not None))
        elif _GRANT_WORDS.search(sentence):
            singles.append(one[0])
    grant = ranges[0] if ranges else (singles[0] if singles else None)
    return grant, (totals[0] if totals else None)
