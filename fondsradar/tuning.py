"""Tools for staff who tune the themes: measure on labelled calls, preview a config edit.

``evaluate`` loads labelled calls through the real store (so they are read exactly like
crawled ones), ranks them with the config's themes and prints the matcher's figures beside
those of a plain TF-IDF baseline. ``compare`` shows which calls would enter or leave each
theme's top list if another config were saved.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fondsradar.config import Config
from fondsradar.manual import ImportError_, to_record
from fondsradar.ranking import rank_calls, themes_from_config
from records.store import Store


def load_labelled(path: Path, on: date) -> list[dict[str, Any]]:
    """Labelled calls (JSON Lines with a ``labels`` object) as stored records with labels,
    their status as on day ``on``."""
    raw = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ImportError_(f"{path.name} line {number}: not valid JSON ({exc})") from None
        if not isinstance(item, dict) or not isinstance(item.get("labels"), dict):
            raise ImportError_(f"{path.name} line {number}: no 'labels' object")
        raw.append(item)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "evaluate.db")
        records = [to_record(item, f"{path.name} line {n}") for n, item in enumerate(raw, 1)]
        store.calls.import_records(records)
        labels = {r["id"]: item["labels"] for r, item in zip(records, raw, strict=True)}
        stored = store.calls.current(on, include_all=True)
        store.close()
    return [dict(call, labels=labels[call["id"]]) for call in stored]


def evaluate(cfg: Config, path: Path, on: date) -> str:
    from matcher.evaluate import evaluate as run
    from matcher.evaluate import format_report

    calls = load_labelled(path, on)
    themes, settings = themes_from_config(cfg)
    return format_report(run(calls, themes, settings))


def compare(cfg: Config, other: Config, calls: Sequence[dict[str, Any]], top: int
            ) -> list[str]:
    """Lines saying, per theme, which calls enter and leave its top ``top``."""
    titles = {c["id"]: c["title"] for c in calls}
    now = _tops(rank_calls(cfg, list(calls)), top)
    then = _tops(rank_calls(other, list(calls)), top)
    lines = []
    for slug in sorted(set(now) | set(then)):
        entering = [i for i in then.get(slug, []) if i not in now.get(slug, [])]
        leaving = [i for i in now.get(slug, []) if i not in then.get(slug, [])]
        name = (other.themes.get(slug) or cfg.themes.get(slug))
        label = f"{name.name} ({slug})" if name else slug
        if not entering and not leaving:
            lines.append(f"{label}: no change in the top {top}")
            continue
        lines.append(f"{label}:")
        lines += [f"  + {titles[i]}" for i in entering]
        lines += [f"  - {titles[i]}" for i in leaving]
    return lines


def _tops(rankings: Sequence[Any], top: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    slugs = {slug for r in rankings for slug in r.themes}
    for slug in slugs:
        best = sorted((r for r in rankings if r.themes.get(slug, 0) > 0),
                      key=lambda r: r.themes[slug], reverse=True)[:top]
        out[slug] = [r.id for r in best]
    return out
