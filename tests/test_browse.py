"""``fondsradar browse``: the snapshot it writes, and a real Datasette serving it on 127.0.0.1
(its JSON API), looked at in headless Chromium."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fondsradar.browse import COLUMNS, write_snapshot
from records.store import Store
from tests.conftest import ROOT, write_config
from tests.test_digest_chromium import ARTIFACTS, _chromium, needs_chromium, png_size
from tests.test_digest_support import TODAY, call, free_port, make_config, save, week_store


def _rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql)]


def test_the_snapshot_has_the_columns_a_reader_needs(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    snap = write_snapshot(cfg, week_store(tmp_path), TODAY, tmp_path / "browse")
    rows = {r["id"]: r for r in _rows(snap.database, "select * from calls")}
    assert snap.calls == len(rows) == 4  # the four calls; the watched page is not a call
    assert list(next(iter(rows.values()))) == [name for name, _, _ in COLUMNS]
    soon = rows["novonordisk:laerere-teknologi"]
    assert soon["days_left"] == 9 and soon["status"] == "open"
    assert soon["funder"] == "Novo Nordisk Fonden" and soon["source"] == "Novo Nordisk Fonden"
    assert soon["theme"] == "Informatik på alle uddannelsesniveauer"
    assert {"Informatik på alle uddannelsesniveauer", "Kompetenceudvikling"} <= set(
        json.loads(soon["themes"]))
    assert soon["why"]
    # stored in deadline order, so Datasette's default order is the nearest deadline first
    order = [r["id"] for r in _rows(snap.database, "select id from calls order by nr")]
    assert order[0] == "novonordisk:laerere-teknologi"
    hostile = next(r for r in rows.values() if r["title"].startswith("Makerspaces"))
    assert hostile["title"] == "Makerspaces for kreative piger & drenge"  # as the digest shows
    assert soon["amount_max"] == 1_500_000 and isinstance(soon["amount_max"], int)
    pages = _rows(snap.database, "select * from watched_pages")
    assert [p["title"] for p in pages] == ["Interreg ÖKS: aktuelle opslag"]
    meta = json.loads(snap.metadata.read_text(encoding="utf-8"))
    table = meta["databases"]["fondsradar"]["tables"]["calls"]
    assert table["facets"][:3] == ["source", "status", "theme"]
    assert "closing_within_30_days" in meta["databases"]["fondsradar"]["queries"]


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("da", "erhvervsuddannelse", "vocational"), ("en", "vocational", "erhvervsuddannelse")])
def test_why_names_the_terms_in_the_digests_language(
        tmp_path: Path, language: str, shown: str, not_shown: str) -> None:
    """An English call that matched "vocational" reads "erhvervsuddannelse" to a Danish reader,
    as in the digest's "Hvorfor" line."""
    cfg = make_config(tmp_path, language=language)
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", [call(
        "vet", "Vocational education for apprentices in manufacturing",
        "Colleges offering vocational education and training to apprentices in technical "
        "trades, with teachers and pupils in upper secondary schools.", language="en")])
    snap = write_snapshot(cfg, store, TODAY, tmp_path / "browse")
    (row,) = _rows(snap.database, "select why from calls")
    terms = row["why"].split(", ")
    assert shown in terms and not_shown not in terms


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read().decode("utf-8"))


