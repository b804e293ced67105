"""A real HTTP server on 127.0.0.1 for the sample sites, and helpers to crawl them.

The sample pages under ``tests/sites/<site>/`` are written for these tests, modelled on
docs/sources.md; no real page of these sites exists here. Each site is served from its own
root on its own port, the way the real hosts are, so spiders see root-relative paths such as
``/en/grant/<slug>/``.

How a path is answered:

- ``/robots.txt`` → 404 (Scrapy then allows everything), unless the site has one;
- a directory → its ``index.html`` (or ``index.json``); with ``?page=N``, its ``page-N.html``
  or ``page-N.json`` (the paged back ends: admin-ajax tiles, the WordPress REST route, a Drupal
  pager), with ``X-WP-TotalPages`` when the pages are JSON;
- a file → itself; ``{{BASE}}`` in it becomes ``http://127.0.0.1:PORT``;
- ``overrides[path]`` → that text instead (a page rewritten in place between two crawls);
- a path the site does not have → the same path of its ``shared`` folder, if it has one (pages
  that several layouts of a site have in common, kept once);
- ``faults[path prefix]`` → ``500`` (HTTP 500), ``"garbage"`` (binary noise as text/html),
  ``"empty"`` (200 with no body) or ``"hold"`` (the request waits until the test sets
  ``site.release``, after ``site.arrived`` told it the request is there; then it is answered).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy.http import HtmlResponse, Request

SITES = Path(__file__).resolve().parent
ROOT = SITES.parents[1]
TODAY = "2027-01-11"
GARBAGE = bytes(range(256)) * 8


@dataclass
class Site:
    """One sample site being served."""

    root: Path
    shared: Path | None = None
    base: str = ""
    overrides: dict[str, str] = field(default_factory=dict)
    faults: dict[str, int | str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            site.requests.append(self.path)
            parts = urlsplit(self.path)
            fault = next((v for k, v in site.faults.items()
                          if parts.path.startswith(k) and parts.path != "/robots.txt"), None)
            if fault == "hold":
                site.arrived.set()
                site.release.wait(120)
            elif fault is not None:
                self._fault(fault)
                return
            if parts.path in site.overrides:
                self._send(200, site.overrides[parts.path].encode(), "text/html; charset=utf-8")
                return
            query = parse_qs(parts.query)
            found = _resolve(site.root, parts.path, query)
            if found is None and site.shared is not None:
                found = _resolve(site.shared, parts.path, query)
            if found is None:
                self._send(404, b"not found", "text/plain")
                return
            path, headers = found
            body = path.read_bytes().replace(b"{{BASE}}", site.base.encode())
            ctype = "application/json" if path.suffix == ".json" else "text/html; charset=utf-8"
            self._send(200, body, ctype, headers)

        def _fault(self, fault: int | str) -> None:
            if fault == "garbage":
                self._send(200, GARBAGE, "text/html")
            elif fault == "empty":
                self._send(200, b"", "text/html")
            else:
                self._send(int(fault), b"<h1>Internal Server Error</h1>", "text/html")

        def _send(self, status: int, body: bytes, ctype: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def _resolve(root: Path, path: str, query: dict[str, list[str]]
             ) -> tuple[Path, dict[str, str]] | None:
    target = (root / path.lstrip("/")).resolve()
    if root.resolve() not in (target, *target.parents):
        return None
    if target.is_file():
        return target, {}
    if not target.is_dir():
        return None
    page = (query.get("page") or [None])[0]
    if page is not None:
        headers: dict[str, str] = {}
        pages = sorted(target.glob("page-*.json"))
        if pages:
            headers["X-WP-TotalPages"] = str(len(pages))
        for name in (f"page-{page}.html", f"page-{page}.json"):
            if (target / name).is_file():
                return target / name, headers
        return None
    for name in ("index.html", "index.json", "page-1.json", "page-1.html"):
        if (target / name).is_file():
            return target / name, {}
    return None


@contextlib.contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a thread for the duration of the block; yields the base URL."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{server.server_address[0]}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def serve(name: str, *, shared: str | None = None, **faults: int | str) -> Iterator[Site]:
    """Serve ``tests/sites/<name>`` on a free loopback port for the duration of the block;
    paths it lacks come from ``tests/sites/<shared>`` when given."""
    site = Site(SITES / name, shared=SITES / shared if shared else None, faults=dict(faults))
    with running(ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))) as base:
        site.base = base
        yield site


# ------------------------------------------------------------------------- offline pages
def page_response(site: str, path: str, url: str) -> HtmlResponse:
    """A sample page as Scrapy would hand it to a callback, as if fetched from ``url``."""
    file = SITES / site / path.lstrip("/")
    if file.is_dir():
        file = file / "index.html"
    body = file.read_bytes().replace(b"{{BASE}}", _base(url).encode())
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# ------------------------------------------------------------------------------ crawling
THEME = """
[themes.piger_stem]
name = "Piger og STEM"
keywords = ["piger", "girls", "naturvidenskab", "science"]
"""


def write_config(tmp: Path, sources: str) -> Path:
    """A minimal config.toml in ``tmp``: the database there, no delay, robots.txt obeyed."""
    text = f"""
[database]
path = "{tmp / 'fondsradar.db'}"

[crawl]
obey_robots = true
timeout_s = 10
delay_s = 0

{sources}
{THEME}
[digest]
out_dir = "{tmp / 'out'}"
"""
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def crawl(config: Path, *sources: str, today: str = TODAY, timeout: int = 120
          ) -> subprocess.CompletedProcess[str]:
    """``fondsradar --config ... --today ... crawl SOURCE...`` in a child process."""
    env = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_TODAY"}
    return subprocess.run(
        [sys.executable, "-m", "fondsradar", "--config", str(config), "--today", today, "crawl",
         *sources], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def toml_list(urls: list[str]) -> str:
    return "[" + ", ".join(f'"{u}"' for u in urls) + "]"


def make_spider(spider_cls: type, sources: dict | None = None, today: str = TODAY) -> Any:
    """A spider bound to a fresh crawler (stats, settings), for calling parse methods directly."""
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(spider_cls, {"FONDSRADAR_TODAY": today,
                                       "FONDSRADAR_SOURCES": sources or {}})
    return spider_cls.from_crawler(crawler)


def layout_changed(spider: Any) -> list[str]:
    return list(spider.crawler.stats.get_value("fondsradar/layout_changed") or [])


def stored(config: Path, day: str = TODAY) -> dict[str, dict]:
    """Every stored call by title (closed ones too), as the store exports them."""
    from datetime import date

    from records.store import Store

    store = Store(config.parent / "fondsradar.db")
    try:
        return {c["title"]: c for c in store.calls.current(date.fromisoformat(day), include_all=True)}
    finally:
        store.close()


def health(config: Path) -> dict[str, dict]:
    from records.store import Store

    store = Store(config.parent / "fondsradar.db")
    try:
        return {row["source"]: row for row in store.sources.latest()}
    finally:
        store.close()
