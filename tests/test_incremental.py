"""Incremental crawling on the (modelled) Villum/Velux sample sites over a real loopback server:
an unchanged re-crawl fetches the listings only; a changed listing entry fetches its page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.sites.server import crawl, serve, stored, toml_list, write_config

LISTING = "/en/basic-page/current-calls"


def detail_requests(paths: list[str]) -> list[str]:
    return [p for p in paths if "/group/channel/" in p]


def snapshot(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "select id, title, deadlines, amount_max, status, seen, changed_at from calls")}


def test_an_unchanged_recrawl_fetches_no_call_page_and_keeps_every_call(tmp_path: Path) -> None:
    with serve("villum") as villum, serve("velux") as velux:
        starts = [villum.url(LISTING), velux.url(LISTING)]
        config = write_config(tmp_path, f"[sources.villum_velux]\nstart_urls = {toml_list(starts)}")
        first = crawl(config, "villum_velux")
        assert first.returncode == 0, first.stdout + first.stderr
        first_requests = len(villum.requests) + len(velux.requests)
        first_details = detail_requests(villum.requests + velux.requests)
        before = snapshot(tmp_path / "fondsradar.db")
        villum.requests.clear()
        velux.requests.clear()

        second = crawl(config, "villum_velux")
        assert second.returncode == 0, second.stdout + second.stderr
        second_requests = len(villum.requests) + len(velux.requests)
    assert first_details and detail_requests(villum.requests + velux.requests) == []
    assert second_requests <= first_requests * 0.5
    assert snapshot(tmp_path / "fondsradar.db") == before  # nothing lost, nothing "changed"
    with sqlite3.connect(tmp_path / "fondsradar.db") as conn:
        assert conn.execute("select count(*) from call_changes").fetchone()[0] == 0


def test_a_changed_listing_entry_fetches_that_page_again(tmp_path: Path) -> None:
    with serve("villum") as villum:
        config = write_config(
            tmp_path, f"[sources.villum_velux]\nstart_urls = {toml_list([villum.url(LISTING)])}")
        assert crawl(config, "villum_velux").returncode == 0
        listing = (Path(__file__).parent / "sites" / "villum" / "en" / "basic-page" /
                   "current-calls" / "index.html").read_text(encoding="utf-8")
        details = detail_requests(villum.requests)
        villum.requests.clear()
        # One entry of the listing now says something new: its deadline moved.
        assert "<p>Deadline 12 March 2027</p>" in listing
        changed = listing.replace("<p>Deadline 12 March 2027</p>", "<p>Deadline 19 March 2027</p>")
        villum.overrides[LISTING] = changed.replace("{{BASE}}", villum.base)
        assert crawl(config, "villum_velux").returncode == 0
    refetched = detail_requests(villum.requests)
    assert refetched == ["/en/group/channel/science-in-schools-2027"]
    assert len(stored(config)) >= len(details)


def test_an_unchanged_page_costs_a_304_and_is_counted(tmp_path: Path) -> None:
    """Conditional requests through the HTTP cache: ETag → If-None-Match → 304."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, int]] = []
    page = ("<html lang='da'><body><main><h1>Erasmus+ skolepartnerskaber</h1>"
            "<p>Ansøgningsfrist 5. marts 2027 kl. 12.00.</p></main></body></html>").encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/robots.txt":
                code, body = 404, b""
            elif self.headers.get("If-None-Match") == '"v1"':
                code, body = 304, b""
            else:
                code, body = 200, page
            seen.append((self.path, code))
            self.send_response(code)
            self.send_header("ETag", '"v1"')
            self.send_header("Cache-Control", "max-age=0")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/ka210"
    try:
        config = write_config(tmp_path, f'[sources.watch]\npages = [{{ url = "{url}", '
                                        f'name = "KA210" }}]')
        assert crawl(config, "watch").returncode == 0
        second = crawl(config, "watch")
    finally:
        server.shutdown()
    assert second.returncode == 0, second.stdout + second.stderr
    assert [c for p, c in seen if p == "/ka210"] == [200, 304]
    with sqlite3.connect(tmp_path / "fondsradar.db") as conn:
        rows = conn.execute("select not_modified, bytes from source_runs order by id").fetchall()
    assert rows[1][0] == 1 and rows[1][1] < rows[0][1]
    assert "KA210" in stored(config) or len(stored(config)) == 1
