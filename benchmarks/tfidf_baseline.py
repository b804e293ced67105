"""The yardstick of bench_rank.py: a plain scikit-learn TF-IDF ranking, as a whole process.

    python benchmarks/tfidf_baseline.py CALLS.jsonl config.toml [--limit 10]

Reads the calls from a JSON Lines file, fits a default `TfidfVectorizer` on title and
description, scores each call against each theme's name and keywords (cosine) and prints
the best `--limit` calls as JSON, like `fondsradar rank --json` does. No stemming, no
compounds, no education signals: what anyone would write first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("calls")
    parser.add_argument("config")
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    with open(args.calls, encoding="utf-8") as fh:
        calls = [json.loads(line) for line in fh if line.strip()]
    with open(args.config, "rb") as fh:
        themes = tomllib.load(fh)["themes"]
    slugs = list(themes)
    queries = [" ".join([t["name"], *t["keywords"]]) for t in themes.values()]
    texts = [f"{c.get('title') or ''} {c.get('description') or ''}" for c in calls]
    vectorizer = TfidfVectorizer()
    X = vectorizer.fit_transform(texts)
    scores = linear_kernel(X, vectorizer.transform(queries))  # rows are unit length
    best = scores.max(axis=1)
    order = sorted(range(len(calls)), key=lambda i: (-best[i], calls[i]["id"]))[: args.limit]
    out = [
        {
            "id": calls[i]["id"],
            "title": calls[i]["title"],
            "score": round(float(best[i]), 4),
            "best_theme": slugs[int(scores[i].argmax())],
            "themes": {s: round(float(v), 4) for s, v in zip(slugs, scores[i], strict=True)},
        }
        for i in order
    ]
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
