"""The files every run writes beside the email, from a real store: the week's archive page,
the index of weeks, the subscribable calendar and the Atom feed."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import feedparser
from icalendar import Calendar

from fondsradar import job
from tests.test_digest_support import CALLS, TODAY, WEEK, make_config, save, week_store


def events(path: Path) -> dict[str, dict[str, object]]:
    cal = Calendar.from_ical(path.read_bytes())
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["VERSION"]) == "2.0"
    return {str(e["UID"]): {"start": e.decoded("DTSTART"), "sequence": int(e.get("SEQUENCE", 0)),
                            "summary": str(e["SUMMARY"]), "url": str(e.get("URL", "")),
                            "organizer": str(e.get("ORGANIZER", "")),
                            "transp": str(e.get("TRANSP", ""))}
            for e in cal.walk("VEVENT")}


def test_a_run_writes_the_archive_page_index_calendar_and_feed(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    files = job.write_digest(cfg, week_store(tmp_path), TODAY)
    out = tmp_path / "out"
    names = {p.relative_to(out).as_posix() for p in files}
    assert names == {f"{WEEK}.html", "index.html", "fondsradar.ics", "feed.atom",
                     f"mail/{WEEK}-teknologipagt-teamet.eml"}
    page = (out / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "Piger og programmering" in page and "Nye opslag" in page
    assert 'href="index.html"' in page and 'href="fondsradar.ics"' in page
    assert f'href="{WEEK}.html"' in (out / "index.html").read_text(encoding="utf-8")
    for name in (f"{WEEK}.html", "index.html", "fondsradar.ics", "feed.atom"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644  # readable by a web server
    assert stat.S_IMODE((out / "mail" / f"{WEEK}-teknologipagt-teamet.eml").stat().st_mode) == 0o600
    assert not list(out.glob(".*.tmp"))  # written atomically, nothing left over


def test_the_calendar_has_one_event_per_open_deadline(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    job.write_digest(cfg, week_store(tmp_path), TODAY)
    found = events(tmp_path / "out" / "fondsradar.ics")
    expected = sum(len(c["deadlines"]) for c in CALLS)
    assert len(found) == expected
    green = found["novonordisk:groen-eud#deadline-2@fondsradar"]
    assert green["start"].isoformat() == "2027-06-01T10:00:00+00:00"  # 12.00 CEST, in UTC
    assert green["summary"] == "Frist 2 af 2: Grøn omstilling i erhvervsuddannelserne"
    assert green["organizer"] == "mailto:fondsradar@localhost"  # iTIP PUBLISH wants one
    assert green["transp"] == "TRANSPARENT"  # a deadline does not make anyone busy
    teachers = found["novonordisk:laerere-teknologi#deadline-1@fondsradar"]
    assert teachers["start"].isoformat() == "2027-01-20"  # a date: an all-day event
    hostile = found["novonordisk:hostile#deadline-1@fondsradar"]
    assert "<script" not in str(hostile["summary"]) and hostile["url"] == ""


def test_a_moved_deadline_keeps_its_uid_and_raises_the_sequence(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    store = week_store(tmp_path)
    job.write_digest(cfg, store, TODAY)
    uid = "novonordisk:piger-kodning#deadline-1@fondsradar"
    before = events(tmp_path / "out" / "fondsradar.ics")[uid]
    moved = [dict(c, deadlines=["2027-10-01T14:00:00+02:00"]) if c["id"].endswith("kodning")
             else c for c in CALLS]
    save(store, "novonordisk", moved)
    job.write_digest(cfg, store, TODAY)
    after = events(tmp_path / "out" / "fondsradar.ics")[uid]
    assert after["sequence"] == int(before["sequence"]) + 1  # type: ignore[call-overload]
    assert after["start"].isoformat() == "2027-10-01T12:00:00+00:00"
    save(store, "novonordisk", [dict(c, deadlines=["2027-10-08"]) if c["id"].endswith("kodning")
                                else c for c in CALLS])
    job.write_digest(cfg, store, TODAY)
    assert events(tmp_path / "out" / "fondsradar.ics")[uid]["sequence"] == 2


def test_passed_deadlines_leave_the_calendar(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    store = week_store(tmp_path)
    later = TODAY + timedelta(days=40)  # the first green deadline (15 February) has passed
    job.write_digest(cfg, store, later)
    found = events(tmp_path / "out" / "fondsradar.ics")
    assert "novonordisk:groen-eud#deadline-1@fondsradar" not in found
    assert "novonordisk:groen-eud#deadline-2@fondsradar" in found  # same UID as before


def test_the_feed_parses_and_escapes(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    job.write_digest(cfg, week_store(tmp_path), TODAY)
    raw = (tmp_path / "out" / "feed.atom").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "Fondsradar: nye fondsopslag"
    titles = {e.title: e for e in feed.entries}
    assert "Efteruddannelse af lærere i teknologiforståelse" in titles
    entry = titles["Efteruddannelse af lærere i teknologiforståelse"]
    assert entry.link == "https://novonordiskfonden.dk/da/opslag/laerere-teknologi"
    assert entry.id.startswith("tag:fondsradar,2026:calls:novonordisk:")
    assert "Frist: 20. januar 2027" in entry.summary
    assert "interreg:oks-calls" not in raw.decode()  # a watched page is not a call
    assert b"<script" not in raw and b"javascript:" not in raw
    hostile = next(e for e in feed.entries if e.title.startswith("Makerspaces"))
    assert hostile.title == "Makerspaces for kreative piger & drenge"
    assert not hostile.get("links")  # its javascript: link was dropped


def test_the_archive_shows_as_new_only_what_earlier_weeks_did_not(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    store = week_store(tmp_path)
    job.write_digest(cfg, store, TODAY)
    job.write_digest(cfg, store, TODAY)  # the same week again: the same page
    first = (tmp_path / "out" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "Piger og programmering" in first.split('id="nye"')[1].split("<h2")[0]
    save(store, "novonordisk", [*CALLS, {**CALLS[0], "id": "novonordisk:ny",
                                         "title": "Ny kodeklub for piger i gymnasiet"}])
    job.write_digest(cfg, store, TODAY + timedelta(days=7))
    second = (tmp_path / "out" / "2027-W03.html").read_text(encoding="utf-8")
    new_section = second.split('id="nye"')[1].split("<h2")[0]
    assert "Ny kodeklub for piger" in new_section
    assert "Piger og programmering" not in new_section
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert index.index("2027-W03.html") < index.index("2027-W02.html")
