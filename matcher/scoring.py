"""Ranking calls against the pagt's themes: TF-IDF cosine, adjusted for what the pagt funds.

The pipeline, and why each step is there:

1. Each call is analysed per field (title, description + programme, its own keywords)
   with its own language's snowball stemmer; the title counts `title_weight` times, as a
   title states the purpose while descriptions also carry eligibility boilerplate.
   All calls are analysed at once: each distinct written word is stemmed and looked into
   once, and applied to the calls with sparse products (`_Index._analyse`).
2. Danish compounds: a keyword stem found inside a longer word (undervisning in
   naturfagsundervisningen) counts as an occurrence of the keyword.
3. Word channel: TF-IDF (scikit-learn, sublinear TF) over stems and keyword phrases,
   cosine against each theme's keyword profile. Char channel: TF-IDF over char_wb n-grams
   of the stems, mixed in by `char_weight` where the word channel found something, so
   compounds and spelling variants weigh in without n-gram noise scoring on its own.
4. Education signals: the pagt funds STEM education, not research, so a call that names no
   education level or young learners is multiplied by `no_level_factor`, one that names no
   STEM subject by `no_subject_factor`; more levels and girls as a target group add a little.
5. Exclude terms (global and per theme) multiply by `exclude_penalty`; the focus theme is
   multiplied by `focus_boost`.
6. Feedback (Rocchio) moves theme profiles towards calls staff marked relevant and away
   from those marked irrelevant; a call marked irrelevant scores 0. With `prf_docs`, each
   theme also takes in the strongest words of its own best calls (pseudo-relevance
   feedback); those words re-order the calls its keywords found and add no others.
7. Only a whole keyword (or its vocabulary translation) puts a call in a theme: one word of
   a keyword phrase, the feedback words and the char channel re-order the calls the
   keywords found, so every theme score above 0 has a keyword for the digest to show.

The overall score is the best theme's score plus `breadth` times the mean of the others.
"""

from __future__ import annotations

import gc
import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, count
from typing import Any

import numpy as np
import scipy.sparse as sp

from records.language import guess_language

from .model import (
    DEFAULT_SETTINGS,
    IRRELEVANT,
    RELEVANT,
    Feedback,
    MatcherSettings,
    Ranking,
    Theme,
)
from .signals import SIGNAL_ENTRIES, signals_from_labels
from .terms import Term, TermSet
from .text import (
    LANGUAGES,
    analyse,
    looks_danish,
    segments,
    tokens,
    word_caches,
    word_pairs,
    words,
)
from .vocabulary import VOCABULARY

# A written word, as `_Keyword.lowered` holds them.
_WORDS = re.compile(r"[^\W_]+")
# Labels in the shared term set that no signal and no theme slug can have.
_KEYWORD = "\x00keyword"
_EXCLUDE = "\x00exclude:"


@dataclass(frozen=True)
class _Keyword:
    """A staff keyword compiled into index features, separately for each call language.

    Calls are stemmed in their own language, so a keyword is stemmed both ways and each
    call meets the version made with its own stemmer; mixing them would let the Danish
    stem of "teachers" ("teach") match "teaching" in an English call.
    """

    theme: int
    surface: str
    weight: float
    words: dict[str, frozenset[str]]  # language -> stem of each written word
    phrases: dict[str, frozenset[str]]  # language -> stem pairs; empty for one-word keywords
    single: bool  # one written word: may also match inside a compound
    lowered: frozenset[str]  # its words as written, lower-case
    origin: str | None = None  # the staff keyword this is the vocabulary's translation of

    def features(self, language: str) -> frozenset[str]:
        """Every index term of this keyword for calls in `language`."""
        return self.words[language] | self.phrases[language]

    def required(self, language: str) -> frozenset[str]:
        """The terms a call must contain to contain this keyword: the phrase, or the word."""
        return self.phrases[language] or self.words[language]


@dataclass
class _Call:
    """A call as the index keeps it: its id and title, the language it was read in, and the
    record, re-read only to name keywords as written."""

    id: str
    title: str
    language: str
    record: Mapping[str, Any]


class _Numbers(dict[str, int]):
    """Written word -> its number, the next free one given to a word on first look-up.

    `map(numbers.__getitem__, words)` then runs in C for every word already seen, as
    scikit-learn's CountVectorizer numbers its vocabulary; only new words call Python.
    Each language has its own (a word's stems depend on it), drawing on one `counter`.
    """

    def __init__(self, counter: Iterator[int]) -> None:
        super().__init__()
        self._next = counter.__next__

    def __missing__(self, word: str) -> int:
        self[word] = number = self._next()
        return number


class _Items:
    """What the items of one analysis stand for: the distinct written words (by number), and
    the distinct (word, next word) combinations where a looked-for phrase may begin.

    Each item lists the index columns it counts for, the term slots (one per term of the
    shared term set, per language) it holds as a word, and the pair slots (stem pairs
    that multi-word terms need) it holds; `matrix` makes each list a sparse matrix.
    """

    def __init__(self, n_words: int) -> None:
        empty: list[int] = []
        self.columns: list[list[int]] = [empty] * n_words
        self.hits: list[list[int]] = [empty] * n_words
        self.runs: list[tuple[str, ...]] = [()] * n_words  # running parts, per word
        self.language: list[str] = [""] * n_words
        self.combo_columns: list[list[int]] = []
        self.combo_pairs: list[list[int]] = []
        self.slots: list[Term] = []
        self.pair_slots: dict[tuple[str, str], int] = {}
        self._wanted: dict[str, frozenset[str]] = {}
        self._multi: list[tuple[int, frozenset[str], str]] = []

    def add_terms(self, language: str, terms: TermSet) -> int:
        """Make slots for the terms of `language`; returns the first slot."""
        first = len(self.slots)
        self.slots.extend(terms.compiled(language).terms)
        multi = terms.pair_terms(language)
        self._multi.extend((first + i, needs, language) for i, needs in multi.items())
        self._wanted[language] = frozenset(chain.from_iterable(multi.values()))
        return first

    def pair_ids(self, language: str, pairs: Sequence[str]) -> list[int]:
        """The pair slots of those `pairs` that a multi-word term of `language` needs."""
        wanted = self._wanted[language]
        slots = self.pair_slots
        return [slots.setdefault((language, p), len(slots)) for p in pairs if p in wanted]

    @property
    def needs(self) -> sp.csr_matrix:
        """Pair slots x term slots: 1 where the multi-word term needs the pair. A term with
        a pair that no call has is left out: no call can contain it."""
        rows, cols = [], []
        for slot, needs, language in self._multi:
            ids = [self.pair_slots.get((language, p)) for p in needs]
            if all(i is not None for i in ids):
                rows.extend(ids)
                cols.extend([slot] * len(ids))
        data = np.ones(len(rows))
        shape = (len(self.pair_slots), len(self.slots))
        return sp.csr_matrix((data, (rows, cols)), shape=shape)

    @staticmethod
    def matrix(per_item: list[list[int]], n_columns: int) -> sp.csr_matrix:
        """Items x `n_columns`, counting each column as often as an item lists it."""
        lengths = np.fromiter(map(len, per_item), np.int64, len(per_item))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.fromiter(chain.from_iterable(per_item), np.int64, int(indptr[-1]))
        data = np.ones(len(indices))
        matrix = sp.csr_matrix((data, indices, indptr), shape=(len(per_item), n_columns))
        matrix.sum_duplicates()
        return matrix


