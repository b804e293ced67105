"""Pure ranking of funding calls against the pagt's themes: calls + themes in, scores and
explanations out. No I/O, and no imports of the crawler or the digests."""

from .config import settings_from_toml, themes_from_toml
from .model import Feedback, MatcherSettings, Ranking, Theme
from .scoring import rank
from .signals import detect_signals

__all__ = [
    "Feedback",
    "MatcherSettings",
    "Ranking",
    "Theme",
    "detect_signals",
    "rank",
    "settings_from_toml",
    "themes_from_toml",
]
