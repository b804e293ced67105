"""The weekly job and its stages, wired: crawl → store → match → digest → send.

Each stage package stays pure (docs/architecture.md): this module reads the store, hands plain
records to
``matcher`` and ``digests``, and writes what they return.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from digests import (
    Audience,
    Call,
    Digest,
    FieldChange,
    RetryPolicy,
    Secret,
    SmtpSettings,
    SourceHealth,
    Theme,
    build_calendar,
    build_feed,
    build_message,
    compose,
    list_id,
    matching,
    new_message_id,
    render_archive,
    render_email,
    render_index,
    send_message,
    slug,
    week_of,
)
from digests.message import wire_size
from digests.model import CHANGE_FIELDS
from fondsradar.config import Config, DigestGroup
from fondsradar.crawl import CrawlRequest, Event, run_crawl
from fondsradar.lock import run_lock
from fondsradar.sendstatus import SendStatus
from records.clock import COPENHAGEN
from records.health import Cause
from records.store import SourceOutcome, Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SOURCE_FAILED = 0, 1, 2, 3


@dataclass
class JobResult:
    run_id: int
    outcomes: list[SourceOutcome] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    exit_code: int = EXIT_OK
    sends: list[SendReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def offline(self) -> bool:
        """Every source failed to connect: most likely this machine has no network."""
        return bool(self.outcomes) and all(o.cause == Cause.OFFLINE for o in self.outcomes)


def crawl(
    cfg: Config,
    store: Store,
    *,
    today: date,
    sources: Sequence[str] | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    command: str = "crawl",
    lock_fd: int | None = None,
    on_event: Callable[[Event], None] = lambda e: None,
) -> JobResult:
    """Collect and store; one run record, one source record per source.

    Holds the run lock (fondsradar.lock) unless the caller passes the one it holds."""
    if lock_fd is None:
        with run_lock(cfg.db_path) as fd:
            return crawl(cfg, store, today=today, sources=sources, replay=replay, record=record,
                         command=command, on_event=on_event, lock_fd=fd)
    names = list(sources or cfg.sources.enabled())
    store.runs.mark_interrupted()
    run_id = store.runs.start(command, today, pid=os.getpid())
    result = JobResult(run_id=run_id)
    try:
        result.outcomes = run_crawl(cfg, CrawlRequest(
            sources=names, run_id=run_id, today=today,
            replay=replay, record=record, lock_fd=lock_fd), on_event)
    except BaseException:
        store.runs.finish(run_id, "interrupted", EXIT_ERROR, "the crawl was interrupted")
        raise
    result.exit_code = EXIT_SOURCE_FAILED if result.failed else EXIT_OK
    if command == "crawl":
        _finish(store, result)
    return result


def _finish(store: Store, result: JobResult) -> None:
    message = "; ".join(f"{o.source}: {o.message}" for o in result.failed)
    store.runs.finish(result.run_id, "failed" if result.failed else "ok", result.exit_code,
                     message)


# ---------------------------------------------------------------------------- the digest
EMAIL, ARCHIVE = "email", "archive"
WEEK_PAGE = re.compile(r"^\d{4}-W\d{2}\.html$")
CALENDAR_FILE, FEED_FILE, INDEX_FILE = "fondsradar.ics", "feed.atom", "index.html"
FILES_SENDER = "Fondsradar <fondsradar@localhost>"  # From of the .eml files when no [smtp]


class SmtpSetupError(Exception):
    """The [smtp] table cannot be used as it is (e.g. the password's variable is unset)."""


@dataclass
class SendReport:
    """What happened to one group's digest (or a test digest) in this run."""

    group: str
    status: SendStatus
    detail: str = ""
    recipients: tuple[str, ...] = ()
    message_id: str = ""
    size: int = 0
    eml: Path | None = None

    @property
    def failed(self) -> bool:
        return self.status in (SendStatus.PENDING, SendStatus.FAILED)


@dataclass
class Delivery:
    """The digest step's result: the files written, and what happened to each group's email."""

    files: list[Path] = field(default_factory=list)
    reports: list[SendReport] = field(default_factory=list)


@dataclass
class Week:
    """One run's material for every digest, read from the store and ranked once."""

    today: date
    week: str
    language: str
    themes: list[Theme]
    calls: list[Call]
    health: list[SourceHealth]


def gather(cfg: Config, store: Store, today: date) -> Week:
    """Stored open calls with the matcher's verdict, and the sources' health."""
    from fondsradar.ranking import feedback_from, rank_calls, rejected  # loads scikit-learn

    refused = rejected(store, today)
    records = [r for r in store.calls.current(today) if r["id"] not in refused]
    feedback = feedback_from(store, today)
    rankings = {r.id: r for r in rank_calls(cfg, records, feedback)} if records else {}
    store.calls.set_signals({i: r.signals for i, r in rankings.items()})
    moves = store.calls.deadline_moves()
    calls = []
    for record in records:
        r = rankings.get(record["id"])
        calls.append(Call.from_record(
            record,
            scores=r.themes if r else None,
            # the matched terms as the digest's reader knows them (a Danish reader sees
            # "erhvervsuddannelse" where an English call matched "vocational")
            matched={t: r.reasons(t, cfg.digest.language) for t in r.matched} if r else None,
            signals=getattr(r, "signals", None) if r else None,
            deadline_moves=moves.get(record["id"], 0),
        ))
    return Week(
        today=today, week=week_of(today), language=cfg.digest.language,
        themes=[Theme(slug, t.name) for slug, t in cfg.themes.items()],
        calls=calls, health=[SourceHealth.from_row(h) for h in store.sources.latest()],
    )


def compose_for(cfg: Config, store: Store, wk: Week, audience: Audience, kind: str) -> Digest:
    """``audience``'s digest of the week: "new" and "changed" relative to what the store says
    it was sent (or, for the archive, shown) in earlier weeks."""
    included = store.digests.included(kind, audience.name, wk.week)
    since = store.digests.last_sent(kind, audience.name, wk.week)
    changes = [FieldChange(**row) for row in store.calls.changes_since(since, CHANGE_FIELDS)
               ] if since else []
    return compose(audience=audience, today=wk.today, language=wk.language, themes=wk.themes,
                   calls=wk.calls, included=included, since=since, changes=changes,
                   health=wk.health, closing_soon_days=cfg.digest.closing_soon_days)


def write_digest(cfg: Config, store: Store, today: date, out_dir: Path | None = None) -> list[Path]:
    """Write the week's files (archive page, index, calendar, feed, each group's .eml)."""
    return deliver(cfg, store, today, send=False, out_dir=out_dir).files


def deliver(
    cfg: Config,
    store: Store,
    today: date,
    *,
    send: bool,
    out_dir: Path | None = None,
    retry: RetryPolicy | None = None,
) -> Delivery:
    """The digest step of the weekly job: write the files, then send each group's email.

    Files are written every run. Emails go out only with ``send`` and an [smtp] table, once
    per group and week; a group with nothing new, changed or closing gets none.
    """
    out = out_dir or cfg.out_dir
    remove_leftovers(out)
    wk = gather(cfg, store, today)
    delivery = Delivery(files=write_files(cfg, store, wk, out))
    for group in cfg.digest.groups:
        report = _group_digest(cfg, store, wk, group, out, send=send, retry=retry)
        if report.eml:
            delivery.files.append(report.eml)
        delivery.reports.append(report)
    return delivery


def write_files(cfg: Config, store: Store, wk: Week, out: Path) -> list[Path]:
    """The archive page of the week, the index of weeks, the calendar and the feed."""
    now = datetime.now(UTC)
    archive = compose_for(cfg, store, wk, Audience(name=""), ARCHIVE)
    page = out / f"{wk.week}.html"
    atomic_write(page, render_archive(archive, index_url=INDEX_FILE, calendar_url=CALENDAR_FILE,
                                      feed_url=FEED_FILE))
    store.digests.record_archive(wk.week, archive.call_ids())
    weeks = [p.stem for p in out.glob("*-W*.html") if WEEK_PAGE.match(p.name)]
    index = out / INDEX_FILE
    atomic_write(index, render_index(weeks, language=wk.language, today=wk.today,
                                     calendar_url=CALENDAR_FILE, feed_url=FEED_FILE))
    calendar = out / CALENDAR_FILE
    open_calls = [c for c in wk.calls if c.status in ("open", "forthcoming")]
    atomic_write(calendar, build_calendar(open_calls, language=wk.language, today=wk.today,
                                          now=now, organizer=_sender_address(cfg)
                                          ).decode("utf-8"))
    feed = out / FEED_FILE
    atomic_write(feed, build_feed(matching(wk.calls, wk.themes), language=wk.language, now=now,
                                  alternate_url=_archive_base(cfg)).decode("utf-8"))
    return [page, index, calendar, feed]


def _sender_address(cfg: Config) -> str:
    return parseaddr(cfg.smtp.sender if cfg.smtp else FILES_SENDER)[1]


def _archive_base(cfg: Config) -> str | None:
    """Where staff can open the archive pages over the web, if ``digest.archive_url`` says."""
    base = cfg.digest.archive_url
    return str(base).rstrip("/") + "/" if base else None


def archive_url(cfg: Config, out: Path, week: str) -> str:
    """The link behind "og N flere": the week's page on the web when configured, else the
    file itself (works where out_dir is reachable, e.g. a shared drive)."""
    base = _archive_base(cfg)
    return f"{base}{week}.html" if base else (out / f"{week}.html").resolve().as_uri()


def _group_digest(
    cfg: Config,
    store: Store,
    wk: Week,
    group: DigestGroup,
    out: Path,
    *,
    send: bool,
    retry: RetryPolicy | None,
) -> SendReport:
    """One group's email of the week: composed, written as .eml, and (with ``send``) claimed
    in the store so no other run sends it too, sent, and its outcome recorded. Its calls are
    recorded as included only when the server accepted the message."""
    name = group.name
    recipients = tuple(group.emails)
    row = store.digests.get(EMAIL, name, wk.week)
    if row and row["status"] == "sent":
        return SendReport(name, SendStatus.ALREADY_SENT, f"sent {row['sent_at']}", recipients,
                          row["message_id"] or "")
    audience = Audience(name=name, emails=recipients, themes=tuple(group.themes))
    digest = compose_for(cfg, store, wk, audience, EMAIL)
    if digest.empty:
        return SendReport(name, SendStatus.NOTHING, "nothing new, changed or closing soon",
                          recipients)
    sender = cfg.smtp.sender if cfg.smtp else FILES_SENDER
    message_id = (row or {}).get("message_id") or new_message_id(sender, wk.week, name)
    msg = build_email(cfg, digest, out, sender=sender, to=recipients, message_id=message_id)
    eml = out / "mail" / f"{wk.week}-{slug(name)}.eml"
    atomic_write(eml, msg.as_string(), mode=0o600)  # it lists the group's addresses
    report = SendReport(name, SendStatus.WRITTEN, "", recipients, message_id, wire_size(msg), eml)
    if not send or cfg.smtp is None:
        report.detail = "no [smtp] in the config" if cfg.smtp is None else "--no-send"
        return report
    claimed = store.digests.claim(EMAIL, name, wk.week, message_id=message_id,
                                      subject=str(msg["Subject"]), recipients=recipients)
    if claimed is None:
        report.status, report.detail = SendStatus.BUSY, "another run is sending it or has sent it"
        return report
    if claimed["message_id"] != message_id:  # a run before this one chose the id
        msg.replace_header("Message-ID", claimed["message_id"])
        report.message_id = claimed["message_id"]
        atomic_write(eml, msg.as_string(), mode=0o600)
    try:
        settings = smtp_settings(cfg)
    except SmtpSetupError as exc:
        store.digests.finish(claimed["id"], status="failed", attempts=0, error=str(exc))
        report.status, report.detail = SendStatus.FAILED, str(exc)
        return report
    result = send_message(msg, settings, retry=retry)
    if result.ok:
        refused = "; ".join(f"{a}: {m}" for a, m in result.refused.items())
        store.digests.finish(claimed["id"], status="sent", attempts=result.attempts,
                                 error=f"refused: {refused}" if refused else "",
                                 call_ids=digest.call_ids())
        store.digests.supersede(EMAIL, name, wk.week)
        report.status = SendStatus.SENT
        report.detail = f"refused: {refused}" if refused else ""
    else:
        status = SendStatus.PENDING if result.temporary else SendStatus.FAILED
        store.digests.finish(claimed["id"], status=status, attempts=result.attempts,
                                 error=result.error)
        report.status, report.detail = status, result.error
    return report


def build_email(
    cfg: Config,
    digest: Digest,
    out: Path,
    *,
    sender: str,
    to: tuple[str, ...],
    message_id: str,
    test: bool = False,
) -> EmailMessage:
    """The digest as a message: text and HTML, and the deadlines as an .ics attachment."""
    rendered = render_email(digest, max_per_section=cfg.digest.max_per_section,
                            archive_url=archive_url(cfg, out, digest.week), test=test)
    calls = digest.calendar_calls(rendered.cap)
    ics = build_calendar(calls, language=digest.language, today=digest.today,
                         now=datetime.now(UTC), organizer=parseaddr(sender)[1] or None,
                         ) if calls else None
    return build_message(
        rendered, sender=sender, to=to, message_id=message_id,
        list_id_value=list_id(digest.audience.name or "test", sender),
        date=message_date(digest.today), language=digest.language, ics=ics,
        ics_filename=f"fondsradar-{digest.week}.ics")


def message_date(day: date, now: datetime | None = None) -> datetime:
    """The email's Date: now, in Copenhagen time; on the digest's day when the job runs "as
    if today were" another day (demo, replays), so the header and the digest agree."""
    now = (now or datetime.now(UTC)).astimezone(COPENHAGEN)
    if now.date() == day:
        return now
    return datetime.combine(day, now.time().replace(tzinfo=None), tzinfo=COPENHAGEN)


def smtp_settings(cfg: Config) -> SmtpSettings:
    """The [smtp] table with the password read from the environment variable it names.

    The error names the variable, never a value.
    """
    smtp = cfg.smtp
    if smtp is None:
        raise SmtpSetupError("no [smtp] table in the config")
    password = None
    if smtp.password_env:
        value = os.environ.get(smtp.password_env)
        if not value:
            raise SmtpSetupError(
                f"smtp.password_env: the environment variable {smtp.password_env} is not set "
                "in the environment this job runs in")
        password = Secret(value)
    elif smtp.username:
        raise SmtpSetupError("smtp.username is set but smtp.password_env is not: name the "
                             "environment variable that holds the password")
    return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security,
                        username=smtp.username, password=password, timeout_s=smtp.timeout_s)


