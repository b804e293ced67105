"""Rendering: Danish and English wording, Babel formats, untrusted text, caps, mail-safe HTML."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest

from digests import (
    Audience,
    Call,
    FieldChange,
    SourceHealth,
    Theme,
    clean_text,
    compose,
    render_archive,
    render_email,
    render_index,
    safe_url,
    subject,
)
from digests.formatting import amount_text, days_left, format_amount, format_deadline
from digests.model import PageChanges
from records.health import Cause

TODAY = date(2027, 1, 11)
THEMES = [Theme("piger_stem", "Piger og STEM"), Theme("informatik", "Informatik")]
GROUP = Audience("Teknologipagt-teamet", ("stem@example.dk",), ("*",))
ARCHIVE = "https://intra.example.dk/fondsradar/2027-W02.html"


def nbsp(text: str) -> str:
    return text.replace("\xa0", " ")


def mk(key: str, **over: Any) -> Call:
    base: dict[str, Any] = {
        "id": f"x:{key}", "title": f"Call {key}", "url": f"https://x.dk/{key}",
        "funder": "Novo Nordisk Fonden", "programme": "Uddannelse", "status": "open",
        "deadlines": ("2027-09-03T12:00:00+00:00",), "next_deadline": "2027-09-03T12:00:00+00:00",
        "amount_max": 6_000_000.0, "currency": "DKK", "scores": {"informatik": 0.5},
        "matched": {"informatik": ("programmering", "teknologiforståelse")},
        "levels": ("grundskole", "lærere"), "groups": ("piger",),
        "first_seen": "2027-01-10T06:00:00+00:00", "changed_at": "2027-01-10T06:00:00+00:00",
    }
    base.update(over)
    return Call(**base)


def full_digest(language: str = "da", calls: list[Call] | None = None) -> Any:
    """A digest with every section filled."""
    calls = calls or [mk("a"), mk("b", next_deadline="2027-01-20", deadlines=("2027-01-20",)),
                      mk("moved", deadlines=("2027-06-01",), next_deadline="2027-06-01"),
                      mk("later", status="forthcoming", opens="2027-02-01",
                         deadlines=("2027-05-01",), next_deadline="2027-05-01"),
                      mk("page", status="watch", first_seen="2026-12-01T00:00:00+00:00",
                         page_changes=PageChanges(("Ny runde åbner",), ("Ingen runder",),
                                                  more=2))]
    changes = [FieldChange("x:moved", "deadlines", '["2027-05-01"]', '["2027-06-01"]',
                           "2027-01-08T06:00:00+00:00"),
               FieldChange("x:moved", "amount_max", "4000000", "6000000",
                           "2027-01-08T06:00:00+00:00")]
    health = [SourceHealth("erasmus", "ok", 12, "2027-01-11T05:40:00+00:00"),
              SourceHealth("novonordisk", "failed", 0, "2027-01-04T05:40:00+00:00",
                           "no calls found", cause="layout")]
    return compose(audience=GROUP, today=TODAY, language=language, themes=THEMES, calls=calls,
                   included={"x:moved"}, since="2027-01-04T07:00:00+00:00", changes=changes,
                   health=health)


# What a failing source's line must say, per cause and language: written here from what each
# cause means (records/health.py), not copied from digests/words.py.
CAUSE_WORDS = {
    Cause.OFFLINE: ("kunne ikke nås", "could not be reached"),
    Cause.UNREACHABLE: ("kunne ikke nås", "could not be reached"),
    Cause.HTTP: ("svarede med fejl", "answered with errors"),
    Cause.REFUSED: ("andre websteder", "other websites"),
    Cause.LAYOUT: ("ingen opslag fundet", "no calls found"),
    Cause.SHELL: ("tom skal", "empty shell"),
    Cause.FIELDS: ("fristerne og beløbene manglede", "the deadlines and the amounts were missing"),
    Cause.DROP: ("langt færre opslag", "far fewer calls"),
    Cause.ERROR: ("hentningen fejlede", "fetching failed"),
}


@pytest.mark.parametrize("cause", [c for c in Cause if c is not Cause.NONE])
@pytest.mark.parametrize("language", ["da", "en"])
def test_every_failure_cause_is_told_in_the_readers_language(cause: Cause,
                                                             language: str) -> None:
    assert set(CAUSE_WORDS) == set(Cause) - {Cause.NONE}  # a new cause needs its words here
    health = [SourceHealth("pdj", "failed", 0, "2027-01-04T05:40:00+00:00", "x", cause=cause,
                           lost=("deadline", "amount"))]
    digest = compose(audience=GROUP, today=TODAY, language=language, themes=THEMES,
                     calls=[mk("a")], included=set(), since=None, changes=[], health=health)
    text = nbsp(render_email(digest, max_per_section=15).text)
    line = next(li for li in text.splitlines() if "Poul Due Jensen" in li)
    expected = CAUSE_WORDS[cause][0 if language == "da" else 1]
    assert expected in line, line
    assert "{" not in line and ("denne uge" in line) == (language == "da")


# ------------------------------------------------------------------------------ formats
@pytest.mark.parametrize("value, language, expected", [
    ("2027-09-03T14:00:00+02:00", "da", "3. september 2027 kl. 14.00"),
    ("2027-09-03T12:00:00+00:00", "da", "3. september 2027 kl. 14.00"),
    ("2027-09-03T17:00:00", "da", "3. september 2027 kl. 17.00"),  # naive = Copenhagen
    ("2027-09-03", "da", "3. september 2027"),
    ("2027-09-03T14:00:00+02:00", "en", "3 September 2027, 14:00"),
])
def test_deadlines_in_copenhagen_time(value: str, language: str, expected: str) -> None:
    assert format_deadline(value, language) == expected


@pytest.mark.parametrize("amount, currency, language, expected", [
    (6_000_000, "DKK", "da", "6 mio. kr."),
    (1_500_000, "DKK", "da", "1,5 mio. kr."),
    (250_000, "DKK", "da", "250.000 kr."),
    (4_000_000, "EUR", "da", "4 mio. €"),
    (250_000, "EUR", "en", "€250,000"),
    (6_000_000, "DKK", "en", "DKK 6M"),
    (1234, None, "da", "1.234"),
    (1000, "XQQ", "da", "1.000 XQQ"),
])
def test_amounts_with_babel(amount: float, currency: str | None, language: str,
                            expected: str) -> None:
    assert nbsp(format_amount(amount, currency, language)) == expected


def test_amount_ranges_and_budgets() -> None:
    assert nbsp(amount_text(60_000, 400_000, None, "EUR", "da")) == "60.000 € – 400.000 €"
    assert nbsp(amount_text(None, 6_000_000, None, "DKK", "da")) == "op til 6 mio. kr."
    assert nbsp(amount_text(None, None, 5e6, "DKK", "da")) == "Samlet budget: 5 mio. kr."
    assert amount_text(None, None, None, None, "da") == ""


@pytest.mark.parametrize("deadline, expected", [
    ("2027-01-11", "i dag"), ("2027-01-12", "i morgen"), ("2027-01-23", "12 dage tilbage"),
    ("2027-01-10", ""), ("2027-01-11T22:30:00+00:00", "i dag"),  # 23.30 in Copenhagen
    ("2027-01-11T23:30:00+00:00", "i morgen"),  # 00.30 the next day in Copenhagen
])
def test_days_left_in_copenhagen_days(deadline: str, expected: str) -> None:
    assert days_left(deadline, TODAY, "da") == expected


# ---------------------------------------------------------------------- untrusted text
@pytest.mark.parametrize("raw, expected", [
    ("Grants <script>alert(1)</script> for schools", "Grants for schools"),
    ("R&amp;D &lt;script&gt;alert(1)&lt;/script&gt; now", "R&D now"),
    ("&amp;lt;b&amp;gt;bold", "bold"),
    ("<b>Piger</b> &amp; STEM&nbsp;2027", "Piger & STEM 2027"),
    ("a <img src=x onerror=alert(1)> b", "a b"),
    ("<style>p{}</style>tekst", "tekst"),
    ("ulukket <script", "ulukket"),
    ("line\u2028break\x00", "linebreak"),
])
def test_clean_text_drops_markup_and_script(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize("url, ok", [
    ("https://x.dk/a?b=1&c=2", True), ("http://x.dk", True), ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False), ("java\tscript:alert(1)", False), ("data:text/html,x", False),
    ("/relative", False), ("https://", False), ('https://x.dk/"onmouseover="x', False),
    ("vbscript:msgbox", False), (None, False),
])
def test_safe_url_keeps_only_http_links(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) == ok


def test_hostile_scraped_text_arrives_escaped_or_dropped_in_both_parts() -> None:
    evil = mk("evil", title="Tilskud <script>alert('x')</script> &amp; mere <b>fed</b>",
              url="javascript:alert(document.cookie)", funder="<iframe src=//evil></iframe>Fond",
              matched={"informatik": ("<img src=x onerror=alert(1)>", "kodning")})
    page = mk("page", status="watch", first_seen="2026-12-01T00:00:00+00:00",
              url="https://ok.dk/?a=<x>",
              page_changes=PageChanges(("<script>steal()</script>Ny runde &amp; mere",), ()))
    digest = compose(audience=GROUP, today=TODAY, language="da", themes=THEMES,
                     calls=[evil, page])
    email = render_email(digest, max_per_section=10, archive_url=ARCHIVE)
    for part in (email.html, email.text, render_archive(digest)):
        low = part.lower()
        assert "<script" not in low and "javascript:" not in low and "<iframe" not in low
        assert "onerror" not in low and "alert(" not in low and "steal(" not in low
    assert "Tilskud &amp; mere fed" in email.html and "Tilskud & mere fed" in email.text
    assert "Ny runde &amp; mere" in email.html and "Ny runde & mere" in email.text
    assert "https://ok.dk/?a=" not in email.text  # a link with markup in it is dropped
    assert "Fond" in email.text and "kodning" in email.text


# ------------------------------------------------------------------------ the email
def test_every_section_in_danish() -> None:
    email = render_email(full_digest(), max_per_section=10, archive_url=ARCHIVE)
    text = nbsp(email.text)
    order = ("LUKKER SNART", "NYE OPSLAG", "ÆNDRINGER", "ÅBNER SENERE", "SIDER VI HOLDER ØJE MED")
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    html_order = ("Lukker snart", "Nye opslag", "Ændringer", "Åbner senere",
                  "Sider vi holder øje med")
    positions = [email.html.index(f">{h}</h2>") for h in html_order]
    assert positions == sorted(positions)
    assert "* [9 dage tilbage] [NY] Call b\n" in text  # days left first, new call marked
    assert text.count("Call b\n") == 1  # listed under "Lukker snart" only
    assert "Frist: 3. september 2027 kl. 14.00 (235 dage tilbage)" in text
    assert "Beløb: op til 6 mio. kr." in text
    assert "Målgruppe: Grundskole, lærere · piger" in text
    assert "Hvorfor: programmering, teknologiforståelse · niveau: grundskole, lærere\n" in text
    assert "Frist: 1. maj 2027 → 1. juni 2027" in text
    assert "Højeste beløb: 4 mio. kr. → 6 mio. kr." in text
    assert "+ Ny runde åbner" in text and "− Ingen runder" in text
    assert "og 2 linjer mere" in text
    upcoming = text.split("ÅBNER SENERE")[1].split("SIDER VI HOLDER")[0]
    assert "Call later" in upcoming and "Åbner: 1. februar 2027" in upcoming
    assert "Call later" not in text.split("ÅBNER SENERE")[0]
    assert "Novo Nordisk Fonden: ingen opslag fundet i denne uge — siden kan have ændret sig" in text
    assert "Erasmus+ (EU Funding & Tenders): 12 opslag, sidst hentet 11. januar 2027" in text
    assert email.subject == ("Fondsradar uge 2: 1 lukker snart, 1 nyt opslag, 1 ændring, "
                             "1 åbner senere, 1 side ændret")


def test_the_summary_bar_links_to_each_section() -> None:
    email = render_email(full_digest(), max_per_section=10, archive_url=ARCHIVE)
    parser = _Tags()
    parser.feed(email.html)
    anchors = [a["href"] for t, a in parser.tags if t == "a" and a["href"].startswith("#")]
    assert anchors == ["#lukker-snart", "#nye", "#aendringer", "#aabner-senere", "#sider"]
    ids = {a.get("id") for _, a in parser.tags}
    assert all(href[1:] in ids for href in anchors)
    assert re.search(r'<a href="#lukker-snart"[^>]*>1 lukker snart</a>', email.html)


def test_why_is_as_readable_as_the_facts() -> None:
    html = render_email(full_digest(), max_per_section=10, archive_url=ARCHIVE).html
    why = re.search(r'<p class="why" style="([^"]*)"', html)
    facts = re.search(r'<p class="facts" style="([^"]*)"', html)
    assert why and facts
    size = re.compile(r"font-size: ?(\d+)px")
    color = re.compile(r"color: ?#([0-9a-f]{6})")
    assert size.search(why.group(1)).group(1) == size.search(facts.group(1)).group(1)  # type: ignore[union-attr]
    assert color.search(why.group(1)).group(1) == "222222"  # type: ignore[union-attr]


@pytest.mark.parametrize("raw, language, expected", [
    ("European Commission", "da", "Europa-Kommissionen"),
    ("European Commission", "en", "European Commission"),
    ("VELUX FONDEN", "da", "Velux Fonden"),
    ("VILLUM  FONDEN", "da", "Villum Fonden"),
    ("Novo Nordisk Foundation", "da", "Novo Nordisk Fonden"),
    ("Novo Nordisk Fonden", "en", "Novo Nordisk Foundation"),
    ("Interreg (EU)", "da", "Interreg (EU)"),  # not listed: as the source wrote it
])
def test_funders_in_the_digests_language(raw: str, language: str, expected: str) -> None:
    digest = compose(audience=GROUP, today=TODAY, language=language, themes=THEMES,
                     calls=[mk("f", funder=raw)])
    text = render_email(digest, max_per_section=10, archive_url=ARCHIVE).text
    assert f"  {expected} · Uddannelse\n" in text


def test_english_by_config() -> None:
    email = render_email(full_digest("en"), max_per_section=10, archive_url=ARCHIVE)
    text = nbsp(email.text)
    for heading in ("CLOSING SOON", "NEW CALLS", "CHANGES", "OPENING LATER", "PAGES WE WATCH"):
        assert heading in text
    assert "Deadline: 3 September 2027, 14:00 (235 days left)" in text
    assert "Amount: up to DKK 6M" in text
    assert "Novo Nordisk Foundation · Uddannelse" in text
    assert "Novo Nordisk Fonden: no calls found this week — the site may have changed" in text
    assert email.subject.startswith("Fondsradar week 2: 1 closing soon, 1 new call")
    assert 'lang="en"' in email.html


def test_the_why_line_names_the_terms_and_the_level_in_the_digests_language() -> None:
    """The terms arrive in the reader's language (the shell asks the matcher's ranking for
    them); the level is named from the matcher's canonical label in either language."""
    eud = mk("eud", matched={"informatik": ("erhvervsuddannelse", "lærling")},
             levels=("eud", "skole"), groups=())
    da = nbsp(render_email(full_digest("da", [eud]), max_per_section=10,
                           archive_url=ARCHIVE).text)
    assert "Hvorfor: erhvervsuddannelse, lærling · niveau: erhvervsuddannelser\n" in da
    en = mk("eud", matched={"informatik": ("vocational", "apprentice")}, levels=("eud",),
            groups=())
    text = nbsp(render_email(full_digest("en", [en]), max_per_section=10,
                             archive_url=ARCHIVE).text)
    assert "Why: vocational, apprentice · level: vocational education (VET)\n" in text


