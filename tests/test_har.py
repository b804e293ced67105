"""HAR record and replay: matching rules, the file format, and real crawls.

Every crawl runs in its own ``python`` subprocess (a Twisted reactor cannot be restarted) against
a real HTTP server on 127.0.0.1; replays run after that server is stopped, or against ``.invalid``
hosts that cannot resolve, so a request that leaked to the network would fail the test.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.har import HarIndex, entry_response, get_writer, load_har, make_entry
from crawler.multipart import encode_multipart, parse_multipart

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
SEDIA = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
QUERY = {"bool": {"must": [{"term": {"status": "31094502"}}, {"terms": {"type": ["1", "2"]}}]}}


def entry(method: str, url: str, body: bytes = b"", content_type: str = "", reply: str = "ok"):
    """A recorded exchange, as the recorder writes it."""
    request_headers = [("Content-Type", content_type)] if content_type else []
    return make_entry(
        method=method,
        url=url,
        request_headers=request_headers,
        request_body=body,
        status=200,
        response_headers=[("Content-Type", "text/plain; charset=utf-8")],
        response_body=reply.encode(),
        started=NOW,
    )


def sedia_body(query: str, boundary: str) -> tuple[bytes, str]:
    return encode_multipart(
        [("query", "application/json", query), ("languages", "application/json", '["en"]')],
        boundary,
    )


# --------------------------------------------------------------------------- matching


def test_multipart_matches_whatever_the_boundary() -> None:
    body, ctype = sedia_body(json.dumps(QUERY), "RecordedBoundary")
    index = HarIndex([entry("POST", SEDIA + "?apiKey=SEDIA&pageNumber=1", body, ctype, "page1")])

    other_body, other_ctype = sedia_body(json.dumps(QUERY), "AnotherBoundary42")
    found = index.lookup("POST", SEDIA + "?pageNumber=1&apiKey=SEDIA", other_body, other_ctype)
    assert found is not None and found.body == b"page1"


def test_multipart_json_parts_compare_as_json() -> None:
    body, ctype = sedia_body(json.dumps(QUERY), "b1")
    index = HarIndex([entry("POST", SEDIA, body, ctype)])

    reordered = (
        '{"bool" : {"must": [ {"term":{"status":"31094502"}},\n {"terms":{"type":["1","2"]}}]}}'
    )
    assert index.lookup("POST", SEDIA, *sedia_body(reordered, "b2")) is not None
    keys_swapped = json.dumps({"bool": {"must": QUERY["bool"]["must"]}}, indent=4)
    assert index.lookup("POST", SEDIA, *sedia_body(keys_swapped, "b3")) is not None

    forthcoming = json.dumps(QUERY).replace("31094502", "31094501")
    assert index.lookup("POST", SEDIA, *sedia_body(forthcoming, "b4")) is None
    list_order = json.dumps({"bool": {"must": QUERY["bool"]["must"][::-1]}})
    assert index.lookup("POST", SEDIA, *sedia_body(list_order, "b5")) is None


def test_url_matching() -> None:
    index = HarIndex([entry("GET", "https://Example.dk/a/b?x=1&y=2&x=0#top", reply="hit")])
    assert index.lookup("GET", "https://example.dk:443/a/b?y=2&x=0&x=1") is not None
    assert index.lookup("GET", "https://example.dk/a/b?y=2&x=1") is None  # multiset, not set
    assert index.lookup("GET", "http://example.dk/a/b?x=1&y=2&x=0") is None
    assert index.lookup("GET", "https://example.dk:8443/a/b?x=1&y=2&x=0") is None
    assert index.lookup("HEAD", "https://example.dk/a/b?x=1&y=2&x=0") is None
    assert index.lookup("GET", "https://example.dk/a/c?x=1&y=2&x=0") is None


def test_form_and_json_bodies() -> None:
    form = "application/x-www-form-urlencoded"
    index = HarIndex(
        [
            entry("POST", "https://x.dk/form", b"a=1&b=2&b=3", form, "form"),
            entry("POST", "https://x.dk/json", b'{"a": 1, "b": [1, 2]}', "application/json", "j"),
            entry("POST", "https://x.dk/raw", b"\x00\x01", "application/octet-stream", "raw"),
        ]
    )
    assert index.lookup("POST", "https://x.dk/form", b"b=3&a=1&b=2", form) is not None
    assert index.lookup("POST", "https://x.dk/form", b"b=3&a=1", form) is None
    found = index.lookup("POST", "https://x.dk/json", b'{"b":[1,2],"a":1}', "application/json")
    assert found is not None and found.body == b"j"
    swapped = b'{"b":[2,1],"a":1}'
    assert index.lookup("POST", "https://x.dk/json", swapped, "application/json") is None
    assert index.lookup("POST", "https://x.dk/raw", b"\x00\x01", "application/octet-stream")
    assert index.lookup("POST", "https://x.dk/raw", b"\x00\x02", "application/octet-stream") is None


def test_repeated_requests_are_served_in_order_then_the_last_repeats() -> None:
    url = "https://x.dk/flaky"
    index = HarIndex([entry("GET", url, reply="first"), entry("GET", url, reply="second")])
    bodies = [index.lookup("GET", url).body for _ in range(4)]  # type: ignore[union-attr]
    assert bodies == [b"first", b"second", b"second", b"second"]


# --------------------------------------------------------------------------- the file format


def test_recorded_entries_are_readable_and_valid(tmp_path: Path) -> None:
    page = '{"title": "Børn, unge og science"}'.encode()
    png = b"\x89PNG\r\n\x1a\n\x00\x00binary"
    gz = make_entry(
        method="GET",
        url="https://x.dk/data.json",
        request_headers=[("Accept-Encoding", "gzip"), ("Authorization", "Bearer secret")],
        request_body=b"",
        status=200,
        response_headers=[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "99"),
        ],
        response_body=gzip.compress(page),
        started=NOW,
        elapsed_ms=12.5,
    )
    content = gz["response"]["content"]
    assert content["text"] == page.decode() and "encoding" not in content
    assert {h["name"] for h in gz["response"]["headers"]} == {"Content-Type"}
    assert {"name": "Authorization", "value": "[redacted]"} in gz["request"]["headers"]
    binary = make_entry(
        method="GET",
        url="https://x.dk/logo.png",
        request_headers=[],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "image/png")],
        response_body=png,
        started=NOW,
    )
    assert binary["response"]["content"]["encoding"] == "base64"

    path = tmp_path / "sub" / "rec.har"
    writer = get_writer(path)
    assert get_writer(str(path)) is writer  # one writer per file in a process
    writer.add(gz)
    writer.write()
    writer.add(binary)
    writer.write()
    assert [p.name for p in path.parent.iterdir()] == ["rec.har"]  # no temp files left
    har = json.loads(path.read_text(encoding="utf-8"))
    assert har["log"]["version"] == "1.2" and har["log"]["creator"]["name"] == "fondsradar"
    for e in har["log"]["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(e)
        assert {"method", "url", "httpVersion", "cookies", "headers", "queryString"} <= set(
            e["request"]
        )
        assert {"status", "statusText", "content", "redirectURL", "headersSize"} <= set(
            e["response"]
        )
    index = HarIndex(load_har(path))
    assert index.lookup("GET", "https://x.dk/data.json").body == page  # type: ignore[union-attr]
    assert index.lookup("GET", "https://x.dk/logo.png").body == png  # type: ignore[union-attr]


def test_browser_style_entry() -> None:
    """Browsers keep ``Content-Encoding: gzip`` but store the decoded text, with no charset."""
    text = '<html><head><meta charset="iso-8859-1"></head><body>Ansøgningsfrist</body></html>'
    browser_entry = {
        "request": {"method": "GET", "url": "https://x.dk/", "headers": []},
        "response": {
            "status": 200,
            "headers": [
                {"name": "content-type", "value": "text/html"},
                {"name": "content-encoding", "value": "gzip"},
                {"name": "content-length", "value": "1234"},
            ],
            "content": {"size": 80, "mimeType": "text/html", "text": text},
        },
    }
    response = entry_response(browser_entry)
    assert response.body == text.encode("utf-8")
    names = {name.lower(): value for name, value in response.headers}
    assert "content-encoding" not in names and "content-length" not in names
    assert names["content-type"] == "text/html; charset=utf-8"  # or the <meta> would win

    del browser_entry["response"]["content"]["text"]  # browsers omit large or binary bodies
    assert entry_response(browser_entry).body == b""


# --------------------------------------------------------------------------- real crawls

CRAWL_SCRIPT = r'''
"""Run the spiders of a plan in one CrawlerProcess; write what they saw and their stats."""
import base64
import json
import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler.middlewares import HAR_MIDDLEWARES, ROBOTSTXT_MIDDLEWARES

plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
results = {}


def make_spider(spider_name, requests):
    class PlanSpider(scrapy.Spider):
        name = spider_name
        handle_httpstatus_list = [404]

        async def start(self):
            for spec in requests:
                yield scrapy.Request(
                    spec["url"],
                    method=spec.get("method", "GET"),
                    headers=spec.get("headers") or {},
                    body=base64.b64decode(spec.get("body_b64", "")),
                    meta={"tag": spec["tag"]},
                    errback=self.failed,
                    dont_filter=True,
                )

        def parse(self, response):
            results[spider_name].append({
                "tag": response.meta["tag"],
                "url": response.url,
                "status": response.status,
                "body_b64": base64.b64encode(response.body).decode(),
                "text": getattr(response, "text", None),
                "replay": (response.headers.get("X-Fondsradar-Replay") or b"").decode(),
            })

        def failed(self, failure):
            results[spider_name].append({
                "tag": failure.request.meta["tag"],
                "error": failure.type.__name__,
            })

    return PlanSpider


settings = {
    "DOWNLOADER_MIDDLEWARES": {**HAR_MIDDLEWARES, **ROBOTSTXT_MIDDLEWARES},
    "REMOTE_CONTROL_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "RETRY_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 10,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    **plan["settings"],
}
process = CrawlerProcess(settings)
crawlers = {}
for spider_name, requests in plan["spiders"].items():
    results[spider_name] = []
    crawlers[spider_name] = process.create_crawler(make_spider(spider_name, requests))
    process.crawl(crawlers[spider_name])
process.start()
stats = {name: c.stats.get_stats() for name, c in crawlers.items()}
out = json.dumps({"results": results, "stats": stats}, default=str)
Path(sys.argv[2]).write_text(out, encoding="utf-8")
'''


def run_crawl(tmp_path: Path, name: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Crawl a plan in a fresh interpreter; returns results by spider and tag, stats and log."""
    script = tmp_path / "crawl_plan.py"
    script.write_text(CRAWL_SCRIPT, encoding="utf-8")
    plan_path, out_path = tmp_path / f"{name}.plan.json", tmp_path / f"{name}.out.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always"}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, str(script), str(plan_path), str(out_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(out_path.read_text(encoding="utf-8"))
    by_tag = {spider: {r["tag"]: r for r in rows} for spider, rows in out["results"].items()}
    return {"results": by_tag, "stats": out["stats"], "log": proc.stderr}


def request_spec(tag: str, url: str, method: str = "GET", body: bytes = b"", ctype: str = ""):
    spec: dict[str, Any] = {"tag": tag, "url": url, "method": method}
    if body:
        spec["body_b64"] = base64.b64encode(body).decode()
        spec["headers"] = {"Content-Type": ctype}
    return spec


PAGE = "<html><body><h1>Børn, unge og science</h1><a href='/new'>next</a></body></html>"
DATA = {"results": [{"title": "Efteruddannelsespulje", "deadline": "2026-09-03"}]}
BLOB = bytes(range(256)) * 4


class Handler(BaseHTTPRequestHandler):
    """A page, gzip-compressed JSON, a redirect, a binary file and a multipart echo endpoint."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def send(self, status: int, body: bytes, ctype: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.seen.append(f"GET {self.path}")
        path = urlsplit(self.path).path
        if path == "/robots.txt":
            self.send(200, b"User-agent: *\nDisallow: /private\n", "text/plain")
        elif path == "/page":
            self.send(200, PAGE.encode(), "text/html; charset=utf-8")
        elif path == "/data.json":
            body = gzip.compress(json.dumps(DATA).encode())
            self.send(200, body, "application/json", Content_Encoding="gzip")
        elif path == "/old":
            self.send(301, b"", "text/plain", Location="/new")
        elif path == "/new":
            self.send(200, b"moved here", "text/plain; charset=utf-8")
        elif path == "/blob":
            self.send(200, BLOB, "application/octet-stream")
        else:
            self.send(404, b"no such page", "text/plain")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.seen.append(f"POST {self.path}")
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = parse_multipart(body, self.headers["Content-Type"])
        echo = {name: json.loads(content) for name, _, content in parts}
        self.send(200, json.dumps({"echo": echo}).encode(), "application/json")


@pytest.fixture
def server() -> Iterator[tuple[ThreadingHTTPServer, str]]:
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def plans(base: str, variant: int) -> dict[str, list[dict[str, Any]]]:
    """The same crawl, spelled differently per variant: query order, boundary, JSON layout."""
    query = json.dumps(QUERY, indent=variant)
    body, ctype = sedia_body(query, f"Boundary{variant}")
    params = "a=1&b=2" if variant == 1 else "b=2&a=1"
    return {
        "pages": [
            request_spec("page", f"{base}/page?{params}"),
            request_spec("data", f"{base}/data.json"),
            request_spec("redirect", f"{base}/old"),
            request_spec("blob", f"{base}/blob"),
            request_spec("private", f"{base}/private"),
        ],
        "api": [request_spec("search", f"{base}/search?apiKey=SEDIA", "POST", body, ctype)],
    }


def test_record_then_replay(tmp_path: Path, server: tuple[ThreadingHTTPServer, str]) -> None:
    httpd, base = server
    har = tmp_path / "traffic.har"

    # Two spiders in one process record into one file.
    record_plan = {"settings": {"FONDSRADAR_HAR_RECORD": str(har)}, "spiders": plans(base, 1)}
    recorded = run_crawl(tmp_path, "record", record_plan)
    live = {**recorded["results"]["pages"], **recorded["results"]["api"]}
    assert live["page"]["text"] == PAGE
    assert json.loads(live["data"]["text"]) == DATA
    assert live["redirect"]["url"] == f"{base}/new" and live["redirect"]["text"] == "moved here"
    assert base64.b64decode(live["blob"]["body_b64"]) == BLOB
    assert json.loads(live["search"]["text"])["echo"]["query"] == QUERY
    assert live["private"] == {"tag": "private", "error": "IgnoreRequest"}  # robots.txt obeyed
    assert "GET /private" not in Handler.seen
    assert recorded["stats"]["pages"]["har/recorded"] == 6  # robots.txt, page, data, 301, new, blob
    assert recorded["stats"]["api"]["har/recorded"] == 2  # robots.txt, search
    assert "ScrapyDeprecationWarning" not in recorded["log"]

    entries = load_har(har)
    by_path = {(e["request"]["method"], urlsplit(e["request"]["url"]).path): e for e in entries}
    assert len(entries) == 8
    redirect = by_path[("GET", "/old")]["response"]
    assert redirect["status"] == 301 and redirect["redirectURL"] == "/new"
    data = by_path[("GET", "/data.json")]["response"]
    assert json.loads(data["content"]["text"]) == DATA  # readable, not gzip
    assert "content-encoding" not in {h["name"].lower() for h in data["headers"]}
    assert by_path[("GET", "/blob")]["response"]["content"]["encoding"] == "base64"
    assert "Boundary1" in by_path[("POST", "/search")]["request"]["postData"]["text"]

    httpd.shutdown()  # from here on, any request that leaks to the network fails
    httpd.server_close()
    seen_live = list(Handler.seen)

    replay_plan = plans(base, 2)
    replay_plan["pages"].append(request_spec("missing", f"{base}/never-recorded"))
    replay_settings = {"FONDSRADAR_HAR_REPLAY": str(har)}
    replayed = run_crawl(tmp_path, "replay", {"settings": replay_settings, "spiders": replay_plan})
    again = {**replayed["results"]["pages"], **replayed["results"]["api"]}
    for tag in ("page", "data", "redirect", "blob", "search"):
        assert again[tag]["body_b64"] == live[tag]["body_b64"], tag
        assert again[tag]["url"].split("?")[0] == live[tag]["url"].split("?")[0], tag
        assert again[tag]["status"] == 200 and again[tag]["replay"] == "hit", tag
    assert again["private"] == {"tag": "private", "error": "IgnoreRequest"}  # replayed robots.txt
    assert again["missing"]["status"] == 404 and again["missing"]["replay"] == "miss"
    assert f"GET {base}/never-recorded is not in" in replayed["log"]
    stats = replayed["stats"]
    assert stats["pages"]["har/replay_hit"] == 6 and stats["pages"]["har/replay_miss"] == 1
    assert stats["api"]["har/replay_hit"] == 2 and "har/replay_miss" not in stats["api"]
    assert "ScrapyDeprecationWarning" not in replayed["log"]
    assert Handler.seen == seen_live


WEBKIT_BOUNDARY = "----WebKitFormBoundary7MA4YWxk"


def test_replay_of_a_browser_har(tmp_path: Path) -> None:
    """A hand-written HAR as browsers save it; the hosts are ``.invalid`` and cannot resolve."""
    html = '<html><head><meta charset="iso-8859-1"></head><body>Ansøgningsfrist</body></html>'
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    form_body = (
        f"--{WEBKIT_BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="query"; filename="blob"\r\n'
        b"Content-Type: application/json\r\n\r\n"
        + json.dumps(QUERY, indent=2).encode()
        + f"\r\n--{WEBKIT_BOUNDARY}--\r\n".encode()
    )

    def header(name: str, value: str) -> dict[str, str]:
        return {"name": name, "value": value}

    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": [
                {
                    "request": {
                        "method": "GET",
                        "url": "https://fonden.invalid/en/grant/",
                        "httpVersion": "h2",
                        "headers": [header(":authority", "fonden.invalid")],
                    },
                    "response": {
                        "status": 200,
                        "httpVersion": "h2",
                        "headers": [
                            header("content-type", "text/html"),
                            header("content-encoding", "gzip"),
                            header("content-length", "61"),
                        ],
                        "content": {"size": 90, "mimeType": "text/html", "text": html},
                    },
                },
                {
                    "request": {
                        "method": "POST",
                        "url": "https://api.fonden.invalid/search?text=***&apiKey=SEDIA",
                        "headers": [],
                        "postData": {
                            "mimeType": "multipart/form-data; boundary=" + WEBKIT_BOUNDARY,
                            "text": form_body.decode(),
                        },
                    },
                    "response": {
                        "status": 200,
                        "headers": [header("Content-Type", "application/json")],
                        "content": {"mimeType": "application/json", "text": '{"totalResults": 1}'},
                    },
                },
                {
                    "request": {"method": "GET", "url": "https://fonden.invalid/logo.png"},
                    "response": {
                        "status": 200,
                        "headers": [
                            header("content-type", "image/png"),
                            header("content-encoding", "br"),
                        ],
                        "content": {
                            "mimeType": "image/png",
                            "encoding": "base64",
                            "text": base64.b64encode(png).decode(),
                        },
                    },
                },
                {
                    "request": {"method": "GET", "url": "https://fonden.invalid/blocked"},
                    "response": {"status": 0, "headers": [], "content": {}},
                },
            ],
        }
    }
    path = tmp_path / "browser.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    body, ctype = sedia_body(json.dumps(QUERY), "OurOwnBoundary")
    plan = {
        "settings": {"FONDSRADAR_HAR_REPLAY": str(path)},
        "spiders": {
            "browser": [
                request_spec("page", "https://fonden.invalid/en/grant/"),
                request_spec(
                    "search",
                    "https://api.fonden.invalid/search?apiKey=SEDIA&text=***",
                    "POST",
                    # Ours has a `languages` part the browser did not send: must not match ...
                    body,
                    ctype,
                ),
                request_spec(
                    "search_same",
                    "https://api.fonden.invalid/search?apiKey=SEDIA&text=***",
                    "POST",
                    # ... the same single part with another boundary must.
                    encode_multipart([("query", "application/json", json.dumps(QUERY))], "Z9")[0],
                    "multipart/form-data; boundary=Z9",
                ),
                request_spec("logo", "https://fonden.invalid/logo.png"),
                request_spec("blocked", "https://fonden.invalid/blocked"),
            ]
        },
    }
    out = run_crawl(tmp_path, "browser", plan)
    seen = out["results"]["browser"]
    assert seen["page"]["text"] == html  # not gunzipped twice, not read as iso-8859-1
    assert seen["search"]["status"] == 404
    assert json.loads(seen["search_same"]["text"]) == {"totalResults": 1}
    assert base64.b64decode(seen["logo"]["body_b64"]) == png
    assert seen["blocked"]["status"] == 404  # status 0 (blocked in the browser) is no answer
    stats = out["stats"]["browser"]
    # robots.txt for both hosts, the unmatched search and the blocked page miss.
    assert stats["har/replay_hit"] == 3 and stats["har/replay_miss"] == 2
    assert stats["har/replay_miss_robots"] == 2  # two hosts, neither recorded its robots.txt
    assert "httpcompression" not in " ".join(k for k in stats if "error" in k)