def send_test_digest(
    cfg: Config,
    store: Store,
    today: date,
    to: str,
    *,
    out_dir: Path | None = None,
    retry: RetryPolicy | None = None,
) -> SendReport:
    """A test digest of all themes to one address, sent even when there is nothing new, and
    not recorded: the groups' digests of the week are untouched."""
    out = out_dir or cfg.out_dir
    if cfg.smtp is None:
        return SendReport("test", SendStatus.FAILED, "no [smtp] in the config", (to,))
    wk = gather(cfg, store, today)
    digest = compose_for(cfg, store, wk, Audience(name="", emails=(to,)), ARCHIVE)
    message_id = new_message_id(cfg.smtp.sender, wk.week, "test")
    msg = build_email(cfg, digest, out, sender=cfg.smtp.sender, to=(to,),
                      message_id=message_id, test=True)
    report = SendReport("test", SendStatus.FAILED, "", (to,), message_id, wire_size(msg))
    try:
        settings = smtp_settings(cfg)
    except SmtpSetupError as exc:
        report.detail = str(exc)
        return report
    result = send_message(msg, settings, retry=retry)
    report.status = SendStatus.SENT if result.ok else (
        SendStatus.PENDING if result.temporary else SendStatus.FAILED)
    report.detail = result.error
    return report


