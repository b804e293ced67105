"""The crawl on a real Scrapyd (the pinned test dependency), started on 127.0.0.1 by these tests,
crawling the project's own (modelled) sample sites: the same calls as the local engine, jobs
that die or are cancelled, and a Scrapyd that does not answer.

Each job runs the egg ``fondsradar`` uploads (Scrapyd's environment has no PYTHONPATH). Waits
here wait for events (a request arriving, a process ending) with generous limits; nothing is
asserted about how long anything takes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fondsradar.egg import build_egg
from fondsradar.ingest import summary_in_log
from fondsradar.scrapyd_api import Scrapyd
from tests.sites.server import (
    ROOT,
    TODAY,
    Site,
    crawl,
    health,
    serve,
    stored,
    toml_list,
    write_config,
)
from tests.support.hostile import call_page, hostile_site, listing
from tests.support.scrapyd_server import ScrapydServer, free_port, scrapyd
from tests.support.sedia import FETCHED
from tests.support.sedia_server import sedia_server

INTERREG = ["/oks/da/kalender/ansogningsrunde-2027-1.html", "/northsea/calls/call-7.html",
            "/oks/da/om-programmet.html"]
LISTING = "/en/basic-page/current-calls"
# What may differ between two crawls of the same pages: when they happened.
VOLATILE = {"first_seen", "last_seen", "changed_at", "unseen_since"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScrapydServer]:
    with scrapyd(tmp_path_factory.mktemp("scrapyd"), max_proc=4) as server:
        yield server


def _engine(url: str, extra: str = "") -> str:
    return f'engine = "scrapyd"\nscrapyd_url = "{url}"\n{extra}'


def _config(tmp: Path, sources: str, crawl_keys: str = "") -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp, sources)
    if crawl_keys:
        text = path.read_text(encoding="utf-8").replace("[crawl]\n", f"[crawl]\n{crawl_keys}\n")
        path.write_text(text, encoding="utf-8")
    return path


def _comparable(calls: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for title, call in calls.items():
        record = {k: v for k, v in call.items() if k not in VOLATILE}
        record["extra"] = {k: v for k, v in (call.get("extra") or {}).items() if k != "_fetched"}
        out[title] = record
    return out


def _all_sources(sites: dict) -> str:
    villum, velux, nnf, pdj, interreg, watch = (sites[k] for k in (
        "villum", "velux", "novonordisk", "pdj", "interreg", "watch"))
    pages = ", ".join(f'{{ url = "{interreg.url(p)}" }}' for p in INTERREG)
    return f"""