def _is_signal(label: str) -> bool:
    """Whether a label of the shared term set is an education signal's ("kind:label")."""
    return label != _KEYWORD and not label.startswith(_EXCLUDE)


def _ones(entries: list[tuple[int, int]], shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 matrix of `shape` with a 1 at each (row, column) of `entries`."""
    rows = [r for r, _ in entries]
    cols = [c for _, c in entries]
    return sp.csr_matrix((np.ones(len(entries)), (rows, cols)), shape=shape)


def _with_structure(values: sp.csr_matrix, structure: sp.csr_matrix) -> sp.csr_matrix:
    """`structure` with the entries of `values` (whose entries it holds), 0 elsewhere.

    A sparse product drops the entries that come out 0; a term found only in a field
    weighted 0 must still count as present (for IDF and for naming keywords), as it did
    when the counts were summed per call.
    """
    values = values.tocsr()
    structure = structure.tocsr()
    values.sort_indices()
    structure.sort_indices()
    n_cols = structure.shape[1]
    key = np.repeat(np.arange(structure.shape[0]), np.diff(structure.indptr)) * n_cols
    key += structure.indices
    wanted = np.repeat(np.arange(values.shape[0]), np.diff(values.indptr)) * n_cols
    wanted += values.indices
    out = structure.copy()
    out.data = np.zeros(len(out.data))
    out.data[np.searchsorted(key, wanted)] = values.data
    return out


def call_text(call: Mapping[str, Any]) -> tuple[str, str, str]:
    """Title, body and keyword text of a call record; missing fields read as empty."""
    title = str(call.get("title") or "")
    body = " \n".join(
        str(part) for part in (call.get("description"), call.get("programme")) if part
    )
    keywords = call.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    return title, body, ". ".join(str(k) for k in keywords)


class _Index:
    """The fitted vector space of one ranking run: call vectors and theme profiles."""

    def __init__(
        self, calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme], s: MatcherSettings
    ) -> None:
        self.settings = s
        self.themes = list(themes)
        self.keywords = [
            kw
            for t, theme in enumerate(self.themes)
            for surface, weight, origin in _with_translations(theme, s)
            if (kw := _compile_keyword(t, surface, weight, s, origin)) is not None
        ]
        # One term set for the one-word keywords (found inside compounds), the exclude
        # terms, global ("" label) and per theme (its slug), and the education signals
        # ("kind:label"), so each call is scanned and each new word cut up only once.
        self._terms = TermSet(
            [(_KEYWORD, kw.surface) for kw in self.keywords if kw.single]
            + [(_EXCLUDE, term) for term in s.exclude]
            + [(_EXCLUDE + theme.slug, t) for theme in self.themes for t in theme.exclude]
            + SIGNAL_ENTRIES,
            s.compound_min,
            s.stemming,
        )
        self._parts_cache: dict[str, dict[str, tuple[str, ...]]] = {}
        # Word pairs are indexed only where they are a keyword phrase: other pairs would
        # never meet a profile, and all pairs of 10,000 calls cost memory for nothing.
        self._phrase_terms = frozenset(
            f for kw in self.keywords for lang in LANGUAGES for f in kw.phrases[lang]
        )
        # the stems that can begin a pair anyone looks for: keyword phrases, and multi-word
        # signal and exclude terms; other pairs are never made (see `_pairs_of`)
        self._starts = {
            lang: frozenset(
                self._terms.phrase_starts(lang)
                | {f.split(" ", 1)[0] for kw in self.keywords for f in kw.phrases[lang]}
            )
            for lang in LANGUAGES
        }
        # column of every index term (stems and compound parts of each word in the order the
        # words were first read, Danish then English; phrases; keyword terms): the same order
        # in every run, where a set's order changed with Python's hash seed (test_matcher_analysis)
        self.vocab: dict[str, int] = {}
        self.calls: list[_Call] = []
        self._analyse(calls)
        self.rows = {
            lang: np.array(
                [i for i, c in enumerate(self.calls) if c.language == lang], dtype=np.int64
            )
            for lang in LANGUAGES
        }
        # the call texts, lower-case, read only to name twin keywords in the call's spelling
        self._text_cache: dict[int, frozenset[str]] = {}
        self._fit()

    # -- analysis ---------------------------------------------------------------------------

    def _analyse(self, calls: Sequence[Mapping[str, Any]]) -> None:
        """Read the words of every call and count its index terms, all calls at once.

        Per call, only the regular expression that finds the words runs, and each word is
        numbered; everything else is done once per distinct written word (its stems, the
        keyword stems inside it, the signal and exclude terms it holds) and applied to the
        calls with sparse products, as scikit-learn's CountVectorizer does. A loop over each
        word of each call in Python was most of the time of a 10,000-call ranking.
        """
        s = self.settings
        counter = count()
        numbers = {lang: _Numbers(counter) for lang in LANGUAGES}
        codes: array[int] = array("q")  # every field's words and punctuation, call by call
        lengths: list[int] = []  # tokens per field, three per call
        for call in calls:
            texts = call_text(call)
            language = str(call.get("language") or "").strip().lower()[:2]
            if language not in LANGUAGES:
                language = guess_language(" ".join(texts))
            self.calls.append(
                _Call(str(call.get("id") or ""), str(call.get("title") or ""), language, call)
            )
            number = numbers[language].__getitem__
            for raws in map(words, texts):
                codes.extend(map(number, raws))
                lengths.append(len(raws))
        acc = _Items(sum(map(len, numbers.values())))
        for lang in LANGUAGES:
            self._expand(lang, numbers[lang], acc)
        # calls x words, each word counted with its field's weight (one in a field weighted 0
        # is kept, as 0)
        n = len(self.calls)
        tokens = np.frombuffer(codes, dtype=np.int64)
        field_lengths = np.asarray(lengths, dtype=np.int64)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(field_lengths.reshape(n, 3).sum(axis=1), out=indptr[1:])
        weights = np.array([s.title_weight, 1.0, s.keywords_weight])
        weighted = np.repeat(np.tile(weights, n), field_lengths)
        self._combos = self._pairs_of(tokens, field_lengths, indptr, weighted, acc)
        # summing a call's repeated words (in place: the arrays are the matrix's own from here
        # on) leaves 1.1 of the 1.8 million entries of 10,000 calls for every product below
        self._words = sp.csr_matrix((weighted, tokens, indptr), shape=(n, len(acc.columns)))
        self._words.sum_duplicates()
        columns = [acc.matrix(acc.columns, len(self.vocab)),
                   acc.matrix(acc.combo_columns, len(self.vocab))]
        self._counts = self._words @ columns[0] + self._combos @ columns[1]
        # the words and combinations each call has, whatever its field's weight
        for matrix in (self._words, self._combos):
            matrix.data = np.ones(len(matrix.data))
        if not (weights > 0).all():
            present = self._words @ columns[0] + self._combos @ columns[1]
            self._counts = _with_structure(self._counts, present)
        self._hits = acc.matrix(acc.hits, len(acc.slots))
        self._pairs = acc.matrix(acc.combo_pairs, len(acc.pair_slots))
        self._slots = acc.slots
        self._needs = acc.needs

    def _expand(self, language: str, numbers: _Numbers, acc: _Items) -> None:
        """Each distinct written word of one language, once: the columns of its stems and of
        the keyword stems inside them, the terms it holds, and its running parts."""
        s = self.settings
        distinct = list(numbers)
        stems, runs = word_caches(distinct, language, s.stemming)
        slot = acc.add_terms(language, self._terms)
        column = self.vocab.setdefault
        vocab = self.vocab
        parts = (
            self._parts_of(
                language, frozenset(chain.from_iterable(map(stems.__getitem__, distinct)))
            )
            if s.compound_min > 0
            else None
        )
        word_hits = self._terms.word_hits
        for raw, number in numbers.items():
            group = stems[raw]
            found = [column(st, len(vocab)) for st in group]
            if parts is not None:
                found += [column(p, len(vocab)) for st in group for p in parts[st]]
            acc.columns[number] = found
            acc.hits[number] = [slot + i for i in word_hits(language, group)]
            acc.runs[number] = runs[raw]
            acc.language[number] = language

    def _pairs_of(
        self,
        tokens: np.ndarray,
        field_lengths: np.ndarray,
        indptr: np.ndarray,
        weighted: np.ndarray,
        acc: _Items,
    ) -> sp.csr_matrix:
        """Calls x (word, next word) combinations, with their fields' weights.

        Pairs are made only where a written word holds a stem that begins a looked-for
        phrase: the pairs inside that word, and from it to the next word of the field that
        is not a stop word (see `word_pairs`). They depend only on the two words, so each
        distinct combination is one item, made into pairs once.
        """
        n_words = len(acc.columns)
        starts = self._starts
        starting = np.fromiter(
            (not starts[lang].isdisjoint(run) for lang, run in zip(acc.language, acc.runs,
                                                                   strict=True)),
            bool, n_words,
        )
        at = np.flatnonzero(starting[tokens]) if n_words else np.zeros(0, dtype=np.int64)
        shape = (len(self.calls), 0)
        if not len(at):
            return sp.csr_matrix(shape)
        # the next word of the running text (not a stop word), if it is in the same field
        running = np.flatnonzero(np.fromiter(map(bool, acc.runs), bool, n_words)[tokens])
        following = np.append(running, len(tokens))[np.searchsorted(running, at, side="right")]
        ends = np.cumsum(field_lengths)
        field_end = ends[np.searchsorted(ends, at, side="right")]
        after = np.where(following < field_end, tokens[np.minimum(following, len(tokens) - 1)], -1)
        width = n_words + 1
        combos, which = np.unique(tokens[at] * width + after + 1, return_inverse=True)
        phrases = self._phrase_terms if self.settings.phrases else frozenset()
        column, vocab = self.vocab.setdefault, self.vocab
        for key in combos.tolist():
            word, nxt = divmod(key, width)
            pairs = word_pairs(acc.runs[word], acc.runs[nxt - 1][0] if nxt else None)
            acc.combo_columns.append([column(p, len(vocab)) for p in pairs if p in phrases])
            acc.combo_pairs.append(acc.pair_ids(acc.language[word], pairs))
        rows = np.searchsorted(indptr, at, side="right") - 1
        shape = (len(self.calls), len(combos))
        return sp.csr_matrix((weighted[at], (rows, which.ravel())), shape=shape)

    def scan(self) -> tuple[list[dict[str, list[str]]], list[dict[str, set[str]]]]:
        """Per call: its education signals, and its exclude terms found by label ("" for
        the global ones, else the theme's slug).

        The terms of the shared term set that each call holds, as `TermSet.find_terms`
        finds them: one-word terms through its written words (`_words`, `_hits`), multi-word
        terms where the call has every pair they need (`_combos`, `_pairs`, `_needs`).
        """
        found = (self._words @ self._hits).tocsr()
        if self._needs.nnz:
            held = (self._combos @ self._pairs).tocsr()
            held.data[:] = 1.0
            whole = (held @ self._needs).tocsr()
            required = np.asarray(self._needs.sum(axis=0)).ravel()
            whole.data = (whole.data >= required[whole.indices]).astype(np.float64)
            found = found + whole
        found.eliminate_zeros()
        # signal terms -> their labels; calls with the same labels share one look-up
        labels = sorted({t.label for t in self._slots if _is_signal(t.label)})
        label_of = {label: i for i, label in enumerate(labels)}
        to_label = _ones(
            [(slot, label_of[t.label]) for slot, t in enumerate(self._slots)
             if t.label in label_of],
            (len(self._slots), len(labels)),
        )
        held = (found @ to_label).tocsr()
        held.sort_indices()
        known: dict[tuple[int, ...], dict[str, list[str]]] = {}
        signals = []
        for row in range(len(self.calls)):
            key = tuple(held.indices[held.indptr[row] : held.indptr[row + 1]].tolist())
            if key not in known:
                known[key] = signals_from_labels({labels[i] for i in key})
            signals.append({kind: list(names) for kind, names in known[key].items()})
        # exclude terms, by label: only the few calls that hold one are looked at
        excluded: list[dict[str, set[str]]] = [{} for _ in self.calls]
        excludes = np.array([t.label.startswith(_EXCLUDE) for t in self._slots], dtype=bool)
        hits = found[:, np.flatnonzero(excludes)].tocoo() if excludes.any() else None
        if hits is not None:
            terms = [t for t in self._slots if t.label.startswith(_EXCLUDE)]
            for row, i in zip(hits.row.tolist(), hits.col.tolist(), strict=True):
                label = terms[i].label[len(_EXCLUDE) :]
                excluded[row].setdefault(label, set()).add(terms[i].surface)
        return signals, excluded

    def _parts_of(self, language: str, tokens: frozenset[str]) -> dict[str, tuple[str, ...]]:
        """Word stem -> keyword stems found inside it as compound parts, `tokens` included."""
        cache = self._parts_cache.setdefault(language, {})
        compiled = self._terms.compiled(language)
        # the keyword stem of each term, None for the other terms; most words hold none
        stem_of = [t.stems[0] if t.label == _KEYWORD else None for t in compiled.terms]
        compounds = compiled.compounds
        for token in tokens.difference(cache):
            found = compounds(token)
            cache[token] = (
                tuple(stem for i in found if (stem := stem_of[i]) is not None) if found else ()
            )
        return cache

    # -- vector space -----------------------------------------------------------------------

    def _fit(self) -> None:
        """Count the three fields, weight them, and fit TF-IDF (sublinear TF) on the calls.

        Keyword terms get columns even when no call has them: IDF then rates them as rare
        as possible, so a theme full of unmatched terms does not look as focused as one
        with few. IDF itself is fitted on the calls only.
        """
        s = self.settings
        counts = self._counts
        for kw in self.keywords:
            for lang in LANGUAGES:
                for f in sorted(kw.features(lang)):
                    self.vocab.setdefault(f, len(self.vocab))
        counts.resize((len(self.calls), len(self.vocab)))
        self.present = sp.csr_matrix(counts, copy=True)
        self.present.data[:] = 1.0
        self.word_idf = _idf(counts, len(self.calls))
        self.C: sp.csr_matrix | None = None
        if s.char_weight > 0:
            # char_wb n-grams of every word stem: a call's n-gram counts are its stem counts
            # times each stem's n-grams, so each distinct stem is cut up only once. (Keeping
            # only the keywords' n-grams as columns saves a fifth of the memory, but cost
            # 0.009 English AP on the labelled calls: measured and not taken.)
            names = [f for f in self.vocab if " " not in f]
            columns = np.array([self.vocab[f] for f in names], dtype=np.int64)
            self.grams: dict[str, int] = {}
            char_counts = sp.csr_matrix(counts[:, columns] @ self._ngrams(names), dtype=np.float64)
            self.char_idf = _idf(char_counts, len(self.calls))
            self.C = _tfidf_in_place(char_counts, self.char_idf)
        if s.bm25_k1 > 0:
            counts = _bm25(counts, s)
        self.X = _tfidf_in_place(counts, self.word_idf, sublinear=s.bm25_k1 <= 0)
        self.profiles = {lang: self._profiles(lang) for lang in LANGUAGES}

    def _ngrams(self, words: Sequence[str]) -> sp.csr_matrix:
        """Words x char_wb n-grams (as scikit-learn's "char_wb" analyzer cuts a word);
        unseen n-grams are dropped."""
        low, high = self.settings.char_ngrams
        rows = [_char_wb(w, low, high) for w in words]
        if not self.grams:  # the first call fixes the n-gram columns: the calls' own words
            for gram in sorted(set(chain.from_iterable(rows))):
                self.grams[gram] = len(self.grams)
        get = self.grams.get
        indptr, indices = [0], []
        for grams in rows:
            indices.extend(i for g in grams if (i := get(g)) is not None)
            indptr.append(len(indices))
        data = np.ones(len(indices))
        matrix = sp.csr_matrix((data, indices, indptr), shape=(len(words), len(self.grams)))
        matrix.sum_duplicates()  # a word with a repeated n-gram counts it twice
        return matrix

    def _profiles(self, language: str) -> _Profiles:
        """Theme profiles for calls in `language`: keyword weights times IDF, unit length."""
        s = self.settings
        word_rows: list[dict[str, float]] = []
        stem_rows: list[dict[str, float]] = []
        for t in range(len(self.themes)):
            feats: dict[str, float] = {}
            stems: dict[str, float] = {}
            for kw in (k for k in self.keywords if k.theme == t):
                word_weight = kw.weight * (1.0 if kw.single else s.phrase_word_weight)
                for f in kw.phrases[language]:
                    feats[f] = max(feats.get(f, 0.0), kw.weight)
                for f in kw.words[language]:
                    feats[f] = max(feats.get(f, 0.0), word_weight)
                    stems[f] = max(stems.get(f, 0.0), word_weight)
            word_rows.append(feats)
            stem_rows.append(stems)
        word = _matrix(word_rows, self.vocab) @ sp.diags(self.word_idf)
        char = None
        if self.C is not None:
            names = sorted({f for stems in stem_rows for f in stems})
            weights = _matrix(stem_rows, {f: i for i, f in enumerate(names)})
            char = _normalise(weights @ self._ngrams(names) @ sp.diags(self.char_idf))
        return _Profiles(_normalise(word), char)

    # -- scoring ----------------------------------------------------------------------------

    def _uses(self, row: int, kw: _Keyword) -> bool:
        """Whether the call's text has the keyword's words as written (any case)."""
        words = self._text_cache.get(row)
        if words is None:
            text = " ".join(call_text(self.calls[row].record)).lower()
            words = self._text_cache[row] = frozenset(_WORDS.findall(text))
        return kw.lowered <= words

    def similarity(self, profiles: Mapping[str, _Profiles]) -> np.ndarray:
        """Calls x themes cosine, each call against its own language's profiles.

        The char channel counts only where the word channel found a keyword term (compound
        parts included): n-gram overlap alone ("-ning", "tion") gave unrelated calls a
        best theme without a single word to show for it.
        """
        cw = self.settings.char_weight
        out = np.zeros((len(self.calls), len(self.themes)))
        for lang, rows in self.rows.items():
            if not len(rows):
                continue
            prof = profiles[lang]
            sim = (self.X[rows] @ prof.word.T).toarray()
            if self.C is not None and prof.char is not None and cw > 0:
                # n-grams refine a theme the words found; alone they are only noise
                char = (self.C[rows] @ prof.char.T).toarray()
                sim = np.where(sim > 0, (1 - cw) * sim + cw * char, 0.0)
            out[rows] = sim
        return out

    def _found(self, rows: np.ndarray, language: str) -> sp.csr_matrix:
        """Rows x keywords, 1 where the call contains the whole keyword: all its words, a
        phrase as a phrase (a compound part counts as the word)."""
        needed = _keyword_matrix(self.keywords, self.vocab, lambda k: k.required(language))
        n_needed = np.asarray(needed.sum(axis=1)).ravel()
        found = (self.present[rows] @ needed.T).tocsr()
        found.data = (found.data >= n_needed[found.indices]).astype(np.float64)
        found.eliminate_zeros()
        return found

    def holds_keyword(self) -> np.ndarray:
        """Calls x themes, 1.0 where the call contains at least one whole keyword of the theme
        (or a vocabulary translation of one), else 0.0."""
        out = np.zeros((len(self.calls), len(self.themes)))
        if not self.keywords:
            return out
        theme_of = sp.csr_matrix(
            (np.ones(len(self.keywords)), ([kw.theme for kw in self.keywords],
                                           np.arange(len(self.keywords)))),
            shape=(len(self.themes), len(self.keywords)),
        )
        for lang, rows in self.rows.items():
            if len(rows):
                out[rows] = ((self._found(rows, lang) @ theme_of.T).toarray() > 0)
        return out

    def explanations(
        self, profiles: Mapping[str, _Profiles], only: Collection[int] | None = None
    ) -> list[dict[int, list[str]]]:
        """Per call and theme, the keywords that contributed most, as staff wrote them.

        A keyword counts when the call contains it (all its words; a phrase as a phrase)
        and its terms add to the word-channel cosine. Keywords of one theme that are the
        same term after stemming ("mentors", "mentorer") are named once, in the spelling
        the call itself uses. Computed for all calls (or the rows `only`) at once with
        sparse products.
        """
        top = self.settings.explain_top
        out: list[dict[int, list[str]]] = [{} for _ in self.calls]
        if not self.keywords:
            return out
        themes_of = np.array([kw.theme for kw in self.keywords])
        # ties in value are named in alphabetical order
        alphabetical = np.argsort(np.argsort([kw.surface for kw in self.keywords], kind="stable"))
        for lang, rows in self.rows.items():
            if only is not None:
                rows = rows[np.isin(rows, np.asarray(list(only), dtype=np.int64))]
            if not len(rows):
                continue
            every = _keyword_matrix(self.keywords, self.vocab, lambda k, lg=lang: k.features(lg))
            weights = every.multiply(profiles[lang].word[themes_of]).tocsr()
            found = self._found(rows, lang)
            value = (self.X[rows] @ weights.T).multiply(found).tocoo()
            keep = value.data > 0
            r, k, v = value.row[keep], value.col[keep], value.data[keep]
            groups, sizes = zip(*_twins(self.keywords, lang), strict=True)
            twin = np.asarray(sizes)[k] > 1
            chosen: dict[tuple[int, int], int] = {}
            for i in np.flatnonzero(twin):  # only calls that contain two spellings of a term
                key = (int(r[i]), groups[k[i]])
                if key not in chosen or (
                    not self._uses(rows[r[i]], self.keywords[k[chosen[key]]])
                    and self._uses(rows[r[i]], self.keywords[k[i]])
                ):
                    chosen[key] = int(i)
            keep = ~twin
            keep[list(chosen.values())] = True
            r, k, v = r[keep], k[keep], v[keep]
            order = np.lexsort((alphabetical[k], -v, themes_of[k], r))
            for i in order:
                row, theme = int(rows[r[i]]), int(themes_of[k[i]])
                names = out[row].setdefault(theme, [])
                if len(names) < top:
                    names.append(self.keywords[k[i]].surface)
        return out


def _keyword_matrix(
    keywords: Sequence[_Keyword], vocab: Mapping[str, int], terms: Any
) -> sp.csr_matrix:
    """Keywords x vocabulary, 1 where the keyword has that term (per `terms(keyword)`)."""
    return _matrix([{f: 1.0 for f in terms(kw)} for kw in keywords], vocab)


def _twins(keywords: Sequence[_Keyword], language: str) -> list[tuple[int, int]]:
    """Per keyword: its group (see `_same_terms`) and how many keywords share the group."""
    groups = _same_terms(keywords, language)
    sizes = Counter(groups)
    return [(g, sizes[g]) for g in groups]


def _same_terms(keywords: Sequence[_Keyword], language: str) -> list[int]:
    """A group number per keyword; keywords of one theme with the same terms share one."""
    seen: dict[tuple[int, frozenset[str]], int] = {}
    return [seen.setdefault((kw.theme, kw.features(language)), len(seen)) for kw in keywords]


@dataclass(frozen=True)
class _Profiles:
    """Theme x feature unit vectors: word channel, and char channel when it is on."""

    word: sp.csr_matrix
    char: sp.csr_matrix | None


def _with_translations(theme: Theme, s: MatcherSettings) -> Iterator[tuple[str, float, str | None]]:
    """The theme's keywords as (surface, weight, None), then the vocabulary's translations
    of them that the theme does not list itself, as (translation, weight, keyword)."""
    written = {k.lower() for k in theme.keywords}
    yield from ((k, w, None) for k, w in theme.keywords.items())
    if s.translate_weight <= 0:
        return
    added: set[str] = set()
    for surface, weight in theme.keywords.items():
        for other in VOCABULARY.translations(surface):
            if other.lower() not in written and other.lower() not in added:
                added.add(other.lower())
                yield other, weight * s.translate_weight, surface


def _compile_keyword(
    theme: int, surface: str, weight: float, s: MatcherSettings, origin: str | None = None
) -> _Keyword | None:
    """Stem a keyword for each call language (see `looks_danish` for English calls)."""
    words: dict[str, frozenset[str]] = {}
    phrases: dict[str, frozenset[str]] = {}
    danish = looks_danish(surface)
    for language in LANGUAGES:
        if s.own_language and not _serves(surface, origin, language, danish):
            words[language] = phrases[language] = frozenset()
            continue
        stemming = () if (language == "en" and danish) else s.stemming
        heads = _heads(surface, language, stemming)
        words[language] = frozenset(heads)
        doc = analyse(surface, language, stemming)
        phrases[language] = frozenset(doc.bigrams) if len(heads) > 1 and s.phrases else frozenset()
    if not any(words.values()) or weight <= 0:
        return None
    single = all(len(w) <= 1 for w in words.values())
    lowered = frozenset(w.lower() for w in re.findall(r"[^\W_]+", surface))
    return _Keyword(theme, surface, float(weight), words, phrases, single, lowered, origin)


def _serves(surface: str, origin: str | None, language: str, danish: bool) -> bool:
    """Whether a keyword is matched in calls of `language` (see `own_language`).

    A translation serves the other language's calls only (the keyword itself serves its
    own); a Danish keyword serves Danish calls only, as its translation serves English
    ones. English keywords serve both: Danish calls are full of English loanwords
    (science, design, makerspace), while English calls have no Danish words.
    """
    if origin is not None:
        return language != ("da" if _is_danish(origin) else "en")
    return language == "da" or not _is_danish(surface, danish)


def _is_danish(surface: str, looks: bool | None = None) -> bool:
    """A keyword the vocabulary lists as Danish only, or one that looks Danish (æøå ...)."""
    known = VOCABULARY.languages(surface)
    if known != LANGUAGES:
        return known == ("da",)
    return looks_danish(surface) if looks is None else looks


def _heads(surface: str, language: str, stemming: Collection[str]) -> list[str]:
    """The stem of each written word of a keyword; a hyphenated word gives its joined form."""
    return [group[0] for seg in segments(surface) for group in tokens(seg, language, stemming)]


def _bm25(counts: sp.csr_matrix, s: MatcherSettings) -> sp.csr_matrix:
    """Term frequencies saturated as in BM25: tf (k1 + 1) / (tf + k1 (1 - b + b len/avglen)).

    The tenth mention of a word adds little, and a long call's many words count less each;
    IDF and the cosine's unit length are applied afterwards as for log(tf).
    """
    out = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    lengths = np.asarray(out.sum(axis=1)).ravel()
    mean = lengths.mean() if len(lengths) and lengths.mean() > 0 else 1.0
    norm = s.bm25_k1 * (1 - s.bm25_b + s.bm25_b * lengths / mean)
    per_entry = np.repeat(norm, np.diff(out.indptr))
    out.data = out.data * (s.bm25_k1 + 1) / (out.data + per_entry)
    return out


def _char_wb(word: str, low: int, high: int) -> list[str]:
    """The character n-grams of one word padded with spaces, as scikit-learn's "char_wb"
    analyzer makes them (a word shorter than an n-gram is one n-gram, counted once)."""
    w = f" {word} "
    out = []
    for n in range(low, high + 1):
        out.extend(w[i : i + n] for i in range(max(len(w) - n + 1, 1)))
        if len(w) <= n:
            break
    return out


def _idf(counts: sp.csr_matrix, n: int) -> np.ndarray:
    """Smooth IDF as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + n) / (1 + df)) + 1.0


