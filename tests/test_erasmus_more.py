"""The Erasmus spider on real SEDIA answers it was not written against (tests/fixtures/erasmus/more).

They hold no Erasmus+ record: Horizon Europe topics from API versions 2.143.3 and 2.146, one
topic in three languages (an answer that ignored ``languages=["en"]``), and type 6 results (a
call's documents, not calls). With the shipped programme list the spider must store nothing
from them; with Horizon Europe configured (config.toml says it can be added) it must store each
English topic once and nothing else, every field valid. Expected values are worked out here
from the files themselves, not copied from the spider's output.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fondsradar, write_config
from tests.support.sedia import MORE, build_har
from tests.test_erasmus import SEARCH, make_spider, parse_page

ERASMUS, HORIZON = "43353764", "43108390"
FULL = "more/horizon-cl4-2025-04_full.json"  # 2.143.3: one topic in sv, cs, en + 2 documents
TOPIC = "more/horizon-cl4-2025-04_topic.json"  # 2.143.3: ten type 6 documents
TRIMMED = "more/horizon-trimmed_2026-06.json"  # 2.146: two forthcoming topics, fetched 2026-06-11
# (file, a day to run on): the topic of FULL is open on 2025-07-01 (10 June to 2 October 2025).
DAYS = [(FULL, "2025-07-01"), (FULL, "2025-12-01"), (TOPIC, "2025-07-01"),
        (TRIMMED, "2025-04-01"), (TRIMMED, "2026-06-11")]


def results(name: str) -> list[dict[str, Any]]:
    return json.loads((MORE.parent / name).read_bytes())["results"]


def results_meta(name: str) -> list[dict[str, Any]]:
    return [r["metadata"] for r in results(name)]


def one(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key) or [""]
    return str(value[0] if isinstance(value, list) else value)


def expected(name: str, today: str, programmes: tuple[str, ...]) -> dict[str, str]:
    """identifier → English title of the topics a correct spider keeps on ``today``."""
    out = {}
    for result in results(name):
        meta = result["metadata"]
        deadlines = [d[:10] for d in meta.get("deadlineDate") or []]
        if (one(meta, "frameworkProgramme") in programmes and one(meta, "type") in ("1", "2", "8")
                and one(meta, "language") in ("en", "") and deadlines and max(deadlines) >= today):
            out[one(meta, "identifier")] = one(meta, "title")
    return out


def test_the_files_hold_what_the_tests_say() -> None:
    """Guards the premises: no Erasmus+ record, translations and documents are really there."""
    metas = [r["metadata"] for name in (FULL, TOPIC, TRIMMED) for r in results(name)]
    assert not [m for m in metas if one(m, "frameworkProgramme") == ERASMUS]
    assert {one(m, "language") for m in results_meta(FULL)} == {"sv", "cs", "en"}
    assert sum(one(m, "type") == "6" for m in metas) == 12
    assert {json.loads((MORE / n).read_bytes())["apiVersion"] for n in (
        "horizon-cl4-2025-04_full.json", "horizon-trimmed_2026-06.json")} == {"2.143.3", "2.146"}



@pytest.mark.parametrize(("name", "today"), DAYS)
def test_other_programmes_are_skipped_without_a_crash(name: str, today: str) -> None:
    spider = make_spider(today)
    items, requests = parse_page(spider, name)
    assert items == [] and requests == []  # short pages: no further page asked for
    assert spider.crawler.stats.get_value("erasmus/other_programme") == len(results(name))


@pytest.mark.parametrize(("name", "today"), DAYS)
def test_with_horizon_configured_only_english_topics_are_kept(name: str, today: str) -> None:
    spider = make_spider(today, programmes=(ERASMUS, HORIZON))
    items, requests = parse_page(spider, name)
    want = expected(name, today, (ERASMUS, HORIZON))
    assert {i.source_id: i.title for i in items} == want
    assert len(items) == len(want) and requests == []  # one item per topic: no translation
    day = date.fromisoformat(today)
    for item in items:
        assert item.programme == "Horizon Europe" and item.language == "en"
        assert item.url.startswith("https://ec.europa.eu/") and item.source_id in item.url
        assert item.status in ("open", "forthcoming")
        assert item.deadlines == sorted(item.deadlines)
        assert all(date.fromisoformat(d[:10]) for d in item.deadlines)
        assert date.fromisoformat(item.deadlines[-1][:10]) >= day
        assert item.opens is None or date.fromisoformat(item.opens[:10])
        assert "<" not in item.description
        for amount in (item.amount_min, item.amount_max, item.budget_total):
            assert amount is None or amount > 0
        assert (item.currency == "EUR") == bool(item.amount_max or item.budget_total)


def test_translations_and_documents_are_counted_not_stored() -> None:
    spider = make_spider("2025-07-01", programmes=(HORIZON,))
    items, _ = parse_page(spider, FULL)
    stats = spider.crawler.stats
    assert [i.source_id for i in items] == ["HORIZON-CL4-2025-04-DATA-03"]
    assert items[0].description.startswith("Expected Outcome")
    assert stats.get_value("erasmus/other_language") == 2  # Swedish and Czech
    assert stats.get_value("erasmus/other_type") == 1  # the English document of 43108390
    assert stats.get_value("erasmus/other_programme") == 1  # the document labelled "HORIZON"


def test_a_two_stage_topic_of_api_2_146_keeps_both_deadlines() -> None:
    items, _ = parse_page(make_spider("2025-04-01", programmes=(HORIZON,)), TRIMMED)
    chips = {i.source_id: i for i in items}["HORIZON-JU-CHIPS-2025-IA-LEAI-two-stage"]
    assert chips.deadlines == ["2025-04-29", "2025-09-17"]
    assert chips.status == "open" and chips.opens == "2025-03-04"


@pytest.mark.parametrize("programmes", [(ERASMUS,), (ERASMUS, HORIZON)])
def test_a_crawl_of_these_answers_stores_no_junk(tmp_path: Path,
                                                 programmes: tuple[str, ...]) -> None:
    """The real command, replaying the answers from a HAR, into a real SQLite store."""
    today = "2025-07-01"
    line = "programmes = [" + ", ".join(f'"{p}"' for p in programmes) + "]"
    config = write_config(tmp_path, programmes=line)
    har = build_har(tmp_path / "more.har", SEARCH, programmes=list(programmes),
                    pages={"31094502": [FULL], "31094501": [TRIMMED]})
    crawl = fondsradar("--config", str(config), "--today", today, "crawl", "--replay", str(har))
    if HORIZON in programmes:
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    else:  # nothing of the configured programme: reported plainly (exit 3), not a crash
        assert crawl.returncode == 3, crawl.stdout + crawl.stderr
        failed = [line for line in crawl.stderr.splitlines() if "erasmus: FAILED" in line]
        assert failed and "no calls found" in failed[0], crawl.stderr
    assert "Traceback" not in crawl.stderr and "crash" not in crawl.stdout + crawl.stderr
    export = fondsradar("--config", str(config), "--today", today, "export", "--format", "json")
    assert export.returncode == 0, export.stderr
    calls = json.loads(export.stdout)
    want = {**expected(FULL, today, programmes), **expected(TRIMMED, today, programmes)}
    assert {c["id"]: c["title"] for c in calls} == {f"erasmus:{k}": v for k, v in want.items()}
    for call in calls:
        assert call["language"] == "en" and call["programme"] == "Horizon Europe"
        assert call["next_deadline"] >= today
