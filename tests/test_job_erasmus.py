"""End to end: the real command, in a child process, over the real Erasmus+ fixtures.

Expected results are computed here from the fixture files themselves (programme, deadlines and
"today"), not copied from the spider's output.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from records.store import Store
from tests.conftest import fondsradar, write_config
from tests.support.sedia import FETCHED, build_har, erasmus_topics
from tests.support.sedia_server import sedia_server

SEARCH = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"


def expected_topics(today: str) -> dict[str, list[str]]:
    """Erasmus+ topics open or forthcoming on ``today``, with the dates of all their deadlines."""
    out = {}
    for ident, results in erasmus_topics().items():
        deadlines = sorted({d[:10] for r in results for d in r["metadata"]["deadlineDate"]})
        if deadlines and deadlines[-1] >= today:
            out[f"erasmus:{ident}"] = deadlines
    return out


def stored(config: Path) -> list[dict]:
    result = fondsradar("--config", str(config), "--today", FETCHED, "export", "--format",
                        "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_expected_set_is_not_trivial() -> None:
    expected = expected_topics(FETCHED)
    assert len(expected) == 7
    assert len(erasmus_topics()) == 9  # two expired "open" topics are left out


def test_crawl_replay_stores_exactly_the_open_and_forthcoming_topics(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    result = fondsradar("--config", str(config), "--today", FETCHED, "crawl", "--replay",
                        str(har))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "erasmus" in result.stdout and "calls found" in result.stdout
    calls = stored(config)
    expected = expected_topics(FETCHED)
    assert sorted(c["id"] for c in calls) == sorted(expected)  # no other programme, no dupes
    for call in calls:
        assert [d[:10] for d in call["deadlines"]] == expected[call["id"]]
        assert call["status"] in ("open", "forthcoming")
        assert call["next_deadline"] >= FETCHED


def test_a_second_identical_run_changes_nothing_but_last_seen(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    args = ("--config", str(config), "--today", FETCHED, "crawl", "--replay", str(har))
    assert fondsradar(*args).returncode == 0
    db = tmp_path / "fondsradar.db"
    before = _rows(db)
    second = fondsradar(*args)
    assert second.returncode == 0
    after = _rows(db)
    assert before.keys() == after.keys()
    for key in before:
        assert {k: v for k, v in before[key].items() if k != "last_seen"} == {
            k: v for k, v in after[key].items() if k != "last_seen"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from call_changes").fetchone()[0] == 0
        assert conn.execute("select count(*) from runs").fetchone()[0] == 2
    assert "0        0" in second.stdout.replace("  ", " ") or " 0 " in second.stdout


def _rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in conn.execute("select * from calls")}


def test_crawl_against_a_real_loopback_api(tmp_path: Path) -> None:
    with sedia_server() as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        result = fondsradar("--config", str(config), "--today", FETCHED, "crawl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(c["id"] for c in stored(config)) == sorted(expected_topics(FETCHED))


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_api_is_reported_and_loses_nothing(tmp_path: Path, mode: str) -> None:
    with sedia_server() as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        assert fondsradar("--config", str(config), "--today", FETCHED, "crawl").returncode == 0
    with sedia_server(mode) as url:
        config = write_config(tmp_path, search_url=f'search_url = "{url}"')
        result = fondsradar("--config", str(config), "--today", FETCHED, "crawl")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "erasmus failed:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert len(stored(config)) == 7  # nothing stored was lost, nothing marked unseen
    status = fondsradar("--config", str(config), "status")
    assert re.search(r"erasmus\s+FAILING", status.stdout) and "last good 20" in status.stdout


def test_an_unreachable_source_points_to_the_demo(tmp_path: Path) -> None:
    # Port 9 on loopback: connection refused, the same verdict as a machine without network.
    config = write_config(tmp_path, search_url='search_url = "http://127.0.0.1:9/search"',
                          timeout_s="timeout_s = 5")
    result = fondsradar("--config", str(config), "--today", FETCHED, "crawl")
    assert result.returncode == 3
    assert "could not be reached" in result.stdout
    assert "fondsradar demo" in result.stdout
    store = Store(tmp_path / "fondsradar.db")
    assert store.sources.latest()[0]["status"] == "failed"
    assert store.runs.recent(1)[0]["status"] == "failed"


def test_today_is_honoured_by_export(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    fondsradar("--config", str(config), "--today", FETCHED, "crawl", "--replay", str(har))
    later = fondsradar("--config", str(config), "--today", "2026-12-01", "export")
    ids = [c["id"] for c in json.loads(later.stdout)]
    assert ids == ["erasmus:ERASMUS-EDU-2022-ECHE-CERT-FP"]  # only its 2027 cut-off is left
    assert date.fromisoformat(FETCHED)


def test_run_replay_stores_the_topics_and_writes_the_digest(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    har = build_har(tmp_path / "sedia.har", SEARCH)
    result = fondsradar("--config", str(config), "--today", FETCHED, "run", "--no-send",
                        "--replay", str(har))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(c["id"] for c in stored(config)) == sorted(expected_topics(FETCHED))
    html = tmp_path / "out" / "2026-W26.html"
    assert f"Digest written to {html}" in result.stdout
    page = html.read_text(encoding="utf-8")
    assert "Centres of Vocational Excellence" in page and 'lang="da"' in page
    runs = Store(tmp_path / "fondsradar.db").runs.recent()
    assert [r["command"] for r in runs] == ["run"] and runs[0]["status"] == "ok"


def test_demo_runs_offline_and_writes_a_digest(tmp_path: Path) -> None:
    result = fondsradar("demo", "--out", str(tmp_path / "demo-out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "as if today were 2027-01-11" in result.stdout
    html = tmp_path / "demo-out" / "2027-W02.html"
    assert f"Demo digest: {html}" in result.stdout
    page = html.read_text(encoding="utf-8")
    assert "Centres of Vocational Excellence" in page
    assert "Small-scale partnerships in sport" not in page  # stale "open", long closed
