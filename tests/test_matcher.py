"""The matcher on small hand-made calls: what staff rely on when they read a ranking.

Each test builds the few calls it needs, so a failure points at one behaviour: bilingual
matching, Danish compounds, exclusion, focus, education signals, feedback, explanations.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from matcher import (
    Feedback,
    MatcherSettings,
    Ranking,
    Theme,
    detect_signals,
    rank,
    settings_from_toml,
    themes_from_toml,
)

CONFIG = Path(__file__).resolve().parents[1] / "config.toml"

THEMES = [
    Theme(
        "informatik",
        "Informatik",
        {"programmering": 1.0, "teknologiforståelse": 1.0, "programming": 1.0, "coding": 1.0},
    ),
    Theme(
        "baeredygtighed",
        "Bæredygtighed",
        {"bæredygtighed": 1.0, "grøn omstilling": 1.0, "sustainability": 1.0, "climate": 1.0},
    ),
    Theme(
        "kompetenceudvikling",
        "Kompetenceudvikling",
        {"efteruddannelse": 1.0, "lærere": 1.0, "undervisning": 1.0, "teachers": 1.0},
    ),
]


def call(id: str, title: str, description: str, language: str = "da", **extra: Any) -> dict:
    """A call record with the exported keys the matcher reads."""
    return {"id": id, "title": title, "description": description, "language": language,
            "programme": "", "funder": "", "status": "open", "deadlines": [], **extra}


def by_id(ranking: list[Ranking]) -> dict[str, Ranking]:
    return {r.id: r for r in ranking}


FILLER_DA = ("Projekterne skal samle erfaringer og dele dem med andre kommuner. Der kan søges "
             "om støtte i op til tre år, og ansøgningsfristen er i foråret.")
FILLER_EN = ("Projects should share their results with other regions. Grants cover up to "
             "three years, and the deadline is in the spring.")


def test_rank_orders_best_first_and_fills_the_json_contract() -> None:
    calls = [
        call("a", "Pulje til cykelstier", "Kommunen anlægger cykelstier. " + FILLER_DA),
        call("b", "Programmering i folkeskolen",
             "Elever i folkeskolen lærer programmering og teknologiforståelse. " + FILLER_DA),
    ]
    ranking = rank(calls, THEMES)
    assert [r.id for r in ranking] == ["b", "a"]
    top = ranking[0].as_json()
    assert set(top) == {"id", "title", "score", "best_theme", "themes", "matched", "signals",
                        "why"}
    assert top["best_theme"] == "informatik"
    assert "grundskole" in top["why"]["informatik"]["levels"]
    assert {"term": "programmering", "da": "programmering", "en": "programming"} in (
        top["why"]["informatik"]["terms"])
    assert set(top["themes"]) == {"informatik", "baeredygtighed", "kompetenceudvikling"}
    assert top["score"] > ranking[1].score
    assert ranking[1].best_theme is None and ranking[1].score == 0.0


def test_explanations_name_keywords_as_staff_wrote_them() -> None:
    calls = [call("a", "Grøn omstilling i skolen",
                  "Elever i grundskolen arbejder med bæredygtighed og den grønne omstilling. "
                  + FILLER_DA)]
    matched = rank(calls, THEMES)[0].matched["baeredygtighed"]
    assert "grøn omstilling" in matched  # the phrase, not the stems "groen omstilling"
    assert "bæredygtighed" in matched  # with æ, as in the config


def test_danish_compounds_match_the_keywords_inside_them() -> None:
    calls = [call("a", "Naturfagsundervisningen løftes",
                  "Lærerne i udskolingen styrker teknologiforståelsesfaget. " + FILLER_DA)]
    ranking = rank(calls, THEMES)[0]
    assert "teknologiforståelse" in ranking.matched["informatik"]
    assert "undervisning" in ranking.matched["kompetenceudvikling"]
    off = rank(calls, THEMES, MatcherSettings(compound_min=0, char_weight=0))[0]
    assert off.themes["informatik"] == 0.0  # without compounds nothing is found


def test_each_language_is_stemmed_with_its_own_stemmer() -> None:
    calls = [
        call("en", "Coding for teacher networks", "A teacher learns programming. " + FILLER_EN,
             language="en"),
        call("da", "Efteruddannelse for læreren", "Læreren får efteruddannelse. " + FILLER_DA),
    ]
    ranking = by_id(rank(calls, THEMES))
    assert "teachers" in ranking["en"].matched["kompetenceudvikling"]  # teacher ~ teachers
    assert "lærere" in ranking["da"].matched["kompetenceudvikling"]  # læreren ~ lærere


def test_danish_keywords_are_not_cut_into_english_words() -> None:
    """The English stemmer turns "programmering" into "programm", which is "programme"."""
    calls = [call("en", "Erasmus+ programme", "The programmes fund school partnerships. "
                  + FILLER_EN, language="en")]
    assert rank(calls, THEMES)[0].themes["informatik"] == 0.0


def test_a_call_without_a_usable_language_is_read_in_the_language_it_is_written_in() -> None:
    """Stemming a Danish text as English would hide every Danish keyword in it."""
    calls = [call("sv", "Programmering for eleverne",
                  "Eleverne i skolen arbejder med programmering, og det er sjovt.", language="sv")]
    assert rank(calls, THEMES)[0].matched["informatik"] == ["programmering"]


def test_accents_fold_so_ascii_keywords_still_match() -> None:
    themes = [Theme("b", "B", {"baeredygtighed": 1.0}), Theme("o", "O", {"Öresund": 1.0})]
    calls = [call("a", "Bæredygtighed ved Øresund", "Elever i grundskolen. " + FILLER_DA)]
    ranking = rank(calls, themes)[0]
    assert ranking.matched == {"b": ["baeredygtighed"], "o": ["Öresund"]}


def test_title_counts_more_than_the_description() -> None:
    text = "Elever i grundskolen lærer nyt. " + FILLER_DA
    calls = [
        call("title", "Programmering for alle", text),
        call("body", "Et nyt forløb for alle", "Programmering. " + text),
    ]
    ranking = by_id(rank(calls, THEMES))
    assert ranking["title"].themes["informatik"] > ranking["body"].themes["informatik"]


def test_global_exclude_terms_push_a_call_down_or_drop_it() -> None:
    text = "Elever og lærere i grundskolen lærer programmering. " + FILLER_DA
    calls = [call("plain", "Programmering", text),
             call("postdoc", "Programmering", text + " Støtten går til en postdoc.")]
    settings = MatcherSettings(exclude=("postdoc",))
    ranking = by_id(rank(calls, THEMES, settings))
    assert ranking["postdoc"].score < ranking["plain"].score * 0.5
    dropped = by_id(rank(calls, THEMES, dataclasses.replace(settings, exclude_penalty=0.0)))
    assert dropped["postdoc"].score == 0.0 and dropped["plain"].score > 0


def test_a_themes_exclude_terms_push_down_only_that_theme() -> None:
    themes = [dataclasses.replace(THEMES[0], exclude=("robotter",)), THEMES[2]]
    text = "Lærere i grundskolen underviser i programmering. " + FILLER_DA
    calls = [call("plain", "Programmering", text),
             call("robots", "Programmering", text + " Eleverne bygger robotter.")]
    ranking = by_id(rank(calls, themes))
    assert ranking["robots"].themes["informatik"] < ranking["plain"].themes["informatik"] * 0.5
    assert ranking["robots"].themes["kompetenceudvikling"] == pytest.approx(
        ranking["plain"].themes["kompetenceudvikling"], rel=0.2
    )


def test_the_focus_theme_is_boosted() -> None:
    calls = [call("a", "Programmering og bæredygtighed",
                  "Elever i grundskolen lærer programmering og bæredygtighed. " + FILLER_DA)]
    plain = rank(calls, THEMES)[0].themes
    focused = [dataclasses.replace(THEMES[1], focus=True) if t.slug == "baeredygtighed" else t
               for t in THEMES]
    boosted = rank(calls, focused, MatcherSettings(focus_boost=1.5))[0].themes
    assert boosted["baeredygtighed"] == pytest.approx(plain["baeredygtighed"] * 1.5)
    assert boosted["informatik"] == pytest.approx(plain["informatik"])


def test_education_signals_are_found_in_both_languages() -> None:
    da = detect_signals("Lærere i folkeskolen og på HTX samt pigernes fritidsklubber", "da")
    assert da["levels"] == ["grundskole", "gymnasium", "lærere", "fritid", "skole"]
    assert "piger" in da["groups"]
    en = detect_signals("Vocational schools and upper-secondary teachers reach girls", "en")
    assert en["levels"] == ["gymnasium", "eud", "lærere", "skole"]
    assert en["groups"] == ["piger"]
    assert detect_signals("Postdoctoral fellowships in biomedicine", "en")["levels"] == []


def test_calls_without_education_signals_rank_below_education_calls() -> None:
    """The pagt funds education: the same topic for researchers is a near-miss."""
    calls = [
        call("research", "Programmering og kunstig intelligens",
             "Forskere udvikler nye metoder til programmering. " + FILLER_DA),
        call("school", "Programmering og kunstig intelligens",
             "Elever i folkeskolen lærer programmering. " + FILLER_DA),
    ]
    ranking = rank(calls, THEMES)
    assert [r.id for r in ranking] == ["school", "research"]
    assert ranking[0].signals["levels"] and not ranking[1].signals["levels"]


def test_feedback_moves_similar_calls_and_zeroes_rejected_ones() -> None:
    base = "Elever i grundskolen lærer programmering. " + FILLER_DA
    calls = [
        call("liked", "Robotter og sensorer", base + " Eleverne bygger robotter med sensorer."),
        call("similar", "Sensorer i naturfag", base + " Klassen måler med sensorer og robotter."),
        call("other", "Programmering", base),
    ]
    before = by_id(rank(calls, THEMES))
    liked = Feedback(call=calls[0], verdict="relevant", theme="informatik")
    after = by_id(rank(calls, THEMES, feedback=[liked]))
    lift = after["similar"].themes["informatik"] / before["similar"].themes["informatik"]
    lift_other = after["other"].themes["informatik"] / before["other"].themes["informatik"]
    assert lift > lift_other  # the liked call's own words (robotter, sensorer) now count

    rejected = Feedback(call=calls[0], verdict="irrelevant")
    after = by_id(rank(calls, THEMES, feedback=[rejected]))
    assert after["liked"].score == 0.0
    assert after["similar"].themes["informatik"] < before["similar"].themes["informatik"]


def test_feedback_with_an_unknown_verdict_is_refused() -> None:
    with pytest.raises(ValueError, match="verdict"):
        rank([call("a", "x", "y")], THEMES, feedback=[Feedback(call("a", "x", "y"), "maybe")])


def test_rank_is_pure_and_deterministic() -> None:
    calls = [
        call("a", "Programmering", "Elever lærer programmering. " + FILLER_DA),
        call("b", "Climate teaching", "Teachers in primary schools teach climate. " + FILLER_EN,
             language="en", keywords=["sustainability"]),
        call("c", "Uden sprog", "", language=None),
    ]
    frozen = copy.deepcopy(calls)
    first = [r.as_json() for r in rank(calls, THEMES)]
    assert [r.as_json() for r in rank(calls, THEMES)] == first
    assert calls == frozen
    assert rank([], THEMES) == []


def test_the_calls_own_keywords_count() -> None:
    text = "Elever i grundskolen arbejder i projekter. " + FILLER_EN
    calls = [call("kw", "Projekt", text, keywords=["climate"]), call("none", "Projekt", text)]
    ranking = by_id(rank(calls, THEMES))
    assert ranking["kw"].themes["baeredygtighed"] > 0 == ranking["none"].themes["baeredygtighed"]


def test_themes_and_settings_are_read_from_the_toml_tables() -> None:
    config = {
        "themes": {
            "sprog": {"name": "Sprog", "keywords": ["sprog", "mobility"],
                      "weights": {"mobility": 0.5, "udveksling": 2}, "exclude": ["ph.d."],
                      "focus": True},
        },
        "matcher": {"exclude": ["postdoc"], "focus_boost": 1.5, "title_weight": 3,
                    "char_ngrams": [3, 5]},
    }
    themes, settings = themes_from_toml(config)
    assert themes == [Theme("sprog", "Sprog", {"sprog": 1.0, "mobility": 0.5, "udveksling": 2.0},
                            ("ph.d.",), True)]
    assert settings.exclude == ("postdoc",) and settings.focus_boost == 1.5
    assert settings.title_weight == 3 and settings.char_ngrams == (3, 5)
    with pytest.raises(ValueError, match="titel_weight"):
        settings_from_toml({"titel_weight": 2})


def test_the_project_config_has_the_nine_pagt_themes() -> None:
    with CONFIG.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    assert len(themes) == 9
    assert all(t.keywords for t in themes)
    assert "postdoc" in settings.exclude


def test_a_theme_written_in_danish_finds_english_calls_and_explains_in_either_language() -> None:
    """The vocabulary translates "erhvervsuddannelse"; the reason reads as each reader knows it."""
    themes = [Theme("stem", "STEM", {"erhvervsuddannelse": 1.0, "lærling": 1.0})]
    calls = [call("en", "Vocational excellence for apprentices",
                  "Colleges offering vocational education to apprentices in technical trades. "
                  + FILLER_EN, language="en"),
             call("other", "Museum grants", "Exhibitions of paintings. " + FILLER_EN,
                  language="en")]
    ranking = rank(calls, themes)
    top = ranking[0]
    assert top.id == "en" and top.themes["stem"] > 0
    assert sorted(top.reasons("stem", "da")) == ["erhvervsuddannelse", "lærling"]
    assert sorted(top.reasons("stem", "en")) == ["apprentice", "vocational"]
    assert "eud" in top.why["stem"]["levels"]
    off = rank(calls, themes, MatcherSettings(translate_weight=0.0))[0]
    assert off.themes["stem"] == 0.0  # without the vocabulary the Danish words find nothing


def test_a_translation_is_matched_only_in_the_other_language() -> None:
    """"kunst" translates to English "art", which is the Danish stem of "arter" (species)."""
    themes = [Theme("kreativ", "Kreativitet", {"kunst": 1.0})]
    calls = [call("da", "Arter i naturen", "Elever i skolen tæller arter i skoven. " + FILLER_DA)]
    assert rank(calls, themes)[0].themes["kreativ"] == 0.0
    loose = rank(calls, themes, MatcherSettings(own_language=False))
    assert loose[0].themes["kreativ"] > 0.0


def _prf_calls() -> list[dict]:
    """Three calls that are clearly about programming with robots and sensors, two that name
    programming once among other things, and one about robots and sensors without the word."""
    robots = "Eleverne bygger robotter med sensorer og motorer i natur/teknologi. "
    return [
        *(call(f"top{i}", "Programmering med robotter og sensorer",
               "Programmering i folkeskolen: " + robots + FILLER_DA) for i in range(3)),
        call("related", "Skolernes nye forløb", "Lidt programmering. " + robots + FILLER_DA),
        call("unrelated", "Skolernes nye forløb",
             "Lidt programmering. Eleverne cykler og laver mad i skolekøkkenet. " + FILLER_DA),
        call("nokeyword", "Robotter og sensorer", "Folkeskolens elever bygger robotter med "
             "sensorer og motorer. " + FILLER_DA),
    ]


def test_feedback_from_the_best_calls_lifts_a_call_that_shares_their_words() -> None:
    themes = [Theme("it", "Informatik", {"programmering": 1.0})]
    plain = by_id(rank(_prf_calls(), themes, MatcherSettings(prf_docs=0)))
    fed = by_id(rank(_prf_calls(), themes, MatcherSettings(prf_docs=3, prf_weight=0.3)))
    def gain(id_: str) -> float:
        return fed[id_].themes["it"] / plain[id_].themes["it"]

    assert gain("related") > 1.1 * gain("unrelated")


def test_feedback_words_alone_never_place_a_call_in_a_theme() -> None:
    """Only keywords put a call in a theme (as the digest, which shows a keyword for every
    call, needs): the words the best calls share refine the score of calls the keywords
    found, and leave the others at 0."""
    themes = [Theme("it", "Informatik", {"programmering": 1.0})]
    fed = by_id(rank(_prf_calls(), themes, MatcherSettings(prf_docs=3, prf_weight=0.3)))
    assert fed["nokeyword"].themes["it"] == 0.0 and fed["nokeyword"].best_theme is None
    assert fed["related"].matched["it"] == ["programmering"]


def test_one_word_of_a_keyword_phrase_alone_places_no_call_in_the_theme() -> None:
    themes = [Theme("komp", "Kompetenceudvikling", {"professional development": 1.0})]
    calls = [call("whole", "Professional development for science teachers",
                  "Teachers in primary schools. " + FILLER_EN, language="en"),
             call("part", "Urban development", "Development of city districts. " + FILLER_EN,
                  language="en")]
    ranking = by_id(rank(calls, themes))
    assert ranking["whole"].themes["komp"] > 0
    assert ranking["whole"].matched["komp"] == ["professional development"]
    assert ranking["part"].themes["komp"] == 0.0 and ranking["part"].best_theme is None


def test_every_theme_score_has_a_keyword_to_show() -> None:
    """On the project's labelled calls with the shipped config: a call scores above 0 for a
    theme exactly when `matched` names a keyword of it (what the digest's Hvorfor line shows)."""
    labelled = CONFIG.parent / "tests" / "fixtures" / "labels" / "calls.jsonl"
    calls = [json.loads(line) for line in labelled.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    with CONFIG.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    ranking = rank(calls, themes, settings)
    pairs = [(r.id, slug) for r in ranking for slug, v in r.themes.items() if v > 0]
    assert len(pairs) > 100
    assert [p for p in pairs if not by_id(ranking)[p[0]].matched[p[1]]] == []
