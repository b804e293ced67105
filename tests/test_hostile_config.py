"""Values that pass a naive check and fail later: check-config catches them now (exit 2)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from fondsradar.cli import cli
from fondsradar.config import load_config

MINIMAL = '[themes.piger_stem]\nname = "Piger"\nkeywords = ["piger"]\n'
SMTP = "[smtp]\nhost = 'h'\n"

# (what is wrong, the file, a piece of the one-line message)
LATER = [
    ("31 February", MINIMAL + "[schedule]\ncron = '0 6 31 2 *'", "schedule.cron: '0 6 31 2 *' never fires"),
    ("30 February", MINIMAL + "[schedule]\ncron = '0 6 30 2 *'", "never fires"),
    ("31 April", MINIMAL + "[schedule]\ncron = '0 6 31 4 *'", "never fires"),
    ("every 29 February only", MINIMAL + "[schedule]\ncron = '0 6 29 2 mon'", "schedule.cron"),
    ("sender with a line break", MINIMAL + SMTP + 'sender = "F <a@b.dk>\\r\\nBcc: x@evil.example"', "smtp.sender: contains a line break"),
    ("sender not an address", MINIMAL + SMTP + "sender = 'Fondsradar'", "smtp.sender: 'Fondsradar' is not an email address"),
    ("sender with two addresses", MINIMAL + SMTP + "sender = 'a@b.dk, c@d.dk'", "is not an email address"),
    ("host with a line break", MINIMAL + '[smtp]\nhost = "h\\nx"\nsender = "a@b.dk"', "smtp.host: contains a line break"),
    ("group name with a line break", MINIMAL + '[[digest.groups]]\nname = "Team\\nBcc: x@evil.example"\nemails = ["a@b.dk"]', "digest.groups[0].name: contains a line break"),
    ("email with a line break", MINIMAL + '[[digest.groups]]\nname = "T"\nemails = ["a@b.dk\\nBcc: x@e.dk"]', "digest.groups[0].emails[0]"),
    ("user agent with CRLF", MINIMAL + '[crawl]\nuser_agent = "F\\r\\nX-Evil: 1"', "crawl.user_agent: contains a line break"),
    ("url with a line break", MINIMAL + '[digest]\narchive_url = "https://intra.example.dk/\\nx"', "digest.archive_url: a web address cannot hold spaces"),
    ("url with a space", MINIMAL + "[sources.pdj]\nstart_urls = ['https://www.pdjf.dk/ny heder/']", "sources.pdj.start_urls[0]: a web address cannot hold spaces"),
    ("escape code in a theme name", MINIMAL.replace('"Piger"', '"Piger\\u001b[2J"'), "themes.piger_stem.name: contains a line break or another control"),
    ("out_dir in /etc", MINIMAL + "[digest]\nout_dir = '/etc/fondsradar'", "digest.out_dir: /etc/fondsradar is inside the system folder /etc"),
    ("out_dir is /", MINIMAL + "[digest]\nout_dir = '/'", "digest.out_dir: / is inside the system folder /"),
    ("out_dir in /usr via ..", MINIMAL + "[digest]\nout_dir = '/home/../usr/share/x'", "inside the system folder /usr"),
    ("database in /var/lib", MINIMAL + "[database]\npath = '/var/lib/dpkg/fondsradar.db'", "database.path: /var/lib/dpkg/fondsradar.db is inside the system folder /var/lib"),
    ("allowed host with a scheme", MINIMAL + "[sources.pdj]\nallowed_hosts = ['https://x.dk/']", "sources.pdj.allowed_hosts[0]: 'https://x.dk/' is not a host name"),
    ("no request budget", MINIMAL + "[sources.pdj]\nmax_requests = 0", "sources.pdj.max_requests: expected a number of at least 1"),
]


@pytest.mark.parametrize(("what", "text", "message"), LATER, ids=[b[0] for b in LATER])
def test_what_would_fail_later_fails_now(tmp_path: Path, what: str, text: str,
                                         message: str) -> None:
    """(load_config's own line for each case is checked with tests/test_config.py's BROKEN.)"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check-config"])
    assert message in " ".join(result.output.split()), result.output
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "\r" not in result.output and "\x1b" not in result.output


def test_a_good_sender_with_a_name_passes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + SMTP + "sender = 'Fondsradar <fondsradar@example.dk>'")
    assert load_config(path).smtp is not None


def _config(tmp_path: Path, out_dir: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + f"[database]\npath = '{tmp_path / 'f.db'}'\n"
                    f"[digest]\nout_dir = '{out_dir}'\n", encoding="utf-8")
    return path


def test_an_out_dir_under_a_file_is_caught(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, tmp_path / "afile" / "o")),
                                      "check-config"])
    assert result.exit_code == 2
    assert f"digest.out_dir: {tmp_path / 'afile'} is a file" in result.output


def test_an_unwritable_out_dir_is_caught(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.getuid() == 0:
        if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode:
            pytest.skip("cannot make a folder read-only for root here")
        undo = ["chattr", "-i", str(locked)]
    else:
        locked.chmod(0o555)
        undo = ["chmod", "755", str(locked)]
    try:
        result = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, locked / "out")),
                                          "check-config"])
    finally:
        subprocess.run(undo, check=True)
    if os.getuid() == 0 and result.exit_code == 0:
        pytest.skip("root may write here despite the flag (os.access cannot tell)")
    assert result.exit_code == 2, result.output
    assert f"digest.out_dir: this user cannot write in {locked}" in result.output


def test_status_says_never_for_a_schedule_that_never_fires() -> None:
    """Status never crashes on the schedule line (a config written before this check)."""
    from fondsradar.config import Config, ScheduleConfig
    from fondsradar.schedule import next_run

    cfg = Config.model_construct(schedule=ScheduleConfig.model_construct(
        cron="0 6 31 2 *", timezone="Europe/Copenhagen"))
    assert next_run(cfg) is None