def test_sections_are_capped_with_a_link_to_the_archive() -> None:
    calls = [mk(f"c{i}", scores={"informatik": 0.9 - i / 10}) for i in range(5)]
    digest = compose(audience=GROUP, today=TODAY, language="da", themes=THEMES, calls=calls)
    email = render_email(digest, max_per_section=2, archive_url=ARCHIVE)
    assert email.text.count("\n* ") == 2
    assert f"og 3 flere: {ARCHIVE}#nye-informatik" in email.text
    one_more = render_email(digest, max_per_section=4, archive_url=ARCHIVE)
    assert "og 1 mere:" in one_more.text
    assert f'href="{ARCHIVE}#nye-informatik"' in email.html and "og 3 flere" in email.html
    assert "Call c0" in email.text and "Call c4" not in email.text  # best first
    archive = render_archive(digest)
    assert all(f"Call c{i}" in archive for i in range(5)) and "flere" not in archive


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_is_built_for_mail_clients() -> None:
    html = render_email(full_digest(), max_per_section=10, archive_url=ARCHIVE).html
    parser = _Tags()
    parser.feed(html)
    names = [t for t, _ in parser.tags]
    assert "style" not in names and "img" not in names and "script" not in names
    assert "link" not in names and "@import" not in html and "url(" not in html
    assert "@font-face" not in html
    tables = [a for t, a in parser.tags if t == "table"]
    assert tables and all(a.get("width") for a in tables)
    assert all(a.get("role") == "presentation" for a in tables)
    assert any(a.get("width") == "640" for a in tables)
    styled = [a for t, a in parser.tags if t in ("td", "p", "h2", "a") and a.get("style")]
    assert len(styled) > 20  # CSS inlined into the elements
    assert all(a["href"].startswith(("https://", "http://", "#"))
               for t, a in parser.tags if t == "a")


