"""Measuring the matcher against hand-labelled calls, next to a plain TF-IDF baseline.

Staff tune keywords and knobs; this tells them whether a change helped. Labels follow
the labelled file's own README: `labels.pagt` grades a call 0-2 for the pagt as a whole and
`labels.<theme>` 0-2 per theme (absent = 0).

The functions are pure; `main` (``python -m matcher.evaluate LABELS.jsonl config.toml``)
is the only part that reads files.
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .config import themes_from_toml
from .model import DEFAULT_SETTINGS, MatcherSettings, Theme
from .scoring import rank

LANGUAGE_NAMES = {"da": "Danish", "en": "English"}


def average_precision(relevant: Sequence[bool]) -> float:
    """Non-interpolated average precision of a ranking, given relevance in ranked order.

    The mean, over the relevant items, of the precision at each one's position; 0.0 when
    nothing is relevant. It punishes a near-miss at the top far more than one at the tail,
    which is what a weekly digest read from the top needs.
    """
    hits = 0
    total = 0.0
    for position, is_relevant in enumerate(relevant, start=1):
        if is_relevant:
            hits += 1
            total += hits / position
    return total / hits if hits else 0.0


def dcg(gains: Sequence[float], k: int | None = None) -> float:
    """Discounted cumulative gain with linear gains and a log2(position + 1) discount."""
    top = gains if k is None else gains[:k]
    return sum(g / math.log2(i + 2) for i, g in enumerate(top))


def ndcg(gains: Sequence[float], k: int | None = None) -> float:
    """DCG@k divided by the DCG@k of the ideal order of the same gains; 0.0 when all are 0.

    Linear gains (grade 2 counts twice grade 1), as in trec_eval and sklearn's ndcg_score.
    """
    ideal = dcg(sorted(gains, reverse=True), k)
    return dcg(gains, k) / ideal if ideal > 0 else 0.0


def _grade(call: Mapping[str, Any], key: str) -> int:
    return int((call.get("labels") or {}).get(key, 0))


def _metrics(
    calls: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    theme_orders: Mapping[str, Sequence[str]],
    k_pagt: int = 10,
    k_theme: int = 5,
) -> dict[str, Any]:
    """Every figure of the report for one method, from its orders of call ids."""
    by_id = {str(c["id"]): c for c in calls}
    pagt = [_grade(by_id[i], "pagt") for i in order]
    report: dict[str, Any] = {
        "pagt_ap": average_precision([g >= 1 for g in pagt]),
        f"pagt_ndcg@{k_pagt}": ndcg(pagt, k_pagt),
        "ap_by_language": {},
        "themes": {},
    }
    for language in sorted({str(c.get("language")) for c in calls}):
        grades = [
            g for i, g in zip(order, pagt, strict=True) if by_id[i].get("language") == language
        ]
        report["ap_by_language"][language] = average_precision([g >= 1 for g in grades])
    for slug, theme_order in theme_orders.items():
        gains = [_grade(by_id[i], slug) for i in theme_order]
        report["themes"][slug] = {
            f"ndcg@{k_theme}": ndcg(gains, k_theme),
            "top3_relevant": sum(1 for g in gains[:3] if g >= 1),
            "relevant": sum(1 for g in gains if g >= 1),
        }
    values = [t[f"ndcg@{k_theme}"] for t in report["themes"].values()]
    report[f"mean_theme_ndcg@{k_theme}"] = float(np.mean(values)) if values else 0.0
    return report


def _orders_ours(
    calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme], settings: MatcherSettings
) -> tuple[list[str], dict[str, list[str]]]:
    ranking = rank(calls, themes, settings)
    order = [r.id for r in ranking]
    theme_orders = {
        t.slug: [r.id for r in sorted(ranking, key=lambda r, s=t.slug: (-r.themes[s], r.id))]
        for t in themes
    }
    return order, theme_orders


def baseline_scores(
    calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme]
) -> np.ndarray:
    """Calls x themes cosine of a default TfidfVectorizer: the yardstick for the matcher.

    Fitted on title + description; each theme's query is its name and keywords joined.
    """
    texts = [f"{c.get('title') or ''} {c.get('description') or ''}" for c in calls]
    queries = [" ".join([t.name, *t.keywords]) for t in themes]
    vectorizer = TfidfVectorizer().fit(texts)
    return cosine_similarity(vectorizer.transform(texts), vectorizer.transform(queries))


def _orders_baseline(
    calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme]
) -> tuple[list[str], dict[str, list[str]]]:
    scores = baseline_scores(calls, themes)
    ids = [str(c["id"]) for c in calls]
    position = {id_: i for i, id_ in enumerate(ids)}
    best = scores.max(axis=1) if len(themes) else np.zeros(len(calls))
    order = [ids[i] for i in sorted(range(len(ids)), key=lambda i: (-best[i], ids[i]))]
    theme_orders = {
        t.slug: sorted(ids, key=lambda id_, j=j: (-scores[position[id_], j], id_))
        for j, t in enumerate(themes)
    }
    return order, theme_orders


def evaluate(
    labelled_calls: Sequence[Mapping[str, Any]],
    themes: Sequence[Theme],
    settings: MatcherSettings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Figures for the matcher ("ours") and the plain baseline on the same labelled calls.

    Per method: pagt average precision (relevant = pagt >= 1), pagt nDCG@10 (graded),
    AP per language, and per theme nDCG@5 and how many of its top 3 are relevant to it
    (theme grade >= 1), plus the mean of the themes' nDCG@5.
    """
    ours = _metrics(labelled_calls, *_orders_ours(labelled_calls, themes, settings))
    base = _metrics(labelled_calls, *_orders_baseline(labelled_calls, themes))
    return {"calls": len(labelled_calls), "ours": ours, "baseline": base}


