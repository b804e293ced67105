"""Test helpers: a fresh config, and running the CLI. (Real third-party data is in
tests/fixtures/, each folder with a provenance note; the tests read it via ``Path(__file__)``.)

Crawls always run in a child process (a Twisted reactor cannot be restarted), so the CLI is
exercised through ``python -m fondsradar`` where a crawl is involved and through click's
CliRunner elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.toml"


def write_config(tmp_path: Path, sources: tuple[str, ...] = ("erasmus",), **replace: str) -> Path:
    """The project's config.toml with the database and output moved into ``tmp_path``, and
    only ``sources`` enabled (the others would try the real sites).

    ``replace`` maps a line prefix (e.g. ``search_url``) to its new full line.
    """
    lines = []
    for line in CONFIG.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if line.startswith("[sources.") and line.strip()[9:-1] not in sources:
            lines += [line, "enabled = false"]
            continue
        if key == "path" and "fondsradar.db" in line:
            line = f'path = "{tmp_path / "fondsradar.db"}"'
        elif key == "out_dir":
            line = f'out_dir = "{tmp_path / "out"}"'
        elif key == "delay_s":
            line = "delay_s = 0"
        elif key == "backoff_s":
            line = "backoff_s = 0.1"
        elif key in replace:
            line = replace[key]
        lines.append(line)
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fondsradar(*args: str, env: dict[str, str] | None = None,
               timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FONDSRADAR_TODAY", None)
    return subprocess.run([sys.executable, "-m", "fondsradar", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=ROOT)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture(autouse=True)
def _no_leaked_today():
    """``--today`` sets $FONDSRADAR_TODAY for the crawler's child; keep it inside one test."""
    saved = os.environ.pop("FONDSRADAR_TODAY", None)
    yield
    os.environ.pop("FONDSRADAR_TODAY", None)
    if saved is not None:
        os.environ["FONDSRADAR_TODAY"] = saved
