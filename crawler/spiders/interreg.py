"""Interreg programmes open to Midtjylland: a watch of each configured programme page.

No programme has an API, feed or calls sitemap (docs/sources.md §2); rounds are announced
in Danish, Swedish and English prose on pages that get rewritten in place. So every configured
page becomes a ``watch`` item (its main text and hash in ``extra``, see
:mod:`crawler.pagewatch`) — unless the page plainly announces a round whose deadline is still
ahead ("Fra den 11. januar til den 12. februar 2027", "Opening date: ... / Closing date: ..."):
then the item is a proper call, ``open`` or ``forthcoming``, with its opening and every deadline
(two-step calls have two). A page that lists past rounds stays a watch; its dates are kept in
``extra["deadlines_seen"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from crawler.labels import join_label_lines
from crawler.pagewatch import PageWatchSpider, all_dates, deadline_dates, opens_date, upcoming
from crawler.parsing import year_from_context
from records.call import CallItem
from records.clock import effective_status, sort_key

# Programme names by host, for pages configured without one (hosts seen in docs/sources.md §2).
PROGRAMMES = {
    "interreg-oks.eu": "Interreg Öresund-Kattegat-Skagerrak",
    "interregnorthsea.eu": "Interreg North Sea",
    "northsearegion.eu": "Interreg North Sea",
    "interreg-baltic.eu": "Interreg Baltic Sea Region",
    "interregeurope.eu": "Interreg Europe",
}
# Words that make a dated passage a round or call (da, sv, no, en).
ROUND_WORDS = re.compile(
    r"ansøgningsrunde|ansøgningsomgang|ansökningsomgång|søknadsrunde|utlysning|indkaldelse"
    r"|opslag|\bcalls?\b|\bround\b|applications?|ansøgning|ansökan|søknad",
    re.I,
)
# Labels whose value may stand on the next line; the shared vocabularies widen them.
ROUND_LABELS: dict[str, list[str]] = {"opens": [], "deadline": []}
WINDOW = 4  # lines around a deadline that may say it is a round ("Call 7 is open!")
STEPS = 8  # lines below an opening date whose deadlines still belong to it (two-step calls)


@dataclass(frozen=True)
class Round:
    """A round announced on the page: when it opens and its deadlines."""

    opens: str | None
    deadlines: list[str]
    text: str


class InterregSpider(PageWatchSpider):
    """Interreg programme pages, watched; a plainly announced upcoming round becomes a call."""

    name = "interreg"
    default_funder = "Interreg (EU)"

    def watch_item(self, response: TextResponse, page: Mapping[str, Any], text: str) -> CallItem:
        item = super().watch_item(response, page, text)
        found = self._parse_round(item.title, text)
        if found is None:
            return item
        item.status = effective_status("open", found.opens, found.deadlines, self.today)
        item.opens = found.opens
        item.deadlines = found.deadlines
        item.extra["round"] = found.text
        return item

    def _parse_programme(self, response: TextResponse, page: Mapping[str, Any]) -> str | None:
        if page.get("programme"):
            return page["programme"]
        host = urlsplit(page["url"]).netloc.lower().removeprefix("www.")
        return PROGRAMMES.get(host, "Interreg")

    def _parse_funder(self, response: TextResponse, page: Mapping[str, Any]) -> str:
        return page.get("funder") or self.default_funder

    def _parse_round(self, title: str, text: str) -> Round | None:
        """The next round the page announces, if its deadline has not passed.

        The page is read line by line, so a page listing several rounds pairs each deadline
        with the opening date written last above it ("Call 4 opened on ... and closed on ...",
        "Opening date: ..." over "Closing date: ...", "Starting on ..." over the steps of a
        two-step call). A deadline is a date that the parser calls one when it reads the whole
        page (a lone date on a line of its own is not), near words about a round or call.
        The year of a yearless period comes from the title ("Ansøgningsrunde 2022:1").
        """
        year = year_from_context(title)
        # "Opening date" / "1 March 2027" (a <dl> or table row) read as one line
        lines = join_label_lines([line for line in text.splitlines() if line.strip()],
                                 self.labels_with(ROUND_LABELS))
        on_page = set(deadline_dates(text, self.today, year))
        candidates: list[Round] = []
        opens: str | None = None
        opens_line = -WINDOW
        for i, line in enumerate(lines):
            found_opens = opens_date(line, self.today, year)
            if found_opens:
                opens, opens_line = found_opens, i
            deadlines = [d for d in all_dates(line, self.today, year) if d in on_page]
            if not deadlines:
                continue
            passage = "\n".join(lines[max(0, i - WINDOW + 1):i + WINDOW])
            if not ROUND_WORDS.search(f"{title}\n{passage}"):
                continue
            own = opens if i - opens_line <= STEPS else None
            candidates.append(Round(own, deadlines, line))
        ahead = [r for r in candidates if upcoming(r.deadlines, self.today)]
        if not ahead:
            return None
        best = min(ahead, key=lambda r: sort_key(upcoming(r.deadlines, self.today)[0]))
        return _merge_steps(best, ahead)


def _merge_steps(best: Round, ahead: list[Round]) -> Round:
    """A two-step call may list its steps on separate lines under one opening: keep every
    deadline of the upcoming rounds that share the chosen round's opening date."""
    if best.opens is None:
        return best
    deadlines = list(best.deadlines)
    for other in ahead:
        if other is not best and other.opens == best.opens:
            deadlines += [d for d in other.deadlines if d not in deadlines]
    return Round(best.opens, sorted(deadlines, key=sort_key), best.text)
