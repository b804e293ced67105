"""The command line without a crawl: help, export, import, status, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fondsradar.cli import cli

COMMANDS = ["run", "crawl", "rank", "digest", "export", "import", "status", "check-config",
            "schedule", "demo"]


@pytest.fixture
def invoke(config_file: Path):
    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(cli, ["--config", str(config_file), "--today", "2027-01-11", *args])

    return _invoke


def test_every_contract_command_exists_with_help() -> None:
    assert set(COMMANDS) <= set(cli.commands)
    for name in cli.commands:
        assert cli.commands[name].help, f"{name} has no help text"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_import_then_export_round_trip(invoke, tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "calls.jsonl",
        {"title": "Skolepartnerskaber KA210", "url": "https://ufm.dk/ka210",
         "deadlines": ["2027-03-05T12:00:00+01:00"], "funder": "Erasmus+ (UFM)",
         "language": "da", "unknown_key": "ignored"},
        {"id": "manual:ka220", "title": "KA220", "url": "https://ufm.dk/ka220",
         "status": "forthcoming", "opens": "2027-02-01", "deadlines": ["2027-03-05"]},
    )
    result = invoke("import", str(src))
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    exported = json.loads(invoke("export", "--format", "json").output)
    by_id = {r["id"]: r for r in exported}
    assert "manual:ka220" in by_id
    first = next(r for r in exported if r["id"] != "manual:ka220")
    assert first["id"].startswith("manual:") and first["source"] == "manual"
    assert first["next_deadline"] == "2027-03-05T12:00:00+01:00"
    for key in ("id", "source", "funder", "programme", "title", "url", "language", "status",
                "opens", "deadlines", "next_deadline", "amount_min", "amount_max", "currency",
                "description", "first_seen", "last_seen", "changed_at"):
        assert key in first
    # Importing the export again changes nothing.
    jsonl = invoke("export", "--format", "jsonl").output
    again = tmp_path / "again.jsonl"
    again.write_text(jsonl, encoding="utf-8")
    result = invoke("import", str(again))
    assert "0 new, 0 changed" in result.output


def test_export_csv_and_all(invoke, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "c.jsonl",
                      {"title": "Old", "url": "https://x.dk/old", "deadlines": ["2020-01-01"]},
                      {"title": "New", "url": "https://x.dk/new", "deadlines": ["2027-05-01"]})
    invoke("import", str(src))
    assert len(json.loads(invoke("export").output)) == 1
    everything = json.loads(invoke("export", "--all").output)
    assert {r["status"] for r in everything} == {"open", "closed"}
    csv_text = invoke("export", "--format", "csv").output
    assert csv_text.splitlines()[0].startswith("\ufeffid,source,funder")
    assert ",2027-05-01,2027-05-01," in csv_text  # next_deadline, deadlines: no JSON


@pytest.mark.parametrize(("line", "message"), [
    ('{"url": "https://x.dk"}', "line 1: title: is required"),
    ('{"title": "T", "url": "ftp://x"}', "url: must start with http"),
    ('{"title": "T", "url": "https://x", "deadlines": ["1. maj"]}', "not a date like"),
    ("not json", "line 1: not valid JSON"),
])
def test_import_rejects_bad_lines_and_writes_nothing(invoke, tmp_path: Path, line: str,
                                                     message: str) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(line + "\n", encoding="utf-8")
    result = invoke("import", str(src))
    assert result.exit_code == 2 and message in result.output
    assert result.output.startswith("Error: ")
    assert json.loads(invoke("export", "--all").output) == []


def test_status_before_any_crawl(invoke) -> None:
    result = invoke("status")
    assert result.exit_code == 0 and "No crawl has run yet" in result.output


def test_crawl_of_an_unknown_source_is_a_usage_error(invoke) -> None:
    result = invoke("crawl", "erasmos")
    assert result.exit_code == 2 and "unknown or disabled source erasmos" in result.output


def test_bad_today_is_a_usage_error(config_file: Path) -> None:
    result = CliRunner().invoke(cli, ["--today", "27/06/2026", "status"])
    assert result.exit_code == 2 and "expected a date like" in result.output


def test_evaluate_prints_ours_beside_the_kfold_figure_and_the_baseline(invoke) -> None:
    labels = Path(__file__).resolve().parent / "fixtures" / "labels" / "calls.jsonl"
    result = invoke("evaluate", str(labels))
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[0]: line.split() for line in result.output.splitlines()}
    ours, kfold, base = (float(v) for v in lines["pagt AP"][-3:])
    assert ours >= 0.93 and kfold >= 0.93 and ours > base
    assert "mean theme nDCG@5" in result.output and "k-fold" in result.output


def test_rank_compare_shows_what_enters_and_leaves(invoke, config_file: Path,
                                                   tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "c.jsonl",
        {"title": "Piger i naturvidenskab", "url": "https://x.dk/piger", "language": "da",
         "description": "Projekter der får flere piger til at vælge naturvidenskab og teknik.",
         "deadlines": ["2027-05-01"]},
        {"title": "Kvindelige rollemodeller i ingeniørfaget", "url": "https://x.dk/kvinder",
         "language": "da", "description": "Rollemodeller for unge kvinder i teknologi.",
         "deadlines": ["2027-05-01"]})
    invoke("import", str(src))
    other = tmp_path / "other.toml"
    text = config_file.read_text(encoding="utf-8")
    start = text.index("[themes.piger_stem]")
    end = text.index("[themes.teknologiambassadoerer]")
    other.write_text(text[:start] + '[themes.piger_stem]\nname = "Piger og STEM"\n'
                     'keywords = ["piger", "naturvidenskab"]\n\n' + text[end:],
                     encoding="utf-8")
    result = invoke("rank", "--compare", str(other), "--limit", "1", "--theme", "piger_stem")
    assert result.exit_code == 0, result.output
    assert "Piger og STEM (piger_stem):" in result.output
    assert "  + Piger i naturvidenskab" in result.output
    assert "  - Kvindelige rollemodeller i ingeniørfaget" in result.output
