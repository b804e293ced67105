"""The matcher's plain data: what goes in (themes, settings, feedback) and what comes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RELEVANT = "relevant"
IRRELEVANT = "irrelevant"


@dataclass(frozen=True)
class Theme:
    """One pagt theme as staff describe it in config.toml.

    `keywords` maps each term exactly as staff wrote it (Danish or English, possibly a
    phrase) to its weight; explanations quote these keys back, so staff recognise them.
    """

    slug: str
    name: str
    keywords: dict[str, float]
    exclude: tuple[str, ...] = ()
    focus: bool = False


def knob(
    default: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    choices: tuple[str, ...] = (),
    pair: bool = False,
) -> Any:
    """A settings field with the range staff may set it to (checked when config.toml loads).

    `low`/`high` bound a number (or each number of a `pair`); `choices` are the values a
    list may hold. The shell builds its `[matcher]` validation from these, so a knob's
    range is written once, next to its meaning.
    """
    return field(
        default=default, metadata={"low": low, "high": high, "choices": choices, "pair": pair}
    )


@dataclass(frozen=True)
class MatcherSettings:
    """Tuning knobs. The defaults are the ones measured on the labelled dev set.

    Every knob is a number, a flag or a list, so that staff can set it in the `[matcher]`
    table and see its effect with `python -m matcher.evaluate LABELS.jsonl config.toml`.
    """

    exclude: tuple[str, ...] = knob(())
    """Global exclude terms (postdoc, clinical trial ...): each one found multiplies the
    call's score by `exclude_penalty`; with penalty 0 such calls drop to score 0."""
    focus_boost: float = knob(1.2, 1.0, 5.0)
    """Multiplier for the theme(s) marked `focus = true` (the year's focus)."""
    exclude_penalty: float = knob(0.3, 0.0, 1.0)
    """Factor per distinct exclude term found (global or the theme's own)."""
    title_weight: float = knob(2.0, 0.0, 10.0)
    """How much a word in the title counts relative to one in the description."""
    keywords_weight: float = knob(1.5, 0.0, 10.0)
    """How much a word in the call's own keyword list counts."""
    stemming: tuple[str, ...] = knob(("da", "en"), choices=("da", "en"))
    """Languages whose calls are stemmed with their own snowball stemmer; () = none."""
    phrases: bool = knob(True)
    """Index adjacent word pairs too, so "grøn omstilling" is more than its two words."""
    phrase_word_weight: float = knob(0.5, 0.0, 1.0)
    """Weight of each single word of a phrase keyword, relative to the whole phrase."""
    char_weight: float = knob(0.3, 0.0, 1.0)
    """Share of the theme score that comes from character n-grams within words (char_wb),
    which let "teknologiforståelse" match inside "teknologiforståelsesfaget"."""
    char_ngrams: tuple[int, int] = knob((4, 4), 2, 8, pair=True)
    """Lengths of the character n-grams."""
    compound_min: int = knob(5, 0, 20)
    """A keyword stem at least this long also matches as part of a longer Danish compound
    (naturfagsundervisningen contains undervisning); 0 switches compound matching off."""
    no_level_factor: float = knob(0.25, 0.0, 1.0)
    """Factor for calls that name no education level or learner group: the pagt funds
    education, so research and industry calls that share its words are pushed down."""
    higher_education_factor: float = knob(0.6, 0.0, 1.0)
    """Factor for calls whose only level is higher education (outside the pagt's levels)."""
    no_subject_factor: float = knob(0.7, 0.0, 1.0)
    """Factor for calls that name no STEM subject: the pagt is about STEM."""
    level_bonus: float = knob(0.1, 0.0, 1.0)
    """Bonus per further distinct education level found (capped at `level_cap` levels)."""
    level_cap: int = knob(3, 1, 10)
    girls_bonus: float = knob(0.15, 0.0, 1.0)
    """Bonus when girls or young women are a named target group (a pagt priority)."""
    breadth: float = knob(0.3, 0.0, 1.0)
    """The overall score is the best theme's score plus this share of the mean of the other
    themes' scores, so a call that serves several themes edges out a one-theme call."""
    rocchio_alpha: float = knob(1.0, 0.0, 5.0)
    rocchio_beta: float = knob(0.75, 0.0, 5.0)
    rocchio_gamma: float = knob(0.25, 0.0, 5.0)
    """Feedback: profile = alpha*keywords + beta*mean(relevant) - gamma*mean(irrelevant)."""
    explain_top: int = knob(5, 1, 50)
    """How many contributing terms to list per call and theme."""
    translate_weight: float = knob(1.0, 0.0, 2.0)
    """Weight of a keyword's translation from the built-in Danish-English vocabulary
    (matcher/vocabulary.py), relative to the keyword: a theme described in one language
    also finds calls in the other. 0 = only the keywords as written."""
    own_language: bool = knob(True)
    """A Danish keyword is matched in Danish calls only and its translation in English calls
    only (English keywords in both: Danish calls use English loanwords). This keeps false
    friends apart (the translation "art" of "kunst" must not find Danish "arter")."""
    prf_docs: int = knob(0, 0, 50)
    """Pseudo-relevance feedback: each theme's profile also takes in the words of its
    best-scoring `prf_docs` calls (0 = off), so a theme grows from its keywords into the
    vocabulary its calls actually use."""
    prf_weight: float = knob(0.3, 0.0, 2.0)
    """How much those calls' words count, relative to the keywords."""
    prf_terms: int = knob(30, 1, 500)
    """How many of those calls' strongest words are taken in per theme."""
    bm25_k1: float = knob(1.2, 0.0, 5.0)
    """BM25 term-frequency saturation instead of log(tf) (0 = off, 1.2 is usual)."""
    bm25_b: float = knob(0.75, 0.0, 1.0)
    """BM25 length normalisation: 0 ignores a call's length, 1 divides fully by it."""
    calibrate: bool = knob(False)
    """Put the themes on one scale before picking a call's best theme and its overall
    score: each theme's scores are divided by the mean of its top scores in the corpus,
    so a theme whose keywords are many and common does not outscore the others."""