def _tfidf_in_place(
    counts: sp.csr_matrix, idf: np.ndarray, sublinear: bool = True
) -> sp.csr_matrix:
    """What scikit-learn's `TfidfTransformer(sublinear_tf=...).transform` does, in place.

    The char matrix of 10,000 calls has millions of entries; transforming it in place
    halves the time and the peak memory of that step (and ranking needs no scikit-learn).
    """
    data = counts.data
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= idf[counts.indices]
    # sum of squares per row; reduceat needs start offsets inside the data, and gives
    # nonsense for empty rows, which are set to 0 afterwards
    lengths = np.diff(counts.indptr)
    squares = np.zeros(len(lengths))
    filled = lengths > 0
    if data.size:
        squares[filled] = np.add.reduceat(np.square(data), counts.indptr[:-1][filled])
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    data /= np.repeat(norms, lengths)
    return counts


def _matrix(rows: list[dict[str, float]], columns: Mapping[str, int]) -> sp.csr_matrix:
    """A sparse matrix from one {column name: value} dict per row."""
    data, indices, indptr = [], [], [0]
    for row in rows:
        items = sorted((columns[f], v) for f, v in row.items() if f in columns)
        indices.extend(i for i, _ in items)
        data.extend(v for _, v in items)
        indptr.append(len(indices))
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), len(columns)))