def format_report(report: Mapping[str, Any]) -> str:
    """The report as a plain-text table: one row per figure, ours next to the baseline."""
    ours, base = report["ours"], report["baseline"]
    rows: list[tuple[str, str, str]] = [("", "ours", "baseline")]

    def add(label: str, a: float | int, b: float | int) -> None:
        fmt = "{:.3f}" if isinstance(a, float) else "{}"
        rows.append((label, fmt.format(a), fmt.format(b)))

    k_pagt = next(k for k in ours if k.startswith("pagt_ndcg@"))
    k_mean = next(k for k in ours if k.startswith("mean_theme_ndcg@"))
    add("pagt AP", ours["pagt_ap"], base["pagt_ap"])
    add(f"pagt nDCG@{k_pagt.split('@')[1]}", ours[k_pagt], base[k_pagt])
    for lang, value in ours["ap_by_language"].items():
        add(f"pagt AP {LANGUAGE_NAMES.get(lang, lang)}", value, base["ap_by_language"][lang])
    add(f"mean theme nDCG@{k_mean.split('@')[1]}", ours[k_mean], base[k_mean])
    for slug, figures in ours["themes"].items():
        k_theme = next(k for k in figures if k.startswith("ndcg@"))
        other = base["themes"][slug]
        add(f"{slug} {k_theme}", figures[k_theme], other[k_theme])
        rows.append(
            (
                f"{slug} relevant in top 3",
                f"{figures['top3_relevant']}/{min(3, figures['relevant'])}",
                f"{other['top3_relevant']}/{min(3, other['relevant'])}",
            )
        )
    width = max(len(r[0]) for r in rows)
    lines = [f"{r[0]:<{width}}  {r[1]:>8}  {r[2]:>8}" for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return f"{report['calls']} labelled calls\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m matcher.evaluate LABELS.jsonl CONFIG.toml``: print the report."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m matcher.evaluate LABELS.jsonl CONFIG.toml", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        calls = [json.loads(line) for line in fh if line.strip()]
    with open(args[1], "rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    print(format_report(evaluate(calls, themes, settings)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