def _wait(base: str, proc: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"browse exited with {proc.returncode}: {proc.stdout.read()}")  # type: ignore[union-attr]
        try:
            _get(f"{base}/-/versions.json")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError("Datasette did not start in time")


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    week_store(tmp_path).close()
    config = write_config(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fondsradar", "--config", str(config), "--today",
         TODAY.isoformat(), "browse", "--port", str(port), "--no-open"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def served(tmp_path: Path) -> Any:
    """`fondsradar browse` on a free loopback port, stopped after the test."""
    proc, base = _start(tmp_path)
    try:
        _wait(base, proc)
        yield base, tmp_path
    finally:  # the whole session: browse becomes Datasette, but stop anything it started
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def test_browse_serves_the_calls_in_a_real_datasette(served: tuple[str, Path]) -> None:
    base, tmp_path = served
    assert _get(f"{base}/-/versions.json")["datasette"]["version"] == "0.65.5"
    [db] = _get(f"{base}/-/databases.json")
    assert db["name"] == "fondsradar" and db["is_mutable"] is False  # served immutable
    table = _get(f"{base}/fondsradar/calls.json?_shape=objects")
    assert [r["title"] for r in table["rows"]][0] == (
        "Efteruddannelse af lærere i teknologiforståelse")
    assert len(table["rows"]) == 4
    facets = table["facet_results"]
    assert {"source", "status", "theme", "themes", "funder"} <= set(facets)
    assert {r["value"]: r["count"] for r in facets["status"]["results"]} == {"open": 4}
    themes = {r["value"] for r in facets["themes"]["results"]}
    assert "Kompetenceudvikling" in themes and "Piger og STEM" in themes
    # a facet value filters the table
    only = _get(f"{base}/fondsradar/calls.json?_shape=objects&theme="
                + urllib.parse.quote("Informatik på alle uddannelsesniveauer"))
    assert [r["id"] for r in only["rows"]] == ["novonordisk:laerere-teknologi"]
    closing = _get(f"{base}/fondsradar/closing_within_30_days.json?_shape=objects")
    assert [(r["days_left"], r["title"]) for r in closing["rows"]] == [
        (9, "Efteruddannelse af lærere i teknologiforståelse")]
    pages = _get(f"{base}/fondsradar/watched_pages.json?_shape=objects")
    assert [p["title"] for p in pages["rows"]] == ["Interreg ÖKS: aktuelle opslag"]
    # read-only: a write through the SQL box is refused, and the store is never served
    query = urllib.parse.quote("delete from calls")
    try:
        refused = _get(f"{base}/fondsradar.json?sql={query}")
    except urllib.error.HTTPError as exc:
        refused = json.loads(exc.read().decode("utf-8"))
    assert refused.get("ok") is False
    assert len(_get(f"{base}/fondsradar/calls.json?_shape=objects")["rows"]) == 4
    assert (tmp_path / "fondsradar.db").exists()


@needs_chromium
def test_the_browse_page_renders_in_chromium(served: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = served
    url = f"{base}/fondsradar/calls"
    dom = subprocess.run(_chromium(tmp_path / "profile", 1200, 900, "--dump-dom", url),
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "Funding calls" in page and "Efteruddannelse af lærere" in page
    for facet in ("source", "status", "theme"):
        assert f'data-column="{facet}"' in page
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "browse-calls.png"
    png.unlink(missing_ok=True)
    shot = subprocess.run(_chromium(tmp_path / "profile", 1200, 1400, f"--screenshot={png}",
                                    url), capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    assert png_size(png) == (1200, 1400) and png.stat().st_size > 40_000


def test_the_demo_config_file_points_the_commands_at_the_demos_store(tmp_path: Path) -> None:
    from fondsradar.config import load_config
    from fondsradar.demo import demo_config, write_demo_config

    cfg = load_config(write_config(tmp_path))
    demo = demo_config(cfg, tmp_path / "demo-out")
    path = write_demo_config(demo, tmp_path / "demo-out")
    again = load_config(path)  # valid, and the same settings
    assert again.db_path == demo.db_path and again.db_path != cfg.db_path
    assert again.model_dump(exclude={"base_dir"}) == demo.model_dump(exclude={"base_dir"})
    assert again.smtp is None  # the demo never sends


def test_a_port_in_use_is_said_plainly(tmp_path: Path) -> None:
    import socket

    from click.testing import CliRunner

    from fondsradar.cli import cli

    config = write_config(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["--config", str(config), "browse", "--port", str(port),
                                          "--no-open"])
    assert result.exit_code == 1
    assert f"port {port} is in use" in result.output and "--port" in result.output


def test_stopping_browse_stops_the_server(tmp_path: Path) -> None:
    """`browse` becomes Datasette: stopping the process staff started leaves no server behind."""
    proc, base = _start(tmp_path)
    try:
        _wait(base, proc)
        proc.terminate()  # this process only, as Ctrl+C or a kill would
        proc.wait(timeout=15)
        with pytest.raises(urllib.error.URLError):
            _get(f"{base}/-/versions.json")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
