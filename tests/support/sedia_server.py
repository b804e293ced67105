"""A real HTTP server on 127.0.0.1 that answers SEDIA searches with the fixture pages.

It reads the multipart body like the real API does (the status is inside the ``query`` part),
so a spider that sends plain form fields, or no query, gets HTTP 500 as from the real API.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from crawler.multipart import parse_multipart
from tests.support.sedia import PAGES, page

PATH = "/search-api/prod/rest/search"


class SediaHandler(BaseHTTPRequestHandler):
    """Modes: ok, error (500), garbage (HTML), and the faults of tests/test_faults.py."""

    mode = "ok"
    seen: list[dict[str, object]] = []
    posts = 0
    times: list[tuple[float, int]] = []  # (when, which request) of every POST
    other = ""  # the address of a second server, for redirects to another site

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # robots.txt and anything else
        if self.path == "/robots.txt" and self.mode == "robots":
            self._send(200, b"User-agent: *\nDisallow: /search-api/\n", "text/plain")
            return
        self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        url = urlparse(self.path)
        type(self).posts += 1
        type(self).times.append((time.monotonic(), hash((self.path, body))))
        if url.path != PATH or self.mode in ("error", "503"):
            code = 503 if self.mode == "503" else 500
            self._send(code, b'{"type":"throwable"}', "application/json")
            return
        if self.mode == "garbage":
            self._send(200, b"<html>Service temporarily unavailable</html>", "text/html")
            return
        if self.mode == "slow":
            time.sleep(3)
        if self.mode == "429-once" and type(self).posts == 1:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.mode == "offsite":
            self.send_response(307)
            self.send_header("Location", f"{self.other}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            parts = {n: json.loads(c) for n, _, c in parse_multipart(
                body, self.headers["Content-Type"])}
            must = parts["query"]["bool"]["must"]
            status = next(m["term"]["status"] for m in must if "term" in m)
        except (KeyError, ValueError, StopIteration, TypeError):
            self._send(500, b'{"type":"throwable"}', "application/json")
            return
        number = int(parse_qs(url.query)["pageNumber"][0])
        type(self).seen.append({"status": status, "page": number, "parts": sorted(parts)})
        names = PAGES.get(status, [])
        if number > len(names):
            self._send(200, b'{"totalResults":0,"results":[]}', "application/json")
            return
        answer = page(names[number - 1])
        ctype = "application/json"
        if self.mode == "charset":
            # UTF-8 JSON under a header that claims Latin-1, with Danish letters in a title.
            answer = answer.replace(b'"title":["Centres of Vocational Excellence"]',
                                    '"title":["Centres of Vocational Excellence – æøå"]'.encode())
            ctype = "text/html; charset=iso-8859-1"
        if self.mode == "huge":
            answer = answer + b" " * (2 * 1024 * 1024)
        if self.mode == "truncated":
            self._send(200, answer[: len(answer) // 2], ctype, length=len(answer))
            return
        self._send(200, answer, ctype)

    def _send(self, code: int, body: bytes, ctype: str, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length or len(body)))
        if length:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if length:
            self.close_connection = True


class ServerURL(str):
    """The search URL, carrying the handler class that records the requests."""

    def __new__(cls, url: str, handler: type[SediaHandler]) -> ServerURL:
        obj = super().__new__(cls, url)
        obj.handler = handler  # type: ignore[attr-defined]
        return obj


@contextmanager
def sedia_server(mode: str = "ok", host: str = "127.0.0.1", other: str = "") -> Iterator[str]:
    """Serve until the block ends; yields the search URL (``.handler`` keeps what it saw)."""
    handler = type("Handler", (SediaHandler,), {"mode": mode, "seen": [], "posts": 0,
                                                "times": [], "other": other})
    server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ServerURL(f"http://{host}:{server.server_port}{PATH}", handler)
    finally:
        server.shutdown()
        server.server_close()