[sources.villum_velux]
start_urls = {toml_list([villum.url(LISTING), velux.url(LISTING)])}
[sources.novonordisk]
start_urls = {toml_list([nnf.url("/en/grant/")])}
[sources.pdj]
start_urls = {toml_list([pdj.url("/nyheder/")])}
[sources.interreg]
pages = [{pages}]
[sources.watch]
pages = [{{ url = "{watch.url('/erasmusplus/skolepartnerskaber.html')}", name = "Erasmus+" }}]
"""


def test_scrapyd_stores_the_same_calls_as_the_local_engine(
        node: ScrapydServer, tmp_path: Path) -> None:
    names = ["villum", "velux", "novonordisk", "pdj", "interreg", "watch"]
    with (serve("villum") as villum, serve("velux") as velux, serve("novonordisk") as nnf,
          serve("pdj") as pdj, serve("interreg") as interreg, serve("watch") as watch):
        sites = dict(zip(names, (villum, velux, nnf, pdj, interreg, watch), strict=True))
        local = _config(tmp_path / "local", _all_sources(sites))
        remote = _config(tmp_path / "remote", _all_sources(sites), _engine(node.url))
        assert crawl(local).returncode == 0
        result = crawl(remote)
        assert result.returncode == 0, result.stdout + result.stderr
        first_details = [p for p in villum.requests if "/group/channel/" in p]
        villum.requests.clear()
        again = crawl(remote)  # incremental: the jobs get the stored state from this process
        assert again.returncode == 0, again.stdout + again.stderr
        second_details = [p for p in villum.requests if "/group/channel/" in p]

    local_calls, remote_calls = stored(local), stored(remote)
    assert len(remote_calls) >= 15
    assert _comparable(remote_calls) == _comparable(local_calls)
    assert {s: r["status"] for s, r in health(remote).items()} == dict.fromkeys(
        ["interreg", "novonordisk", "pdj", "villum_velux", "watch"], "ok")
    # The jobs are Scrapyd's: listjobs.json shows them finished, with this code's version.
    api = Scrapyd(node.url)
    finished = [j for j in api.jobs().values() if j.state == "finished"]
    assert sorted(j.spider for j in finished) == sorted(
        ["interreg", "novonordisk", "pdj", "villum_velux", "watch"] * 2)
    assert build_egg().version in api.versions()
    # The second crawl skipped every unchanged call page, and changed nothing.
    assert first_details and second_details == []
    assert "waiting for Scrapyd" in result.stderr and "villum_velux: done" in result.stderr
    with sqlite3.connect(tmp_path / "remote" / "fondsradar.db") as conn:
        assert conn.execute("select count(*) from call_changes").fetchone()[0] == 0
        skipped = conn.execute("select sum(skipped) from source_runs where run_id = "
                               "(select max(id) from runs)").fetchone()[0]
    assert skipped > 0


def test_the_eu_api_source_stores_the_same_on_scrapyd(node: ScrapydServer, tmp_path: Path
                                                      ) -> None:
    """erasmus (the SEDIA search API, real responses from tests/fixtures) through both engines."""
    with sedia_server() as url:
        sources = f'[sources.erasmus]\nsearch_url = "{url}"'
        local = _config(tmp_path / "local", sources)
        remote = _config(tmp_path / "remote", sources, _engine(node.url))
        results = [crawl(cfg, "erasmus", today=FETCHED) for cfg in (local, remote)]
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    local_calls = stored(local, FETCHED)
    assert len(local_calls) == 7
    assert _comparable(stored(remote, FETCHED)) == _comparable(local_calls)


def _start_crawl(config: Path, *sources: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_TODAY"}
    return subprocess.Popen(
        [sys.executable, "-m", "fondsradar", "--config", str(config), "--today", TODAY, "crawl",
         *sources], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _running_job(api: Scrapyd, spider: str) -> dict:
    for _ in range(600):  # listjobs may not show the job as running yet; poll it, not a clock
        for job in api.jobs().values():
            if job.spider == spider and job.state == "running" and job.extra.get("pid"):
                return {"id": job.id, "pid": job.extra["pid"]}
        time.sleep(0.1)
    raise AssertionError("the job never showed as running")


def _held_crawl(node: ScrapydServer, pdj: Site, config: Path
                ) -> tuple[subprocess.Popen[str], Scrapyd, dict]:
    """``fondsradar crawl pdj`` started with the pdj listing held: its job is running and
    waiting for the answer until the test sets ``pdj.release``."""
    pdj.faults["/nyheder/"] = "hold"
    proc = _start_crawl(config, "pdj")
    assert pdj.arrived.wait(120), "the job never asked for the listing"
    api = Scrapyd(node.url)
    return proc, api, _running_job(api, "pdj")


def _last_message(config: Path, source: str) -> tuple[str, str]:
    row = health(config)[source]
    return row["status"], row["message"]


@pytest.mark.parametrize("how", ["killed", "cancelled"])
def test_a_job_that_dies_or_is_cancelled_fails_its_source_and_loses_nothing(
        node: ScrapydServer, tmp_path: Path, how: str) -> None:
    with serve("pdj") as pdj:
        config = _config(tmp_path, f"[sources.pdj]\nstart_urls = "
                                   f"{toml_list([pdj.url('/nyheder/')])}", _engine(node.url))
        assert crawl(config, "pdj").returncode == 0
        before = stored(config)
        assert before
        proc, api, job = _held_crawl(node, pdj, config)
        try:
            if how == "killed":
                os.kill(job["pid"], signal.SIGKILL)  # as the kernel's OOM killer would
            else:
                assert api.cancel(job["id"]) == "running"
        finally:
            pdj.release.set()
            out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, out + err
    status, message = _last_message(config, "pdj")
    assert status == "failed"
    if how == "killed":
        assert message.startswith("the Scrapyd job ended without finishing its crawl (job ")
        assert message.endswith("its log shows no error: the process was stopped from outside)")
    else:
        assert "the crawl stopped early (shutdown)" in message
    assert "pdj failed: " in out
    after = stored(config)
    assert after.keys() == before.keys()
    assert all(call["seen"] for call in after.values())  # nothing marked gone


def test_scrapyd_down_fails_every_source_plainly_and_keeps_the_store(tmp_path: Path) -> None:
    with serve("pdj") as pdj:
        sources = f"[sources.pdj]\nstart_urls = {toml_list([pdj.url('/nyheder/')])}"
        local = _config(tmp_path, sources)
        assert crawl(local, "pdj").returncode == 0
        before = stored(local)
        down = f"http://127.0.0.1:{free_port()}"
        _config(tmp_path, sources, _engine(down))
        result = crawl(local, "pdj")
    assert result.returncode == 3, result.stdout + result.stderr
    status, message = _last_message(local, "pdj")
    assert status == "failed"
    assert message == (f"Scrapyd could not be used: Scrapyd at {down} could not be reached "
                       "(connection refused: is it running?)")
    assert stored(local) == before


def test_deploy_uploads_once_and_uses_the_password_from_the_environment(tmp_path: Path) -> None:
    with scrapyd(tmp_path / "node", username="radar", password="s3cret-pw") as server:
        config = _config(tmp_path, "[sources.pdj]", _engine(
            server.url, 'scrapyd_username = "radar"\nscrapyd_password_env = "RADAR_PW"'))
        env = {**os.environ, "RADAR_PW": "s3cret-pw"}
        base = [sys.executable, "-m", "fondsradar", "--config", str(config), "deploy"]
        first = subprocess.run(base, capture_output=True, text=True, env=env, cwd=ROOT)
        second = subprocess.run(base, capture_output=True, text=True, env=env, cwd=ROOT)
        unset = subprocess.run(base, capture_output=True, text=True, cwd=ROOT,
                               env={k: v for k, v in env.items() if k != "RADAR_PW"})
        wrong = subprocess.run(base, capture_output=True, text=True, cwd=ROOT,
                               env={**env, "RADAR_PW": "nope"})
    version = build_egg().version
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Uploaded version {version} of project fondsradar" in first.stdout
    assert "spiders" in first.stdout
    assert second.returncode == 0 and "already has version" in second.stdout
    assert unset.returncode == 2
    assert "the environment variable RADAR_PW is not set" in unset.stderr
    assert wrong.returncode == 1 and "refused the user name or password" in wrong.stderr
    for result in (first, second, unset, wrong):
        assert "s3cret-pw" not in result.stdout + result.stderr


def test_interrupting_the_command_cancels_its_jobs(node: ScrapydServer, tmp_path: Path) -> None:
    with serve("pdj") as pdj:
        config = _config(tmp_path, f"[sources.pdj]\nstart_urls = "
                                   f"{toml_list([pdj.url('/nyheder/')])}", _engine(node.url))
        proc, api, job = _held_crawl(node, pdj, config)
        try:
            proc.send_signal(signal.SIGINT)  # Ctrl+C
            out, err = proc.communicate(timeout=300)
        finally:
            pdj.release.set()
        for _ in range(600):  # the cancelled job winds down on Scrapyd
            if api.jobs()[job["id"]].state == "finished":
                break
            time.sleep(0.1)
    assert proc.returncode == 1, out + err
    assert "Aborted." in err  # click turns Ctrl+C into its Abort
    finished = api.jobs()[job["id"]]
    assert finished.state == "finished"
    # Cancelled by the command, not run to its end: Scrapy closed it on the signal.
    summary = summary_in_log(api.read_text(finished.log_url), "pdj")
    assert summary is not None and summary.reason == "shutdown"
    store = sqlite3.connect(tmp_path / "fondsradar.db")
    try:
        [(status,)] = store.execute("select status from runs").fetchall()
    finally:
        store.close()
    assert status == "interrupted"


def test_a_scrapyd_that_keeps_no_feeds_is_named(tmp_path: Path) -> None:
    with scrapyd(tmp_path / "node", keep_items=False) as server, serve("pdj") as pdj:
        config = _config(tmp_path, f"[sources.pdj]\nstart_urls = "
                                   f"{toml_list([pdj.url('/nyheder/')])}", _engine(server.url))
        result = crawl(config, "pdj")
    assert result.returncode == 3, result.stdout + result.stderr
    status, message = _last_message(config, "pdj")
    assert status == "failed"
    assert "Scrapyd keeps no item feeds" in message and "items_dir" in message


def test_the_outbound_policy_and_budget_hold_inside_scrapyd_jobs(
        node: ScrapydServer, tmp_path: Path) -> None:
    """The jobs run in Scrapyd's processes, with the settings the egg and the schedule call
    carry: a link to another site is refused there too, the request budget ends a crawler trap,
    and the source's health says so exactly as it does on the local engine."""
    with hostile_site("127.0.0.2") as elsewhere, hostile_site() as site:
        site.html("/en/grant/", listing("/en/grant/call-a/",
                                        head=f'<link rel="next" href="{elsewhere.url("/p2")}">'))
        site.html("/en/grant/call-a/", call_page("Science teaching a 2027"))
        for n in range(1, 40):  # a trap: every page links to one more
            site.html(f"/list/{n}", listing(f"/en/grant/call-{n}/",
                                            head=f'<link rel="next" href="/list/{n + 1}">'))
            site.html(f"/en/grant/call-{n}/", call_page(f"Trap call {n} 2027"))
        elsewhere.html("/p2", listing("/en/grant/trap/"))
        sources = (f"[sources.novonordisk]\nstart_urls = "
                   f"{toml_list([site.url('/en/grant/'), site.url('/list/1')])}\n"
                   "max_requests = 15\n")
        local = _config(tmp_path / "local", sources)
        remote = _config(tmp_path / "remote", sources, _engine(node.url))
        local_result = crawl(local)
        local_requests = len(site.requests)
        site.requests.clear()
        result = crawl(remote)
    assert elsewhere.requests == []
    assert len(site.requests) == local_requests == 15, site.requests
    assert result.returncode == local_result.returncode == 3, result.stdout + result.stderr
    for config in (local, remote):
        row = health(config)["novonordisk"]
        assert row["status"] == "failed" and row["cause"] == "refused", row
        assert "stopped after 15 requests" in row["message"], row["message"]
        assert "outside the allowed sites were refused" in row["message"], row["message"]
    assert "Science teaching a 2027" in stored(remote)
