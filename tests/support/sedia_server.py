"""A real HTTP server on 127.0.0.1 that answers SEDIA searches with the fixture pages.

It reads the multipart body like the real API does (the status is inside the ``query`` part),
so a spider that sends plain form fields, or no query, gets HTTP 500 as from the real API.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from crawler.multipart import parse_multipart
from tests.support.sedia import PAGES, page

PATH = "/search-api/prod/rest/search"


class SediaHandler(BaseHTTPRequestHandler):
    mode = "ok"  # ok | error | garbage
    seen: list[dict[str, object]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # robots.txt and anything else
        self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        url = urlparse(self.path)
        if url.path != PATH or self.mode == "error":
            self._send(500, b'{"type":"throwable"}', "application/json")
            return
        if self.mode == "garbage":
            self._send(200, b"<html>Service temporarily unavailable</html>", "text/html")
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
        self._send(200, page(names[number - 1]), "application/json")

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def sedia_server(mode: str = "ok") -> Iterator[str]:
    """Serve until the block ends; yields the search URL."""
    handler = type("Handler", (SediaHandler,), {"mode": mode, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{PATH}"
    finally:
        server.shutdown()
        server.server_close()
