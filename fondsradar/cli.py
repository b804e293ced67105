"""The ``fondsradar`` command line (docs/architecture.md "Command line").

Expected failures are one plain line ("Error: ...") and an exit code: 0 done; 3 done, but a
source failed; 2 bad usage or bad config; 1 anything else. No traceback reaches staff.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from fondsradar.config import Config, ConfigError, config_path, load_config
from fondsradar.manual import fields_help
from fondsradar.sendstatus import SendStatus
from records import clock
from records.bounds import strip_controls
from records.store import Store

EXIT_SOURCE_FAILED = 3


class Obj:
    """What every command shares: where the config is, and the day to run for."""

    def __init__(self, config_file: Path, forced_today: date | None):
        self.config_file = config_file
        self.forced_today = forced_today  # --today / $FONDSRADAR_TODAY, when given
        # Computed once per command and passed to everything that needs it.
        self.today = clock.today(forced_today)
        self._cfg: Config | None = None

    @property
    def cfg(self) -> Config:
        if self._cfg is None:
            try:
                self._cfg = load_config(self.config_file)
            except ConfigError as exc:
                for line in str(exc).splitlines():
                    click.echo(f"Error: {line}", err=True)
                click.echo("Run `fondsradar check-config` after fixing it.", err=True)
                sys.exit(2)
            _LOADED[:] = [self._cfg]
        return self._cfg

    def store(self) -> Store:
        from fondsradar.failures import store_problem

        try:
            return Store(self.cfg.db_path)
        except (sqlite3.Error, OSError) as exc:
            problem = store_problem(self.cfg.db_path, exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


# The config of this command once loaded: where a crash report goes, which file is the store.
_LOADED: list[Config] = []


pass_obj = click.make_pass_decorator(Obj)


def plain(text: Any) -> str:
    """Text from pages or the store, fit for a terminal: escape codes and other control
    characters out (a scraped title must not clear the screen or rename the window)."""
    return strip_controls(str(text), one_line=True)


def _parse_today(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter("expected a date like 2026-06-27") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="The config file (default: $FONDSRADAR_CONFIG, else ./config.toml).")
@click.option("--today", "today", callback=_parse_today, envvar="FONDSRADAR_TODAY",
              help="Run as if today were this date (YYYY-MM-DD; also $FONDSRADAR_TODAY); "
                   "for replays and tests.")
@click.version_option(package_name="fondsradar")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, today: date | None) -> None:
    """Fondsradar finds funding calls for Den Midtjyske Teknologipagt and mails a digest."""
    ctx.obj = Obj(config_path(config), today)


# ------------------------------------------------------------------------------ progress
class Progress:
    """Per-source progress: a live table on a terminal, plain lines otherwise."""

    def __init__(self, sources: list[str]):
        self.state: dict[str, str] = {s: "waiting" for s in sources}
        self.live: Any = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self.live = Live(self._table(), console=Console(stderr=True), transient=True,
                             refresh_per_second=4)

    def __enter__(self) -> Progress:
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.live.__exit__(None, None, None)

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title="Crawling", show_header=True)
        table.add_column("source")
        table.add_column("progress")
        for source, text in self.state.items():
            table.add_row(source, text)
        return table

    def __call__(self, event: dict[str, Any]) -> None:
        from fondsradar.status_text import fit, reason

        source, kind = event.get("source", "?"), event.get("event")
        if kind == "started":
            text = "started"
        elif kind == "queued":
            text = "waiting for Scrapyd"
        elif kind == "progress":
            text = f"{event.get('items', 0)} calls so far" + (
                f" ({event['requests']} requests)" if "requests" in event else "")
        elif kind == "retrying":
            text = (f"no answer ({event.get('reason')}); waiting {event.get('wait_s', 0):g} s, "
                    f"then retry {event.get('attempt')} of {event.get('retries')}")
        elif kind == "closed":
            text = f"done: {event.get('items', 0)} calls" if event.get("status") == "ok" else (
                f"FAILED: {reason(event)}")
        else:
            return
        self.state[source] = fit(plain(text), 80)
        if self.live:
            self.live.update(self._table())
        else:
            click.echo(f"{source}: {plain(text)}", err=True)


def _summary(outcomes: list[Any]) -> None:
    rows = [("source", "calls found", "new", "changed", "failed")]
    for o in outcomes:
        rows.append((o.source, str(o.items), str(o.new), str(o.changed),
                     "no" if o.status == "ok" else "YES"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    from fondsradar.status_text import cause_words, detail_lines, fit

    alike: dict[tuple[str, str, str], list[str]] = {}  # sources failing alike are told once
    for o in outcomes:
        if o.status != "ok":
            alike.setdefault((str(o.cause), o.message, o.problems), []).append(o.source)
    for (cause, message, found), names in alike.items():  # the cause, then each problem
        row = {"cause": cause, "message": message, "problems": found}
        who = ", ".join(names)
        click.echo(fit(f"{who} failed: {cause_words(row) or 'see below'}"))
        for line in detail_lines(row, "  "):
            click.echo(line)


def _report_failures(result: Any) -> None:
    if result.offline:
        click.echo("No source could be reached: this machine seems to have no internet access.\n"
                   "Nothing stored was lost. To see what Fondsradar makes without network, run "
                   "`fondsradar demo`.")
    elif result.failed:
        click.echo("Some sources failed; what they had stored before is kept. "
                   "See `fondsradar status`.")


# ------------------------------------------------------------------------------- commands
@cli.command()
@click.option("--no-send", is_flag=True, help="Write the digest files but do not email them.")
@click.option("--replay", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Answer every request from this HTTP Archive (HAR) instead of the network.")
@pass_obj
def run(obj: Obj, no_send: bool, replay: Path | None) -> None:
    """The weekly job: crawl every enabled source, match, write the digest, send it."""
    from fondsradar import job

    cfg = obj.cfg
    store = obj.store()
    with Progress(list(cfg.sources.enabled())) as progress:
        result = job.run(cfg, store, today=obj.today, replay=replay,
                         send=not no_send, on_event=progress)
    _summary(result.outcomes)
    for path in result.files:
        click.echo(f"Digest written to {path}")
    _report_sends(result.sends, sending=not no_send, smtp=cfg.smtp is not None)
    _report_failures(result)
    sys.exit(result.exit_code)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--replay", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Answer every request from this HTTP Archive (HAR) instead of the network.")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the crawl's HTTP traffic to this HAR file (for new test fixtures).")
@pass_obj
def crawl(obj: Obj, sources: tuple[str, ...], replay: Path | None, record: Path | None) -> None:
    """Collect and store calls (all enabled sources, or those named)."""
    from fondsradar import job

    cfg = obj.cfg
    enabled = list(cfg.sources.enabled())
    unknown = [s for s in sources if s not in enabled]
    if unknown:
        raise click.UsageError(
            f"unknown or disabled source {', '.join(unknown)}; enabled: {', '.join(enabled)}")
    names = list(sources) or enabled
    store = obj.store()
    with Progress(names) as progress:
        result = job.crawl(cfg, store, today=obj.today, sources=names,
                           replay=replay, record=record, on_event=progress)
    _summary(result.outcomes)
    if record:
        click.echo(f"Traffic recorded to {record}")
    _report_failures(result)
    sys.exit(result.exit_code)


@cli.command()
@click.option("--theme", help="Only this theme (its slug, e.g. piger_stem).")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many calls to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/architecture.md).")
@click.option("--explain", is_flag=True, help="Show the terms behind each score.")
@click.option("--compare", "other", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show which calls would enter or leave each theme's top list with this "
                   "other config (e.g. an edited copy of config.toml).")
@pass_obj
def rank(obj: Obj, theme: str | None, limit: int, as_json: bool, explain: bool,
         other: Path | None) -> None:
    """Stored open calls ranked per theme, with why."""
    from fondsradar.ranking import rank_calls

    cfg = obj.cfg
    if theme and theme not in cfg.themes:
        raise click.UsageError(f"unknown theme {theme!r}; themes: {', '.join(cfg.themes)}")
    # Calls only: page watches have no deadline or amount to rank (the digest shows them apart).
    calls = [c for c in obj.store().calls.current(obj.today) if c["status"] != "watch"]
    if other is not None:
        from fondsradar.tuning import compare

        other_cfg = Obj(other, obj.forced_today).cfg
        click.echo(f"If {other.name} were saved instead of {obj.config_file.name}:")
        for line in compare(cfg, other_cfg, calls, limit):
            if theme is None or f"({theme})" in line or line.startswith("  "):
                click.echo(line)
        return
    from fondsradar.ranking import feedback_from

    # the terms are named for the calls shown (with --theme the order is the theme's own)
    rankings = rank_calls(cfg, calls, feedback_from(obj.store(), obj.today),
                          explain=None if theme else limit)
    if theme:
        rankings = sorted(rankings, key=lambda r: r.themes.get(theme, 0.0), reverse=True)
        rankings = [r for r in rankings if r.themes.get(theme, 0.0) > 0]
    rankings = rankings[:limit]
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rankings], ensure_ascii=False, indent=2))
        return
    if not rankings:
        click.echo("No stored open calls match. Run `fondsradar crawl` first?")
    for i, r in enumerate(rankings, 1):
        slug = theme or r.best_theme
        score = r.themes.get(slug, r.score) if slug else r.score
        name = cfg.themes[slug].name if slug in cfg.themes else "-"
        click.echo(f"{i:>2}. {score:.3f}  {plain(r.title)}  [{name}]")
        if explain:
            for s, terms in r.matched.items():
                if terms and (theme is None or s == theme):
                    click.echo(plain(f"      {s} {r.themes.get(s, 0):.3f}: {', '.join(terms)}"))
            signals = getattr(r, "signals", {}) or {}
            found = [f"{k}: {', '.join(v)}" for k, v in signals.items() if v]
            if found:
                click.echo(plain(f"      signals: {'; '.join(found)}"))


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write the digest here instead of the config's digest.out_dir.")
@click.option("--send", is_flag=True,
              help="Email each group its digest (once per week; a failed send is retried).")
@click.option("--to", "to", metavar="ADDRESS",
              help="With --send: send one test digest of all themes to this address only "
                   "(not recorded as any group's digest).")
@pass_obj
def digest(obj: Obj, out: Path | None, send: bool, to: str | None) -> None:
    """Build (and send) the digest from what is stored."""
    from fondsradar import job

    cfg = obj.cfg
    if to is not None:
        if not send:
            raise click.UsageError("--to sends a test digest: use it with --send")
        if not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$", to):
            raise click.UsageError(f"--to: {to!r} is not an email address")
        if cfg.smtp is None:
            raise click.ClickException("no [smtp] in the config, so nothing can be sent")
        report = job.send_test_digest(cfg, obj.store(), obj.today, to, out_dir=out)
        if report.status == SendStatus.SENT:
            click.echo(f"Test digest sent to {to} ({report.size} bytes).")
            return
        raise click.ClickException(f"the test digest was not sent: {report.detail}")
    delivery = job.deliver(cfg, obj.store(), obj.today, send=send, out_dir=out)
    for path in delivery.files:
        click.echo(f"Digest written to {path}")
    _report_sends(delivery.reports, sending=send, smtp=cfg.smtp is not None)
    if any(r.failed for r in delivery.reports):
        sys.exit(1)


def _report_sends(reports: list[Any], *, sending: bool, smtp: bool) -> None:
    """One line per group: what happened to its email this run."""
    for r in reports:
        who = f"{r.group} ({', '.join(r.recipients)})"
        if r.status == SendStatus.SENT:
            click.echo(f"Sent to {who}.")
        elif r.status == SendStatus.ALREADY_SENT:
            click.echo(f"Already sent to {r.group} this week; not sent again.")
        elif r.status == SendStatus.NOTHING:
            click.echo(f"Nothing new, changed or closing soon for {r.group}: no email.")
        elif r.status == SendStatus.BUSY:
            click.echo(f"Another run is sending the digest of {r.group}; left to it.")
        elif r.status == SendStatus.WRITTEN:
            click.echo(f"Email for {who} written to {r.eml}, not sent.")
        else:
            retry = "the next run retries it"
            click.echo(f"NOT sent to {who}: {plain(r.detail)} ({retry}).")
    if sending and not smtp:
        click.echo("No [smtp] in the config: nothing was sent; the files above are the digest.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), default="json",
              show_default=True,
              help="json: one array; jsonl: one call a line; csv: for a spreadsheet (header "
                   "row, one row per call, lists joined with '; ').")
@click.option("--all", "include_all", is_flag=True,
              help="Every stored call, closed and unseen ones included.")
@click.option("--no-bom", is_flag=True,
              help="csv: leave out the byte order mark Excel needs to read UTF-8 (æøå).")
@click.option("--delimiter", type=click.Choice(["comma", "semicolon"]), default="comma",
              show_default=True,
              help="csv: the separator; semicolon for an Excel set to Danish.")
@pass_obj
def export(obj: Obj, fmt: str, include_all: bool, no_bom: bool, delimiter: str) -> None:
    """Stored calls; open and forthcoming unless --all."""
    records = obj.store().calls.current(obj.today, include_all=include_all)
    if fmt == "csv":
        from fondsradar.export import to_csv

        text = to_csv(records, bom=not no_bom, delimiter=";" if delimiter == "semicolon" else ",")
        out = sys.stdout.buffer
        out.write(text.encode("utf-8"))  # as is: CRLF rows, BOM, UTF-8 whatever the locale
        out.flush()
        return
    click.echo(_format_records(records, fmt), nl=False)


def _format_records(records: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@cli.command(name="import", epilog="\b\nFields (one JSON object per line):\n" + "\n".join(
    f"  {line}" for line in fields_help().splitlines()))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_obj
def import_(obj: Obj, file: Path) -> None:
    """Add or update calls by hand from a JSON Lines file (title and url required).

    Every line is checked first: any wrong value stops the import with one line per problem
    (file, line number, field) and nothing is written (exit 2). An unknown field, or a date or
    amount no call can have, is left out with a warning."""
    from fondsradar.manual import ImportError_, read_import

    try:
        imported = read_import(file)
    except ImportError_ as exc:
        for line in exc.problems:
            click.echo(f"Error: {line}", err=True)
        click.echo(f"Nothing was imported from {file.name}; fix the lines above and run "
                   "the import again.", err=True)
        sys.exit(2)
    for line in imported.warnings:
        click.echo(f"Warning: {line}", err=True)
    records = imported.records
    new, changed = obj.store().calls.import_records(records)
    click.echo(f"Imported {len(records)} calls from {file.name}: {new} new, {changed} changed.")


@cli.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per source (a JSON array) for scripts and monitoring.")
@pass_obj
def status(obj: Obj, as_json: bool) -> None:
    """Per source: last run, calls, errors, healthy or not."""
    from zoneinfo import ZoneInfo

    from fondsradar.schedule import next_run
    from fondsradar.status_text import status_lines

    cfg = obj.cfg
    tz = ZoneInfo(cfg.schedule.timezone)
    store = obj.store()
    health = store.sources.latest()
    if as_json:
        click.echo(json.dumps([source_status(h) for h in health], ensure_ascii=False, indent=2))
        return
    if not health:
        click.echo("No crawl has run yet. Run `fondsradar crawl`.")
    lines = status_lines(health, [], store.sources.of_run, tz)
    for line in lines:
        click.echo(line)
    upcoming = next_run(cfg)
    click.echo(f"Schedule: {cfg.schedule.cron} ({cfg.schedule.timezone}); next run "
               + (f"{upcoming:%Y-%m-%d %H:%M} if `fondsradar schedule` runs" if upcoming
                  else "never (the schedule never fires; see `fondsradar check-config`)"))
    for line in status_lines([], store.runs.recent(5), store.sources.of_run, tz):
        click.echo(line)


def source_status(row: dict[str, Any]) -> dict[str, Any]:
    """One source's latest run as ``status --json`` prints it (docs/architecture.md)."""
    from crawler.health import FieldStats

    healthy = row["status"] == "ok"
    try:
        problems = json.loads(row.get("problems") or "[]")
    except ValueError:
        problems = []
    if not isinstance(problems, list):
        problems = []
    if not healthy and not problems and row.get("message"):
        problems = [row["message"]]  # a run recorded before problems were kept one by one
    fields = FieldStats.from_json(row.get("fields"))
    return {
        "source": row["source"], "last_run": row["finished_at"], "healthy": healthy,
        "problems": [str(p) for p in problems] if not healthy else [],
        "calls": int(row["items"] or 0),
        "fields": fields.shares() if fields else {},
        "cause": row.get("cause") or "", "last_good_run": row.get("last_ok"),
    }


