"""What changed on a watched page since the last run.

A ``watch`` item is only useful if staff can see at a glance what is new on the page ("a new
round: Fra den 11. januar til den 12. februar 2027"). The spiders put the page's main text and
its hash in ``item.extra`` (:mod:`crawler.pagewatch`); this pipeline compares that text with the
one stored by the previous run and writes a short diff into ``item.extra["changes"]``:
``{"added": [lines], "removed": [lines]}``, a few lines each, and the day it was noticed.

- First sight: both lists empty (there is nothing to compare with).
- Text unchanged (same hash): the previous ``changes`` are kept as they were, so an unchanged
  page does not count as a changed record and ``changed_at`` keeps marking the real change.
- Text changed: the lines added and removed, in page order, each cut to a readable length.

The shell's ingest step runs it after dedupe, with the ``extra`` it read from the store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from records.call import CallItem

MAX_LINES = 5  # per list: a digest line, not a full diff
MAX_LINE_CHARS = 200


def track(item: CallItem, previous: dict[str, Any] | None, on: date) -> bool:
    """Fill ``item.extra["changes"]`` when the item carries a page text (watch items, and calls
    a page watch found), from the ``extra`` the store kept last time; True when it changed today.
    """
    if not isinstance(item.extra.get("text"), str):
        return False
    item.extra["changes"] = changes(previous, item.extra, on)
    return item.extra["changes"].get("on") == on.isoformat()


def changes(previous: dict[str, Any] | None, current: dict[str, Any], on: date
            ) -> dict[str, Any]:
    """The ``changes`` entry for a page seen now with ``current`` text, before with ``previous``."""
    old_text = previous.get("text") if previous else None
    if not isinstance(old_text, str):
        return {"added": [], "removed": []}
    if previous and previous.get("hash") and previous.get("hash") == current.get("hash"):
        kept = previous.get("changes")
        return kept if isinstance(kept, dict) else {"added": [], "removed": []}
    diff = diff_lines(old_text, current.get("text") or "")
    if not diff["added"] and not diff["removed"]:
        # Only white space or line order moved: nothing a person would call a change.
        kept = previous.get("changes") if previous else None
        return kept if isinstance(kept, dict) else {"added": [], "removed": []}
    return {**diff, "on": on.isoformat()}


def diff_lines(old: str, new: str, limit: int = MAX_LINES) -> dict[str, Any]:
    """Lines of ``new`` not in ``old`` and the other way round, in page order, a few each.

    A set difference rather than a sequence diff: pages get rewritten in place, and what staff
    need is the new sentence ("Ansøgningsrunde 2027:1 ..."), not where it moved to.
    ``more_added``/``more_removed`` count what was left out.
    """
    old_lines = _lines(old)
    new_lines = _lines(new)
    old_set, new_set = set(old_lines), set(new_lines)
    added = list(dict.fromkeys(line for line in new_lines if line not in old_set))
    removed = list(dict.fromkeys(line for line in old_lines if line not in new_set))
    out: dict[str, Any] = {"added": [_cut(x) for x in added[:limit]],
                           "removed": [_cut(x) for x in removed[:limit]]}
    if len(added) > limit:
        out["more_added"] = len(added) - limit
    if len(removed) > limit:
        out["more_removed"] = len(removed) - limit
    return out


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1].rstrip() + "…"
