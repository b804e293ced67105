"""The shipped keywords describe the themes; they are not phrases of our labelled calls.

The default keywords are what staff read to learn how to tune the matcher, and a keyword
copied from an example call makes the figures on that call look better than the matcher
is. `tools/keyword_leaks.py` does the check (also on any other labelled file staff keep).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tools.keyword_leaks import ESTABLISHED, check, main

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "labels" / "calls.jsonl"
CONFIG = ROOT / "config.toml"


def test_no_multi_word_keyword_or_signal_phrase_is_taken_from_a_labelled_call() -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    leaks, _ = check(config, [LABELS])
    assert not leaks


def test_the_check_finds_a_copied_phrase(tmp_path: Path) -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    config["themes"]["sprog"]["keywords"].append("Teaching science through a foreign")
    leaks, _ = check(config, [LABELS])
    assert any("Teaching science through a foreign" in line for line in leaks)
    bad = tmp_path / "config.toml"
    bad.write_text('[themes.sprog]\nname = "S"\nkeywords = ["science through a foreign"]\n',
                   encoding="utf-8")
    assert main([str(bad), str(LABELS)]) == 1


def test_allowed_names_are_few_and_each_has_a_reason() -> None:
    assert len(ESTABLISHED) <= 20
    assert all(reason.strip() for reason in ESTABLISHED.values())


def test_every_theme_says_what_it_covers() -> None:
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[themes.") and line.count(".") == 1:
            assert lines[i + 1].startswith("# "), line