def test_a_typo_in_a_template_fails_instead_of_mailing_a_blank() -> None:
    from jinja2 import UndefinedError

    from digests.render import environment

    with pytest.raises(UndefinedError):
        environment().from_string("{{ w.no_such_word }}").render(w={})


def test_subject_of_a_test_digest_and_of_an_empty_week() -> None:
    empty = compose(audience=GROUP, today=TODAY, language="da", themes=THEMES, calls=[])
    assert subject(empty, test=True) == "[Test] Fondsradar uge 2: Intet nyt i denne uge"


def test_the_index_lists_weeks_newest_first() -> None:
    html = render_index(["2027-W01", "2027-W02", "2026-W52"], language="da", today=TODAY)
    hrefs = re.findall(r'href="(\d{4}-W\d{2}\.html)"', html)
    assert hrefs == ["2027-W02.html", "2027-W01.html", "2026-W52.html"]
    assert "11. januar 2027 – 17. januar 2027" in nbsp(html)
    assert 'href="fondsradar.ics"' in html and 'href="feed.atom"' in html


def test_the_emails_calendar_attachment_holds_what_the_email_shows() -> None:
    many = [mk(f"n{i}") for i in range(40)]
    digest = full_digest(calls=many)
    assert len(digest.calendar_calls()) == 40
    shown = digest.calendar_calls(max_per_section=10)
    assert len(shown) == 10 and {c.id for c in shown} <= {c.id for c in many}
