"""Benchmark: rank 10,000 generated calls against the nine pagt themes.

A weekly run ranks a few hundred calls; 10,000 is the "every call ever stored" case
(`rank --all`, a re-rank after staff change keywords). Targets: under 5 s wall time and
under 1 GB peak memory. Run from the repo root:

    .venv/bin/python benchmarks/bench_matcher.py [N] [--config config.toml]

Calls are generated from a fixed seed: Danish and English sentences mixing theme words,
education and research vocabulary, and made-up filler words, so the vocabulary grows with
N the way real descriptions do.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher import rank, themes_from_toml  # noqa: E402

DANISH = (
    "fonden støtter projekter der styrker naturfagsundervisningen i grundskolen og på "
    "gymnasiet lærere pædagoger elever erhvervsskoler teknologiforståelse programmering "
    "bæredygtighed grøn omstilling klima piger rollemodeller virksomheder iværksætteri "
    "innovation kompetenceudvikling efteruddannelse fremmedsprog udveksling design "
    "skaberværksteder forskere forskning ph.d. kulturarv museer sundhed ansøgningsfrist "
    "puljen kommuner foreninger partnerskab vindenergi vand fødevarer produktion"
).split()
ENGLISH = (
    "the foundation supports projects that strengthen science teaching in primary and "
    "upper secondary schools teachers pupils vocational education computing programming "
    "sustainability green transition climate girls role models companies entrepreneurship "
    "innovation professional development foreign languages mobility design makerspaces "
    "researchers research postdoc heritage museums health deadline partnership wind "
    "energy water food manufacturing consortium grant applicants"
).split()


def _filler(rng: random.Random) -> str:
    return "".join(rng.choice("abdefgiklmnoprstuvy") for _ in range(rng.randint(4, 11)))


def generate(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` calls with titles, 120-200 word descriptions and a few keywords."""
    rng = random.Random(seed)
    fillers = [_filler(rng) for _ in range(20_000)]
    calls = []
    for i in range(n):
        language = "da" if i % 2 else "en"
        words = DANISH if language == "da" else ENGLISH
        body = [
            rng.choice(words) if rng.random() < 0.6 else rng.choice(fillers)
            for _ in range(rng.randint(120, 200))
        ]
        for at in range(12, len(body), 15):
            body[at] += "."
        calls.append(
            {
                "id": f"bench:{i}",
                "title": " ".join(rng.choice(words) for _ in range(rng.randint(4, 9))),
                "description": " ".join(body),
                "language": language,
                "programme": "Erasmus+" if i % 3 == 0 else "Fondsopslag",
                "funder": "Bench",
                "keywords": rng.sample(words, 3) if i % 4 == 0 else [],
                "status": "open",
                "deadlines": ["2027-03-04"],
            }
        )
    return calls


def main() -> int:
    """Generate, rank, report wall time, peak memory and throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    args = parser.parse_args()
    with args.config.open("rb") as fh:
        themes, settings = themes_from_toml(tomllib.load(fh))
    calls = generate(args.n)
    start, cpu_start = time.perf_counter(), time.process_time()
    ranking = rank(calls, themes, settings)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"calls:        {len(ranking)} against {len(themes)} themes")
    print(f"wall time:    {wall:.2f} s  (target < 5 s; CPU time {cpu:.2f} s)")
    print(f"peak memory:  {peak_mb:.0f} MB (max RSS of the process; target < 1024 MB)")
    print(f"throughput:   {len(ranking) / wall:,.0f} calls/s")
    print(f"best call:    {ranking[0].id} score {ranking[0].score:.3f} ({ranking[0].best_theme})")
    ok = wall < 5 and peak_mb < 1024
    print("result:       " + ("within targets" if ok else "OUTSIDE TARGETS"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
