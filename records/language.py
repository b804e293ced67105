"""Danish or English? One guesser for the whole project.

Pages and calls often say nothing reliable about their language (Novo Nordisk Fonden serves
Danish text under ``/en/``; imported calls may lack the field), and a Danish text stemmed as
English loses every keyword it holds. Function words decide. Month names are left out on
purpose: Danish pages use English ones.
"""

from __future__ import annotations

import re

# Function words that tell Danish (and its Scandinavian neighbours on Interreg pages) from
# English.
DANISH_WORDS = frozenset(
    "og er til på af med det der som ikke kan skal har fra om eller ved hvor også denne dette "
    "efter inden senest mellem være bliver vores jeres jer vi du din dit fonden ansøgning "
    "ansøgninger ansøgningsfrist støtte projekter projektet och att är för inte till av kommer "
    "ska sig bli".split())
ENGLISH_WORDS = frozenset(
    "the and of to is are with that this be by from on or will can an which not have has you "
    "your we our in for grants grant applications application funding call".split())

_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str | None, *, minimum: int = 6) -> str | None:
    """'da' or 'en' by function words, or None when fewer than ``minimum`` of them (or a tie)
    leave it open."""
    words = _WORD.findall((text or "").lower())
    da = sum(1 for w in words if w in DANISH_WORDS)
    en = sum(1 for w in words if w in ENGLISH_WORDS)
    if da + en < minimum or da == en:
        return None
    return "da" if da > en else "en"


def guess_language(text: str | None, default: str = "en") -> str:
    """Always an answer: the detected language on any evidence, else ``default``."""
    return detect_language(text, minimum=1) or default
