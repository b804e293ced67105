"""HTTP Archive (HAR 1.2) files: read, match requests against them, write them.

``fondsradar crawl --record FILE.har`` writes the traffic of a live crawl and ``--replay FILE.har``
answers every request from such a file (docs/architecture.md, "Command line"). HARs saved by a
browser's
developer tools must work too, so reading is lenient: ``content.text`` may be missing, bodies may be
base64, request bodies may come as ``postData.params`` instead of ``text``.

Requests are matched by content, not by bytes, because the bytes of a request change for reasons
that do not matter: query parameter order, JSON key order and whitespace, and above all the random
boundary of a multipart body (the SEDIA API takes multipart POSTs). Nothing here imports Scrapy,
so the matching rules can be tested on their own; ``crawler.middlewares`` plugs them into Scrapy.
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import stat
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from glob import escape as glob_escape
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from crawler.multipart import encode_multipart, parse_multipart

Headers = list[tuple[str, str]]
RequestKey = tuple[Any, ...]

CREATOR = {"name": "fondsradar", "version": "0.1.0"}
REPLAY_HEADER = "X-Fondsradar-Replay"
# Never written to an archive that may end up in fixtures/ or a bug report.
REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TEXT_TYPES = ("text/", "json", "xml", "javascript", "ecmascript", "x-www-form-urlencoded")


# --------------------------------------------------------------------------- bodies and headers


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of a header, case-insensitively."""
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


def _without(headers: Iterable[tuple[str, str]], *names: str) -> Headers:
    drop = {n.lower() for n in names}
    return [(k, v) for k, v in headers if k.lower() not in drop]


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if it names a codec Python knows."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip("\"'")).name
            except LookupError:
                return None
    return None


def is_text_type(content_type: str | None) -> bool:
    """Whether a body of this MIME type is worth storing as readable text."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return any(marker in mime for marker in _TEXT_TYPES)


class UnknownEncodingError(ValueError):
    """A Content-Encoding this module cannot undo (so the body must stay encoded)."""


class TooLargeError(ValueError):
    """A body that unpacks to more than the size limit (a "zip bomb" or just a huge page)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes once unpacked ({size:,} so far)")
        self.size = size
        self.limit = limit


_CHUNK = 64 * 1024


def _bounded(chunks: Iterable[bytes], max_size: int) -> bytes:
    """Join decompressed chunks, stopping as soon as they pass ``max_size`` (0: no limit)."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if max_size and len(out) > max_size:
            raise TooLargeError(len(out), max_size)
    return bytes(out)


def _zlib_chunks(body: bytes, wbits: int) -> Iterator[bytes]:
    d = zlib.decompressobj(wbits)
    data = body
    while True:
        chunk = d.decompress(data, _CHUNK)
        yield chunk
        if d.eof:
            rest = d.unused_data
            if wbits > 16 and rest.strip(b"\0"):  # another gzip member follows
                d, data = zlib.decompressobj(wbits), rest
                continue
            return
        data = d.unconsumed_tail
        if not data and not chunk:
            yield d.flush()
            return


def _brotli_chunks(body: bytes) -> Iterator[bytes]:
    import brotli  # a Scrapy dependency

    d = brotli.Decompressor()
    yield d.process(body, output_buffer_limit=_CHUNK)
    while not d.is_finished():
        chunk = d.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            return
        yield chunk


def _zstd_chunks(body: bytes) -> Iterator[bytes]:
    import io

    from backports import zstd  # a Scrapy dependency on Python < 3.14

    with zstd.ZstdFile(io.BytesIO(body)) as f:
        while chunk := f.read(_CHUNK):
            yield chunk


def decode_content(body: bytes, content_encoding: str, max_size: int = 0) -> bytes:
    """Undo a Content-Encoding (``gzip``, ``deflate``, ``br``, ``zstd``, or a list of them).

    Raises ``UnknownEncodingError`` for an encoding it does not know, ``TooLargeError`` as soon
    as the unpacked body passes ``max_size`` bytes (0: no limit; it never unpacks more than a
    chunk beyond it), and ``ValueError`` for a body that is not so encoded.
    """
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):  # applied in the order listed, so undone backwards
        try:
            if coding in ("gzip", "x-gzip"):
                body = _bounded(_zlib_chunks(body, 16 + zlib.MAX_WBITS), max_size)
            elif coding == "deflate":
                try:
                    body = _bounded(_zlib_chunks(body, zlib.MAX_WBITS), max_size)
                except zlib.error:  # raw deflate, as some servers send it
                    body = _bounded(_zlib_chunks(body, -zlib.MAX_WBITS), max_size)
            elif coding == "br":
                body = _bounded(_brotli_chunks(body), max_size)
            elif coding == "zstd":
                body = _bounded(_zstd_chunks(body), max_size)
            elif coding != "identity":
                raise UnknownEncodingError(f"unknown content encoding {coding!r}")
        except (UnknownEncodingError, TooLargeError):
            raise
        except Exception as exc:  # zlib.error, OSError, brotli.error ...
            raise ValueError(f"body is not {coding}-encoded: {exc}") from exc
    if max_size and len(body) > max_size:
        raise TooLargeError(len(body), max_size)
    return body


# --------------------------------------------------------------------------- request matching


def _url_key(url: str) -> tuple[Any, ...]:
    """Scheme, host, port, path and the query as a sorted multiset; the fragment is ignored."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number: such a URL only matches itself
        port = parts.netloc.rpartition(":")[2]
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return (scheme, (parts.hostname or "").lower(), port, unquote(parts.path) or "/", tuple(query))