def _normalise(M: sp.spmatrix) -> sp.csr_matrix:
    """Rows scaled to unit length (rows of zeros stay zero)."""
    M = sp.csr_matrix(M)
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ M)


def rank(
    calls: Sequence[Mapping[str, Any]],
    themes: Sequence[Theme],
    settings: MatcherSettings = DEFAULT_SETTINGS,
    feedback: Sequence[Feedback] = (),
    explain: int | None = None,
) -> list[Ranking]:
    """Score every call against every theme and return them best first.

    Pure: the same calls, themes, settings and feedback always give the same ranking.
    Ties are broken by call id so that the order is stable across runs. With `explain`,
    only the best `explain` calls get their matched terms (`matched`, `why`); the others
    have them empty. Naming terms costs more than scoring, and `rank` shows ten calls.
    """
    if not calls:
        return []
    with _gc_paused():
        return _rank(calls, themes, settings, feedback, explain)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while ranking.

    Ranking allocates millions of small tuples and strings, none of them in cycles; the
    collector's repeated scans of them cost a fifth of a 10,000-call run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rank(
    calls: Sequence[Mapping[str, Any]],
    themes: Sequence[Theme],
    settings: MatcherSettings,
    feedback: Sequence[Feedback],
    explain: int | None = None,
) -> list[Ranking]:
    s = settings
    for fb in feedback:
        if fb.verdict not in (RELEVANT, IRRELEVANT):
            raise ValueError(f"feedback verdict must be {RELEVANT!r} or {IRRELEVANT!r}")
    ids = {str(c.get("id") or "") for c in calls}
    # feedback on calls that are no longer listed still teaches the profiles
    extra = [fb.call for fb in feedback if str(fb.call.get("id") or "") not in ids]
    index = _Index(list(calls) + extra, themes, s)
    n_themes = len(index.themes)
    profiles = index.profiles

    signals, excluded = index.scan()
    factor = np.array([_education_factor(sig, s) for sig in signals])
    factor *= [s.exclude_penalty ** len(found.get("", ())) for found in excluded]
    theme_factor = np.ones((len(index.calls), n_themes))
    for t, theme in enumerate(index.themes):
        if theme.exclude:
            theme_factor[:, t] = [s.exclude_penalty ** len(f.get(theme.slug, ())) for f in excluded]
        if theme.focus:
            theme_factor[:, t] *= s.focus_boost

    zero_all: set[int] = set()
    zero_theme: set[tuple[int, int]] = set()
    if feedback:
        base = index.similarity(profiles)
        profiles, zero_all, zero_theme = _rocchio(index, feedback, base, s)

    # Only a whole keyword puts a call in a theme. The word of a keyword phrase on its own
    # ("development" of "professional development"), the words a theme learns from its best
    # calls and those of staff feedback re-order the calls the keywords found; alone they
    # would give a call a theme without a single keyword to show for it.
    holds = index.holds_keyword()
    if s.prf_docs > 0:
        first = index.similarity(profiles) * holds * theme_factor * factor[:, None]
        profiles = _feedback_from_top(index, profiles, first, s)
    sim = index.similarity(profiles) * holds
    scores = sim * theme_factor * factor[:, None]
    for row in zero_all:
        scores[row, :] = 0.0
    for row, t in zero_theme:
        scores[row, t] = 0.0

    scale = _calibration(scores) if s.calibrate else np.ones(n_themes)
    only = None
    if explain is not None:
        total = _totals(scores[: len(calls)] * scale, s.breadth)
        ids = [c.id for c in index.calls[: len(calls)]]
        only = sorted(range(len(calls)), key=lambda r: (-total[r], ids[r]))[:explain]
    explained = index.explanations(profiles, only)
    # each call's overall score and best theme, computed for all calls at once
    level = scores[: len(calls)] * scale  # the themes on one scale (all ones unless calibrated)
    totals = _totals(level, s.breadth).tolist()
    slugs = [t.slug for t in index.themes]
    best = [
        slugs[t] if top > 0 else None
        for t, top in zip(
            level.argmax(axis=1).tolist() if n_themes else [0] * len(calls),
            level.max(axis=1).tolist() if n_themes else [0.0] * len(calls),
            strict=True,
        )
    ]
    results = [
        _ranking(index.calls[row], slugs, values, totals[row], best[row], explained[row],
                 signals[row])
        for row, values in enumerate(scores[: len(calls)].tolist())
    ]
    results.sort(key=lambda r: (-r.score, r.id))
    return results


