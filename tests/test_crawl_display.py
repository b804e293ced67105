"""`fondsradar crawl` as staff watch it: retries and waits are shown as they happen, and the
summary fits 100 columns (issue 14). A source on 127.0.0.1:9 refuses every connection, the same
verdict as a machine without network."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import fondsradar, write_config
from tests.support.sedia import FETCHED


def test_retries_and_waits_are_shown_and_the_summary_fits(tmp_path: Path) -> None:
    config = write_config(tmp_path, search_url='search_url = "http://127.0.0.1:9/search"',
                          timeout_s="timeout_s = 5")
    result = fondsradar("--config", str(config), "--today", FETCHED, "crawl")
    assert result.returncode == 3, result.stdout + result.stderr
    live = result.stderr  # not a terminal: the live display is one line per event
    waits = re.findall(r"^erasmus: no answer \((\w+)\); waiting ([\d.]+) s, then retry "
                       r"(\d) of 2$", live, flags=re.MULTILINE)
    assert waits and {attempt for _, _, attempt in waits} == {"1", "2"}
    assert all(float(wait) > 0 for _, wait, _ in waits)
    assert re.search(r"^erasmus: FAILED: offline \(no network\?\): ", live, flags=re.MULTILINE)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100, result.stdout
    assert "erasmus failed: offline (no network?)" in lines
    assert any(line.startswith("  - the site could not be reached: connection refused")
               for line in lines)
    assert "fondsradar demo" in result.stdout


def test_rank_lists_calls_not_page_watches(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fondsradar.cli import cli
    from tests.test_digest_support import WATCHED, week_store

    week_store(tmp_path).close()  # four calls and a watched page that changed
    config = write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(config), "--today", "2027-01-11", "rank",
                                      "--limit", "50"])
    assert result.exit_code == 0, result.output
    assert "Piger og programmering" in result.output
    assert WATCHED["title"] not in result.output
    listed = CliRunner().invoke(cli, ["--config", str(config), "--today", "2027-01-11", "rank",
                                      "--json", "--limit", "50"])
    assert WATCHED["id"] not in {r["id"] for r in json.loads(listed.output)}


def test_the_summary_tells_sources_failing_alike_once(capsys) -> None:  # type: ignore[no-untyped-def]
    from fondsradar.cli import _summary
    from records.store import SourceOutcome

    refused = "the site could not be reached: connection refused; no calls found"
    _summary([SourceOutcome(s, "failed", message=refused, cause="offline")
              for s in ("erasmus", "novonordisk", "pdj")]
             + [SourceOutcome("interreg", "failed", message="HTTP error 503", cause="http"),
                SourceOutcome("villum_velux", "ok", items=12)])
    out = capsys.readouterr().out
    assert "erasmus, novonordisk, pdj failed: offline (no network?)\n" \
           "  - the site could not be reached: connection refused\n  - no calls found\n" in out
    assert "interreg failed: HTTP errors\n  - HTTP error 503\n" in out
    assert out.count("connection refused") == 1
    assert max(len(line) for line in out.splitlines()) <= 100
