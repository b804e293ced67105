"""Plain text out of HTML: the one routine every part of the crawler reads pages with.

A page is read the way a person reads it: as a sequence of visible lines. Block elements break
lines, inline elements stay on the line, scripts and styles are never text. Descriptions (shown
in emails, fed to the matcher), the label reader (:mod:`crawler.labels`) and the page watch all
use this, so "the text of a page" means the same thing everywhere. lxml's forgiving parser copes
with malformed source HTML (SEDIA's ``topicConditions`` opens ``<div class="eui-u-mt-l>``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from crawler.parsing import find_dates

# Elements that start a new visible line. Inline elements (span, b, time, a ...) stay on the
# line, separated by a space, so `<span>Call closes</span><span>5 Sep</span>` reads as one line.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
    "button", "label", "legend", "html",
})
# Never visible.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe",
                       "select", "object", "canvas"})
_SPACE = re.compile(r"[\s\u00a0\u200b]+")


@dataclass(frozen=True)
class Line:
    """One visible line and the block elements it sits in (outermost first, as numbers), so a
    label's value can be kept inside the box the label stands in."""

    text: str
    path: tuple[int, ...] = ()


def visible_lines(html: str | bytes | etree._Element, drop: Iterable[str] = ()) -> list[str]:
    """The page's visible text as lines, the way a browser breaks them (roughly).

    ``drop`` names extra tags to leave out (e.g. ``nav``, ``footer``). Tables whose first row is
    all header cells are read column by column ("header, cell"), so column labels stand next to
    their values like everywhere else.
    """
    return [line.text for line in read_lines(html, drop)]


def read_lines(html: str | bytes | etree._Element, drop: Iterable[str] = ()) -> list[Line]:
    """:func:`visible_lines` with the boxes each line sits in."""
    root = parse_html(html)
    if root is None:
        return []
    reader = _Reader(SKIP_TAGS | frozenset(drop))
    reader.walk(root, ())
    reader.flush(())
    return reader.lines


def parse_html(html: str | bytes | etree._Element) -> etree._Element | None:
    """An lxml tree of ``html``; an element is used as given (callers pass a copy)."""
    if isinstance(html, etree._Element):
        return html
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # an XHTML page's "<?xml ... encoding=...?>" is refused in a str
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"))
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


class _Reader:
    """Walks the tree once, breaking lines at block elements."""

    def __init__(self, skip: frozenset[str]):
        self.skip = skip
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.boxes = 0

    def walk(self, el: etree._Element, path: tuple[int, ...]) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in self.skip:
            if el.tail:
                self.buf.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        inner = path
        if block:
            self.flush(path)
            self.boxes += 1
            inner = (*path, self.boxes)
        if tag == "time" and _machine_date(el):
            # <time datetime="2027-03-03T12:00">3/3 kl. 12</time>, or an empty <time> a script
            # fills on the client: the machine-readable value is what can be read
            self.buf.append(_machine_date(el))
        elif not (tag == "table" and self.column_table(el, inner)):
            if el.text:
                self.buf.append(el.text)
            for child in el:
                self.buf.append(" ")
                self.walk(child, inner)
        if block:
            self.flush(inner)
        else:
            self.buf.append(" ")
        if el.tail:
            self.buf.append(el.tail)

    def flush(self, path: tuple[int, ...]) -> None:
        text = _SPACE.sub(" ", "".join(self.buf)).strip()
        self.buf.clear()
        if text:
            self.lines.append(Line(text, path))

    def column_table(self, table: etree._Element, path: tuple[int, ...]) -> bool:
        """Read a table whose first row is all header cells as "header / cell" pairs, one box
        per data cell; False (and nothing read) if it is not such a table."""
        rows = [r for r in table.iter("tr") if _owning_table(r) is table]
        if len(rows) < 2:
            return False
        head = _cells(rows[0])
        if len(head) < 2 or any(c.tag != "th" for c in head):
            return False
        body = [_cells(r) for r in rows[1:]]
        if not any(len(cells) == len(head) and all(c.tag == "td" for c in cells)
                   for cells in body):
            return False
        headers = [" ".join(visible_lines(_copy(c), self.skip)) for c in head]
        for cells in body:
            for name, cell in zip(headers, cells, strict=False):
                self.boxes += 1
                box = (*path, self.boxes)
                if name:
                    self.lines.append(Line(name, box))
                self.lines.extend(Line(t, box) for t in visible_lines(_copy(cell), self.skip))
        return True


def _machine_date(el: etree._Element) -> str:
    """A ``<time>``'s ``datetime`` when its visible text holds no full date of its own."""
    value = (el.get("datetime") or "").strip()
    if not value or len(value) > 40 or not value[:4].isdigit():
        return ""
    shown = " ".join("".join(el.itertext()).split())
    return "" if shown and find_dates(shown) else value


def _cells(row: etree._Element) -> list[etree._Element]:
    return [c for c in row if isinstance(c.tag, str) and c.tag in ("th", "td")]


def _owning_table(row: etree._Element) -> etree._Element | None:
    parent = row.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _copy(el: etree._Element) -> etree._Element:
    """A detached copy without the tail, so reading a cell does not read past it."""
    clone = copy.deepcopy(el)
    clone.tail = None
    return clone



def html_to_text(html: str | None) -> str:
    """Visible text of an HTML fragment: one line per visible line, runs of space one space."""
    if not html:
        return ""
    return "\n".join(visible_lines(html))

