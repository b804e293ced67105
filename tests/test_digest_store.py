"""The store's digest records (migration m002_digests) on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from records.store import Store
from tests.test_digest_support import CALLS, save

GROUP = "Teknologipagt-teamet"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite")


def claim(store: Store, week: str = "2027-W02", **kw: object) -> dict | None:
    return store.digests.claim("email", GROUP, week, message_id=f"<{week}@x>",
                                   subject="s", recipients=["a@example.dk"], **kw)  # type: ignore[arg-type]


def test_m002_is_applied_after_m001_and_safe_to_rerun(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite").close()
    again = Store(tmp_path / "db.sqlite")
    names = [r[0] for r in again.db.execute("select name from _sqlite_migrations")]
    assert names[:2] == ["m001_initial", "m002_digests"]
    assert {"digest_sends", "digest_items"} <= set(again.db.table_names())


def test_a_digest_is_claimed_once_and_its_calls_recorded_only_when_sent(store: Store) -> None:
    row = claim(store)
    assert row and row["status"] == "sending" and row["message_id"] == "<2027-W02@x>"
    assert claim(store) is None  # another run cannot take it while it is being sent
    store.digests.finish(row["id"], status="pending", attempts=3, error="451",
                             call_ids={"new": ["a", "b"]})
    assert store.digests.included("email", GROUP, "2027-W03") == set()  # not sent: not included
    again = store.digests.claim("email", GROUP, "2027-W02", message_id="<other@x>",
                                    subject="s", recipients=[])
    assert again and again["message_id"] == "<2027-W02@x>"  # the first id is kept
    store.digests.finish(again["id"], status="sent", attempts=1,
                             call_ids={"new": ["a", "b"], "closing": ["a"]})
    row = store.digests.get("email", GROUP, "2027-W02")
    assert row and (row["status"], row["attempts"]) == ("sent", 4) and row["sent_at"]
    assert claim(store) is None  # sent: never again
    assert store.digests.included("email", GROUP, "2027-W03") == {"a", "b"}
    assert store.digests.included("email", GROUP, "2027-W02") == set()  # earlier weeks only
    assert store.digests.last_sent("email", GROUP, "2027-W03") == row["sent_at"]
    assert store.digests.included("email", "Another group", "2027-W03") == set()


def test_a_claim_left_by_a_dead_run_is_taken_over(store: Store) -> None:
    assert claim(store)
    old = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0).isoformat()
    store.db.execute("update digest_sends set claimed_at = ?", [old])
    store.db.conn.commit()
    assert claim(store) is not None


def test_unsent_earlier_weeks_are_superseded(store: Store) -> None:
    row = claim(store, "2027-W01")
    assert row
    store.digests.finish(row["id"], status="failed", attempts=1, error="554")
    assert store.digests.supersede("email", GROUP, "2027-W02") == 1
    assert store.digests.get("email", GROUP, "2027-W01")["status"] == "superseded"  # type: ignore[index]


def test_the_archive_record_is_replaced_each_run(store: Store) -> None:
    store.digests.record_archive("2027-W02", {"new": ["a", "b"]})
    store.digests.record_archive("2027-W02", {"new": ["c"]})
    assert store.digests.included("archive", "", "2027-W03") == {"c"}
    assert store.digests.get("archive", "", "2027-W02")["attempts"] == 2  # type: ignore[index]


def test_deadline_moves_and_changes_since(store: Store) -> None:
    save(store, "novonordisk", CALLS)
    first = datetime.now(UTC).replace(microsecond=0).isoformat()
    moved = [dict(c, deadlines=["2027-12-01"], amount_max=7_000_000) if i == 0 else c
             for i, c in enumerate(CALLS)]
    save(store, "novonordisk", moved)
    assert store.calls.deadline_moves() == {CALLS[0]["id"]: 1}
    fields = [r["field"] for r in store.calls.changes_since(None, ["deadlines", "amount_max"])]
    assert sorted(fields) == ["amount_max", "deadlines"]
    assert store.calls.changes_since("9999", ["deadlines"]) == []
    assert len(store.calls.changes_since(first[:10], ["deadlines"])) == 1


def test_unknown_status_is_refused(store: Store) -> None:
    row = claim(store)
    assert row
    with pytest.raises(ValueError):
        store.digests.finish(row["id"], status="done", attempts=1)
