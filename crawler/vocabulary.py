"""The words funding pages use for the same facts, in Danish and English.

A redesign often rewords a label ("Ansøgningsfrist" becomes "Frist for ansøgning", "Call closes"
becomes "Closing date"), so the spiders do not depend on their own few labels alone: every label
set a spider declares is widened with these vocabularies, and with the synonyms staff add for a
source in ``config.toml`` (``[sources.<name>.labels]``, one list per field). Fields:

- ``deadline``: when applications must be in;
- ``opens``: when applications open;
- ``amount``: what one grant may be (a size or a range);
- ``budget``: the call's total money;
- ``status``: a status word ("Open", "Lukket").

The lists hold only phrases that are labels on funding pages, not words that also start prose
("Frist" alone is a label only with a colon or on a line of its own: :mod:`crawler.labels`
reads a line that starts with a label without a colon as a label only when the rest is short).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from records.call import CLOSED, FORTHCOMING, OPEN, ROLLING

FIELDS = ("deadline", "opens", "amount", "budget", "status")

VOCABULARY: dict[str, tuple[str, ...]] = {
    "deadline": (
        "Ansøgningsfrist", "Ansøgningsfristen", "Frist for ansøgning", "Frist for ansøgninger",
        "Frist for indsendelse", "Sidste frist", "Sidste frist for ansøgning", "Frist",
        "Deadline", "Application deadline", "Submission deadline", "Deadline for applications",
        "Deadline for submissions", "Closing date", "Call closes", "Kald lukker",
        "Ansøgningsrunde lukker", "Ansøgning lukker", "Lukker for ansøgninger",
    ),
    "opens": (
        "Åbner", "Åbner for ansøgninger", "Ansøgning åbner", "Åbningsdato", "Kald åbner",
        "Ansøgningsrunde åbner", "Opening date", "Opens", "Call opens",
        "Open for applications", "Open for applications on", "Open for submissions",
    ),
    "amount": (
        "Beløb", "Bevilling", "Støttebeløb", "Bevillingsstørrelse", "Bevillingens størrelse",
        "Beløbsramme", "Ansøgningsbeløb", "Bevillingsbeløb", "Tilskud", "Grant size",
        "Grant amount", "Amount", "Funding", "Funding amount", "Amount range",
        "Application amount range",
    ),
    "budget": (
        "Samlet pulje", "Samlet budget", "Puljens størrelse", "Samlet beløb", "Total budget",
        "Total funding", "Total amount", "Full budget of the call", "Budget of the call",
    ),
    "status": ("Status", "Ansøgningsstatus", "Call status"),
}


def label_set(own: Mapping[str, Sequence[str]],
              synonyms: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """A spider's labels widened with the shared vocabulary (for the fields it reads) and the
    staff's synonyms from config.toml; each label once, the spider's own first.

    A label that a spider files under a field of its own (NNF's "Deadline for nominations",
    Villum's "Application – Deadline for submissions") keeps that field: the vocabulary adds
    only labels no field of the spider has yet.
    """
    out = {name: list(dict.fromkeys(labels)) for name, labels in own.items()}
    taken = {label.casefold() for labels in out.values() for label in labels}
    for source in (VOCABULARY, synonyms or {}):
        for name, labels in source.items():
            if name not in out:
                continue
            for label in labels:
                if label.strip() and label.casefold() not in taken:
                    out[name].append(label.strip())
                    taken.add(label.casefold())
    return out


# What a status value says, most decisive first ("Closed" beats "Open for ... until closed").
STATUS_WORDS = (
    (CLOSED, re.compile(r"\b(?:closed|lukket|afsluttet|udløbet)\b", re.I)),
    (FORTHCOMING, re.compile(r"\b(?:upcoming|coming|forthcoming|kommende|åbner\s+snart)\b",
                             re.I)),
    (ROLLING, re.compile(r"\b(?:ongoing|rolling|løbende|året\s+rundt)\b", re.I)),
    (OPEN, re.compile(r"\b(?:open|åben|åbent)\b", re.I)),
)


def status_word(value: str) -> str | None:
    """The status a status label's value names ("Open", "Lukket for ansøgninger"), if any."""
    for status, pattern in STATUS_WORDS:
        if pattern.search(value):
            return status
    return None
