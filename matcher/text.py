"""Turning call texts and staff keywords into comparable tokens.

Calls come in Danish and English, and staff write keywords in either language, as phrases,
with or without æøå. Everything that compares words therefore goes through this one
pipeline: split into words, drop stop words of both languages, stem with the call's own
language, then fold letters so that spelling variants meet. Keeping it in one place is
what makes a keyword typed as "baeredygtighed" match a call saying "bæredygtighed".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from itertools import chain

import snowballstemmer

# The snowball project's Danish stop-word list (sklearn ships only English), plus the
# abbreviations "fx", "bl.a." and "eks." that fill Danish calls.
DANISH_STOP_WORDS = frozenset(
    """
    og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om
    vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv
    her alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end
    dette mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis din
    nogle hos blive mange ad bliver hendes været thi jer sådan kan få fx bl eks samt via
    """.split()
)

# The English stop-word list of the Glasgow Information Retrieval Group, as scikit-learn ships
# it (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, BSD-3-Clause), copied here so that
# ranking does not import scikit-learn (a second of every `rank` process).
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call
    can cannot cant co con could couldnt cry de describe detail do done down due during each eg
    eight either eleven else elsewhere empty enough etc even ever every everyone everything
    everywhere except few fifteen fifty fill find fire first five for former formerly forty
    found four from front full further get give go had has hasnt have he hence her here
    hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if
    in inc indeed interest into is it its itself keep last latter latterly least less ltd made
    many may me meanwhile might mill mine more moreover most mostly move much must my myself
    name namely neither never nevertheless next nine no nobody none noone nor not nothing now
    nowhere of off often on once one only onto or other others otherwise our ours ourselves out
    over own part per perhaps please put rather re same see seem seemed seeming seems serious
    several she should show side since sincere six sixty so some somehow someone something
    sometime sometimes somewhere still such system take ten than that the their them themselves
    then thence there thereafter thereby therefore therein thereupon these they thick thin
    third this those though three through throughout thru thus to together too top toward
    towards twelve twenty two un under until up upon us very via was we well were what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever whether
    which while whither who whoever whole whom whose why will with within without would yet you
    your yours yourself yourselves
    """.split()
)

# The English list carries a few content words that matter in funding calls.
_ENGLISH_KEEP = frozenset(
    "system interest fire bill mill detail describe part show move thick thin bottom top "
    "front side back serious sincere empty fill cry found full amount".split()
)
ENGLISH_STOP_WORDS_KEPT = frozenset(ENGLISH_STOP_WORDS) - _ENGLISH_KEEP
STOP_WORDS = DANISH_STOP_WORDS | ENGLISH_STOP_WORDS_KEPT

LANGUAGES = ("da", "en")
_STEMMER_NAMES = {"da": "danish", "en": "english"}

# A word: letters and digits, joined by inner hyphens or apostrophes, maybe a final "+"
# (Erasmus+). Underscore is not a word character here.
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*\+?", re.UNICODE)
_PARTS = re.compile(r"[-'’+]")
# Phrases never run across punctuation: "klima, design" is not the phrase "klima design".
_PUNCTUATION = r"[.,;:!?()\[\]{}<>\"“”«»/|•·–—-]+"
_BREAK = re.compile(_PUNCTUATION)
_SEGMENT_BREAK = re.compile(r"[.,;:!?()\[\]{}<>\"“”«»/|•·–—]+|\s-+\s")
# `_WORD` or a punctuation run, for texts without "_" (`words` makes each a space first):
# there \w is [^\W_], and the regular expression engine matches \w a tenth faster.
_WORD_OR_BREAK = re.compile(r"\w+(?:[-'’]\w+)*\+?|" + _PUNCTUATION)
BREAK = "\x00"  # the stand-in for punctuation in the running text
# All-capital words that are stop words in lower case but names of things in capitals.
_ACRONYMS = {"IT": "it_"}
# Letters of neighbouring languages that Danish spells with æ/ø (Öresund, Mädchen).
_PRE_FOLD = str.maketrans({"ä": "æ", "ö": "ø", "ő": "ø"})
# Danish letters become their official two-letter spellings, not their look-alikes: ø -> o
# would merge "før" with "for"; ø -> oe keeps them apart and matches "Oeresund" typed in ASCII.
_DANISH_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_DANISH_LETTERS = frozenset("æøåÆØÅ")


# Per language and stemming flag: written word -> its stems, and -> its running parts.
_WordCache = dict[str, tuple[str, ...]]
_TOKENS: dict[tuple[str, bool], tuple[_WordCache, _WordCache]] = {}


