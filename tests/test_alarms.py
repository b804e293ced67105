"""Alarms that say what broke (issue 12): a source whose listing yields no calls, whose calls
lost a field they used to have, or whose page turned into an empty script shell is unhealthy,
with a plain reason in `status`, `status --json` and the digest, and exit code 3; a field that
vanished keeps its last good value, marked as not confirmed.

Each scenario crawls a modelled layout (tests/sites/layouts/novonordisk/cards) on loopback with
the real `fondsradar crawl` (a child process, as staff run it): a good week, then the same site
broken in place (the server's overrides), then, where it matters, repaired.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from crawler.health import (
    Baseline,
    FieldStats,
    assess,
    field_stats,
    keep_last_good,
    lost_fields,
    when,
)
from crawler.shells import is_script_shell
from records.store import Store
from tests.sites.server import ROOT, SITES, crawl, serve, stored, toml_list, write_config

SITE = "layouts/novonordisk/cards"
PAGES = SITES / SITE / "en" / "grant"
SLUGS = ("science-education-project-grants-2027", "teacher-networks-stem-2027",
         "outdoor-science-learning-2026")
WEEK_1, WEEK_2, WEEK_3 = "2027-01-04", "2027-01-11", "2027-01-18"
SHELL = ('<!DOCTYPE html><html><head><title>Grants</title><script src="/static/app.js">'
         '</script></head><body><div id="root"></div><noscript>Enable JavaScript</noscript>'
         '</body></html>')


def status_json(config: Path) -> dict[str, dict]:
    out = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config), "status",
                          "--json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return {row["source"]: row for row in json.loads(out.stdout)}


def listing_changed() -> str:
    """The listing with every card's text reworded, so each call page is fetched again."""
    html = (PAGES / "index.html").read_text(encoding="utf-8")
    return html.replace("</p></article>", " Updated.</p></article>")


def without_deadline(slug: str) -> str:
    """A call page whose deadline moved into a widget a script fills: the label stays, the
    value is gone."""
    html = (PAGES / slug / "index.html").read_text(encoding="utf-8")
    return re.sub(r"<dt>Application deadline</dt><dd>[^<]*</dd>",
                  '<dt>Application deadline</dt><dd><span class="js-date"></span></dd>', html)


def lose_deadlines(site) -> None:
    """Break the site in place: every call page loses its deadline, the listing is reworded."""
    site.overrides["/en/grant/"] = listing_changed()
    for slug in SLUGS:
        site.overrides[f"/en/grant/{slug}/"] = without_deadline(slug)


def good_week(tmp_path: Path, site) -> Path:
    config = write_config(tmp_path, "[sources.novonordisk]\nstart_urls = "
                          + toml_list([site.url("/en/grant/")]))
    first = crawl(config, "novonordisk", today=WEEK_1)
    assert first.returncode == 0, first.stdout + first.stderr
    row = status_json(config)["novonordisk"]
    assert row["healthy"] and row["calls"] == 3 and row["fields"]["deadline"] == 1.0
    return config


