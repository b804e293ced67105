"""Evaluation: exact metric values on tiny rankings, and the targets on the dev set.

Staff change keywords and knobs on the strength of these figures, so the metrics are
checked against values worked out by hand (and sklearn's nDCG), and the shipped
config.toml is held to the issue's targets on the labelled dev set.
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
from matcher.evaluate import average_precision, evaluate, format_report, main, ndcg

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEV_SET = EVAL_DIR / "relevance-dev.jsonl"
CONFIG = Path(__file__).resolve().parents[1] / "config.toml"


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
def dev_report() -> dict:
    if not DEV_SET.exists():
        pytest.skip(f"labelled dev set not found at {DEV_SET}")
    calls = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    with CONFIG.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    return evaluate(calls, themes, settings)


def test_dev_set_pagt_average_precision(dev_report: dict) -> None:
    assert dev_report["ours"]["pagt_ap"] >= 0.92


def test_dev_set_themes_beat_the_baseline(dev_report: dict) -> None:
    ours = dev_report["ours"]["mean_theme_ndcg@5"]
    assert ours >= 0.85
    assert ours >= dev_report["baseline"]["mean_theme_ndcg@5"] + 0.20


def test_dev_set_every_themes_top_three_holds_two_relevant_calls(dev_report: dict) -> None:
    short = {slug: t["top3_relevant"] for slug, t in dev_report["ours"]["themes"].items()
             if t["top3_relevant"] < 2}
    assert not short


def test_dev_set_languages_are_served_alike(dev_report: dict) -> None:
    by_language = dev_report["ours"]["ap_by_language"]
    assert abs(by_language["da"] - by_language["en"]) <= 0.05


def test_the_runner_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    if not DEV_SET.exists():
        pytest.skip(f"labelled dev set not found at {DEV_SET}")
    assert main([str(DEV_SET), str(CONFIG)]) == 0
    assert "mean theme nDCG@5" in capsys.readouterr().out
    assert main([]) == 2