def _canonical_json(data: bytes | str) -> str:
    """JSON that compares equal whatever the key order and whitespace were; ValueError if none."""
    return json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _body_key(body: bytes, content_type: str | None) -> tuple[Any, ...] | None:
    """A comparable form of a request body: multipart part by part (boundary ignored, JSON parts
    as parsed JSON), urlencoded forms as sorted pairs, JSON as parsed JSON, else the bytes."""
    if not body:
        return None
    mime = (content_type or "").split(";")[0].strip().lower()
    try:
        if mime.startswith("multipart/"):
            parts = []
            for name, part_type, content in parse_multipart(body, content_type or ""):
                part_mime = part_type.split(";")[0].strip().lower()
                value: Any = content
                if "json" in part_mime:
                    try:
                        value = _canonical_json(content)
                    except ValueError:
                        pass
                parts.append((name, part_mime, value))
            return ("multipart", tuple(parts))
        if mime == "application/x-www-form-urlencoded":
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            return ("form", tuple(sorted(pairs)))
        if "json" in mime:
            return ("json", _canonical_json(body))
    except ValueError:
        pass  # not what the header claims: compare the bytes
    return ("bytes", body)


def request_key(
    method: str, url: str, body: bytes = b"", content_type: str | None = None
) -> RequestKey:
    """What two requests must share to get the same recorded response."""
    return (method.upper(), _url_key(url), _body_key(body, content_type))


def _post_data(entry: dict[str, Any]) -> tuple[bytes, str | None]:
    """The request body of a HAR entry and its content type, from ``text`` or ``params``."""
    request = entry.get("request", {})
    post = request.get("postData") or {}
    content_type = post.get("mimeType") or header_value(_har_headers(request), "content-type")
    if post.get("text") is not None:
        text = post["text"]
        if post.get("encoding") == "base64" or post.get("_encoding") == "base64":
            return base64.b64decode(text), content_type
        return text.encode(_charset(content_type) or "utf-8"), content_type
    params = post.get("params") or []
    if not params:
        return b"", content_type
    if (content_type or "").lower().startswith("multipart/"):
        # The boundary is lost with the text; rebuild a body with one of our own.
        parts = [
            (p.get("name", ""), p.get("contentType") or "text/plain", p.get("value", ""))
            for p in params
        ]
        return encode_multipart(parts, "fondsradar-har-params")
    pairs = [(p.get("name", ""), p.get("value", "")) for p in params]
    return urlencode(pairs).encode(), content_type


def _har_headers(message: dict[str, Any]) -> Headers:
    """HAR headers as pairs, minus HTTP/2 pseudo-headers such as ``:authority``."""
    return [
        (h["name"], str(h.get("value", "")))
        for h in message.get("headers") or []
        if not h.get("name", "").startswith(":")
    ]


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class HarResponse:
    """A recorded response, ready to hand to the crawler: body decoded, headers consistent."""

    status: int
    headers: Headers
    body: bytes
    http_version: str