def test_lost_field_is_an_alarm_and_keeps_the_last_good_values(tmp_path: Path) -> None:
    with serve(SITE) as site:
        config = good_week(tmp_path, site)
        lose_deadlines(site)
        broken = crawl(config, "novonordisk", today=WEEK_2)
        assert broken.returncode == 3, broken.stdout + broken.stderr
        row = status_json(config)["novonordisk"]
        assert not row["healthy"] and row["calls"] == 3 and row["cause"] == "fields"
        assert row["fields"]["deadline"] == 0.0 and row["fields"]["amount"] == 1.0
        assert row["problems"] == ["3 calls found, but none has a deadline — last week 3 of 3 "
                                   "did; the page layout may have changed"]
        text = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                               "status"], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert "none has a deadline" in text.stdout and "FAILING" in text.stdout
        # the stored calls keep their deadlines, marked as not confirmed this week
        calls = stored(config, WEEK_2)
        science = calls["Science Education Project Grants 2027"]
        assert science["deadlines"] == ["2027-03-04T14:00:00+01:00"]
        assert science["extra"]["not_confirmed"] == {"deadline": science["last_seen"][:10]}
        closed = calls["Outdoor Science Learning 2026"]
        assert closed["deadlines"] == ["2026-10-01"] and closed["status"] == "closed"
        store = Store(config.parent / "fondsradar.db")
        try:  # no change of deadline or status is announced because of a broken page
            changed = {c["field"] for r in calls.values() for c in store.calls.changes(r["id"])}
        finally:
            store.close()
        assert not changed & {"deadlines", "status", "amount_min", "amount_max"}, changed
        # the digest's source-health section says what broke, in Danish
        digest = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                                 "--today", WEEK_2, "digest", "--out", str(tmp_path / "out")],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert digest.returncode == 0, digest.stderr
        page = (tmp_path / "out" / "2027-W02.html").read_text(encoding="utf-8")
        assert "men fristerne manglede i denne uge" in page
        # repaired: healthy again, the marks are gone
        site.overrides.clear()
        repaired = crawl(config, "novonordisk", today=WEEK_3)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert status_json(config)["novonordisk"]["healthy"]
        science = stored(config, WEEK_3)["Science Education Project Grants 2027"]
        assert "not_confirmed" not in science["extra"]


def test_no_calls_is_an_alarm_and_keeps_the_stored_calls(tmp_path: Path) -> None:
    with serve(SITE) as site:
        config = good_week(tmp_path, site)
        site.overrides["/en/grant/"] = ("<html><body><main><h1>Grants</h1><p>We are updating "
                                        "this page. Please come back soon to read about our "
                                        "grants for science education.</p></main></body></html>")
        broken = crawl(config, "novonordisk", today=WEEK_2)
        assert broken.returncode == 3, broken.stdout + broken.stderr
        row = status_json(config)["novonordisk"]
        assert not row["healthy"] and row["calls"] == 0 and row["cause"] == "layout"
        assert any("no calls found" in p for p in row["problems"])
        assert row["fields"] == {"deadline": None, "amount": None, "opening": None,
                                 "description": None}
        calls = stored(config, WEEK_2)
        assert len(calls) == 3 and all(c["seen"] and c["deadlines"] for c in calls.values())


def test_script_shell_is_an_alarm_that_says_so(tmp_path: Path) -> None:
    with serve(SITE) as site:
        config = good_week(tmp_path, site)
        site.overrides["/en/grant/"] = SHELL
        broken = crawl(config, "novonordisk", today=WEEK_2)
        assert broken.returncode == 3, broken.stdout + broken.stderr
        assert "empty shell" in broken.stdout
        row = status_json(config)["novonordisk"]
        assert not row["healthy"] and row["cause"] == "shell"
        assert row["problems"][0].startswith(
            "a page is now an empty shell that a script fills in the browser, so there is no "
            f"text to read ({site.url('/en/grant/')})")
        assert len(stored(config, WEEK_2)) == 3


def test_run_exits_3_when_a_field_is_lost(tmp_path: Path) -> None:
    with serve(SITE) as site:
        config = good_week(tmp_path, site)
        lose_deadlines(site)
        run = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                              "--today", WEEK_2, "run", "--no-send"], capture_output=True,
                             text=True, cwd=ROOT, timeout=180)
        assert run.returncode == 3, run.stdout + run.stderr
        assert "none has a deadline" in run.stdout


# ---------------------------------------------------------------------- the pure functions
def stats(calls: int, **have: int) -> FieldStats:
    return FieldStats(calls, {"deadline": 0, "amount": 0, "opening": 0, "description": 0,
                              **have})


