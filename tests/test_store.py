"""The store on a real SQLite file: migrations, upserts, history, unseen calls, runs."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from records.call import stable_id
from records.store import SourceOutcome, Store, now_iso

DAY = date(2026, 6, 27)


def call(n: int, **over: Any) -> dict[str, Any]:
    record = {"id": f"erasmus:T{n}", "source": "erasmus", "funder": "European Commission",
              "programme": "Erasmus+", "title": f"Topic {n}", "url": f"https://x.eu/{n}",
              "language": "en", "status": "open", "opens": "2026-01-01",
              "deadlines": ["2026-09-03"], "description": "d", "keywords": ["STEM"],
              "extra": {"k": 1}}
    record.update(over)
    return record


def save(store: Store, records: list[dict[str, Any]], *, complete: bool = True,
         source: str = "erasmus") -> SourceOutcome:
    run = store.runs.start("crawl", DAY)
    outcome = store.calls.save(run, source, records, SourceOutcome(source, "ok"), now_iso(),
                                complete=complete)
    store.runs.finish(run, "ok", 0)
    return outcome


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite")


def test_migrations_are_recorded_and_safe_to_rerun(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite").close()
    again = Store(tmp_path / "db.sqlite")
    names = [r[0] for r in again.db.execute("select name from _sqlite_migrations")]
    assert names[0] == "m001_initial" and len(names) == len(set(names))
    assert again.db.execute("select count(*) from _sqlite_migrations").fetchone()[0] == len(names)
    assert set(again.db.table_names()) >= {"calls", "call_changes", "runs", "source_runs"}


def test_wal_mode(store: Store) -> None:
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_rerunning_never_duplicates(store: Store) -> None:
    first = save(store, [call(1), call(2)])
    second = save(store, [call(1), call(2)])
    assert (first.new, second.new, second.changed) == (2, 0, 0)
    assert store.counts()["calls"] == 2 and store.counts()["changes"] == 0


def test_a_second_identical_save_changes_only_last_seen(store: Store) -> None:
    save(store, [call(1)])
    before = store.calls.get("erasmus:T1", DAY)
    store.db.execute("update calls set last_seen = '2000-01-01T00:00:00+00:00'")
    save(store, [call(1)])
    after = store.calls.get("erasmus:T1", DAY)
    assert after["last_seen"] != "2000-01-01T00:00:00+00:00"
    assert {k: v for k, v in before.items() if k != "last_seen"} == {
        k: v for k, v in after.items() if k != "last_seen"}


def test_changes_are_kept_with_old_and_new(store: Store) -> None:
    save(store, [call(1)])
    outcome = save(store, [call(1, deadlines=["2026-10-01"], title="Topic one")])
    assert outcome.changed == 1
    changes = {c["field"]: (c["old"], c["new"]) for c in store.calls.changes("erasmus:T1")}
    assert changes == {"deadlines": ('["2026-09-03"]', '["2026-10-01"]'),
                       "title": ("Topic 1", "Topic one")}
    assert store.calls.get("erasmus:T1", DAY)["deadlines"] == ["2026-10-01"]


def test_a_call_gone_from_its_source_is_kept_and_marked_unseen(store: Store) -> None:
    save(store, [call(1), call(2)])
    outcome = save(store, [call(1)])
    assert outcome.unseen == 1
    gone = store.calls.get("erasmus:T2", DAY)
    assert gone is not None and gone["seen"] is False
    assert [c["id"] for c in store.calls.current(DAY)] == ["erasmus:T1"]
    assert len(store.calls.current(DAY, include_all=True)) == 2
    save(store, [call(1), call(2)])  # back again
    assert store.calls.get("erasmus:T2", DAY)["seen"] is True


def test_an_incomplete_crawl_marks_nothing_unseen(store: Store) -> None:
    save(store, [call(1), call(2)])
    outcome = save(store, [call(1)], complete=False)
    assert outcome.unseen == 0
    assert store.calls.get("erasmus:T2", DAY)["seen"] is True


def test_other_sources_are_not_touched(store: Store) -> None:
    save(store, [call(1)])
    save(store, [call(9, id="novonordisk:x", source="novonordisk")], source="novonordisk")
    assert store.calls.get("erasmus:T1", DAY)["seen"] is True


def test_status_and_next_deadline_are_recomputed_for_the_day(store: Store) -> None:
    save(store, [call(1, deadlines=["2026-05-01", "2026-09-03", "2027-01-26T17:00:00+00:00"])])
    assert store.calls.get("erasmus:T1", DAY)["next_deadline"] == "2026-09-03"
    later = store.calls.get("erasmus:T1", date(2026, 12, 1))
    assert later["next_deadline"] == "2027-01-26T17:00:00+00:00" and later["status"] == "open"
    closed = store.calls.get("erasmus:T1", date(2027, 2, 1))
    assert closed["status"] == "closed" and closed["next_deadline"] is None
    assert store.calls.current(date(2027, 2, 1)) == []


def test_source_results_are_written_in_one_transaction(store: Store) -> None:
    run = store.runs.start("crawl", DAY)
    bad = [call(1), {"id": "erasmus:T2", "source": "erasmus", "title": None, "url": "u"}]
    with pytest.raises(sqlite3.IntegrityError):
        store.calls.save(run, "erasmus", bad, SourceOutcome("erasmus", "ok"), now_iso(),
                          complete=True)
    assert store.counts()["calls"] == 0  # the good call was rolled back with the bad one
    assert store.sources.of_run(run) == []


def test_runs_and_source_health(store: Store) -> None:
    save(store, [call(1)])
    run = store.runs.start("crawl", DAY)
    store.sources.record(run, SourceOutcome("erasmus", "failed", errors=1, message="HTTP 500"),
                        now_iso())
    health = {h["source"]: h for h in store.sources.latest()}
    assert health["erasmus"]["status"] == "failed"
    assert health["erasmus"]["last_ok"] is not None and health["erasmus"]["stored"] == 1
    assert store.runs.recent(1)[0]["status"] == "running"


def test_stable_id() -> None:
    assert stable_id("erasmus", "X-1", "https://a") == "erasmus:X-1"
    assert stable_id("pdj", None, "https://pdjf.dk/a/") == stable_id("pdj", None, "https://PDJF.dk/a#x")


def test_import_records_are_manual_and_never_marked_unseen(store: Store) -> None:
    new, changed = store.calls.import_records([call(5, id="manual:a", source="erasmus")])
    assert (new, changed) == (1, 0)
    save(store, [call(1)])
    assert store.calls.get("manual:a", DAY)["seen"] is True
    assert store.calls.get("manual:a", DAY)["origin"] == "manual"


def test_m003_adds_feedback_signals_and_crawl_costs(store: Store) -> None:
    assert "feedback" in store.db.table_names()
    assert "signals" in store.db.table("calls").columns_dict
    assert {"bytes", "not_modified", "skipped"} <= set(store.db.table("source_runs").columns_dict)


def test_upgrading_a_version_1_database_keeps_its_calls(tmp_path: Path) -> None:
    """A database made before later migrations existed is upgraded in place, calls intact."""
    from sqlite_utils import Database

    from records.store import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m002_digests")  # the schema as the first release had it
    db.table("calls").insert({"id": "erasmus:OLD", "source": "erasmus", "title": "Old",
                              "url": "https://x.eu", "deadlines": '["2027-01-01"]', "seen": 1,
                              "extra": "{}", "keywords": "[]"})
    db.close()
    store = Store(tmp_path / "old.db")
    assert store.calls.get("erasmus:OLD", DAY)["title"] == "Old"
    assert "feedback" in store.db.table_names()
