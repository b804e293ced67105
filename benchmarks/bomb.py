"""A compressed page far over the size limit ("zip bomb"), crawled and recorded (not in CI).

    python benchmarks/bomb.py --unpacked-mb 2048

Serves, on 127.0.0.1 only, a modelled grant listing with one ordinary call page and one page
that is a gzip of ``--unpacked-mb`` MB of spaces (about 2 MB on the wire for 2 GB), then runs
``fondsradar crawl --record`` and ``--replay`` on it with the default ``crawl.max_page_mb`` (32)
and prints: the bomb's size on the wire and unpacked, the wall time, the largest resident memory
of the crawl's processes, the size of the recorded archive and what the source's health says.
Before the size limit applied to recording, ``--record`` unpacked such a body whole in memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LISTING = (b"<!DOCTYPE html><!-- Modelled for this benchmark. --><html lang='en'><head>"
           b"<meta charset='utf-8'><title>Grants</title></head><body><main><ul>"
           b"<li><a href='/en/grant/fine/'>call</a></li><li><a href='/en/grant/bomb/'>call</a>"
           b"</li></ul></main></body></html>")
CALL = (b"<!DOCTYPE html><!-- Modelled for this benchmark; invented call. --><html lang='en'>"
        b"<head><meta charset='utf-8'><title>Science teaching 2027</title></head><body><main>"
        b"<h1>Science teaching 2027</h1><table><tr><th>Call opens</th><th>Call closes</th></tr>"
        b"<tr><td>5 January 2027</td><td>22 April 2027</td></tr></table>"
        b"<p>Projects for science teaching in primary schools.</p></main></body></html>")


def gzip_bomb(unpacked_mb: int) -> bytes:
    """A gzip body of ``unpacked_mb`` MB of spaces, built a megabyte at a time."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1024 * 1024)
    parts = [comp.compress(b"<html>")]
    parts += [comp.compress(chunk) for _ in range(unpacked_mb)]
    parts.append(comp.compress(b"</html>") + comp.flush())
    return b"".join(parts)


def serve(bomb: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            routes = {"/en/grant/": (LISTING, {}), "/en/grant/fine/": (CALL, {}),
                      "/en/grant/bomb/": (bomb, {"Content-Encoding": "gzip"})}
            body, extra = routes.get(self.path, (b"not found", {}))
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def fondsradar(config: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the command; (result, wall seconds, largest RSS of its processes in MB so far)."""
    t0 = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                             "--today", "2027-01-11", *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=900)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result, time.monotonic() - t0, rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unpacked-mb", type=int, default=2048)
    args = parser.parse_args()
    t0 = time.monotonic()
    bomb = gzip_bomb(args.unpacked_mb)
    print(f"bomb: {len(bomb) / 1024 / 1024:.2f} MB gzip, {args.unpacked_mb:,} MB unpacked "
          f"(built in {time.monotonic() - t0:.1f} s)")
    server, base = serve(bomb)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.toml"
        config.write_text(
            f'[database]\npath = "{folder / "f.db"}"\n[crawl]\ndelay_s = 0\n'
            f'[sources.novonordisk]\nstart_urls = ["{base}/en/grant/"]\n'
            '[themes.stem]\nname = "STEM"\nkeywords = ["science"]\n'
            f'[digest]\nout_dir = "{folder / "out"}"\n', encoding="utf-8")
        har = folder / "t.har"
        for label, extra in (("crawl --record", ["--record", str(har)]),
                             ("crawl --replay", ["--replay", str(har)])):
            result, wall, rss = fondsradar(config, "crawl", *extra)
            said = " ".join(result.stdout.split())
            print(f"{label}: exit {result.returncode}, {wall:.1f} s wall, largest process so far "
                  f"{rss:.0f} MB resident")
            print(f"  says: {said[:400]}")
            if label.endswith("--record"):
                print(f"  archive: {har.stat().st_size / 1024 / 1024:.2f} MB, "
                      f"{len(json.loads(har.read_text())['log']['entries'])} entries")
        stored = json.loads(fondsradar(config, "export", "--all")[0].stdout)
        print(f"stored calls: {[c['title'] for c in stored]}")
    server.shutdown()


if __name__ == "__main__":
    main()
