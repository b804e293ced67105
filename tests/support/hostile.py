"""Misbehaving sites on loopback addresses, written for the hostile-input tests (issue 13).

A :class:`HostileSite` answers from a dict of routes (path → status, headers, body) and counts
every request it gets, so a test can show that nothing outside the outbound policy was ever
asked for. ``127.0.0.2`` and up are loopback addresses too, so a second "other site" runs on
this machine; nothing here listens on or connects to any non-loopback address. All pages are
modelled for these tests, not copied from any real site.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.sites.server import running

Route = tuple[int, dict[str, str], bytes]

#: A call page the novonordisk spider reads (labels as on the modelled sample pages).
CALL_PAGE = """<!DOCTYPE html>
<!-- Modelled for Fondsradar's hostile-input tests; invented call. -->
<html lang="en"><head><meta charset="utf-8"><title>{title} | Novo Nordisk Fonden</title></head>
<body><main><h1>{title}</h1>
<table><tr><th>Call opens</th><th>Call closes</th></tr>
<tr><td>5 January 2027</td><td>{deadline}</td></tr></table>
<div><span>Amount</span> <span>{amount}</span></div>
<p>Projects that strengthen science and technology teaching in primary schools, with girls
and teachers in mind.</p></main></body></html>"""


def call_page(title: str = "Science teaching in primary school 2027",
              deadline: str = "22 April 2027 2:00pm (CEST)",
              amount: str = "DKK 2-4 million per project") -> bytes:
    return CALL_PAGE.format(title=title, deadline=deadline, amount=amount).encode()


def listing(*hrefs: str, head: str = "", body: str = "") -> bytes:
    """A listing page linking to ``hrefs``; ``head`` may hold e.g. a hostile ``rel=next``."""
    links = "".join(f'<li><a href="{h}">call</a></li>' for h in hrefs)
    return (f"<!DOCTYPE html><!-- Modelled for tests. --><html lang='en'><head>"
            f"<meta charset='utf-8'><title>Grants</title>{head}</head><body><main><ul>{links}"
            f"</ul>{body}</main></body></html>").encode()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9)


@dataclass
class HostileSite:
    """One site on ``host`` (a loopback address) answering ``routes``; ``requests`` lists every
    path asked for, robots.txt included, in order."""

    host: str = "127.0.0.1"
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def html(self, path: str, body: bytes, **headers: str) -> None:
        self.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8", **headers}, body)


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            site.requests.append(self.path)
            path = urlsplit(self.path).path
            status, headers, body = site.routes.get(self.path) or site.routes.get(path) or (
                404, {"Content-Type": "text/plain"}, b"not found")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value.replace("{{BASE}}", site.base))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.replace(b"{{BASE}}", site.base.encode()))

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextlib.contextmanager
def hostile_site(host: str = "127.0.0.1", routes: dict[str, Route] | None = None
                 ) -> Iterator[HostileSite]:
    """Serve a :class:`HostileSite` on a free port of ``host`` (loopback only)."""
    assert host.startswith("127."), "tests never listen beyond loopback"
    site = HostileSite(host, dict(routes or {}))
    with running(ThreadingHTTPServer((host, 0), _handler(site))) as base:
        site.base = base
        yield site
