"""A small Danish-English vocabulary of STEM-education terms, for the themes' keywords.

Staff write a theme's keywords in one language or both. Two things need the other
language's word: matching (a theme described only with "erhvervsuddannelse" should also
find an English call about "vocational education") and the digest's "Hvorfor" line (a
Danish reader should read "erhvervsuddannelse" when the English call matched "vocational").

Each pair is a term as it stands in an ordinary dictionary of the Danish education system
and its usual English name, written from general knowledge, not from any call. Single words
where the languages allow it; a Danish compound may pair with an English phrase.
"""

from __future__ import annotations

from collections.abc import Iterable

# (Danish, English). One word may have several partners (lærere: teachers, educators).
PAIRS: tuple[tuple[str, str], ...] = (
    # education levels and learners
    ("erhvervsuddannelse", "vocational"), ("erhvervsskole", "vocational college"),
    ("lærling", "apprentice"), ("lærlinge", "apprentices"), ("faglært", "skilled"),
    ("grundskole", "primary school"), ("folkeskole", "primary school"),
    ("gymnasium", "upper secondary"), ("elever", "pupils"), ("elev", "pupil"),
    ("studerende", "students"), ("børn", "children"), ("unge", "young people"),
    ("lærere", "teachers"), ("lærer", "teacher"), ("undervisere", "trainers"),
    ("underviser", "trainer"), ("pædagoger", "pedagogues"), ("voksne", "adults"),
    ("efteruddannelse", "continuing education"),
    ("videreuddannelse", "further education"),
    ("kompetenceudvikling", "professional development"),
    ("kompetenceløft", "upskilling"), ("opkvalificering", "upskilling"),
    ("omskoling", "reskilling"), ("kursus", "course"), ("kurser", "courses"),
    ("livslang", "lifelong"), ("livslang læring", "lifelong learning"), ("personale", "staff"),
    ("undervisning", "teaching"), ("læring", "learning"),
    # STEM and industry
    ("naturvidenskab", "science"), ("naturfag", "science"), ("teknik", "technical"),
    ("teknologi", "technology"), ("ingeniør", "engineer"), ("ingeniørfag", "engineering"),
    ("tekniker", "technician"), ("matematik", "mathematics"), ("fysik", "physics"),
    ("kemi", "chemistry"), ("biologi", "biology"), ("industri", "industry"),
    ("produktion", "manufacturing"), ("fremstilling", "manufacturing"),
    ("energi", "energy"), ("vindmølle", "wind turbine"), ("vind", "wind"), ("vand", "water"),
    ("pumpe", "pumps"), ("fødevarer", "food"), ("landbrug", "agriculture"),
    ("sundhedsteknologi", "healthtech"), ("arbejdskraft", "workforce"),
    # sustainability
    ("bæredygtighed", "sustainability"), ("bæredygtig", "sustainable"),
    ("grøn omstilling", "green transition"), ("grøn", "green"), ("klima", "climate"),
    ("miljø", "environment"), ("cirkulær", "circular"), ("genanvendelse", "recycling"),
    ("ressourcer", "resources"), ("verdensmål", "SDG"), ("biodiversitet", "biodiversity"),
    ("natur", "nature"), ("vedvarende energi", "renewable energy"), ("affald", "waste"),
    ("genbrug", "reuse"),
    # creativity
    ("kreativitet", "creativity"), ("kreativ", "creative"), ("design", "design"),
    ("værksted", "workshop"), ("makerspace", "makerspace"), ("prototype", "prototype"),
    ("opfindelse", "invention"), ("opfinder", "inventor"), ("kunst", "art"),
    ("håndværk", "crafts"),
    # languages and mobility
    ("sprog", "language"), ("sprog", "languages"), ("fremmedsprog", "foreign languages"),
    ("tysk", "German"), ("fransk", "French"), ("spansk", "Spanish"), ("engelsk", "English"),
    ("flersproget", "multilingual"), ("tosproget", "bilingual"),
    ("udveksling", "exchange"), ("mobilitet", "mobility"), ("udlandet", "abroad"),
    ("udlandsophold", "abroad"), ("internationalisering", "internationalisation"),
    # girls and gender
    ("piger", "girls"), ("pige", "girl"), ("kvinder", "women"), ("kvindelig", "female"),
    ("køn", "gender"), ("kønsbalance", "gender balance"), ("ligestilling", "equality"),
    ("stereotyper", "stereotypes"), ("rollemodeller", "role models"),
    # companies and ambassadors
    ("ambassadør", "ambassador"), ("teknologiambassadør", "ambassador"),
    ("virksomhed", "company"), ("virksomheder", "companies"), ("arbejdsgiver", "employer"),
    ("medarbejdere", "employees"), ("erhvervsliv", "business"), ("mentor", "mentor"),
    ("frivillige", "volunteers"), ("arbejdsplads", "workplace"), ("praktik", "placement"),
    ("virksomhedsbesøg", "company visit"), ("virksomhedssamarbejde", "partnership"),
    # computing
    ("informatik", "informatics"), ("datalogi", "computing"), ("programmering", "programming"),
    ("kodning", "coding"), ("algoritme", "algorithm"), ("kunstig intelligens", "AI"),
    ("kunstig intelligens", "artificial intelligence"), ("digital", "digital"),
    ("data", "data"), ("robot", "robotics"), ("computer", "computer"),
    ("teknologiforståelse", "computational"),
    # entrepreneurship
    ("iværksætteri", "entrepreneurship"), ("entreprenørskab", "entrepreneurship"),
    ("iværksætter", "entrepreneur"), ("entreprenant", "entrepreneurial"),
    ("innovation", "innovation"), ("innovativ", "innovative"), ("opstart", "start-up"),
    ("startup", "startup"), ("forretningsidé", "business idea"),
)


class Vocabulary:
    """Look-ups both ways, by the lower-cased term as written."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = PAIRS) -> None:
        self.to_en: dict[str, list[str]] = {}
        self.to_da: dict[str, list[str]] = {}
        for da, en in pairs:
            self.to_en.setdefault(da.lower(), []).append(en)
            self.to_da.setdefault(en.lower(), []).append(da)

    def translations(self, term: str) -> list[str]:
        """The other language's terms for `term` (either language), first pairing first."""
        key = term.lower()
        out = [*self.to_en.get(key, ()), *self.to_da.get(key, ())]
        return [t for t in dict.fromkeys(out) if t.lower() != key]

    def languages(self, term: str) -> tuple[str, ...]:
        """The languages `term` belongs to as far as the vocabulary knows: ("da",), ("en",),
        or both when it is listed on both sides or not at all."""
        key = term.lower()
        danish, english = key in self.to_en, key in self.to_da
        if danish and not english:
            return ("da",)
        if english and not danish:
            return ("en",)
        return ("da", "en")

    def in_language(self, term: str, language: str) -> str:
        """`term` as a reader of `language` ("da"/"en") knows it; `term` itself if unknown
        or already in that language."""
        key = term.lower()
        if language == "da" and key in self.to_da and key not in self.to_en:
            return self.to_da[key][0]
        if language == "en" and key in self.to_en and key not in self.to_da:
            return self.to_en[key][0]
        return term


VOCABULARY = Vocabulary()
