"""Matcher quality with the labelled calls ranked among unlabelled real calls, as in a store.

`fondsradar evaluate` ranks a labelled file on its own: every call in it was chosen for the
labels, so a theme's best calls are nearly all relevant, IDF is fitted on 75 calls, and a
setting that learns from the ranking itself (feedback from each theme's best calls,
`prf_docs`) sees a far easier corpus than the weekly store. Here the labelled calls are
ranked together with the real EU Funding & Tenders topics saved under
`tests/fixtures/erasmus/` (mostly research topics: the store's usual near-misses), and the
figures are computed on the labelled calls' order only. A setting that helps in both columns
generalises; one that helps only the first fits the small file.

    .venv/bin/python benchmarks/quality_in_store.py tests/fixtures/labels/calls.jsonl \
        [--config config.toml] [--set prf_docs=0 ...]

Prints pagt AP, AP per language, mean theme nDCG@5 and each theme's nDCG@5, alone and in the
mixed corpus (on the labelled calls' order), and pagt AP over the whole mixed ranking with the
topics counted as not relevant (how many research topics a digest would show above the calls
staff want).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.spiders.erasmus import flatten_metadata  # noqa: E402
from crawler.text import html_to_text  # noqa: E402
from matcher import rank, themes_from_toml  # noqa: E402
from matcher.evaluate import average_precision, ndcg  # noqa: E402

SEDIA = ROOT / "tests" / "fixtures" / "erasmus"


def distractors(labelled: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The saved SEDIA topics (English, title + description) that are not labelled calls.

    A topic is left out when its identifier ends a labelled call's id or its title is a
    labelled call's title, so no labelled call is counted twice.
    """
    ids = {str(c["id"]).rsplit(":", 1)[-1] for c in labelled}
    titles = {str(c.get("title") or "").strip().lower() for c in labelled}
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(SEDIA.glob("*.json")) + sorted(SEDIA.glob("more/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data.get("results") if isinstance(data, dict) else None
        for result in results or []:
            meta = flatten_metadata(result.get("metadata") or {})
            ident = str(meta.get("identifier") or "")
            title = str(meta.get("title") or result.get("summary") or "")
            if not ident or ident in ids or title.strip().lower() in titles or ident in out:
                continue
            out[ident] = {"id": f"sedia:{ident}", "title": title, "language": "en",
                          "description": html_to_text(meta.get("descriptionByte"))}
    return list(out.values())


def figures(
    labelled: Sequence[Mapping[str, Any]], ranked: Sequence[Any], slugs: Sequence[str]
) -> dict[str, Any]:
    """pagt AP (relevant = grade >= 1), AP per language and nDCG@5 per theme, over the
    labelled calls in the order `ranked` puts them (other calls are skipped)."""
    by_id = {str(c["id"]): c for c in labelled}
    mine = [r for r in ranked if r.id in by_id]

    def grade(r: Any, key: str) -> int:
        return int((by_id[r.id].get("labels") or {}).get(key, 0))

    out: dict[str, Any] = {"pagt AP": average_precision([grade(r, "pagt") >= 1 for r in mine])}
    for language in sorted({str(c.get("language")) for c in labelled}):
        out[f"AP {language}"] = average_precision(
            [grade(r, "pagt") >= 1 for r in mine if by_id[r.id].get("language") == language]
        )
    themes = {}
    for slug in slugs:
        order = sorted(mine, key=lambda r, s=slug: (-r.themes[s], r.id))
        themes[slug] = ndcg([grade(r, slug) for r in order], 5)
    out["mean theme nDCG@5"] = sum(themes.values()) / len(themes) if themes else 0.0
    out.update({f"{slug} nDCG@5": value for slug, value in themes.items()})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    parser.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE",
                        help="override a [matcher] knob (a number or true/false)")
    args = parser.parse_args(argv)
    labelled = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    with args.config.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    for item in args.set:
        knob, _, value = item.partition("=")
        current = getattr(settings, knob)
        parsed = value == "true" if isinstance(current, bool) else type(current)(value)
        settings = dataclasses.replace(settings, **{knob: parsed})
    others = distractors(labelled)
    slugs = [t.slug for t in themes]
    alone = figures(labelled, rank(labelled, themes, settings), slugs)
    everything = rank([*labelled, *others], themes, settings)
    mixed = figures(labelled, everything, slugs)
    by_id = {str(c["id"]): c for c in labelled}
    # every call in the mixed order, an unlabelled topic counted as not relevant: what a
    # digest read from the top looks like (a lower bound: a few topics may be education calls)
    all_ap = average_precision(
        [int((by_id.get(r.id) or {}).get("labels", {}).get("pagt", 0)) >= 1 for r in everything]
    )
    print(f"{len(labelled)} labelled calls, alone and among {len(others)} unlabelled EU topics")
    width = max(map(len, alone))
    print(f"{'':<{width}}  {'alone':>7}  {'mixed':>7}")
    for key, value in alone.items():
        print(f"{key:<{width}}  {value:7.3f}  {mixed[key]:7.3f}")
    print(f"pagt AP over every call of the mixed ranking, topics as not relevant: {all_ap:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