def normalise_language(language: str | None) -> str:
    """Map a call's language field to a stemmer we have; unknown languages read as English."""
    lang = (language or "").strip().lower()[:2]
    return lang if lang in LANGUAGES else "en"


def stems_language(language: str, stemming: bool | Collection[str]) -> bool:
    """Whether `stemming` (a flag, or the languages to stem) applies to `language`."""
    if isinstance(stemming, bool):
        return stemming
    return language in stemming


def fold(word: str) -> str:
    """Fold accents: æøå to ae/oe/aa, other diacritics dropped (é -> e, ü -> u)."""
    if word.isascii():  # most words: nothing to fold (all of _DANISH_FOLD is beyond ASCII)
        return word
    word = word.translate(_DANISH_FOLD)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=4)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str, stemming: bool) -> str:
    if stemming and len(word) > 2 and not word.isdigit():
        word = _stemmer(language).stemWord(word)
    return fold(word)


def stem(word: str, language: str, stemming: bool | Collection[str] = True) -> str:
    """Stem a lower-case word with the snowball stemmer of `language`, then fold it.

    Stemming comes before folding because the Danish stemmer knows æøå endings only in
    their proper spelling. Cached: the pure-Python stemmer is the slowest step of ranking.
    """
    lang = normalise_language(language)
    return _stem(word, lang, stems_language(lang, stemming))


def _content(word: str) -> bool:
    """A word worth indexing: not a stop word, not a bare number, more than one letter."""
    return len(word) > 1 and word not in STOP_WORDS and not word.isdigit()


def _token(raw: str, language: str, stemming: bool) -> tuple[str, ...]:
    """The stems of one written word (see `tokens`); () for a stop word."""
    if raw in _ACRONYMS:
        return (_ACRONYMS[raw],)
    word = raw.lower()
    if not word.isascii():  # str.translate and the split below cost more than these tests
        word = word.translate(_PRE_FOLD)
    word = word.rstrip("+")
    if "-" in word or "'" in word or "’" in word or "+" in word:
        parts = [p for p in _PARTS.split(word) if p]
    else:
        parts = [word] if word else []
    if len(parts) > 1:
        joined = "".join(parts)
        group = [_stem(joined, language, stemming)] if _content(joined) else []
        group += [_stem(p, language, stemming) for p in parts if _content(p)]
        return tuple(dict.fromkeys(group))
    if parts and _content(parts[0]):
        return (_stem(parts[0], language, stemming),)
    return ()


def tokens(
    text: str, language: str, stemming: bool | Collection[str] = True
) -> list[tuple[str, ...]]:
    """Stemmed tokens of `text`, one tuple per written word that is not a stop word.

    A plain word gives ``(stem,)``. A hyphenated word gives its joined form first and then
    its parts that are not stop words: "start-up" -> ``("startup", "start")``, "EUX-forløb"
    -> ``("euxforloeb", "eux", "forloeb")``. The joined form lets "start-up" meet "startup";
    the parts let "EUX-forløb" meet "EUX" and feed phrases. Does not split at punctuation.
    """
    lang = normalise_language(language)
    flag = stems_language(lang, stemming)
    return [g for m in _WORD.finditer(text or "") if (g := _token(m.group(0), lang, flag))]


def sequence(groups: Iterable[tuple[str, ...]]) -> list[str]:
    """The running text as stems, hyphenated words split into their parts."""
    seq: list[str] = []
    for group in groups:
        seq.extend(group[1:] if len(group) > 1 else group)
    return seq


def segments(text: str) -> list[str]:
    """Split text at punctuation into the stretches that phrases may span."""
    return [seg for seg in _SEGMENT_BREAK.split(text or "") if seg.strip()]