DEFAULT_SETTINGS = MatcherSettings()


@dataclass(frozen=True)
class Feedback:
    """A staff verdict on one call, optionally for one theme.

    `verdict` is "relevant" or "irrelevant". With a `theme`, the verdict moves that theme's
    profile (and an irrelevant call scores 0 for that theme); with `theme = None` it is
    about the call as a whole: relevant moves its best theme, irrelevant moves every
    theme away from it and gives the call score 0.
    """

    call: Mapping[str, Any]
    verdict: str
    theme: str | None = None


@dataclass
class Ranking:
    """The matcher's verdict on one call: scores per theme and the words behind them."""

    id: str
    title: str
    score: float
    best_theme: str | None
    themes: dict[str, float]
    matched: dict[str, list[str]]
    signals: dict[str, list[str]] = field(default_factory=dict)
    why: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    """Per theme with matched terms: {"terms": [{"term", "da", "en"}], "levels": [...]}:
    each term as found and as a Danish and an English reader know it (the vocabulary's
    translation when there is one), and the education levels found in the call."""

    def reasons(self, theme: str, language: str) -> list[str]:
        """The matched terms of `theme` in the reader's `language` ("da"/"en"), each once."""
        terms = (self.why.get(theme) or {}).get("terms") or []
        return list(dict.fromkeys(t.get(language) or t["term"] for t in terms))

    def as_json(self) -> dict[str, Any]:
        """The `rank --json` record of docs/architecture.md, plus the education signals found."""
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "best_theme": self.best_theme,
            "themes": {slug: round(s, 4) for slug, s in self.themes.items()},
            "matched": {slug: list(terms) for slug, terms in self.matched.items()},
            "signals": {kind: list(found) for kind, found in self.signals.items()},
            "why": {slug: {"terms": [dict(t) for t in w["terms"]], "levels": list(w["levels"])}
                    for slug, w in self.why.items()},
        }
