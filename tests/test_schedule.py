"""The scheduler's decisions: when the next run is, and whether a run was missed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fondsradar.config import load_config
from fondsradar.schedule import missed_run, next_run, previous_fire, run_once
from records.store import Store

CPH = ZoneInfo("Europe/Copenhagen")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


def test_next_and_previous_monday_morning(config_file: Path) -> None:
    cfg = load_config(config_file)
    assert next_run(cfg, at(2027, 1, 13, 12)) == at(2027, 1, 18, 6, 30)
    assert previous_fire(cfg, at(2027, 1, 13, 12)) == at(2027, 1, 11, 6, 30)


def test_a_run_missed_while_the_machine_was_off_is_caught_up_once(
        config_file: Path, tmp_path: Path) -> None:
    cfg = load_config(config_file)
    store = Store(cfg.db_path)
    # Last run the Monday before; the machine was off on Monday 11 January.
    store.db.table("runs").insert({"command": "run", "started_at": "2027-01-04T05:30:00+00:00",
                                   "status": "ok", "today": "2027-01-04"})
    assert missed_run(cfg, store, at(2027, 1, 13, 9)) == at(2027, 1, 11, 6, 30)
    # After the catch-up run, nothing is missed any more: never twice.
    store.runs.start("run", date(2027, 1, 13))
    assert missed_run(cfg, store, datetime.now(CPH)) is None


def test_nothing_is_missed_right_after_a_scheduled_run(config_file: Path) -> None:
    cfg = load_config(config_file)
    store = Store(cfg.db_path)
    store.db.table("runs").insert({"command": "run", "started_at": "2027-01-11T05:30:02+00:00",
                                   "status": "ok", "today": "2027-01-11"})
    assert missed_run(cfg, store, at(2027, 1, 13, 9)) is None


def test_a_run_past_its_time_limit_is_stopped(config_file: Path) -> None:
    assert run_once(config_file, time_limit_s=0) == 1
