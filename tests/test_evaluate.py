"""Evaluation: exact metric values on tiny rankings, and the targets on our labelled calls.

Staff change keywords and knobs on the strength of these figures, so the metrics are
checked against values worked out by hand (and sklearn's nDCG), and the shipped
config.toml is held to its targets on the project's own labelled calls
(tests/fixtures/labels/calls.jsonl, see its README), which no keyword was written from.
The thresholds sit a little below the measured figures, so a change that makes the
matcher worse fails here.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from matcher import Theme, themes_from_toml
from matcher.evaluate import (
    average_precision,
    cross_validate,
    evaluate,
    format_report,
    main,
    ndcg,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "labels" / "calls.jsonl"
CONFIG = ROOT / "config.toml"


def test_average_precision_on_hand_made_rankings() -> None:
    assert average_precision([True, False, True, False]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([False, True]) == pytest.approx(0.5)
    assert average_precision([True, True, False]) == 1.0
    assert average_precision([False, False]) == 0.0


def test_ndcg_on_hand_made_rankings() -> None:
    # DCG = 2/log2(2) + 0 + 1/log2(4) = 2.5; ideal = 2 + 1/log2(3)
    assert ndcg([2, 0, 1]) == pytest.approx(2.5 / (2 + 1 / math.log2(3)))
    assert ndcg([0, 0, 2], k=2) == 0.0
    assert ndcg([1, 2], k=1) == pytest.approx(0.5)
    assert ndcg([0, 0]) == 0.0


def test_ndcg_agrees_with_sklearn() -> None:
    gains = [1, 0, 2, 0, 1, 2, 0]
    scores = np.arange(len(gains), 0, -1)  # the list is already in ranked order
    for k in (3, 5, None):
        assert ndcg(gains, k) == pytest.approx(ndcg_score([gains], [scores], k=k))


def _labelled(id: str, language: str, title: str, labels: dict[str, int]) -> dict:
    return {"id": id, "language": language, "title": title, "labels": labels,
            "description": "Elever og lærere i folkeskolen. Pupils and teachers in schools."}


def test_evaluate_reports_both_methods_on_tiny_labelled_calls() -> None:
    themes = [Theme("it", "Informatik", {"programmering": 1.0, "coding": 1.0}),
              Theme("klima", "Klima", {"klima": 1.0, "climate": 1.0})]
    calls = [
        _labelled("a", "da", "Programmering i skolen", {"pagt": 2, "it": 2}),
        _labelled("b", "en", "Climate in school", {"pagt": 1, "klima": 1}),
        _labelled("c", "en", "Museum research", {"pagt": 0}),
    ]
    report = evaluate(calls, themes)
    ours = report["ours"]
    assert report["calls"] == 3
    assert ours["pagt_ap"] == 1.0
    assert ours["ap_by_language"] == {"da": 1.0, "en": 1.0}
    assert ours["themes"]["it"] == {"ndcg@5": 1.0, "top3_relevant": 1, "relevant": 1}
    assert ours["mean_theme_ndcg@5"] == 1.0
    assert set(report["baseline"]) == set(ours)
    text = format_report(report)
    assert "pagt AP" in text and "it relevant in top 3" in text and "baseline" in text


@pytest.fixture(scope="module")
def report() -> dict:
    calls = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    with CONFIG.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    return evaluate(calls, themes, settings)


def test_the_labelled_set_covers_every_theme_in_both_languages(report: dict) -> None:
    calls = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(calls) >= 60 and len({c["id"] for c in calls}) == len(calls)
    assert {c["language"] for c in calls} == {"da", "en"}
    with CONFIG.open("rb") as fh:
        slugs = set(tomllib.load(fh)["themes"])
    for slug in slugs:
        assert sum(1 for c in calls if c["labels"].get(slug, 0) >= 1) >= 3, slug
    assert all(c["labels"].get(k, 0) <= c["labels"]["pagt"] for c in calls for k in slugs)


def test_pagt_average_precision(report: dict) -> None:
    assert report["ours"]["pagt_ap"] >= 0.95
    assert report["kfold"]["pagt_ap"] >= 0.94


def test_themes_beat_the_baseline(report: dict) -> None:
    # measured 0.945 in-sample and k-fold (keywords from the theme definitions and
    # feedback from each theme's 3 best calls); 0.92 is the target on unseen calls
    ours = report["ours"]["mean_theme_ndcg@5"]
    assert ours >= 0.93
    assert report["kfold"]["mean_theme_ndcg@5"] >= 0.92
    assert ours >= report["baseline"]["mean_theme_ndcg@5"] + 0.20


def test_no_theme_falls_far_behind(report: dict) -> None:
    for figures in (report["ours"], report["kfold"]):
        weak = {slug: round(t["ndcg@5"], 3) for slug, t in figures["themes"].items()
                if t["ndcg@5"] < 0.80}
        assert not weak


def test_every_themes_top_three_holds_two_relevant_calls(report: dict) -> None:
    for figures in (report["ours"], report["kfold"]):
        short = {slug: t["top3_relevant"] for slug, t in figures["themes"].items()
                 if t["top3_relevant"] < 2}
        assert not short


def test_languages_are_served_alike(report: dict) -> None:
    # measured 0.028 in-sample, 0.024 k-fold; 0.03 is the target
    for figures in (report["ours"], report["kfold"]):
        by_language = figures["ap_by_language"]
        assert abs(by_language["da"] - by_language["en"]) <= 0.03


def test_kfold_chooses_on_the_other_parts_and_reports_its_choices(report: dict) -> None:
    choices = report["kfold_choices"]
    assert [c["fold"] for c in choices] == [0, 1, 2, 3, 4]
    assert all("no_level_factor" in c and isinstance(c["dropped"], list) for c in choices)
    assert set(report["kfold"]) == set(report["ours"])
    # keywords are pruned exactly where the inner check found that it helps held-out calls
    for c in choices:
        assert bool(c["dropped"]) == (c["inner"]["pruned"] > c["inner"]["kept"]), c


def test_kfold_prunes_a_keyword_that_only_ever_finds_the_wrong_calls() -> None:
    """A keyword that, in every part, matches only calls not relevant to its theme (and
    ranks them above relevant ones) is pruned: the inner check on calls the pruning did not
    see agrees. Where the inner check disagrees, nothing is pruned (see the test above)."""
    themes = [Theme("it", "Informatik", {"programmering": 1.0, "robot": 1.0}),
              Theme("klima", "Klima", {"klima": 1.0})]
    calls = []
    for i in range(12):
        calls.append(_labelled(f"p{i:02}", "da", "Programmering", {"pagt": 2, "it": 2}))
        calls.append(_labelled(f"k{i:02}", "da", "Skolens have, natur og lidt om klima",
                               {"pagt": 1, "klima": 1}))
        calls.append(_labelled(f"r{i:02}", "da", "Robot", {"pagt": 0}))
    report = evaluate(calls, themes, folds=0)
    assert report["ours"]["pagt_ap"] < 1.0  # the robot calls outrank the klima calls
    # no knobs to choose from, so that only pruning can help
    kfold, choices = cross_validate(calls, themes, folds=3, grid=())
    assert all(c["dropped"] == ["it:robot"] for c in choices), choices
    assert kfold["pagt_ap"] == 1.0


def test_the_runner_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(LABELS), str(CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "mean theme nDCG@5" in out and "k-fold" in out
    assert main([]) == 2