def _totals(level: np.ndarray, breadth: float) -> np.ndarray:
    """Each call's overall score: its best theme's score plus `breadth` times the mean of
    the others (0 when no theme scores)."""
    best = level.max(axis=1) if level.shape[1] else np.zeros(len(level))
    others = (level.sum(axis=1) - best) / max(level.shape[1] - 1, 1)
    return np.where(best > 0, best + breadth * others, 0.0)


def _ranking(
    call: _Call,
    slugs: list[str],
    scores: list[float],
    total: float,
    best_theme: str | None,
    explained: dict[int, list[str]],
    signals: dict[str, list[str]],
) -> Ranking:
    """One call's ranking from its theme scores and its overall score (see `_totals`)."""
    matched = {slug: explained.get(t, []) if scores[t] > 0 else [] for t, slug in enumerate(slugs)}
    levels = list(signals.get("levels", []))
    return Ranking(
        id=call.id,
        title=call.title,
        score=total,
        best_theme=best_theme,
        themes=dict(zip(slugs, scores, strict=True)),
        matched=matched,
        signals=signals,
        why={
            slug: {"terms": [_forms(term) for term in terms], "levels": levels}
            for slug, terms in matched.items()
            if terms
        },
    )


def _forms(term: str) -> dict[str, str]:
    """A matched term as found, and as a Danish and an English reader know it."""
    return dict(_forms_of(term))