@cli.command()
@click.argument("call_id")
@click.argument("verdict", type=click.Choice(["relevant", "irrelevant"]))
@click.option("--theme", help="The verdict is about this theme only (its slug).")
@pass_obj
def feedback(obj: Obj, call_id: str, verdict: str, theme: str | None) -> None:
    """Tell Fondsradar a call is relevant or not; similar calls rise or fall from then on.

    A call marked irrelevant (without --theme) never appears in a digest again."""
    cfg = obj.cfg
    if theme and theme not in cfg.themes:
        raise click.UsageError(f"unknown theme {theme!r}; themes: {', '.join(cfg.themes)}")
    store = obj.store()
    call = store.calls.get(call_id, obj.today)
    if call is None:
        raise click.ClickException(
            f"no stored call with id {call_id!r}; `fondsradar export` lists the ids")
    store.feedback.add(call_id, verdict, theme)
    about = f" for {cfg.themes[theme].name}" if theme else ""
    click.echo(f"Noted: {plain(call['title'])!r} is {verdict}{about}.")
    if verdict == "irrelevant" and not theme:
        click.echo("It will not appear in a digest again.")


@cli.command()
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_obj
def evaluate(obj: Obj, labels: Path) -> None:
    """Measure the ranking on labelled calls (JSON Lines), beside a plain TF-IDF baseline."""
    from fondsradar.manual import ImportError_
    from fondsradar.tuning import evaluate as run

    try:
        click.echo(run(obj.cfg, labels, obj.today))
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None


