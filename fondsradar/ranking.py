"""The bridge from config and store to the pure matcher: themes from config.toml, calls in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fondsradar.config import Config
from matcher import Feedback, MatcherSettings, Ranking, Theme, rank, themes_from_toml
from records.store import Store


def themes_from_config(cfg: Config) -> tuple[list[Theme], MatcherSettings]:
    """The matcher's themes and settings, from the validated config."""
    raw = {
        "themes": {slug: t.model_dump() for slug, t in cfg.themes.items()},
        "matcher": cfg.matcher.model_dump(),
    }
    return themes_from_toml(raw)


def feedback_from(store: Store, on: date) -> list[Feedback]:
    """Staff verdicts as the matcher takes them (the latest verdict per call and theme)."""
    latest: dict[tuple[str, str | None], dict[str, Any]] = {}
    for row in store.feedback.all(on):
        latest[(row["call_id"], row["theme"])] = row
    return [Feedback(call=row["call"], verdict=row["verdict"], theme=row["theme"])
            for row in latest.values()]


def rejected(store: Store, on: date) -> set[str]:
    """Calls whose latest verdict as a whole is "irrelevant": never in a digest again."""
    latest: dict[str, str] = {}
    for row in store.feedback.all(on):
        if row["theme"] is None:
            latest[row["call_id"]] = row["verdict"]
    return {call_id for call_id, verdict in latest.items() if verdict == "irrelevant"}


def rank_calls(
    cfg: Config,
    calls: Sequence[dict[str, Any]],
    feedback: Sequence[Feedback] = (),
    explain: int | None = None,
) -> list[Ranking]:
    """Every call ranked against the config's themes, best first; with `explain`, only the
    best `explain` calls carry their matched terms (see `matcher.rank`)."""
    themes, settings = themes_from_config(cfg)
    return rank(calls, themes, settings, feedback, explain)