def test_lost_fields_words_and_thresholds() -> None:
    before = stats(8, deadline=8, amount=8, opening=2, description=8)
    assert lost_fields(stats(8, deadline=0, amount=8, description=8), before, "last week") == [
        ("deadline", "8 calls found, but none has a deadline — last week 8 of 8 did; the page "
                     "layout may have changed")]
    [(name, text)] = lost_fields(stats(8, deadline=8, amount=2, description=8), before)
    assert name == "amount" and text.startswith("8 calls found, but only 2 have an amount")
    # a field few calls had (opening 2 of 8) is not watched; a small dip is no alarm
    assert lost_fields(stats(8, deadline=6, amount=8, description=8), before) == []
    # a lone call's fields change with the call (an Interreg round, a prize): not compared
    assert lost_fields(stats(1, deadline=0, amount=1, description=1),
                       stats(1, deadline=1, amount=1, description=1)) == []
    assert lost_fields(stats(2, amount=2), stats(2, deadline=2, amount=2))[0][1].startswith(
        "2 calls found, but none has a deadline")
    assert lost_fields(stats(0), before) == []  # no calls at all is its own problem


def test_field_stats_count_calls_not_watched_pages() -> None:
    items = [{"status": "open", "deadlines": ["2027-03-04"], "amount_max": 5.0, "opens": None,
              "description": "x"},
             {"status": "rolling", "deadlines": [], "amount_min": 1.0, "description": ""},
             {"status": "watch", "deadlines": [], "description": "page text"}]
    got = field_stats(items)
    assert got.calls == 2 and got.shares() == {"deadline": 0.5, "amount": 1.0, "opening": 0.0,
                                               "description": 0.5}
    assert FieldStats.from_json(got.to_json(["deadline"])) == got
    assert FieldStats.from_json("not json") is None and FieldStats.from_json(None) is None


def test_assess_fails_a_source_that_lost_a_field_and_names_the_cause() -> None:
    base = Baseline(3, stats(3, deadline=3, amount=3, description=3), date(2027, 1, 4))
    verdict = assess({}, "finished", 3, 3, fields=stats(3, amount=3, description=3),
                     baseline=base, today=date(2027, 1, 11))
    assert verdict.status == "failed" and verdict.cause == "fields"
    assert verdict.lost == ("deadline",) and "last week 3 of 3 did" in verdict.message
    fine = assess({}, "finished", 3, 3, fields=stats(3, deadline=3, amount=3, description=3),
                  baseline=base, today=date(2027, 1, 11))
    assert fine.status == "ok"
    shell = assess({"fondsradar/script_shell": ["https://x.dk/"]}, "finished", 0)
    assert shell.cause == "shell" and "empty shell" in shell.problems[0]
    assert when(date(2027, 1, 4), date(2027, 1, 11)) == "last week"
    assert when(date(2026, 12, 1), date(2027, 1, 11)) == "on 2026-12-01"


def test_keep_last_good_takes_back_lost_fields_only() -> None:
    stored_calls = {"a": {"id": "a", "status": "closed", "deadlines": ["2027-03-04"],
                          "amount_max": 9.0,
                          "amount_min": None, "currency": "DKK", "description": "old",
                          "opens": None, "last_seen": "2027-01-04T06:00:00+00:00",
                          "extra": {}}}
    items = [{"id": "a", "status": "open", "deadlines": [], "amount_max": 5.0, "amount_min": None,
              "currency": "DKK", "description": "new", "opens": None, "extra": {"k": 1}},
             {"id": "b", "deadlines": [], "extra": {}}]
    [a, b] = keep_last_good(items, stored_calls, date(2027, 1, 11))
    assert a["deadlines"] == ["2027-03-04"] and a["amount_max"] == 5.0
    assert a["status"] == "closed"  # decided from the deadline the page lost: kept with it
    assert a["description"] == "new"
    assert a["extra"] == {"k": 1, "not_confirmed": {"deadline": "2027-01-04"}}
    assert b == items[1]


def test_script_shell_pages() -> None:
    assert is_script_shell(SHELL)
    assert not is_script_shell("<html><body><p>" + "Calls and grants. " * 20 + "</p>"
                               "<script>x()</script></body></html>")
    assert not is_script_shell("<html><body><p>Short page, no scripts.</p></body></html>")