@cli.command(name="check-config")
@pass_obj
def check_config(obj: Obj) -> None:
    """Validate config.toml and say exactly what is wrong."""
    from fondsradar.config import writable_problems

    cfg = obj.cfg
    problems = writable_problems(cfg)
    if problems:
        for line in problems:
            click.echo(f"Error: {obj.config_file.name}: {line}", err=True)
        sys.exit(2)
    sources = ", ".join(cfg.sources.enabled()) or "none"
    click.echo(f"OK: {obj.config_file}")
    click.echo(f"  sources: {sources}")
    click.echo(f"  themes: {len(cfg.themes)} ({', '.join(cfg.themes)})")
    click.echo(f"  database: {cfg.db_path}")
    click.echo(f"  digest: {cfg.digest.language}, to {cfg.out_dir}, "
               f"{len(cfg.digest.groups)} group(s)")
    click.echo("  email: " + (f"via {cfg.smtp.host}:{cfg.smtp.port}" if cfg.smtp
                              else "not configured (digests are written to files)"))
    click.echo(f"  schedule: {cfg.schedule.cron} ({cfg.schedule.timezone})")


@cli.command()
@pass_obj
def schedule(obj: Obj) -> None:
    """Run the scheduler in the foreground (the weekly job at the config's cron time)."""
    from fondsradar.schedule import run_scheduler

    run_scheduler(obj.cfg, obj.config_file)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="The port to serve on (on this machine only: 127.0.0.1).")
