"""Measuring the matcher against hand-labelled calls, next to a plain TF-IDF baseline.

Staff tune keywords and knobs; this tells them whether a change helped. Labels follow
the labelled file's own README: `labels.pagt` grades a call 0-2 for the pagt as a whole and
`labels.<theme>` 0-2 per theme (absent = 0).

The functions are pure; `main` (``python -m matcher.evaluate LABELS.jsonl config.toml``)
is the only part that reads files.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .config import themes_from_toml
from .model import DEFAULT_SETTINGS, MatcherSettings, Ranking, Theme
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


# The knobs a k-fold run chooses between on each training part, beside the config's own:
# the ones staff are told to try first (README, "Tuning"). Small on purpose.
GRID: tuple[dict[str, Any], ...] = tuple(
    {"no_level_factor": lv, "char_weight": cw, "title_weight": tw}
    for lv in (0.25, 0.45)
    for cw in (0.15, 0.3)
    for tw in (1.5, 2.5)
)


def evaluate(
    labelled_calls: Sequence[Mapping[str, Any]],
    themes: Sequence[Theme],
    settings: MatcherSettings = DEFAULT_SETTINGS,
    folds: int = 5,
) -> dict[str, Any]:
    """Figures for the matcher ("ours") and the plain baseline on the same labelled calls.

    Per method: pagt average precision (relevant = pagt >= 1), pagt nDCG@10 (graded),
    AP per language, and per theme nDCG@5 and how many of its top 3 are relevant to it
    (theme grade >= 1), plus the mean of the themes' nDCG@5.

    With `folds` >= 2 (and at least two calls per fold) there is also "kfold": the same
    figures when keywords and knobs are chosen on the other folds' labels and each call is
    scored by a choice that never saw its label (see `cross_validate`). The gap between
    "ours" and "kfold" is what the configuration gains from fitting these examples.
    """
    ours = _metrics(labelled_calls, *_orders_ours(labelled_calls, themes, settings))
    base = _metrics(labelled_calls, *_orders_baseline(labelled_calls, themes))
    report: dict[str, Any] = {"calls": len(labelled_calls), "ours": ours, "baseline": base}
    if folds >= 2 and len(labelled_calls) >= 2 * folds:
        report["kfold"], report["kfold_choices"] = cross_validate(
            labelled_calls, themes, settings, folds
        )
    return report


Choice = tuple[Sequence[Theme], MatcherSettings]


def cross_validate(
    calls: Sequence[Mapping[str, Any]],
    themes: Sequence[Theme],
    settings: MatcherSettings = DEFAULT_SETTINGS,
    folds: int = 5,
    grid: Sequence[Mapping[str, Any]] = GRID,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """k-fold figures: each fold's calls are scored by keywords and knobs chosen on the
    other folds only (the training part), and the figures are computed on the pooled
    held-out scores, so they are comparable with the in-sample ones.

    The choice on a training part is the one a careful tuner makes, never looking at the
    held-out fold:

    - knobs: the config's own or one of `grid`, whichever scores best on the training part;
    - keywords: those that matched at least two training calls and none relevant to their
      theme are dropped (`_prune_keywords`) only if dropping them also helps on calls the
      pruning did not see: an inner k-fold on the training part compares pruned and kept.
      Pruning always looks good on the calls it was fitted on; a keyword that merely missed
      the relevant calls of this sample may be the one that finds them in the next.

    Ranking sees every call's text in each fold (IDF is unsupervised, as on the real store);
    only the labels are held out. Folds are stratified by pagt grade, in id order.
    """
    fold_of = _folds(calls, folds)
    choices: list[dict[str, Any]] = []

    def choose(train: Sequence[Mapping[str, Any]]) -> Choice:
        candidates = [settings, *(dataclasses.replace(settings, **knobs) for knobs in grid)]
        best = max(candidates, key=lambda st: _objective(train, themes, st))
        inner = max(folds - 1, 2)
        kept = _objective_of(_held_out(train, inner, lambda _: (themes, best)))
        pruned = _objective_of(_held_out(
            train, inner, lambda part: (_prune_keywords(part, themes, best)[0], best)
        ))
        fitted, dropped = _prune_keywords(train, themes, best)
        if pruned <= kept:
            fitted, dropped = list(themes), []
        knobs = {k: getattr(best, k) for k in (grid[0] if grid else {})}
        choices.append({"fold": len(choices), "dropped": dropped, **knobs,
                        "inner": {"kept": round(kept, 4), "pruned": round(pruned, 4)}})
        return fitted, best

    return _held_out(calls, folds, choose, fold_of), choices


def _folds(calls: Sequence[Mapping[str, Any]], folds: int) -> dict[str, int]:
    """Call id -> fold, stratified by pagt grade (calls in grade and id order, dealt out)."""
    ordered = sorted(calls, key=lambda c: (_grade(c, "pagt"), str(c["id"])))
    return {str(c["id"]): i % folds for i, c in enumerate(ordered)}


def _held_out(
    calls: Sequence[Mapping[str, Any]],
    folds: int,
    choose: Callable[[Sequence[Mapping[str, Any]]], Choice],
    fold_of: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The figures of each call scored by `choose(the other folds)`, pooled over folds.

    A choice that is the same in every fold (the same keyword lists and knobs) is ranked once.
    """
    fold_of = fold_of or _folds(calls, folds)
    total: dict[str, float] = {}
    per_theme: dict[str, dict[str, float]] = {}
    ranked: dict[Any, list[Ranking]] = {}
    for fold in range(folds):
        fitted, chosen = choose([c for c in calls if fold_of[str(c["id"])] != fold])
        key = (tuple((t.slug, tuple(t.keywords.items())) for t in fitted), chosen)
        if key not in ranked:
            ranked[key] = rank(calls, fitted, chosen)
        for r in ranked[key]:
            if fold_of[r.id] == fold:
                total[r.id] = r.score
                for slug, value in r.themes.items():
                    per_theme.setdefault(slug, {})[r.id] = value
    ids = [str(c["id"]) for c in calls]
    order = sorted(ids, key=lambda i: (-total[i], i))
    theme_orders = {
        slug: sorted(ids, key=lambda i, sc=scores: (-sc.get(i, 0.0), i))
        for slug, scores in per_theme.items()
    }
    return _metrics(calls, order, theme_orders)


