"""A real Scrapyd (the pinned test dependency) on 127.0.0.1, for the tests of the Scrapyd engine.

It runs in its own folder with its own scrapyd.conf (eggs, logs, item feeds, queues all inside),
on a free port, and is stopped (its whole process group) at the end. Its environment has no
PYTHONPATH, so its jobs run the code of the egg that was uploaded to it, as on a real node;
the libraries come from this Python's site-packages, as they would from the node's.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STARTUP_LIMIT_S = 60  # how long Scrapyd may take to answer at all (not a timing assertion)


@dataclass
class ScrapydServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return (self.home / "scrapyd.out").read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scrapyd(home: Path, *, max_proc: int = 4, username: str = "", password: str = "",
            port: int | None = None, poll_interval: float = 0.2,
            keep_items: bool = True) -> Iterator[ScrapydServer]:
    """Start Scrapyd in ``home`` and yield it once it answers ``daemonstatus.json``.

    ``keep_items=False`` leaves ``items_dir`` empty, Scrapyd's default: it then keeps no feeds.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    (home / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
max_proc = {max_proc}
poll_interval = {poll_interval}
eggs_dir = {home / 'eggs'}
logs_dir = {home / 'logs'}
items_dir = {home / 'items' if keep_items else ''}
dbs_dir = {home / 'dbs'}
jobs_to_keep = 100
finished_to_keep = 1000
username = {username}
password = {password}
""", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT",
                        "FONDSRADAR_TODAY", "FONDSRADAR_CONFIG")}
    out = open(home / "scrapyd.out", "wb")  # noqa: SIM115 (closed below)
    # twistd writes twistd.pid into the folder it starts in: ``home``, never the checkout.
    proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    server = ScrapydServer(f"http://127.0.0.1:{port}", home, proc)
    try:
        _wait_until_up(server, username, password)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()


def _wait_until_up(server: ScrapydServer, username: str, password: str) -> None:
    request = urllib.request.Request(server.url + "/daemonstatus.json")
    if username:
        import base64
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("Scrapyd exited at start:\n" + server.log())
        try:
            with urllib.request.urlopen(request, timeout=2) as resp:
                if json.loads(resp.read()).get("status") == "ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("Scrapyd did not answer within a minute:\n" + server.log())
