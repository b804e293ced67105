"""Pure ranking of funding calls against the pagt's themes: calls + themes in, scores and
explanations out. No I/O, and no imports of the crawler, the digests or the shell.

The names are loaded on first use: `matcher.model` (the settings and their ranges) is read
by the config loader at every start, and should not pull in scikit-learn with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "Feedback": "model",
    "MatcherSettings": "model",
    "Ranking": "model",
    "Theme": "model",
    "detect_signals": "signals",
    "rank": "scoring",
    "settings_from_toml": "config",
    "themes_from_toml": "config",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
