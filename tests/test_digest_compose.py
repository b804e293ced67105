"""Which calls go into a digest, and where: pure selection on plain records, no database."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from digests import Audience, Call, FieldChange, Theme, compose
from digests.model import PageChanges

TODAY = date(2027, 1, 11)
THEMES = [Theme("piger_stem", "Piger og STEM"), Theme("informatik", "Informatik"),
          Theme("sprog", "Sprog")]
EVERYONE = Audience("Alle", ("a@example.dk",), ("*",))


def mk(key: str, scores: dict[str, float], **over: Any) -> Call:
    matched = over.pop("matched", {slug: ("term",) for slug, s in scores.items() if s > 0})
    base: dict[str, Any] = {"id": f"x:{key}", "title": key, "url": f"https://x.dk/{key}",
                            "status": "open", "deadlines": ("2027-06-01",),
                            "next_deadline": "2027-06-01",
                            "first_seen": "2027-01-04T06:00:00+00:00",
                            "changed_at": "2027-01-04T06:00:00+00:00"}
    base.update(over)
    return Call(scores=scores, matched=matched, **base)


def ids(entries: Any) -> list[str]:
    return [e.call.id for e in entries]


def test_new_calls_are_grouped_by_their_best_theme_best_first() -> None:
    calls = [mk("a", {"piger_stem": 0.2, "informatik": 0.5}), mk("b", {"piger_stem": 0.4}),
             mk("c", {"piger_stem": 0.6}), mk("d", {"sprog": 0.1})]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls)
    sections = {s.theme.slug: ids(s.entries) for s in digest.new}
    assert sections == {"piger_stem": ["x:c", "x:b"], "informatik": ["x:a"], "sprog": ["x:d"]}
    assert [s.theme.slug for s in digest.new] == ["piger_stem", "informatik", "sprog"]  # config order
    assert digest.new_count == 4 and not digest.empty


def test_a_group_sees_its_own_themes_only_under_the_best_of_them() -> None:
    calls = [mk("a", {"piger_stem": 0.2, "informatik": 0.5}), mk("d", {"sprog": 0.9})]
    girls = Audience("Piger", ("p@example.dk",), ("piger_stem",))
    digest = compose(audience=girls, today=TODAY, language="da", themes=THEMES, calls=calls)
    assert [(s.theme.slug, ids(s.entries)) for s in digest.new] == [("piger_stem", ["x:a"])]


def test_a_score_without_a_matched_term_is_not_a_match() -> None:
    calls = [mk("vague", {"informatik": 0.004}, matched={"informatik": ()})]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls)
    assert digest.empty


@pytest.mark.parametrize("status", ["closed", "watch"])
def test_closed_calls_and_watched_pages_are_never_new(status: str) -> None:
    calls = [mk("a", {"informatik": 0.5}, status=status)]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls)
    assert not digest.new


def test_calls_in_an_earlier_digest_are_not_new() -> None:
    calls = [mk("old", {"informatik": 0.5}), mk("fresh", {"informatik": 0.4})]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls,
                     included={"x:old"}, since="2027-01-04T07:00:00+00:00")
    assert [ids(s.entries) for s in digest.new] == [["x:fresh"]]


def test_changes_since_the_last_digest_collapse_to_first_old_and_last_new() -> None:
    since = "2027-01-04T07:00:00+00:00"
    calls = [mk("moved", {"informatik": 0.5}), mk("fresh", {"informatik": 0.4}),
             mk("quiet", {"informatik": 0.3})]
    changes = [
        FieldChange("x:moved", "deadlines", '["2027-03-01"]', '["2027-04-01"]', "2027-01-06T06:00:00+00:00"),
        FieldChange("x:moved", "deadlines", '["2027-04-01"]', '["2027-06-01"]', "2027-01-08T06:00:00+00:00"),
        FieldChange("x:moved", "amount_max", "1000000", "1000000.0", "2027-01-08T06:00:00+00:00"),
        FieldChange("x:moved", "title", "Old", "New", "2027-01-08T06:00:00+00:00"),
        FieldChange("x:quiet", "status", "forthcoming", "open", "2027-01-02T06:00:00+00:00"),
        FieldChange("x:fresh", "status", "forthcoming", "open", "2027-01-08T06:00:00+00:00"),
    ]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls,
                     included={"x:moved", "x:quiet"}, since=since, changes=changes)
    assert len(digest.changed) == 1  # quiet: before since; fresh: it is new anyway
    item = digest.changed[0]
    assert item.entry.call.id == "x:moved"
    assert [(c.field, json.loads(c.old or ""), json.loads(c.new or "")) for c in item.changes] == [
        ("deadlines", ["2027-03-01"], ["2027-06-01"])]  # the amount did not really change


def test_a_change_there_and_back_again_is_no_change() -> None:
    changes = [FieldChange("x:a", "status", "open", "forthcoming", "2027-01-06T00:00:00+00:00"),
               FieldChange("x:a", "status", "forthcoming", "open", "2027-01-07T00:00:00+00:00")]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES,
                     calls=[mk("a", {"informatik": 0.5})], included={"x:a"},
                     since="2027-01-04T00:00:00+00:00", changes=changes)
    assert not digest.changed


def test_closing_soon_lists_open_calls_within_the_window_new_or_not() -> None:
    calls = [
        mk("today", {"informatik": 0.1}, next_deadline="2027-01-11"),
        mk("edge", {"informatik": 0.2}, next_deadline="2027-02-01T12:00:00+01:00"),
        mk("later", {"informatik": 0.3}, next_deadline="2027-02-02"),
        mk("rolling", {"informatik": 0.3}, status="rolling", next_deadline=None, deadlines=()),
        mk("other", {}, next_deadline="2027-01-12", matched={}),
    ]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls,
                     included={"x:edge"}, since="2027-01-04T00:00:00+00:00",
                     closing_soon_days=21)
    assert ids(digest.closing) == ["x:today", "x:edge"]
    assert [e.is_new for e in digest.closing] == [True, False]


def test_watched_pages_that_changed_since_the_last_digest() -> None:
    since = "2027-01-04T07:00:00+00:00"
    seen = "2026-12-01T06:00:00+00:00"
    pages = [
        mk("diff", {}, status="watch", first_seen=seen, changed_at="2027-01-10T06:00:00+00:00",
           page_changes=PageChanges(("Ny runde",), ())),
        mk("no-diff-info", {}, status="watch", first_seen=seen,
           changed_at="2027-01-10T06:00:00+00:00"),
        mk("empty-diff", {}, status="watch", first_seen=seen,
           changed_at="2027-01-10T06:00:00+00:00", page_changes=PageChanges((), ())),
        mk("old-change", {}, status="watch", first_seen=seen,
           changed_at="2027-01-02T06:00:00+00:00", page_changes=PageChanges(("x",), ())),
    ]
    digest = compose(audience=Audience("Sprog", ("s@example.dk",), ("sprog",)), today=TODAY,
                     language="da", themes=THEMES, calls=pages, since=since)
    assert [c.id for c in digest.watched] == ["x:diff", "x:no-diff-info"]  # every group sees them


@pytest.mark.parametrize("extra, expected", [
    ({}, None),
    ({"changes": None}, None),
    ({"changes": "nonsense"}, None),
    ({"changes": {"added": "one line"}}, PageChanges(("one line",), ())),
    ({"changes": {"added": ["a", None, " "], "removed": 7}}, PageChanges(("a",), ())),
    ("not a dict", None),
    ({"changes": {"added": ["a"], "removed": [], "on": "2027-01-11", "more_added": 3,
                  "more_removed": "x"}}, PageChanges(("a",), (), more=3)),
])
def test_page_changes_are_read_defensively(extra: Any, expected: PageChanges | None) -> None:
    assert PageChanges.from_extra(extra) == expected


def test_nothing_new_changed_or_closing_is_an_empty_digest() -> None:
    calls = [mk("old", {"informatik": 0.5}, next_deadline="2027-12-01")]
    digest = compose(audience=EVERYONE, today=TODAY, language="da", themes=THEMES, calls=calls,
                     included={"x:old"}, since="2027-01-04T07:00:00+00:00")
    assert digest.empty and digest.call_ids() == {"new": [], "changed": [], "closing": [],
                                                  "upcoming": [],
                                                  "watched": []}