def entry_response(entry: dict[str, Any], max_size: int = 0) -> HarResponse:
    """The response of a HAR entry; ``TooLargeError`` if its body is (or unpacks to) more than
    ``max_size`` bytes (0: no limit), as the live crawl would have refused it.

    Browsers store the *decoded* body but keep ``Content-Encoding: gzip`` in the headers; this
    recorder decodes too, except for encodings it does not know. So a body that does not decode
    is taken as already decoded, and Content-Encoding/Content-Length are dropped unless the body
    is kept encoded, lest Scrapy try to gunzip plain text or trust a stale length.
    """
    response = entry.get("response", {})
    content = response.get("content") or {}
    headers = _har_headers(response)
    text = content.get("text")
    content_type = content.get("mimeType") or header_value(headers, "content-type")
    if text is None:
        body = b""
    elif content.get("encoding") == "base64":
        body = base64.b64decode(text)
    else:
        charset = _charset(header_value(headers, "content-type"))
        try:
            body = text.encode(charset or "utf-8")
        except UnicodeEncodeError:
            charset, body = None, text.encode("utf-8")
        if charset is None and not text.isascii():
            # Say which charset we chose, or a <meta charset> in the page would win.
            mime = (content_type or "text/plain").split(";")[0].strip()
            headers = _without(headers, "content-type") + [
                ("Content-Type", f"{mime}; charset=utf-8")
            ]
    headers = _without(headers, "content-length")
    encoding = header_value(headers, "content-encoding")
    if encoding:
        try:
            body = decode_content(body, encoding, max_size)
            headers = _without(headers, "content-encoding")
        except UnknownEncodingError:
            pass  # kept encoded, header and all
        except TooLargeError:
            raise
        except ValueError:
            headers = _without(headers, "content-encoding")  # already decoded
    if max_size and len(body) > max_size:
        raise TooLargeError(len(body), max_size)
    return HarResponse(int(response.get("status", 200)), headers, body, _version(response))


def _version(message: dict[str, Any]) -> str:
    version = str(message.get("httpVersion") or "HTTP/1.1")
    return version.upper() if version.lower().startswith("http/") else "HTTP/1.1"


