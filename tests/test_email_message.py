"""The Monday email as it arrives at a real SMTP server on 127.0.0.1: its MIME structure,
headers, both texts and the calendar attachment, one message per group."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from icalendar import Calendar

from digests import RetryPolicy
from fondsradar import job
from records.store import Store
from tests.test_digest_support import (
    CALLS,
    TODAY,
    WEEK,
    SmtpServer,
    make_config,
    save,
    week_store,
)

FAST = RetryPolicy(attempts=3, backoff_s=0.01)


def parts(msg: EmailMessage) -> tuple[str, str, EmailMessage]:
    """(text, html, calendar part) after checking the structure."""
    assert msg.get_content_type() == "multipart/mixed"
    top = list(msg.iter_parts())
    assert [p.get_content_type() for p in top] == ["multipart/alternative", "text/calendar"]
    alternative = list(top[0].iter_parts())
    assert [p.get_content_type() for p in alternative] == ["text/plain", "text/html"]
    return alternative[0].get_content(), alternative[1].get_content(), top[1]


def test_the_digest_arrives_complete(tmp_path: Path) -> None:
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port)
        delivery = job.deliver(cfg, week_store(tmp_path), TODAY, send=True, retry=FAST)
    [report] = delivery.reports
    assert report.status == "sent", report.detail
    [got] = server.received
    assert got.rcpt_tos == ["stem@example.dk"] and got.mail_from == "fondsradar@example.dk"
    msg = got.message
    assert msg["From"] == "Fondsradar <fondsradar@example.dk>" and msg["To"] == "stem@example.dk"
    assert msg["Subject"] == ("Fondsradar uge 2: 1 lukker snart, 3 nye opslag, 1 side ændret")
    assert re.fullmatch(r"<[^<>@\s]+@example\.dk>", msg["Message-ID"])
    assert msg["Message-ID"] == report.message_id
    assert isinstance(parsedate_to_datetime(msg["Date"]), datetime)
    assert msg["List-Id"].endswith("<teknologipagt-teamet.fondsradar.example.dk>")
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Content-Language"] == "da"
    assert report.size == len(got.raw)  # the size on the wire (CRLF line ends)

    text, html, ics = parts(msg)
    for title in ("Piger og programmering: kodeklubber for piger i grundskolen",
                  "Efteruddannelse af lærere i teknologiforståelse",
                  "Grøn omstilling i erhvervsuddannelserne"):
        assert title in text and title in html
    assert "Lukker snart" in html and "LUKKER SNART" in text
    assert "Interreg ÖKS: aktuelle opslag" in text and "+ Ny runde åbner 1. marts 2027 &" in text
    assert "Poul Due Jensens Fond: ingen opslag fundet i denne uge" in text
    assert '<a class="call-link" href="https://novonordiskfonden.dk/da/opslag/piger-kodning"' in html \
        or 'href="https://novonordiskfonden.dk/da/opslag/piger-kodning"' in html

    # scraped <script>, javascript: links and entities: escaped or dropped in both parts
    for body in (text, html):
        assert "<script" not in body.lower() and "javascript:" not in body.lower()
        assert "onerror" not in body and "alert(" not in body
    assert "Makerspaces for kreative piger & drenge" in text
    assert "Makerspaces for kreative piger &amp; drenge" in html

    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH" and ics.get_filename() == f"fondsradar-{WEEK}.ics"
    assert ics.get_content_disposition() == "attachment"
    cal = Calendar.from_ical(ics.get_content())
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert "novonordisk:laerere-teknologi#deadline-1@fondsradar" in uids
    assert "novonordisk:groen-eud#deadline-2@fondsradar" in uids
    assert all("interreg" not in uid for uid in uids)

    eml = tmp_path / "out" / "mail" / f"{WEEK}-teknologipagt-teamet.eml"
    assert report.eml == eml and eml.exists()


def test_one_message_per_group_never_one_per_theme(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", CALLS)
    groups = [
        {"name": "Hele teamet", "emails": ["a@example.dk", "b@example.dk"], "themes": ["*"]},
        {"name": "Piger og STEM-gruppen", "emails": ["piger@example.dk"],
         "themes": ["piger_stem"]},
        {"name": "Sproggruppen", "emails": ["sprog@example.dk"], "themes": ["sprog"]},
    ]
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port, groups=groups)
        delivery = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    status = {r.group: r.status for r in delivery.reports}
    assert status == {"Hele teamet": "sent", "Piger og STEM-gruppen": "sent",
                      "Sproggruppen": "nothing"}
    assert sorted(tuple(m.rcpt_tos) for m in server.received) == [
        ("a@example.dk", "b@example.dk"), ("piger@example.dk",)]
    everyone = next(m for m in server.received if len(m.rcpt_tos) == 2).message
    girls = next(m for m in server.received if m.rcpt_tos == ["piger@example.dk"]).message
    text_all, _, _ = parts(everyone)
    text_girls = girls.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text_all.count("Piger og programmering") >= 1
    assert "Piger og programmering" in text_girls
    assert "Efteruddannelse af lærere" not in text_girls  # not one of this group's themes
    assert "Grøn omstilling" not in text_girls
    assert girls["List-Id"].endswith("<piger-og-stem-gruppen.fondsradar.example.dk>")
    assert everyone["Message-ID"] != girls["Message-ID"]


def test_english_by_config(tmp_path: Path) -> None:
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port, language="en")
        job.deliver(cfg, week_store(tmp_path), TODAY, send=True, retry=FAST)
    msg = server.received[0].message
    text, html, _ = parts(msg)
    assert msg["Subject"].startswith("Fondsradar week 2: 1 closing soon, 3 new calls")
    assert msg["Content-Language"] == "en" and 'lang="en"' in html
    assert "NEW CALLS" in text and "* [9 days left] [NEW] Efteruddannelse af lærere" in text
    assert "Deadline: 20 January 2027\r\n" in text
    assert "Poul Due Jensens Fond: no calls found this week — the site may have changed" in text


def test_the_cap_links_the_rest_to_the_archive_page(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    many = [dict(CALLS[0], id=f"novonordisk:kode-{i}", title=f"Kodeklub for piger nr. {i}")
            for i in range(5)]
    save(store, "novonordisk", many)
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port, max_per_section=2)
        job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    text, html, _ = parts(server.received[0].message)
    archive = (tmp_path / "out" / f"{WEEK}.html").resolve().as_uri()
    more = re.search(r"og (\d+) flere: (\S+)", text)
    assert more and int(more.group(1)) >= 1 and more.group(2).startswith(archive + "#nye-")
    assert f'href="{more.group(2)}"' in html
    page = (tmp_path / "out" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert all(f"Kodeklub for piger nr. {i}" in page for i in range(5))
