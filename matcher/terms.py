"""Finding a list of words and phrases in an analysed text, Danish compounds included.

Exclude terms, education signals and keyword compounds all ask the same question: which
of these terms, as a person wrote them, does this text contain? Terms are compiled per
language with the same pipeline as the calls (see `text`), so a term matches every
inflection its stemmer knows; a one-word term can also match inside a Danish compound.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .text import Doc, sequence, tokens

# What a compound must have left on either side of a part for the part to count. Danish
# glues words together (naturfags|undervisning|en, klima|undervisning); a plain substring
# test would also find "kunst" in "kunstig" and "energi" in "synergi".
MIN_LEFT = 4
MIN_RIGHT = 3
# Per-word caches stop growing here, so a long-running scheduler cannot leak memory.
_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Term:
    """One compiled term: who it stands for, how it was written, and its stems."""

    label: str
    surface: str
    stems: tuple[str, ...]
    mode: str  # "exact", "suffix" (head of a compound), "prefix" (first part), "any"


@dataclass
class _Compiled:
    """The terms of one language, indexed for look-up by stem, phrase and compound part."""

    terms: list[Term]
    single: dict[str, list[int]] = field(default_factory=dict)
    multi: dict[str, list[tuple[int, frozenset[str]]]] = field(default_factory=dict)
    parts: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # mode -> stem -> terms
    lengths: dict[str, list[int]] = field(default_factory=dict)  # mode -> stem lengths
    hits: dict[str, tuple[int, ...]] = field(default_factory=dict)
    positive: set[str] = field(default_factory=set)  # the tokens in `hits` that hit a term
    inside: dict[str, tuple[int, ...]] = field(default_factory=dict)
    spans: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, term in enumerate(self.terms):
            if len(term.stems) == 1:
                self.single.setdefault(term.stems[0], []).append(i)
                if term.mode != "exact":
                    by_stem = self.parts.setdefault(term.mode, {})
                    by_stem.setdefault(term.stems[0], []).append(i)
            else:
                pairs = [f"{a} {b}" for a, b in zip(term.stems, term.stems[1:], strict=False)]
                self.multi.setdefault(pairs[0], []).append((i, frozenset(pairs[1:])))
        self.lengths = {mode: sorted({len(p) for p in stems}) for mode, stems in self.parts.items()}

    def compounds(self, token: str) -> tuple[int, ...]:
        """Terms found inside the longer compound `token` (cached per token).

        Looks up the token's substrings at the places a part may have (see `_spans`), all
        at once, rather than testing every term.
        """
        found = self.inside.get(token)
        if found is None:
            hits: set[int] = set()
            n = len(token)
            for mode, stems in self.parts.items():
                spans = self.spans.get((mode, n))
                if spans is None:
                    spans = self.spans[(mode, n)] = _spans(mode, self.lengths[mode], n)
                for piece in {token[a:b] for a, b in spans} & stems.keys():
                    hits.update(stems[piece])
            found = tuple(sorted(hits))
            if len(self.inside) >= _CACHE_LIMIT:
                self.inside.clear()
            self.inside[token] = found
        return found

    def token_hits(self, token: str) -> tuple[int, ...]:
        """Terms the word `token` is, or contains as a compound part (cached per token)."""
        found = self.hits.get(token)
        if found is None:
            found = tuple(self.single.get(token, ())) + self.compounds(token)
            if len(self.hits) >= _CACHE_LIMIT:
                self.hits.clear()
                self.positive.clear()
            self.hits[token] = found
            if found:
                self.positive.add(token)
        return found


class TermSet:
    """A compiled list of (label, term) pairs, matched against `Doc`s.

    A term written "*lærere" may be the last part of a compound (naturfagslærere); one
    written "fritid*" may be the first part (fritidsforløb). An unmarked one-word term
    whose stem has at least `compound_min` letters may be any part; 0 turns that off.
    """

    def __init__(
        self,
        entries: Iterable[tuple[str, str] | tuple[str, str, int]],
        compound_min: int = 5,
        stemming: bool | Collection[str] = True,
    ) -> None:
        """`entries` are (label, term), or (label, term, compound_min for this term)."""
        self.entries = [
            (entry[0], entry[1], entry[2] if len(entry) > 2 else compound_min)
            for entry in entries
            if entry[1].strip()
        ]
        self.compound_min = compound_min
        self.stemming = stemming
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, language: str) -> _Compiled:
        """The terms stemmed for `language`, compiled once per language."""
        if language not in self._compiled:
            terms = [
                term
                for label, surface, compound_min in self.entries
                if (term := self._compile(label, surface, language, compound_min)) is not None
            ]
            self._compiled[language] = _Compiled(terms)
        return self._compiled[language]

    def _compile(
        self, label: str, surface: str, language: str, compound_min: int
    ) -> Term | None:
        raw = surface.strip()
        mode = "exact"
        if raw.startswith("*"):
            mode, raw = "suffix", raw[1:]
        elif raw.endswith("*"):
            mode, raw = "prefix", raw[:-1]
        groups = tokens(raw, language, self.stemming)
        if not groups:
            return None
        if len(groups) > 1:
            return Term(label, surface, tuple(sequence(groups)), "exact")
        stem = groups[0][0]
        if mode == "exact" and 0 < compound_min <= len(stem):
            mode = "any"
        return Term(label, surface, (stem,), mode)

    def phrase_starts(self, language: str) -> set[str]:
        """Every stem that begins a pair inside a multi-word term (see `analyse` starts)."""
        return {
            stem for t in self.compiled(language).terms if len(t.stems) > 1 for stem in t.stems[:-1]
        }

    def find_terms(self, doc: Doc) -> list[Term]:
        """Every term that occurs in `doc`, in the order of the entries."""
        c = self.compiled(doc.language)
        hits: set[int] = set()
        for token in doc.vocabulary.difference(c.hits):
            c.token_hits(token)
        for token in doc.vocabulary.intersection(c.positive):
            hits.update(c.hits[token])
        if c.multi:
            pairs = doc.pairs
            for first in c.multi.keys() & pairs:
                hits.update(i for i, rest in c.multi[first] if rest <= pairs)
        return [c.terms[i] for i in sorted(hits)]

    def word_hits(self, language: str, stems: Iterable[str]) -> list[int]:
        """The one-word terms (indexes into `compiled(language).terms`) that the stems are,
        or contain as a compound part; repeats possible. What `find_terms` finds for a text's
        words, for one written word at a time: ranking asks once per distinct word."""
        hits = self.compiled(language).token_hits
        return [i for stem in stems for i in hits(stem)]

    def pair_terms(self, language: str) -> dict[int, frozenset[str]]:
        """Each multi-word term (index into `compiled(language).terms`) with every stem pair
        a text must contain to contain it, as `find_terms` requires them."""
        c = self.compiled(language)
        return {
            i: rest | {first} for first, terms in c.multi.items() for i, rest in terms
        }

    def find(self, doc: Doc) -> dict[str, list[str]]:
        """Label -> the terms found for it, as they were written."""
        out: dict[str, list[str]] = {}
        for term in self.find_terms(doc):
            out.setdefault(term.label, []).append(term.surface)
        return out

    def inside(self, token: str, language: str) -> list[Term]:
        """The one-word terms found inside the longer compound `token` (not equal to it)."""
        c = self.compiled(language)
        return [c.terms[i] for i in c.compounds(token)]


def _spans(mode: str, sizes: Iterable[int], n: int) -> list[tuple[int, int]]:
    """Where in a word of `n` letters a term of `mode` with a stem of one of `sizes` letters
    is a part of the compound: (start, end) of every such place."""
    return [
        (start, start + size)
        for size in sizes
        for start in range(n - size + 1)
        if _inside(mode, start, n - start - size)
    ]


def _inside(mode: str, left: int, right: int) -> bool:
    """Whether a term of `mode` with `left` letters before it and `right` after it in a
    word is a part of that compound (not the whole word)."""
    if left == 0 and right == 0:
        return False
    if mode == "suffix":
        return right == 0 and left >= MIN_RIGHT
    if mode == "prefix":
        return left == 0 and right >= MIN_RIGHT
    return (left == 0 or left >= MIN_LEFT) and (right == 0 or right >= MIN_RIGHT)
