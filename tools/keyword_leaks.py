"""Check that the shipped keywords describe the themes rather than quote labelled calls.

``python tools/keyword_leaks.py config.toml LABELS.jsonl [MORE.jsonl ...]`` lists:

1. every multi-word keyword or signal phrase (words separated by spaces; "start-up" is one
   word) of config.toml `[themes.*]` and `[matcher] exclude`, `matcher/signals.py` and
   `matcher/vocabulary.py` that occurs, as written, in the title or description of a labelled
   call: such a phrase may have been copied from that call. Exit status 1 if any. The few
   `ESTABLISHED` names below are allowed, each with its reason.
2. every one-word keyword that occurs in exactly one labelled call of a file, which is graded
   relevant to the keyword's theme: a word that fits one example and no other is worth a look.
   These are printed for review; they do not fail the check.

Matching is on lower-cased text with word boundaries, so "STEM" is not found in "system".
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.signals import GROUPS, HIGHER_EDUCATION, LEVELS, SUBJECTS  # noqa: E402
from matcher.vocabulary import PAIRS  # noqa: E402

# Multi-word terms that are the established name of a thing, allowed although labelled calls
# use them too: their single words would mean something else. Each is listed with why.
ESTABLISHED: dict[str, str] = {
    "upper secondary": "ISCED name of the gymnasium level",
    "high school": "common English name of the gymnasium level",
    "high schools": "common English name of the gymnasium level",
    "higher education": "ISCED name of the university level",
    "university college": "official English name of a professionshøjskole",
    "university colleges": "official English name of professionshøjskoler",
    "academy profession": "official English name of erhvervsakademiuddannelser",
    "business academy": "official English name of an erhvervsakademi",
    "artificial intelligence": "name of the field (the informatik theme's 'AI')",
    "kunstig intelligens": "Danish name of the field",
    "grøn omstilling": "name of the policy (Danish); the bæredygtighed theme's definition",
    "green transition": "name of the policy; the bæredygtighed theme's definition",
    "role models": "the piger_stem and teknologiambassadoerer definitions' own words",
    "gender balance": "the piger_stem definition's own words",
    "foreign languages": "the sprog definition's own words",
    "young people": "standard English for 'unge', the pagt's target group",
    "professional development": "standard English for 'kompetenceudvikling' of teachers and staff",
    "renewable energy": "name of the field (Danish 'vedvarende energi')",
}


def phrases(config: dict) -> list[tuple[str, str]]:
    """(where, phrase) for every keyword of every theme and every signal term."""
    out = []
    for slug, theme in (config.get("themes") or {}).items():
        for kw in [*theme.get("keywords", []), *(theme.get("weights") or {}),
                   *theme.get("exclude", [])]:
            out.append((f"themes.{slug}", kw))
    out += [("matcher.exclude", t) for t in (config.get("matcher") or {}).get("exclude", [])]
    for kind, table in (("levels", LEVELS), ("subjects", SUBJECTS), ("groups", GROUPS)):
        for label, terms in table.items():
            out += [(f"signals.{kind}.{label}", t) for t in terms]
    out += [("signals.levels.videregående", t) for t in HIGHER_EDUCATION]
    out += [("vocabulary", t) for pair in PAIRS for t in pair]
    return sorted(set(out))


def _words(phrase: str) -> list[str]:
    return re.findall(r"[^\W_]+", phrase.strip("*").lower())


def _found(phrase: str, text: str) -> bool:
    pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, _words(phrase))) + r"(?![^\W_])"
    return re.search(pattern, text) is not None


def check(config: dict, files: Iterable[Path]) -> tuple[list[str], list[str]]:
    """Lines for the multi-word phrases found in calls, and for one-call one-word keywords."""
    leaks, review = [], []
    entries = phrases(config)
    for path in files:
        calls = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        texts = [f"{c.get('title') or ''}\n{c.get('description') or ''}".lower() for c in calls]
        for where, phrase in entries:
            hits = [c for c, t in zip(calls, texts, strict=True) if _found(phrase, t)]
            if len(phrase.split()) > 1 and hits and phrase.lower() not in ESTABLISHED:
                leaks.append(f"{path.name}: {where}: {phrase!r} occurs in "
                             + ", ".join(c["id"] for c in hits))
            elif (len(hits) == 1 and where.startswith("themes.")
                  and (hits[0].get("labels") or {}).get(where.split(".", 1)[1], 0) >= 1):
                review.append(f"{path.name}: {where}: {phrase!r} occurs only in {hits[0]['id']}")
    return leaks, review


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    config = tomllib.loads(Path(args[0]).read_text(encoding="utf-8"))
    leaks, review = check(config, [Path(a) for a in args[1:]])
    for line in leaks:
        print("PHRASE IN A CALL:", line)
    for line in review:
        print("one call only:", line)
    print(f"{len(leaks)} multi-word phrase(s) found in labelled calls; "
          f"{len(review)} one-word keyword(s) that only one relevant call uses")
    return 1 if leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
