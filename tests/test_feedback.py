"""Staff feedback through the command line: stored, used by the ranking, kept out of digests."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fondsradar.cli import cli
from records.store import Store

CALLS = [
    {"id": "manual:robot", "title": "Robotteknologi i folkeskolen",
     "url": "https://x.dk/robot", "language": "da", "deadlines": ["2027-05-01"],
     "description": "Elever i grundskolen programmerer robotter; lærere får efteruddannelse."},
    {"id": "manual:robot2", "title": "Robotter og programmering i udskolingen",
     "url": "https://x.dk/robot2", "language": "da", "deadlines": ["2027-06-01"],
     "description": "Programmering med robotter for elever i grundskolen."},
    {"id": "manual:piger", "title": "Piger i teknologi",
     "url": "https://x.dk/piger", "language": "da", "deadlines": ["2027-05-01"],
     "description": "Flere piger i gymnasiet skal vælge naturvidenskab og teknologi."},
]


def setup(tmp_path: Path, config_file: Path):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--config", str(config_file), "--today", "2027-01-11", *args])

    src = tmp_path / "calls.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in CALLS), encoding="utf-8")
    assert invoke("import", str(src)).exit_code == 0
    return invoke


def ranked(invoke) -> dict[str, dict]:
    result = invoke("rank", "--json", "--limit", "50")
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in json.loads(result.output)}


def test_rank_json_has_the_contract_shape_and_signals(tmp_path: Path, config_file: Path) -> None:
    invoke = setup(tmp_path, config_file)
    rows = ranked(invoke)
    robot = rows["manual:robot"]
    assert set(robot) >= {"id", "title", "score", "best_theme", "themes", "matched"}
    # robots and teachers' continuing education: both themes fit, and each names its
    # keywords as staff wrote them ("programmere"), not the call's word ("programmerer")
    assert robot["best_theme"] in {"informatik", "kompetenceudvikling"}
    assert "programmere" in robot["matched"]["informatik"]
    assert "programmerer" not in robot["matched"]["informatik"]
    assert robot["why"]["informatik"]["terms"][0]["da"] in robot["matched"]["informatik"]
    assert "grundskole" in robot["signals"]["levels"]


def test_signals_are_stored_on_the_call(tmp_path: Path, config_file: Path) -> None:
    invoke = setup(tmp_path, config_file)
    assert invoke("digest").exit_code == 0
    store = Store(tmp_path / "fondsradar.db")
    from datetime import date

    assert "grundskole" in store.calls.get("manual:robot", date(2027, 1, 11))["signals"]["levels"]


def test_irrelevant_call_never_reaches_a_digest_again(tmp_path: Path, config_file: Path) -> None:
    invoke = setup(tmp_path, config_file)
    result = invoke("feedback", "manual:piger", "irrelevant")
    assert result.exit_code == 0 and "will not appear in a digest again" in result.output
    assert ranked(invoke)["manual:piger"]["score"] == 0
    assert invoke("digest").exit_code == 0
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*-W*.html"))
    assert "Robotteknologi i folkeskolen" in pages and "Piger i teknologi" not in pages


def test_theme_feedback_moves_similar_calls(tmp_path: Path, config_file: Path) -> None:
    invoke = setup(tmp_path, config_file)
    before = ranked(invoke)["manual:robot2"]["themes"]["informatik"]
    assert invoke("feedback", "manual:robot", "irrelevant", "--theme", "informatik").exit_code == 0
    after = ranked(invoke)
    assert after["manual:robot"]["themes"].get("informatik", 0) == 0
    assert after["manual:robot2"]["themes"]["informatik"] < before  # the similar call fell


def test_feedback_on_an_unknown_call_or_theme(tmp_path: Path, config_file: Path) -> None:
    invoke = setup(tmp_path, config_file)
    result = invoke("feedback", "manual:nope", "relevant")
    assert result.exit_code == 1 and "no stored call with id 'manual:nope'" in result.output
    result = invoke("feedback", "manual:robot", "relevant", "--theme", "robots")
    assert result.exit_code == 2 and "unknown theme 'robots'" in result.output