@lru_cache(maxsize=4096)
def _forms_of(term: str) -> tuple[tuple[str, str], ...]:
    return (
        ("term", term),
        ("da", VOCABULARY.in_language(term, "da")),
        ("en", VOCABULARY.in_language(term, "en")),
    )


def _calibration(scores: np.ndarray, top: int = 3) -> np.ndarray:
    """Per theme, a factor that brings the mean of its `top` best scores to the themes'
    common mean, so that themes with many common keywords do not always win "best theme"."""
    n = min(top, scores.shape[0])
    best = -np.sort(-scores, axis=0)[:n].mean(axis=0) if n else np.zeros(scores.shape[1])
    target = best[best > 0].mean() if (best > 0).any() else 1.0
    return np.where(best > 0, target / np.where(best > 0, best, 1.0), 1.0)


def _feedback_from_top(
    index: _Index, profiles: Mapping[str, _Profiles], scores: np.ndarray, s: MatcherSettings
) -> dict[str, _Profiles]:
    """Pseudo-relevance feedback: each theme's word profile takes in the strongest words of
    its `prf_docs` best calls (those that score above 0), weighted by `prf_weight`.

    Unsupervised: it uses only the calls being ranked, so a theme described with a handful
    of keywords grows towards the vocabulary its calls actually use ("ressourcer" and
    "affald" beside "bæredygtighed").
    """
    rows_per_theme = []
    for t in range(scores.shape[1]):
        column = scores[:, t]
        top = [int(r) for r in np.argsort(-column, kind="stable")[: s.prf_docs] if column[r] > 0]
        rows_per_theme.append(top)
    moved = {}
    for lang, prof in profiles.items():
        rows = []
        for t, top in enumerate(rows_per_theme):
            row = prof.word.getrow(t)
            if top:
                centroid = np.asarray(index.X[top].mean(axis=0)).ravel()
                keep = np.argsort(-centroid)[: s.prf_terms]
                extra = np.zeros_like(centroid)
                extra[keep] = centroid[keep]
                # not np.linalg.norm: its BLAS call waits for BLAS's threads, 7 ms a call on
                # a busy machine with two cores (0.14 s of a ranking's 18)
                norm = float(np.sqrt(np.square(extra[keep]).sum()))
                if norm > 0:
                    row = row + s.prf_weight * sp.csr_matrix(extra / norm)
            rows.append(row)
        moved[lang] = _Profiles(_normalise(sp.vstack(rows).tocsr()), prof.char)
    return moved