class Doc:
    """A text analysed once: its stems (with repeats, for term frequency) and its stem pairs
    (phrases; pairs across punctuation contain `BREAK`).

    A plain class with slots rather than a dataclass: ranking makes three per call, and
    the distinct-stem sets are computed at most once, on first use.
    """

    __slots__ = ("language", "unigrams", "bigrams", "_vocabulary", "_pairs")

    def __init__(self, language: str, unigrams: tuple[str, ...], bigrams: tuple[str, ...]) -> None:
        self.language = language
        self.unigrams = unigrams
        self.bigrams = bigrams
        self._vocabulary: frozenset[str] | None = None
        self._pairs: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"Doc({self.language!r}, {self.unigrams!r}, {self.bigrams!r})"

    @property
    def vocabulary(self) -> frozenset[str]:
        """The distinct stems; compound matching looks inside each of them."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(self.unigrams)
        return self._vocabulary

    @property
    def pairs(self) -> frozenset[str]:
        """The distinct stem pairs, for looking up phrases."""
        if self._pairs is None:
            self._pairs = frozenset(self.bigrams)
        return self._pairs


def analyse(
    text: str,
    language: str,
    stemming: bool | Collection[str] = True,
    starts: Collection[str] | None = None,
) -> Doc:
    """Analyse `text` written in `language` into a `Doc`.

    Written with map/chain over per-word caches rather than a loop with branches: this runs
    for every field of every call and is most of the time of a 10,000-call ranking.
    Punctuation becomes a break token, so the pairs that span it contain `BREAK` and never
    equal a phrase. With `starts`, only the pairs whose first stem is in it are made: a
    ranking needs only the pairs that can begin a phrase it looks for, and making every
    pair of 10,000 calls cost a third of the ranking's memory.
    """
    lang = normalise_language(language)
    raws = words(text)
    stems, runs = word_caches(raws, lang, stemming)
    uni = tuple(chain.from_iterable(map(stems.__getitem__, raws)))
    return Doc(lang, uni, pairs_of(raws, runs, starts))


def words(text: str | None) -> list[str]:
    """The written words and punctuation runs of `text`, in order (see `analyse`)."""
    text = text or ""
    return _WORD_OR_BREAK.findall(text.replace("_", " ") if "_" in text else text)


def word_caches(
    raws: Iterable[str], language: str, stemming: bool | Collection[str] = True
) -> tuple[_WordCache, _WordCache]:
    """The per-language caches (written word -> its stems, -> its running parts), with every
    word of `raws` in them: new words are stemmed once, here."""
    flag = stems_language(language, stemming)
    stems, runs = _caches(language, flag)
    if len(stems) > 200_000:  # a long-running process must not grow without bound
        stems.clear()
        runs.clear()
    fresh = raws if isinstance(raws, set | frozenset) else set(raws)
    for raw in fresh.difference(stems):
        if _BREAK.fullmatch(raw):
            stems[raw], runs[raw] = (), (BREAK,)
        else:
            group = _token(raw, language, flag)
            stems[raw] = group
            runs[raw] = group[1:] if len(group) > 1 else group
    return stems, runs


def word_pairs(run: Sequence[str], following: str | None) -> list[str]:
    """The stem pairs that begin in one written word: those between its running parts
    (`run`: "EUX-forløb" -> eux, forloeb), and from its last part to `following`, the first
    part of the next written word that is not a stop word (None: the field ends first).
    `pairs_of` over a whole text is these, word after word."""
    seq = [*run, following] if following is not None else list(run)
    return [f"{a} {b}" for a, b in zip(seq, seq[1:], strict=False)]


def pairs_of(
    raws: Sequence[str], runs: _WordCache, starts: Collection[str] | None = None
) -> tuple[str, ...]:
    """The stem pairs of the running text (all, or those beginning with a stem of `starts`)."""
    seq = list(chain.from_iterable(map(runs.__getitem__, raws)))
    if starts is None:
        return tuple(map(" ".join, zip(seq, seq[1:], strict=False)))
    if starts.isdisjoint(seq):
        return ()
    return tuple(
        f"{seq[i]} {seq[i + 1]}" for i in [i for i, stem in enumerate(seq[:-1]) if stem in starts]
    )


def _caches(language: str, flag: bool) -> tuple[_WordCache, _WordCache]:
    """Per language and stemming flag: written word -> its stems, and -> its running parts."""
    key = (language, flag)
    if key not in _TOKENS:
        _TOKENS[key] = ({}, {})
    return _TOKENS[key]




def looks_danish(phrase: str) -> bool:
    """Whether a keyword is evidently Danish: æøå, a Danish stop word, or a "-ering" noun.

    Keywords are stemmed with the stemmer of the call they are compared with, but the
    English stemmer cuts Danish words into English ones ("programmering" -> "programm",
    which is "programme"). An evidently Danish keyword is therefore compared with English
    calls as written, unstemmed.
    """
    if any(ch in _DANISH_LETTERS for ch in phrase):
        return True
    lowered = [w.lower() for w in re.findall(r"[^\W_]+", phrase)]
    if any(w in DANISH_STOP_WORDS and w not in ENGLISH_STOP_WORDS for w in lowered):
        return True
    return any(re.search(r"(?<!e)ering(?:er|en|erne)?$", w) for w in lowered)
