"""The Monday email as a reader meets it (issue 14): the right cause when every source failed,
a first email that Gmail does not clip, and a Date: that agrees with the digest's day."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from digests.formatting import COPENHAGEN
from digests.render import CLIP_BYTES
from fondsradar import job
from tests.test_digest_support import CALLS, TODAY, WEEK, call, make_config, save, week_store

OFFLINE = "the site could not be reached: its name was not found; no calls found"
GMAIL_CLIPS_AT = 102 * 1024


def _parts(eml: Path) -> tuple[email.message.EmailMessage, str, str]:
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return msg, text, html


def test_a_week_where_every_source_failed_names_the_network(tmp_path: Path) -> None:
    store = week_store(tmp_path, failing=False)
    for source in ("novonordisk", "interreg", "pdj", "erasmus"):
        save(store, source, [], status="failed", message=OFFLINE, cause="offline")
    cfg = make_config(tmp_path)
    [report] = job.deliver(cfg, store, TODAY, send=False).reports
    assert report.eml is not None
    _, text, html = _parts(report.eml)
    health = text.split("-- Kilder --")[1]
    for name in ("Novo Nordisk Fonden", "Interreg", "Poul Due Jensens Fond",
                 "Erasmus+ (EU Funding & Tenders)"):
        assert f"! {name}: siden kunne ikke nås i denne uge" in health
    assert "kan have ændret sig" not in text and "kan have ændret sig" not in html
    assert "Ingen af kilderne kunne nås i denne uge" in text
    assert "Ingen af kilderne kunne nås i denne uge" in html
    # what was stored before is still listed, so the week is not empty
    assert "Piger og programmering" in text


def test_one_source_without_calls_still_says_the_page_may_have_changed(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    [report] = job.deliver(cfg, week_store(tmp_path), TODAY, send=False).reports
    assert report.eml is not None
    _, text, _ = _parts(report.eml)
    assert "Poul Due Jensens Fond: ingen opslag fundet i denne uge — siden kan have ændret sig" \
        in text
    assert "Ingen af kilderne kunne nås" not in text


def test_a_groups_first_email_stays_under_gmails_clipping_size(tmp_path: Path) -> None:
    many = [call(f"kodning-{i}", f"Programmering og teknologiforståelse for piger, runde {i}",
                 "Kodeklubber, programmering og teknologiforståelse for piger i grundskolen. "
                 * 4, deadlines=[f"2027-{3 + i % 9:02d}-{1 + i % 27:02d}"])
            for i in range(400)]
    store = week_store(tmp_path)
    save(store, "novonordisk", [*CALLS, *many])
    cfg = make_config(tmp_path, max_per_section=200)
    [report] = job.deliver(cfg, store, TODAY, send=False).reports
    assert report.eml is not None
    msg, text, html = _parts(report.eml)
    html_part = msg.get_body(("html",))
    assert html_part is not None and html_part["Content-Transfer-Encoding"] == "quoted-printable"
    wire = len(html_part.get_payload().encode("ascii"))  # as sent, not decoded
    assert wire <= CLIP_BYTES + 2_000 and CLIP_BYTES < GMAIL_CLIPS_AT
    archive = (tmp_path / "out" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert all(f"runde {i}<" in archive for i in range(400))  # the archive has every call
    shown = len(re.findall(r"runde \d+<", html))
    assert 0 < shown < 400
    more = re.search(r"og (\d+) flere", html)
    assert more and f"{WEEK}.html#" in html
    assert "-- Kilder --" in text and "Kilder" in html  # the end of the email survives
    # the .ics attachment holds what the email shows, not all 400
    ics = next(p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar")
    assert ics.get_content().count("BEGIN:VEVENT") < 400


def test_the_date_header_is_on_the_digests_day() -> None:
    now = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    dated = job.message_date(TODAY, now)
    assert dated.date() == TODAY and dated.tzinfo is COPENHAGEN
    assert (dated.hour, dated.minute) == (15, 30)  # now's time of day, Copenhagen
    assert job.message_date(now.astimezone(COPENHAGEN).date(), now) == now


def test_the_emails_date_agrees_with_the_digest(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    [report] = job.deliver(cfg, week_store(tmp_path), TODAY, send=False).reports
    assert report.eml is not None
    msg, text, _ = _parts(report.eml)
    sent = parsedate_to_datetime(msg["Date"]).astimezone(COPENHAGEN)
    assert sent.date() == TODAY
    assert "mandag 11. januar 2027" in text


def test_the_calendar_and_the_feed_name_funders_like_the_email() -> None:
    from digests import Call, Entry, Theme, build_calendar, build_feed

    velux = Call(id="villum_velux:x", title="A healthy ocean", url="https://veluxfonden.dk/x",
                 funder="VELUX FONDEN", deadlines=("2027-02-25",), next_deadline="2027-02-25",
                 first_seen="2027-01-10T06:00:00+00:00")
    now = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)
    ics = build_calendar([velux], language="da", today=TODAY, now=now).decode("utf-8")
    assert "Velux Fonden" in ics and "VELUX FONDEN" not in ics
    feed = build_feed([Entry(velux, Theme("b", "Bæredygtighed"), 0.5, ("hav",))],
                      language="da", now=now).decode("utf-8")
    assert "<name>Velux Fonden</name>" in feed and "VELUX FONDEN" not in feed
