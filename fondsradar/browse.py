"""``fondsradar browse``: the stored calls in Datasette, for staff to search, filter and sort in
a browser instead of a spreadsheet.

Datasette serves a *snapshot*, not the store itself: one ``calls`` table with the columns a
reader needs, each call's status as of today (the store keeps dates; "open" is computed), its
best theme and every theme it fits (the matcher's verdict is not stored), funder names as the
digest writes them. The snapshot is rewritten at every start and served immutable, so nothing a
browser does can change the store, and a crawl running meanwhile is never blocked by it.

Facets (source, status, theme, themes, funder) and canned queries ("closing within 30 days",
"new this week", "opening later", "largest grants") come from the metadata written beside it,
in Datasette 0.65's metadata.json format.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from digests.text import clean_text
from digests.words import funder_name, source_name
from fondsradar.config import Config
from records.clock import local_date
from records.store import Store

DATABASE = "fondsradar"  # the snapshot's name in Datasette's URLs: /fondsradar/calls
TABLE = "calls"
PAGES = "watched_pages"  # staff's page watches: pages, not calls, so not in the calls table
WATCH = "watch"
# Columns of the snapshot in the order Datasette shows them: (name, SQLite type, meaning). The
# meanings are for README and this file: as Datasette metadata they fill the top of the page.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("nr", "INTEGER PRIMARY KEY", "Position in deadline order (nearest first, none last)"),
    ("title", "TEXT", "The call's title as its source writes it (markup removed)"),
    ("funder", "TEXT", "Who gives the money"),
    ("programme", "TEXT", "The funder's programme"),
    ("status", "TEXT", "open, forthcoming (not open yet) or rolling, as of today"),
    ("next_deadline", "TEXT", "The next deadline (ISO date or date and time)"),
    ("days_left", "INTEGER", "Days until the next deadline, counted in Copenhagen days"),
    ("opens", "TEXT", "When a forthcoming call opens"),
    ("amount_min", "NUMERIC", "Smallest grant, in the currency given"),
    ("amount_max", "NUMERIC", "Largest grant (for some EU topics the topic's budget)"),
    ("currency", "TEXT", "DKK, EUR, …"),
    ("theme", "TEXT", "The pagt theme the call fits best"),
    ("themes", "TEXT", "Every pagt theme the call fits (a JSON list)"),
    ("why", "TEXT", "The words that matched the best theme, in the digest's language"),
    ("source", "TEXT", "Where Fondsradar found it"),
    ("language", "TEXT", "da or en"),
    ("first_seen", "TEXT", "When Fondsradar first found it (UTC)"),
    ("url", "TEXT", "The call's page"),
    ("id", "TEXT", "Fondsradar's id (for `fondsradar feedback`)"),
)
LISTED = "('open', 'forthcoming', 'rolling')"
QUERIES: dict[str, dict[str, str]] = {
    "closing_within_30_days": {
        "title": "Closing within 30 days",
        "description": "Open and forthcoming calls whose next deadline is 0–30 days away, "
                       "nearest first.",
        "sql": "select days_left, next_deadline, title, funder, theme, amount_max, currency, "
               "url from calls where status in ('open', 'forthcoming') and days_left "
               "between 0 and 30 order by days_left, title",
    },
    "new_this_week": {
        "title": "New in the last 7 days",
        "description": "Calls Fondsradar first found in the last 7 days.",
        "sql": "select first_seen, title, funder, theme, status, next_deadline, url from calls "
               f"where status in {LISTED} and first_seen >= (select value from snapshot "
               "where key = 'week_ago') order by first_seen desc, title",
    },
    "opening_later": {
        "title": "Not open yet",
        "description": "Forthcoming calls: you can apply once they open.",
        "sql": "select opens, title, funder, theme, next_deadline, url from calls "
               "where status = 'forthcoming' order by opens, title",
    },
    "largest_grants": {
        "title": "Largest grants",
        "description": "Listed calls with a stated maximum, largest first (currencies differ).",
        "sql": "select amount_max, currency, title, funder, theme, next_deadline, url from calls "
               f"where status in {LISTED} and amount_max is not null "
               "order by amount_max desc limit 50",
    },
}


@dataclass(frozen=True)
class Snapshot:
    database: Path
    metadata: Path
    calls: int


def write_snapshot(cfg: Config, store: Store, today: date, folder: Path, *,
                   include_all: bool = False) -> Snapshot:
    """The snapshot database and its Datasette metadata in ``folder``."""
    from fondsradar.ranking import feedback_from, rank_calls  # loads scikit-learn

    records = store.calls.current(today, include_all=include_all)
    rankings = {r.id: r for r in rank_calls(cfg, records, feedback_from(store, today))
                } if records else {}
    names = {slug: t.name for slug, t in cfg.themes.items()}
    language = cfg.digest.language
    rows = [_row(r, rankings.get(r["id"]), names, today, language) for r in records
            if r.get("status") != WATCH]
    # Numbered in deadline order (none last): Datasette shows a table in its key's order, where
    # its own sort would put calls without a deadline first.
    rows.sort(key=lambda r: (r["days_left"] is None, r["days_left"] or 0, r["title"] or ""))
    for nr, row in enumerate(rows, 1):
        row["nr"] = nr
    pages = [{"title": clean_text(str(r.get("title") or ""), 300),
              "funder": funder_name(str(r.get("funder") or ""), "da"),
              "programme": r.get("programme"), "changed_at": r.get("changed_at"),
              "url": r.get("url"), "id": r.get("id")}
             for r in records if r.get("status") == WATCH]
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / f"{DATABASE}.db"
    tmp = folder / f".{DATABASE}.db.tmp"
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as conn:
        columns = ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)
        conn.execute(f"create table {TABLE} ({columns})")
        marks = ", ".join("?" for _ in COLUMNS)
        conn.executemany(f"insert into {TABLE} values ({marks})",
                         [[row[name] for name, _, _ in COLUMNS] for row in rows])
        for column in ("source", "status", "theme", "next_deadline", "id"):
            conn.execute(f"create index {TABLE}_{column} on {TABLE} ({column})")
        conn.execute(f"create table {PAGES} (title TEXT, funder TEXT, programme TEXT, "
                     "changed_at TEXT, url TEXT, id TEXT)")
        conn.executemany(f"insert into {PAGES} values (:title, :funder, :programme, "
                         ":changed_at, :url, :id)", pages)
        conn.execute("create table snapshot (key text primary key, value text)")
        conn.executemany("insert into snapshot values (?, ?)", [
            ("today", today.isoformat()), ("week_ago", (today - timedelta(days=7)).isoformat()),
            ("store", str(store.path))])
    conn.close()
    os.replace(tmp, database)
    metadata = folder / "metadata.json"
    metadata.write_text(json.dumps(_metadata(today, len(rows)), ensure_ascii=False, indent=2),
                        encoding="utf-8")
    return Snapshot(database, metadata, len(rows))


def _row(record: dict[str, Any], ranking: Any, names: dict[str, str],
         today: date, language: str) -> dict[str, Any]:
    """One snapshot row. The "why" terms are the digest's: in the reader's language, so a
    Danish reader sees "erhvervsuddannelse" where an English call matched "vocational"."""
    fits: list[tuple[float, str]] = []
    why: list[str] = []
    if ranking is not None:
        fits = sorted(((score, slug) for slug, score in ranking.themes.items()
                       if score > 0 and ranking.matched.get(slug)), reverse=True)
        if fits:
            why = ranking.reasons(fits[0][1], language)
    deadline = record.get("next_deadline")
    days_left = None
    if deadline:
        try:
            days_left = (local_date(deadline) - today).days
        except ValueError:
            days_left = None
    return {
        "title": clean_text(str(record.get("title") or ""), 300) or record.get("id"),
        "funder": funder_name(str(record.get("funder") or ""), "da") or None,
        "programme": record.get("programme") or None,
        "status": record.get("status"),
        "next_deadline": deadline,
        "days_left": days_left,
        "opens": record.get("opens"),
        "amount_min": _number(record.get("amount_min")),
        "amount_max": _number(record.get("amount_max")),
        "currency": record.get("currency"),
        "theme": names.get(fits[0][1], fits[0][1]) if fits else None,
        "themes": json.dumps([names.get(slug, slug) for _, slug in fits], ensure_ascii=False),
        "why": ", ".join(why) or None,
        "source": source_name(str(record.get("source") or ""), "da"),
        "language": record.get("language"),
        "first_seen": record.get("first_seen"),
        "url": record.get("url"),
        "id": record.get("id"),
    }


def _number(value: Any) -> int | float | None:
    """An amount as staff read it: 250000, not 250000.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _metadata(today: date, count: int) -> dict[str, Any]:
    """Datasette 0.65 metadata: titles, facets, page size, canned queries."""
    return {
        "title": "Fondsradar",
        "description": f"The stored funding calls as of {today.isoformat()} ({count} calls). "
                       "Read-only: a snapshot made by `fondsradar browse`.",
        "databases": {
            DATABASE: {
                "tables": {
                    TABLE: {
                        "title": "Funding calls",
                        "description": "Nearest deadline first. Click a value under a facet "
                                       "to filter, a column heading to sort; the ready-made "
                                       "queries (closing within 30 days, …) are on the "
                                       "database page.",
                        "facets": ["source", "status", "theme", {"array": "themes"},
                                   "funder"],
                        "label_column": "title",
                        "size": 50,
                    },
                    PAGES: {"title": "Watched pages",
                            "description": "Pages without fixed calls that Fondsradar "
                                           "watches for changes (changed_at: last change)."},
                    "snapshot": {"hidden": True},
                },
                "queries": QUERIES,
            },
        },
    }


def default_folder(cfg: Config) -> Path:
    """Beside the store, so every `browse` of the same config reuses one folder."""
    return Path(cfg.db_path).parent / "browse"


def datasette_command(snapshot: Snapshot, *, host: str, port: int,
                      open_browser: bool) -> list[str]:
    """Datasette serving the snapshot immutable (-i: never written, no locks taken)."""
    command = [sys.executable, "-m", "datasette", "serve", "-i", str(snapshot.database),
               "--metadata", str(snapshot.metadata), "--host", host, "--port", str(port),
               "--setting", "sql_time_limit_ms", "3000",
               "--setting", "facet_time_limit_ms", "500"]
    if open_browser:
        command.append("--open")
    return command


def serve(snapshot: Snapshot, *, host: str, port: int, open_browser: bool) -> None:
    """Become Datasette (exec, not a child process): Ctrl+C or a kill stops the server itself,
    and no server is left running behind a stopped `fondsradar browse`."""
    command = datasette_command(snapshot, host=host, port=port, open_browser=open_browser)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


