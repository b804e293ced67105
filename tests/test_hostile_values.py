"""Impossible values and hostile import files: bounded where they enter, never fatal later.

A deadline of 9999-12-31, an amount of 10^50 or 1e308, NaN, a time at the calendar's edge:
from a page or an import file they are dropped with a warning (records.bounds, one rule);
already in an old store, they are shown plainly or left out, and the digest still goes out
(received by a real SMTP server on loopback).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.health import assess
from fondsradar.cli import cli
from records.bounds import amount_problem, bound_record, date_problem, strip_controls
from records.store import Store
from tests.conftest import fondsradar
from tests.conftest import write_config as project_config
from tests.sites.server import TODAY, toml_list, write_config
from tests.support.hostile import call_page, hostile_site, listing
from tests.test_digest_support import SmtpServer

ODD_DATES = ["9999-12-31", "9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+01:00",
             "0001-01-01", "1900-05-01", "2101-01-01"]
ODD_AMOUNTS = [1e308, 10**50, float("nan"), float("inf"), -5.0, 1e12]


# ---------------------------------------------------------------------------- the one rule
def test_the_bound_rule() -> None:
    for value in ODD_DATES + [20270301, None, ["2027-03-01"], "1. maj 2027"]:
        assert date_problem(value), value
    for value in ("1990-01-01", "2100-12-31", "2027-03-05T12:00:00+01:00", "2027-03-05T12:00"):
        assert date_problem(value) is None, value
    for value in ODD_AMOUNTS + ["5000", True, None, 10**400]:
        assert amount_problem(value), value
    for value in (0, 1, 6_000_000, 2.5e9, 100_000_000_000):
        assert amount_problem(value) is None, value
    record = {"opens": "0001-01-01T00:00:00+01:00", "amount_max": 1e308, "amount_min": 5,
              "deadlines": ["2027-03-05", "9999-12-31"], "budget_total": float("nan")}
    warnings = bound_record(record)
    assert record == {"opens": None, "amount_max": None, "amount_min": 5,
                      "deadlines": ["2027-03-05"], "budget_total": None}
    assert len(warnings) == 4 and any("9999-12-31" in w for w in warnings)


def test_control_characters_are_stripped() -> None:
    title = "Pulje\x1b]8;;http://evil\x07 \x1b[2J\u202eSTEM\x00\x9b31m\ud800"
    assert strip_controls(title) == "Pulje]8;;http://evil [2JSTEM31m"
    assert strip_controls("a\tb\nc", one_line=True) == "a b c"
    assert strip_controls("a\tb\nc") == "a\tb\nc"


def test_health_notes_dropped_values_without_failing() -> None:
    stats = {"fondsradar/dropped_values": ["Pulje: deadlines: '9999-12-31' is outside"],
             "fondsradar/dropped_values_count": 1}
    verdict = assess(stats, "finished", 3)
    assert verdict.status == "ok" and "1 impossible value(s) dropped" in verdict.message


# ------------------------------------------------------------------------------ import
@pytest.fixture
def invoke(tmp_path: Path):
    config = project_config(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--config", str(config), "--today", "2027-01-11",
                                             *args])


def lines(path: Path, *rows: object, raw: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + raw, encoding="utf-8")
    return path


def test_every_wrong_type_is_reported_at_once_and_nothing_is_written(invoke, tmp_path) -> None:
    src = lines(
        tmp_path / "bad.jsonl",
        {"title": "Ok", "url": "https://ufm.dk/ok"},
        {"title": "Deadline as a number", "url": "https://x.dk/1", "deadlines": 20270301},
        {"title": "Id as a list", "url": "https://x.dk/2", "id": ["a", "b"]},
        {"title": ["a list"], "url": 42},
        {"title": "Amount as text", "url": "https://x.dk/3", "amount_max": "6 mio."},
        {"title": "T", "url": "https://x.dk/4", "language": "fr", "status": "maybe",
         "currency": "kroner", "keywords": "robots", "extra": [1], "opens": 2027},
        raw='{"title": "Lone \\ud800 surrogate", "url": "https://x.dk/5"}\n'
            '[1, 2]\n'
            + "[" * 100_000 + "]" * 100_000 + "\n"
            '{"title": "T", "url": "javascript:alert(1)"}\n'
            '{"title": "T", "url": "https://x.dk/6", "extra": {"k\\udc00": 1}}\n',
    )
    result = invoke("import", str(src))
    out = result.output
    assert result.exit_code == 2, out
    expected = [
        "bad.jsonl line 2: deadlines: expected a date in quotes",
        "bad.jsonl line 3: id: expected text in quotes, got a list",
        "bad.jsonl line 4: title: expected text in quotes, got a list",
        "bad.jsonl line 4: url: expected text in quotes, got a number",
        "bad.jsonl line 5: amount_max: expected a number (without quotes), got text",
        "bad.jsonl line 6: language: expected \"da\" or \"en\"",
        "bad.jsonl line 6: status: expected one of",
        "bad.jsonl line 6: currency: expected a three-letter code",
        "bad.jsonl line 6: keywords: expected a list of texts",
        "bad.jsonl line 6: extra: expected an object",
        "bad.jsonl line 6: opens: expected a date in quotes",
        "bad.jsonl line 7: title: contains a broken character",
        "bad.jsonl line 8: expected a JSON object",
        "bad.jsonl line 9: not valid JSON",
        "bad.jsonl line 10: url: must start with http",
        "bad.jsonl line 11: contains a broken character",
    ]
    for text in expected:
        assert text in out, (text, out)
    assert "Traceback" not in out and "Nothing was imported" in out
    assert json.loads(invoke("export", "--all").output) == []


def test_impossible_values_are_left_out_with_a_warning(invoke, tmp_path: Path) -> None:
    rows = [{"title": f"Call {i}", "url": f"https://x.dk/{i}", "deadlines": ["2027-05-01", d]}
            for i, d in enumerate(ODD_DATES)]
    rows.append({"title": "Big", "url": "https://x.dk/big", "amount_max": 10**50,
                 "budget_total": 1e308, "opens": "0001-01-01T00:00:00+01:00", "odd_key": 1})
    src = lines(tmp_path / "odd.jsonl", *rows,
                raw='{"title": "NaN", "url": "https://x.dk/nan", "amount_min": NaN}\n')
    src.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())  # a BOM, as Notepad writes it
    result = invoke("import", str(src))
    assert result.exit_code == 0, result.output
    assert f"Imported {len(rows) + 1} calls" in result.output
    assert "odd.jsonl line 1: deadlines: '9999-12-31' is outside the years 1990–2100" in \
        result.output
    assert "line 7: amount_max" in result.output and "line 7: budget_total" in result.output
    assert "line 7: unknown field \"odd_key\" ignored" in result.output
    assert "line 8: amount_min: nan is not a number" in result.output
    exported = json.loads(invoke("export", "--all").output)
    assert len(exported) == len(rows) + 1
    assert all(c["deadlines"] in (["2027-05-01"], []) for c in exported)
    big = next(c for c in exported if c["title"] == "Big")
    assert big["amount_max"] is None and big["budget_total"] is None and big["opens"] is None
    assert invoke("export", "--format", "csv").exit_code == 0


def test_a_file_that_is_not_utf8_gets_one_clear_line(invoke, tmp_path: Path) -> None:
    src = tmp_path / "latin1.jsonl"
    src.write_bytes('{"title": "Sk\xf8le", "url": "https://x.dk"}\n'.encode("latin-1"))
    result = invoke("import", str(src))
    assert result.exit_code == 2 and "not UTF-8 text" in result.output


def test_rank_and_status_print_no_control_characters(invoke, tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    store.calls.import_records([{  # as an old run may have stored it, unchecked
        "id": "manual:esc", "source": "manual", "funder": "F\x1b[31m", "programme": None,
        "title": "STEM for piger\x1b[2J\x1b]0;pwned\x07 i naturvidenskab", "url": "https://x.dk/e",
        "language": "da", "status": "open", "opens": None, "deadlines": ["2027-05-01"],
        "amount_min": None, "amount_max": None, "currency": None, "budget_total": None,
        "description": "piger naturvidenskab science girls", "keywords": [], "extra": {}}])
    store.close()
    out = invoke("rank", "--explain").output
    assert "STEM for piger" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "\x1b" not in invoke("feedback", "manual:esc", "relevant").output


# ------------------------------------------------------------- spider items and old stores
def test_a_crawled_impossible_value_is_dropped_and_the_digest_still_goes_out(
        tmp_path: Path) -> None:
    """A page says the deadline is in the year 9999 and names an amount of 10^50; an old run
    stored worse. The crawl keeps the call without those values and says so; the digest is
    sent to a real SMTP server; export, rank and status work."""
    huge = "DKK " + "9" * 60
    with hostile_site() as site:
        site.html("/en/grant/", listing("/en/grant/odd/", "/en/grant/fine/"))
        site.html("/en/grant/odd/", call_page("Naturfag for piger 2027",
                                              deadline="31 December 9999", amount=huge))
        site.html("/en/grant/fine/", call_page("Teknologi i skolen 2027"))
        config = write_config(tmp_path, "[sources.novonordisk]\nstart_urls = "
                                        f"{toml_list([site.url('/en/grant/')])}\n")
        crawl = fondsradar("--config", str(config), "--today", TODAY, "crawl")
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    status = fondsradar("--config", str(config), "status").stdout
    assert "impossible value(s) dropped" in status, status
    # An old run stored values no check ever saw.
    store = Store(tmp_path / "fondsradar.db")
    old = {"source": "manual", "funder": "Gammel", "programme": None, "language": "da",
           "status": "open", "currency": "DKK", "description": "naturvidenskab piger",
           "keywords": [], "extra": {}, "opens": None, "amount_min": None}
    store.calls.import_records([
        dict(old, id="manual:old1", title="Gammel 1", url="https://x.dk/1",
             deadlines=["0001-01-01T00:00:00+01:00", "2027-02-01"], amount_max=1e308,
             budget_total=float("nan")),
        dict(old, id="manual:old2", title="Gammel 2", url="https://x.dk/2",
             deadlines=["9999-12-31T23:30:00+00:00"], amount_max=10**50 * 1.0,
             budget_total=float("inf")),
    ])
    store.close()
    calls = {c["title"]: c for c in json.loads(
        fondsradar("--config", str(config), "--today", TODAY, "export", "--all").stdout)}
    assert not any(d.startswith("9999") for d in calls["Naturfag for piger 2027"]["deadlines"])
    assert calls["Naturfag for piger 2027"]["amount_max"] is None
    assert calls["Teknologi i skolen 2027"]["deadlines"]
    with SmtpServer() as server:
        sent = send_digest(config, server.port)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert len(server.received) == 1
        body = server.received[0].message.as_string()
    assert "Gammel 1" in body or "Naturfag" in body
    assert "Traceback" not in sent.stdout + sent.stderr
    for command in (["rank", "--limit", "20"], ["export", "--format", "csv"], ["status"]):
        done = fondsradar("--config", str(config), "--today", TODAY, *command)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (command, done.stderr)


def send_digest(config: Path, port: int):
    """`digest --send` to one group, through the SMTP server on loopback at ``port``."""
    text = config.read_text(encoding="utf-8")
    text += ('\n[[digest.groups]]\nname = "Team"\nemails = ["stem@example.dk"]\n'
             'themes = ["*"]\n')
    text += (f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
             'sender = "Fondsradar <fondsradar@example.dk>"\ntimeout_s = 5\n')
    config.write_text(text, encoding="utf-8")
    return fondsradar("--config", str(config), "--today", TODAY, "digest", "--send")


def test_the_digest_model_takes_any_stored_value() -> None:
    from digests.calendar import build_calendar
    from digests.formatting import amount_text, change_text, days_left, format_deadline
    from digests.model import Call

    for deadline in ODD_DATES:
        call = Call.from_record({"id": "x", "title": "T", "deadlines": [deadline, "2027-02-01"],
                                 "next_deadline": deadline, "amount_max": 1e308,
                                 "budget_total": "nan", "opens": deadline})
        assert call.deadlines == ("2027-02-01",) and call.next_deadline is None
        assert call.amount_max is None and call.budget_total is None and call.opens is None
        assert format_deadline(deadline, "da")
        days_left(deadline, date(2027, 1, 11), "da")
        change_text("deadlines", json.dumps([deadline]), "DKK", "da")
    for amount in ODD_AMOUNTS:
        amount_text(None, amount, amount, "DKK", "da")
        change_text("amount_max", str(amount), "DKK", "en")
    from datetime import UTC, datetime

    odd = Call(id="x", title="T", deadlines=tuple(ODD_DATES))
    ics = build_calendar([odd], language="da", today=date(2027, 1, 11),
                         now=datetime(2027, 1, 11, tzinfo=UTC))
    assert b"BEGIN:VCALENDAR" in ics


@pytest.mark.parametrize("budget", [b"1e308", b"1" + b"0" * 50, b"NaN", b"-68000000"])
def test_an_impossible_eu_budget_is_dropped_in_the_pipeline(budget: bytes) -> None:
    """The real SEDIA answer with its topic budget replaced by an impossible number: the
    spider passes it on, the validate pipeline drops it and counts it for the health."""
    from scrapy.http import Request, TextResponse

    from crawler.pipelines import normalise, validate
    from tests.support.sedia import PAGES, page
    from tests.test_erasmus import SEARCH, make_spider

    spider = make_spider()
    body = page(PAGES["31094502"][0]).replace(b'\\"2026\\":\\"68000000\\"',
                                              b'\\"2026\\":\\"' + budget + b'\\"')
    request = Request(f"{SEARCH}?pageNumber=1", method="POST")
    response = TextResponse(request.url, body=body, encoding="utf-8", request=request)
    items = [o for o in spider.parse(response, status_id="31094502", page=1)
             if getattr(o, "source_id", None) == "ERASMUS-EDU-2026-PEX-COVE"]
    passed_on = any(i.budget_total is not None for i in items)  # the spider's own parsing
    counts: list[str] = []
    warnings: list[str] = []
    [cove] = [validate(normalise(i), counts.append, warnings.append) for i in items][-1:]
    assert cove.budget_total is None and cove.amount_max is None
    assert cove.deadlines == ["2026-09-03"]  # the rest of the call is kept
    assert len(warnings) >= (1 if passed_on else 0)
    assert all("Centres of Vocational Excellence: " in w for w in warnings)
    assert passed_on or budget in (b"NaN", b"-68000000")  # huge numbers reach the pipeline
    stats = {"fondsradar/dropped_values": warnings, "fondsradar/dropped_values_count": 1}
    assert assess(stats if warnings else {}, "finished", 1).status == "ok"