def run(
    cfg: Config,
    store: Store,
    *,
    today: date,
    replay: Path | None = None,
    send: bool = True,
    on_event: Callable[[Event], None] = lambda e: None,
    retry: RetryPolicy | None = None,
) -> JobResult:
    """The weekly job: crawl every enabled source, match, write the digest (and send it).

    The run lock is held throughout, digest and sending included."""
    with run_lock(cfg.db_path) as lock_fd:
        return _run(cfg, store, today=today, replay=replay, send=send, on_event=on_event,
                    retry=retry, lock_fd=lock_fd)


def _run(
    cfg: Config,
    store: Store,
    *,
    today: date,
    replay: Path | None,
    send: bool,
    on_event: Callable[[Event], None],
    retry: RetryPolicy | None,
    lock_fd: int,
) -> JobResult:
    result = crawl(cfg, store, today=today, replay=replay, command="run",
                   on_event=on_event, lock_fd=lock_fd)
    try:
        delivery = deliver(cfg, store, today, send=send, retry=retry)
    except BaseException:
        store.runs.finish(result.run_id, "failed", EXIT_ERROR, "the digest could not be written")
        raise
    result.files = delivery.files
    result.sends = delivery.reports
    unsent = [r for r in delivery.reports if r.failed]
    if unsent:
        result.exit_code = EXIT_ERROR
        problems = [f"{o.source}: {o.message}" for o in result.failed]
        problems += [f"digest for {r.group} not sent ({r.status}): {r.detail}" for r in unsent]
        store.runs.finish(result.run_id, "failed", EXIT_ERROR, "; ".join(problems))
    else:
        _finish(store, result)
    return result


# A temporary file of atomic_write this old belongs to a write that was killed half-way.
LEFTOVER_AGE_S = 600


def remove_leftovers(folder: Path, older_than_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Delete what interrupted writes left behind in ``folder`` and its subfolders: the
    ``.<name>.<random>.tmp`` files of :func:`atomic_write` (a killed digest can leave large
    ones) that no write has touched for ``older_than_s`` seconds; returns them."""
    import time

    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    cutoff = time.time() - older_than_s
    for path in [*folder.glob(".*.tmp"), *folder.glob("*/.*.tmp")]:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); the archive, calendar and feed are meant to
        # be served to staff, so they get the usual 0644 unless told otherwise.
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