def _objective(
    calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme], settings: MatcherSettings
) -> float:
    """What a tuning staff member looks at: pagt AP plus the mean theme nDCG@5."""
    return _objective_of(_metrics(calls, *_orders_ours(calls, themes, settings)))


def _objective_of(figures: Mapping[str, Any]) -> float:
    return float(figures["pagt_ap"] + figures["mean_theme_ndcg@5"])


def _prune_keywords(
    calls: Sequence[Mapping[str, Any]], themes: Sequence[Theme], settings: MatcherSettings
) -> tuple[list[Theme], list[str]]:
    """The themes without the keywords that matched at least two of `calls` and none that is
    relevant to the theme: what fitting keywords to examples looks like, done by rule."""
    ranking = rank(calls, themes, dataclasses.replace(settings, explain_top=50))
    by_id = {str(c["id"]): c for c in calls}
    out, dropped = [], []
    for theme in themes:
        hits: dict[str, list[int]] = {}
        for r in ranking:
            for term in r.matched.get(theme.slug, []):
                hits.setdefault(term, []).append(_grade(by_id[r.id], theme.slug))
        bad = {t for t, grades in hits.items() if len(grades) >= 2 and max(grades) == 0}
        bad &= set(theme.keywords)
        if len(bad) == len(theme.keywords):
            bad = set()  # a theme keeps at least its words
        dropped += [f"{theme.slug}:{t}" for t in sorted(bad)]
        keywords = {k: w for k, w in theme.keywords.items() if k not in bad}
        out.append(dataclasses.replace(theme, keywords=keywords))
    return out, dropped


def format_report(report: Mapping[str, Any]) -> str:
    """The report as a plain-text table: one row per figure, ours next to the baseline, and
    the k-fold figure between them when there is one."""
    ours, base = report["ours"], report["baseline"]
    kfold = report.get("kfold")
    rows: list[tuple[str, ...]] = [
        ("", "ours", *(("k-fold",) if kfold else ()), "baseline")
    ]

    def pick(m: Mapping[str, Any], label: str) -> Any:
        return _lookup(m, label)

    def add(label: str, a: float | int, b: float | int, key: str = "") -> None:
        fmt = "{:.3f}" if isinstance(a, float) else "{}"
        middle = (fmt.format(pick(kfold, key)),) if kfold else ()
        rows.append((label, fmt.format(a), *middle, fmt.format(b)))

    k_pagt = next(k for k in ours if k.startswith("pagt_ndcg@"))
    k_mean = next(k for k in ours if k.startswith("mean_theme_ndcg@"))
    add("pagt AP", ours["pagt_ap"], base["pagt_ap"], "pagt_ap")
    add(f"pagt nDCG@{k_pagt.split('@')[1]}", ours[k_pagt], base[k_pagt], k_pagt)
    for lang, value in ours["ap_by_language"].items():
        add(f"pagt AP {LANGUAGE_NAMES.get(lang, lang)}", value, base["ap_by_language"][lang],
            f"ap_by_language/{lang}")
    add(f"mean theme nDCG@{k_mean.split('@')[1]}", ours[k_mean], base[k_mean], k_mean)
    for slug, figures in ours["themes"].items():
        k_theme = next(k for k in figures if k.startswith("ndcg@"))
        other = base["themes"][slug]
        add(f"{slug} {k_theme}", figures[k_theme], other[k_theme], f"themes/{slug}/{k_theme}")

        def top3(m: Mapping[str, Any], slug: str = slug) -> str:
            t = m["themes"][slug]
            return f"{t['top3_relevant']}/{min(3, t['relevant'])}"

        rows.append((f"{slug} relevant in top 3", top3(ours),
                     *((top3(kfold),) if kfold else ()), top3(base)))
    width = max(len(r[0]) for r in rows)
    lines = [f"{r[0]:<{width}}" + "".join(f"  {v:>8}" for v in r[1:]) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    head = f"{report['calls']} labelled calls"
    if kfold:
        folds = report.get("kfold_choices") or []
        pruned = sum(1 for f in folds if f["dropped"])
        head += (f"; k-fold: keywords and knobs chosen on {len(folds) - 1} of {len(folds)} "
                 f"parts, scored on the part left out (keywords pruned in {pruned} of "
                 f"{len(folds)}, where it also helped on calls the pruning had not seen)")
    return head + "\n" + "\n".join(lines)


def _lookup(m: Mapping[str, Any], path: str) -> Any:
    """A figure of a metrics dict by its path ("themes/sprog/ndcg@5")."""
    value: Any = m
    for part in path.split("/"):
        value = value[part]
    return value


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