def load_har(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries of a HAR file; ``ValueError`` if it is not one."""
    with open(path, encoding="utf-8-sig") as f:
        data = json.load(f)
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: not a HAR file (no log.entries)")
    return entries


class HarIndex:
    """Finds the recorded response for a request.

    When several entries match (a page fetched twice, a retry after a 503), they are served in
    recorded order and the last one is repeated after that, so a replay follows the recording.
    """

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self._entries: dict[RequestKey, list[dict[str, Any]]] = {}
        self._served: dict[RequestKey, int] = {}
        for entry in entries:
            request = entry.get("request") or {}
            status = (entry.get("response") or {}).get("status")
            if not request.get("url") or not status:  # status 0: blocked or failed in a browser
                continue
            body, content_type = _post_data(entry)
            key = request_key(request.get("method", "GET"), request["url"], body, content_type)
            self._entries.setdefault(key, []).append(entry)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> HarIndex:
        return cls(load_har(path))

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    def lookup(
        self, method: str, url: str, body: bytes = b"", content_type: str | None = None,
        max_size: int = 0,
    ) -> HarResponse | None:
        """The next recorded response for this request, or None if it was never recorded;
        ``TooLargeError`` if its body is over ``max_size`` (see :func:`entry_response`)."""
        key = request_key(method, url, body, content_type)
        candidates = self._entries.get(key)
        if not candidates:
            return None
        served = self._served.get(key, 0)
        self._served[key] = served + 1
        return entry_response(candidates[min(served, len(candidates) - 1)], max_size)


# --------------------------------------------------------------------------- record


def _har_pairs(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _content(body: bytes, content_type: str | None) -> dict[str, Any]:
    """Text bodies as readable text, anything else as base64."""
    content: dict[str, Any] = {"size": len(body), "mimeType": content_type or ""}
    if not body:
        content["text"] = ""
        return content
    if is_text_type(content_type):
        try:
            content["text"] = body.decode(_charset(content_type) or "utf-8")
            return content
        except UnicodeDecodeError:
            pass
    content["text"] = base64.b64encode(body).decode("ascii")
    content["encoding"] = "base64"
    return content


def make_entry(
    *,
    method: str,
    url: str,
    request_headers: Headers,
    request_body: bytes,
    status: int,
    response_headers: Headers,
    response_body: bytes,
    http_version: str = "HTTP/1.1",
    started: datetime,
    elapsed_ms: float = 0.0,
    max_size: int = 0,
) -> dict[str, Any]:
    """One HAR 1.2 entry for a request and its raw response.

    A content-encoded body is stored decoded (so it is readable and diffable) and the
    Content-Encoding and Content-Length headers are dropped to match; an encoding we cannot undo,
    or a body that would unpack to more than ``max_size`` bytes, is kept encoded, as base64 (so
    a small "zip bomb" stays small in the archive and in memory).
    """
    encoding = header_value(response_headers, "content-encoding")
    if encoding and response_body:
        try:
            response_body = decode_content(response_body, encoding, max_size)
            response_headers = _without(response_headers, "content-encoding", "content-length")
        except ValueError:  # UnknownEncodingError and TooLargeError included
            pass
    request_headers = [
        (k, "[redacted]" if k.lower() in REDACTED_HEADERS else v) for k, v in request_headers
    ]
    request: dict[str, Any] = {
        "method": method.upper(),
        "url": url,
        "httpVersion": http_version,
        "cookies": [],
        "headers": _har_pairs(request_headers),
        "queryString": _har_pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": len(request_body),
    }
    if request_body:
        content_type = header_value(request_headers, "content-type") or ""
        try:
            request["postData"] = {"mimeType": content_type, "text": request_body.decode("utf-8")}
        except UnicodeDecodeError:
            request["postData"] = {
                "mimeType": content_type,
                "text": base64.b64encode(request_body).decode("ascii"),
                "_encoding": "base64",  # HAR 1.2 has no encoding for postData; custom field
            }
    try:
        status_text = HTTPStatus(status).phrase
    except ValueError:
        status_text = ""
    response_type = header_value(response_headers, "content-type")
    elapsed = max(float(elapsed_ms), 0.0)
    return {
        "startedDateTime": started.isoformat(timespec="milliseconds"),
        "time": elapsed,
        "request": request,
        "response": {
            "status": status,
            "statusText": status_text,
            "httpVersion": http_version,
            "cookies": [],
            "headers": _har_pairs(response_headers),
            "content": _content(response_body, response_type),
            "redirectURL": header_value(response_headers, "location") or "",
            "headersSize": -1,
            "bodySize": len(response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
    }


class HarWriter:
    """Collects entries for one file and rewrites the whole file on ``write()``.

    Get it with ``get_writer(path)``: several spiders in one process share one writer per path, so
    each spider's close rewrites the file with everything recorded so far. The rewrite goes to a
    temporary file in the same folder and is moved into place, so a reader (or a crash) never
    sees half a file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.entries.append(entry)

    def write(self) -> None:
        with self._lock:
            har = {"log": {"version": "1.2", "creator": CREATOR, "entries": list(self.entries)}}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._remove_leftovers()
            fd, tmp = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(har, f, ensure_ascii=False, indent=1)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


    def _remove_leftovers(self, older_than_s: float = 600) -> None:
        """Temporary files of this archive left by a recording that was killed mid-write."""
        import time

        cutoff = time.time() - older_than_s
        for tmp in self.path.parent.glob(f".{glob_escape(self.path.name)}.*.tmp"):
            try:
                info = tmp.lstat()
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    tmp.unlink()
            except OSError:
                continue


_WRITERS: dict[str, HarWriter] = {}
_WRITERS_LOCK = threading.Lock()


def get_writer(path: str | os.PathLike[str]) -> HarWriter:
    """The process-wide writer for this file (one per absolute path)."""
    key = os.path.abspath(path)
    with _WRITERS_LOCK:
        if key not in _WRITERS:
            _WRITERS[key] = HarWriter(key)
        return _WRITERS[key]
