"""Reading themes and matcher settings from the parsed `[themes.*]` and `[matcher]` tables.

The matcher does no I/O: callers parse config.toml (tomllib) and hand the dict over. The
CLI and the evaluation runner share this one reading, so a keyword means the same in both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .model import MatcherSettings, Theme

_SETTINGS = {f.name: f for f in dataclasses.fields(MatcherSettings)}


def themes_from_toml(config: Mapping[str, Any]) -> tuple[list[Theme], MatcherSettings]:
    """Themes (in file order) and settings from a parsed config.toml.

    `themes.<slug>` takes name, keywords (list), optional weights (keyword -> number; a
    weighted term missing from `keywords` is added), exclude (list) and focus (bool).
    `[matcher]` takes every field of `MatcherSettings`; an unknown key is an error, so a
    typo does not silently leave a knob at its default.
    """
    themes = [_theme(slug, table) for slug, table in (config.get("themes") or {}).items()]
    return themes, settings_from_toml(config.get("matcher") or {})


def _theme(slug: str, table: Mapping[str, Any]) -> Theme:
    weights = {str(k): float(v) for k, v in (table.get("weights") or {}).items()}
    keywords = {str(k): weights.get(str(k), 1.0) for k in table.get("keywords") or []}
    for term, weight in weights.items():
        keywords.setdefault(term, weight)
    return Theme(
        slug=slug,
        name=str(table.get("name") or slug),
        keywords=keywords,
        exclude=tuple(str(t) for t in table.get("exclude") or ()),
        focus=bool(table.get("focus", False)),
    )


def settings_from_toml(table: Mapping[str, Any]) -> MatcherSettings:
    """`MatcherSettings` from the `[matcher]` table; lists become tuples."""
    unknown = sorted(set(table) - set(_SETTINGS))
    if unknown:
        raise ValueError(
            f"matcher: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_SETTINGS))}"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    return MatcherSettings(**values)
