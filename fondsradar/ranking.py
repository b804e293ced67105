"""The bridge from config and store to the pure matcher: themes from config.toml, calls in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fondsradar.config import Config
from matcher import Feedback, MatcherSettings, Ranking, Theme, rank, themes_from_toml


def themes_from_config(cfg: Config) -> tuple[list[Theme], MatcherSettings]:
    """The matcher's themes and settings, from the validated config."""
    raw = {
        "themes": {slug: t.model_dump() for slug, t in cfg.themes.items()},
        "matcher": cfg.matcher.model_dump(),
    }
    return themes_from_toml(raw)


def rank_calls(
    cfg: Config, calls: Sequence[dict[str, Any]], feedback: Sequence[Feedback] = ()
) -> list[Ranking]:
    """Every call ranked against the config's themes, best first."""
    themes, settings = themes_from_config(cfg)
    return rank(calls, themes, settings, feedback)