@click.option("--no-open", is_flag=True, help="Do not open a browser window.")
@click.option("--all", "include_all", is_flag=True,
              help="Every stored call, closed and unseen ones included.")
@pass_obj
def browse(obj: Obj, port: int, no_open: bool, include_all: bool) -> None:
    """Search and filter the stored calls in a browser (Datasette, read-only); Ctrl+C stops.

    Facets by source, status and theme; canned queries such as "closing within 30 days"."""
    import socket

    from fondsradar.browse import default_folder, serve, write_snapshot

    cfg = obj.cfg
    with socket.socket() as probe:  # say it plainly, before a minute of ranking
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise click.ClickException(
                f"port {port} is in use (another `fondsradar browse`?); try --port "
                f"{port + 1 if port < 65535 else 8002}") from None
    snapshot = write_snapshot(cfg, obj.store(), obj.today, default_folder(cfg),
                              include_all=include_all)
    url = f"http://127.0.0.1:{port}/fondsradar/calls"
    click.echo(f"{snapshot.calls} calls as of {obj.today} (read-only copy: {snapshot.database}).")
    if not snapshot.calls:
        click.echo("Nothing stored yet: run `fondsradar crawl` (or try `fondsradar demo`).")
    click.echo(f"Open {url} in a browser; press Ctrl+C here to stop.", err=False)
    serve(snapshot, host="127.0.0.1", port=port, open_browser=not no_open)


