"""``fondsradar schedule``: the weekly job at the config's cron time, in the foreground.

APScheduler 3.11's BlockingScheduler. Each run is ``fondsradar run`` in a child process (a
Twisted reactor cannot be restarted, and a crash of one run must not stop the scheduler), with
a time limit. A run missed while the machine was off or asleep runs once at the next start,
never twice: APScheduler's memory job store forgets missed runs across restarts, so the catch-up
is decided from the run history in the database (``runs``), which survives restarts; while the
scheduler runs, ``coalesce`` and ``misfire_grace_time`` do the same for a sleep.
"""

from __future__ import annotations

import logging
import logging.handlers
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fondsradar.config import Config
from records.store import Store

log = logging.getLogger("fondsradar.schedule")
JOB_ID = "weekly-run"
CATCH_UP_ID = "catch-up-run"
RUN_TIME_LIMIT_S = 3 * 3600
# A missed run older than this is not caught up (the next regular one is near anyway).
GRACE = timedelta(days=6)


def cron_trigger(cfg: Config) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cfg.schedule.cron, timezone=cfg.schedule.timezone)


def next_run(cfg: Config, now: datetime | None = None) -> datetime | None:
    from zoneinfo import ZoneInfo

    now = now or datetime.now(ZoneInfo(cfg.schedule.timezone))
    return cron_trigger(cfg).get_next_fire_time(None, now)


def previous_fire(cfg: Config, now: datetime) -> datetime | None:
    """The last time the cron fired at or before ``now`` (searched back over GRACE)."""
    trigger = cron_trigger(cfg)
    t = trigger.get_next_fire_time(None, now - GRACE)
    last = None
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return last


def missed_run(cfg: Config, store: Store, now: datetime) -> datetime | None:
    """The scheduled time of a run that should have happened and did not, if any."""
    fired = previous_fire(cfg, now)
    if fired is None:
        return None
    for run in store.runs.recent(50):
        if run["command"] == "run" and run["started_at"]:
            started = datetime.fromisoformat(run["started_at"])
            if started >= fired - timedelta(minutes=1):
                return None
            break
    return fired


def run_once(config_file: Path, time_limit_s: int = RUN_TIME_LIMIT_S) -> int:
    """One weekly run as a child process; its exit code, or 1 when it hit the time limit."""
    cmd = [sys.executable, "-m", "fondsradar", "--config", str(config_file.resolve()), "run"]
    log.info("starting the weekly run")
    try:
        code = subprocess.run(cmd, timeout=time_limit_s, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    except subprocess.TimeoutExpired:
        log.error("the weekly run took more than %d s and was stopped", time_limit_s)
        return 1
    for line in (code.stdout or "").splitlines():
        log.info("run: %s", line)
    level = logging.INFO if code.returncode in (0, 3) else logging.ERROR
    log.log(level, "weekly run ended with exit code %d", code.returncode)
    return code.returncode


def setup_logging(cfg: Config) -> Path:
    """Log to stderr and to a rotating file beside the database."""
    path = cfg.db_path.parent / "logs" / "schedule.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (logging.StreamHandler(sys.stderr),
                    logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000,
                                                         backupCount=5, encoding="utf-8")):
        handler.setFormatter(fmt)
        root.addHandler(handler)
    return path


def run_scheduler(cfg: Config, config_file: Path) -> None:
    from zoneinfo import ZoneInfo

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobEvent
    from apscheduler.schedulers.blocking import BlockingScheduler

    log_file = setup_logging(cfg)
    tz = ZoneInfo(cfg.schedule.timezone)
    scheduler = BlockingScheduler(
        timezone=tz,
        job_defaults={"coalesce": True, "misfire_grace_time": int(GRACE.total_seconds()),
                      "max_instances": 1},
    )

    def listener(event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("the run planned for %s was missed", event.scheduled_run_time)
        else:
            log.error("the weekly run could not be started: %s",
                      getattr(event, "exception", "?"))

    scheduler.add_listener(listener, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_job(run_once, cron_trigger(cfg), args=[config_file], id=JOB_ID,
                      name="Fondsradar weekly run", replace_existing=True)
    store = Store(cfg.db_path)
    try:
        missed = missed_run(cfg, store, datetime.now(tz))
    finally:
        store.close()
    if missed is not None:
        log.warning("the run planned for %s did not happen (machine off?); running it now",
                    missed)
        scheduler.add_job(run_once, args=[config_file], id=CATCH_UP_ID,
                          name="Fondsradar catch-up run", replace_existing=True)
    log.info("Fondsradar scheduler started (%s, %s); next run %s; log in %s",
             cfg.schedule.cron, cfg.schedule.timezone, next_run(cfg), log_file)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
