"""`fondsradar status` reads well: one line per source, one line per source per run, times in
the configured time zone, a long repeated error folded into one reason (issue 14)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from fondsradar.cli import cli
from fondsradar.status_text import fit, local_time, reason
from records.store import Store
from tests.conftest import write_config
from tests.test_digest_support import CALLS, save

OFFLINE = ("the site could not be reached: its name was not found; no calls found; "
           "robots.txt could not be read: the site could not be reached: its name was not found")
SOURCES = ("erasmus", "novonordisk", "villum_velux", "interreg", "pdj", "watch")
CPH = ZoneInfo("Europe/Copenhagen")


def _status(tmp_path: Path) -> str:
    result = CliRunner().invoke(cli, ["--config", str(write_config(tmp_path)), "status"])
    assert result.exit_code == 0, result.output
    return result.output


def _offline_run(store: Store) -> None:
    from records.store.sources import SourceOutcome
    from tests.test_digest_support import TODAY

    run = store.runs.start("crawl", TODAY)
    for source in SOURCES:
        store.sources.record(run, SourceOutcome(source, "failed", message=OFFLINE,
                                                cause="offline"), "2027-01-11T06:40:00+00:00")
    store.runs.finish(run, "failed", 3, "; ".join(f"{s}: {OFFLINE}" for s in SOURCES))


def test_an_offline_run_is_one_short_line_per_reason(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", CALLS)
    _offline_run(store)
    store.close()
    out = _status(tmp_path)
    assert max(len(line) for line in out.splitlines()) <= 100, out
    assert "      every source: offline (no network?)\n" \
           "        - the site could not be reached: its name was not found\n" \
           "        - no calls found\n" in out  # the latest run: each problem, once
    assert out.count("its name was not found") == 2  # the problem and robots.txt's, once
    assert "siden kan have" not in out and "may have changed" not in out
    for source in SOURCES:
        assert re.search(rf"^  {source}\s+FAILING  [-0-9: ]+  offline \(no network\?\); "
                         r"last good (never|[-0-9]{10}); \d+ stored$", out, flags=re.MULTILINE)


def test_times_are_shown_in_the_schedules_time_zone(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", CALLS)
    finished = store.sources.latest()[0]["finished_at"]
    started = store.runs.recent(1)[0]["started_at"]
    store.close()
    out = _status(tmp_path)
    local = datetime.fromisoformat(finished).astimezone(CPH).strftime("%Y-%m-%d %H:%M")
    assert re.search(rf"^  novonordisk\s+healthy\s+{local}  4 calls", out, flags=re.MULTILINE)
    assert f"{datetime.fromisoformat(started).astimezone(CPH):%Y-%m-%d %H:%M} → ok" in out
    assert "Sources (times in Europe/Copenhagen):" in out
    assert "+00:00" not in out  # no UTC stamps beside a Copenhagen schedule
    assert "      ok: novonordisk (4 calls)" in out


def test_local_time_and_reason() -> None:
    assert local_time("2027-07-01T04:30:00+00:00", CPH) == "2027-07-01 06:30"  # summer time
    assert local_time("2027-01-11T06:40:00+00:00", CPH) == "2027-01-11 07:40"
    assert local_time(None, CPH) == "never"
    assert reason({"cause": "layout", "message": "no calls found"}) == (
        "pages may have changed: no calls found")
    assert reason({"cause": "http", "message": "HTTP error 503; HTTP error 500"}) == (
        "HTTP errors: HTTP error 503 (+1 more)")
    assert reason({"message": ""}) == "failed"
    assert fit("x" * 120) == "x" * 99 + "…" and fit("kort") == "kort"
