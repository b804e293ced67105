"""``fondsradar schedule``: the weekly job at the config's cron time, in the foreground.

APScheduler 3.11's BlockingScheduler. Each run is ``fondsradar run`` in a child process (a
Twisted reactor cannot be restarted, and a crash of one run must not stop the scheduler), with
a time limit. ``coalesce`` and a long ``misfire_grace_time`` make a run missed while the machine
slept happen once at the next start, never twice; a listener logs missed and failed runs.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from fondsradar.config import Config

log = logging.getLogger("fondsradar.schedule")
JOB_ID = "weekly-run"
RUN_TIME_LIMIT_S = 3 * 3600


def cron_trigger(cfg: Config):  # type: ignore[no-untyped-def]
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cfg.schedule.cron, timezone=cfg.schedule.timezone)


def run_once(config_file: Path) -> int:
    """One weekly run as a child process; its exit code, or 1 when it hit the time limit."""
    cmd = [sys.executable, "-m", "fondsradar", "--config", str(config_file.resolve()), "run"]
    log.info("starting the weekly run: %s", " ".join(cmd))
    try:
        code = subprocess.run(cmd, timeout=RUN_TIME_LIMIT_S, check=False).returncode
    except subprocess.TimeoutExpired:
        log.error("the weekly run took more than %d s and was stopped", RUN_TIME_LIMIT_S)
        return 1
    log.log(logging.INFO if code in (0, 3) else logging.ERROR, "weekly run ended: exit %d", code)
    return code


def run_scheduler(cfg: Config, config_file: Path) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobEvent
    from apscheduler.schedulers.blocking import BlockingScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = BlockingScheduler(
        timezone=cfg.schedule.timezone,
        job_defaults={"coalesce": True, "misfire_grace_time": 24 * 3600, "max_instances": 1},
    )

    def listener(event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("the weekly run at %s was missed", event.scheduled_run_time)
        else:
            log.error("the weekly run failed: %s", getattr(event, "exception", "?"))

    scheduler.add_listener(listener, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_job(run_once, cron_trigger(cfg), args=[config_file], id=JOB_ID,
                      name="Fondsradar weekly run", replace_existing=True)
    job = scheduler.get_job(JOB_ID)
    log.info("Fondsradar scheduler started; next run %s", getattr(job, "next_run_time", "?"))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