@cli.command()
@click.option("--force", is_flag=True, help="Upload even if Scrapyd has this version already.")
@pass_obj
def deploy(obj: Obj, force: bool) -> None:
    """Upload the crawler to Scrapyd (crawl.scrapyd_url) unless it has this version."""
    from fondsradar.remote import SetupError, client
    from fondsradar.remote import deploy as upload
    from fondsradar.scrapyd_api import ScrapydError

    try:
        api = client(obj.cfg)
        done = upload(api, force=force)
    except SetupError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except ScrapydError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if done.uploaded:
        click.echo(f"Uploaded version {done.version} of project {api.project} to {api.url} "
                   f"({done.spiders} spiders).")
    else:
        click.echo(f"{api.url} already has version {done.version} of project {api.project}.")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-out"), show_default=True, help="Where to write the demo.")
def demo(out: Path) -> None:
    """The whole weekly job offline, on bundled sample traffic, into ./demo-out/."""
    from fondsradar.demo import run_demo

    obj = click.get_current_context().find_object(Obj)
    code, files = run_demo(obj.cfg, out, echo=click.echo, today=obj.forced_today)
    for path in files:
        click.echo(f"Demo digest: {path.resolve()}")
    sys.exit(code)


def main() -> None:
    """Console entry point: expected errors never show a traceback."""
    from fondsradar.lock import Busy

    try:
        cli.main(prog_name="fondsradar", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except Busy as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing stored was lost.", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for staff
        from fondsradar.failures import store_problem, write_crash_report

        cfg = _LOADED[0] if _LOADED else None
        problem = store_problem(cfg.db_path, exc) if cfg is not None else None
        if problem is not None:
            click.echo(f"Error: {problem}", err=True)
            sys.exit(1)
        log = write_crash_report(cfg.db_path.parent if cfg is not None else None)
        click.echo(f"Error: something unexpected went wrong ({type(exc).__name__}: "
                   f"{plain(exc)}). Every write to the store is all-or-nothing, so what was "
                   f"stored before is kept. The details are in {log}; please send that file "
                   "to whoever maintains Fondsradar.", err=True)
        sys.exit(1)


