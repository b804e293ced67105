"""Education signals: the English level words that also mean something else in research text.

In the 240 saved EU research topics (tests/fixtures/erasmus) a bare "primary" named a school
level in 11 topics (primary raw materials, primary use of health data, primary and secondary
endpoints), each of which then escaped `no_level_factor` and climbed into the digest. The
level is named by its phrases instead; these tests hold both sides of that line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.quality_in_store import distractors
from matcher.signals import detect_signals

LABELS = Path(__file__).resolve().parent / "fixtures" / "labels" / "calls.jsonl"


@pytest.mark.parametrize("text", [
    "Science clubs in primary schools", "teachers of primary pupils",
    "primary education and lower-secondary", "primary and secondary schools",
])
def test_primary_school_is_a_level(text: str) -> None:
    assert "grundskole" in detect_signals(text, "en")["levels"]


@pytest.mark.parametrize("text", [
    "primary production of critical raw materials", "primary use of electronic health records",
    "the primary and secondary endpoints of the trial", "support primary and secondary prevention",
])
def test_primary_in_research_text_is_no_level(text: str) -> None:
    assert detect_signals(text, "en")["levels"] == []


def test_saved_eu_research_topics_rarely_name_a_school_level() -> None:
    labelled = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    topics = distractors(labelled)
    assert len(topics) >= 200
    assert not {t["id"] for t in topics} & {c["id"] for c in labelled}
    school = [t["title"] for t in topics
              if "grundskole" in detect_signals(f"{t['title']} {t['description']}", "en")["levels"]]
    assert school == []
