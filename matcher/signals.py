"""Education signals: which education levels, learner groups and STEM subjects a call names.

The pagt funds education, not research. Research and industry calls use the same words as
the themes (technology, sustainability, women, AI), so a call that names no school level,
no teachers and no young learners is most likely a near-miss; an education call that names
no STEM subject (EU citizenship, literacy) is one too. These lists are domain knowledge
about the Danish education system and its English names, not tuning to any call.

Markers: "*lærere" also matches as the last part of a compound (naturfagslærere),
"fritid*" as the first part (fritidsforløb); see `terms.TermSet`.
"""

from __future__ import annotations

from collections.abc import Collection

from .terms import TermSet
from .text import Doc, analyse

# The names of the Danish education system's levels and their usual English names, written
# from general knowledge of the system (uddannelsesguiden, the EU's ISCED names), not from
# any call: single words and compounds wherever the language allows it.
LEVELS: dict[str, tuple[str, ...]] = {
    "dagtilbud": (
        "dagtilbud", "*daginstitution", "*børnehave", "vuggestue", "småbørn",
        "kindergarten", "preschool", "pre-school", "nursery", "ECEC",
    ),
    "grundskole": (
        "*grundskole", "*folkeskole", "udskoling", "indskoling", "mellemtrin", "friskole",
        "efterskole", "skoleelever", "natur/teknologi",
        "primary school", "primary education", "primary pupils",
        "primary teachers", "primary and secondary schools", "primary and secondary education",
        "primary and lower-secondary", "lower-secondary", "elementary", "schoolchildren", "K-12",
    ),
    "gymnasium": (
        "gymnasium", "gymnasier", "gymnasiet", "gymnasiale", "gymnasie*", "*ungdomsuddannelse",
        "stx", "htx", "hhx", "hf",
        "upper-secondary", "high school", "high schools",
    ),
    "eud": (
        "*erhvervsuddannelse", "*erhvervsskole", "EUD", "EUX", "lærling", "lærlinge",
        "elevplads", "erhvervsrettet",
        "vocational", "VET", "apprentice", "apprentices", "apprenticeship", "apprenticeships",
    ),
    "erhvervsakademi": (
        "*erhvervsakademi", "akademiuddannelse", "erhvervsakademiuddannelse",
        "academy profession", "business academy",
    ),
    "professionshøjskole": (
        "*professionshøjskole", "professionsbachelor", "læreruddannelse", "pædagoguddannelse",
        "university college", "university colleges",
    ),
    "lærere": (
        "*lærere", "*lærerne", "*underviser", "*undervisere", "*pædagoger", "pædagog",
        "teachers", "teacher", "trainers",
    ),
    "efteruddannelse": (
        "*efteruddannelse", "*videreuddannelse", "*voksenuddannelse", "VUC", "AMU",
        "kompetenceudvikling*", "kompetenceløft", "opkvalificering",
        "upskilling", "reskilling", "lifelong", "in-service",
    ),
    "fritid": (
        "fritid*", "ungdomsklub*", "*klubber", "skoletiden", "science-center",
        "sciencecenter", "ungdomsskole*",
        "out-of-school", "after-school", "leisure", "extracurricular",
        "clubs", "camps",
    ),
    "skole": (
        "*skole", "*skoler", "elever", "elev", "klasse", "klasser",
        "school", "schools", "pupils", "pupil", "classroom", "classrooms",
    ),
}

# Higher education is outside the pagt's main levels: it counts, but less (see rank).
HIGHER_EDUCATION: tuple[str, ...] = (
    "videregående", "universitet*", "universiteter", "bacheloruddannelse",
    "kandidatuddannelse", "ph.d.-studerende",
    "university", "universities", "undergraduate", "postgraduate", "bachelor's", "master's",
    "higher education",
)

# The STEM subjects themselves: the pagt is about STEM, so an education call that names no
# STEM subject at all (EU citizenship, reading, social work) is a near-miss.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "naturvidenskab": (
        "naturvidenskab*", "*naturvidenskab", "naturvidenskabelig", "naturfag*", "*naturfag",
        "natur/teknologi", "fysik*", "kemi", "biologi", "geografi", "bioteknologi",
        "science", "sciences", "scientific", "physics", "chemistry", "biology", "STEM",
        "STEAM",
    ),
    "teknologi": (
        "teknologi*", "*teknologi", "teknik", "teknisk", "tekniske", "technology",
        "technologies", "technical", "tech",
    ),
    "ingeniørfag": ("ingeniør*", "engineering", "engineers", "engineer"),
    "matematik": ("matematik*", "regning", "mathematics", "maths", "math", "numeracy"),
    "it": (
        "informatik", "datalogi", "programmering", "programmere", "digital*", "IT",
        "kunstig intelligens", "computing", "computer", "computational", "coding",
        "programming", "digital", "algorithms", "AI", "robotics",
    ),
}

GROUPS: dict[str, tuple[str, ...]] = {
    "piger": ("*piger", "pige", "pigernes", "girls", "girl"),
    "kvinder": ("kvinder", "kvindelige", "women", "female"),
    "unge": (
        "unge", "ungdom*", "børn", "youth", "children", "teenagers", "youngsters",
        "adolescents", "learners",
    ),
}

_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "levels": {**LEVELS, "videregående": HIGHER_EDUCATION},
    "groups": GROUPS,
    "subjects": SUBJECTS,
}
# (label, term, 0): every signal term, labelled "kind:label"; compounds only where marked.
SIGNAL_ENTRIES: list[tuple[str, str, int]] = [
    (f"{kind}:{label}", term, 0)
    for kind, labels in _KINDS.items()
    for label, terms in labels.items()
    for term in terms
]
_TERMS = TermSet(SIGNAL_ENTRIES)


def detect_signals(text: str, language: str) -> dict[str, list[str]]:
    """The education levels and target groups named in `text`.

    Returns ``{"levels": [...], "groups": [...], "subjects": [...]}`` with canonical Danish
    labels in a fixed order (dagtilbud before grundskole ...), so results compare and
    display consistently. "videregående" (higher education) is listed last among levels.
    """
    return signals_in(analyse(text, language))


def signals_in(doc: Doc) -> dict[str, list[str]]:
    """`detect_signals` for a text that is already analysed (ranking analyses each call once)."""
    return signals_from_labels(_TERMS.find(doc))


def signals_from_labels(found: Collection[str]) -> dict[str, list[str]]:
    """The signals dict from the "kind:label" labels of the terms found (see SIGNAL_ENTRIES).

    Ranking puts the signal terms into its own term set, so that each call is scanned
    once for signals, exclude terms and keyword compounds together.
    """
    return {
        kind: [label for label in labels if f"{kind}:{label}" in found]
        for kind, labels in _KINDS.items()
    }