def _education_factor(signals: dict[str, list[str]], s: MatcherSettings) -> float:
    """How much the call looks like what the pagt funds: education, in STEM, for learners.

    No education level and no young target group: `no_level_factor`; only higher
    education: `higher_education_factor`; more distinct levels and girls as a target
    group add a little; no STEM subject named: `no_subject_factor`.
    """
    levels = [lv for lv in signals.get("levels", []) if lv != "videregående"]
    groups = set(signals.get("groups", []))
    if levels or {"piger", "unge"} & groups:
        factor = 1.0 + s.level_bonus * max(min(len(levels), s.level_cap) - 1, 0)
        if "piger" in groups:
            factor += s.girls_bonus
    elif "videregående" in signals.get("levels", []):
        factor = s.higher_education_factor
    else:
        factor = s.no_level_factor
    if not signals.get("subjects"):
        factor *= s.no_subject_factor
    return factor


def _rocchio(
    index: _Index, feedback: Sequence[Feedback], base: np.ndarray, s: MatcherSettings
) -> tuple[dict[str, _Profiles], set[int], set[tuple[int, int]]]:
    """Move theme profiles by staff verdicts (Rocchio) and note which scores become 0.

    A verdict for one theme moves that theme; a relevant verdict without a theme moves the
    call's best theme, an irrelevant one moves every theme away from it. Verdicts naming a
    theme that no longer exists are ignored, so renaming a theme does not break the run.
    """
    rows = {call.id: i for i, call in enumerate(index.calls)}
    slugs = {t.slug: i for i, t in enumerate(index.themes)}
    n = len(index.themes)
    pos: list[list[int]] = [[] for _ in range(n)]
    neg: list[list[int]] = [[] for _ in range(n)]
    zero_all: set[int] = set()
    zero_theme: set[tuple[int, int]] = set()
    for fb in feedback:
        row = rows.get(str(fb.call.get("id") or ""))
        if row is None:
            continue
        if fb.theme is not None and fb.theme not in slugs:
            continue
        targets = [slugs[fb.theme]] if fb.theme is not None else None
        if fb.verdict == RELEVANT:
            for t in targets or [int(np.argmax(base[row]))]:
                pos[t].append(row)
        else:
            for t in targets or range(n):
                neg[t].append(row)
            if targets is None:
                zero_all.add(row)
            else:
                zero_theme.add((row, targets[0]))
    moved = {
        lang: _Profiles(
            _move(prof.word, index.X, pos, neg, s),
            _move(prof.char, index.C, pos, neg, s) if prof.char is not None else None,
        )
        for lang, prof in index.profiles.items()
    }
    return moved, zero_all, zero_theme


def _move(
    profiles: sp.csr_matrix,
    X: sp.csr_matrix | None,
    pos: list[list[int]],
    neg: list[list[int]],
    s: MatcherSettings,
) -> sp.csr_matrix:
    """Rocchio: alpha * profile + beta * mean(relevant) - gamma * mean(irrelevant), >= 0."""
    assert X is not None
    out = []
    for t in range(profiles.shape[0]):
        row = profiles.getrow(t) * s.rocchio_alpha
        if pos[t]:
            row = row + s.rocchio_beta * sp.csr_matrix(X[pos[t]].mean(axis=0))
        if neg[t]:
            row = row - s.rocchio_gamma * sp.csr_matrix(X[neg[t]].mean(axis=0))
        row = row.maximum(0)
        out.append(row)
    return _normalise(sp.vstack(out).tocsr())
