"""A small client for Scrapyd's JSON API (Scrapyd 1.6), with errors in plain words.

Only what the crawl needs: ``daemonstatus.json`` (is it there?), ``listversions.json`` and
``addversion.json`` (deploy), ``schedule.json``, ``status.json``, ``listjobs.json`` and
``cancel.json`` (jobs), and the log and item feed files Scrapyd serves under ``/logs/`` and
``/items/``. Standard library only: Scrapyd's API is form posts and JSON answers.

Scrapyd answers HTTP 200 with ``{"status": "error", "message": ...}`` for most mistakes; those
become :class:`ScrapydError` too. Every answer is treated as hostile input: sizes are bounded and
shapes checked before use.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_LOG_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class ScrapydError(Exception):
    """Scrapyd could not be used; the message says why in plain words."""


@dataclass(frozen=True)
class Job:
    """One job as ``listjobs.json`` describes it."""

    id: str
    spider: str
    state: str  # pending | running | finished
    log_url: str | None = None
    items_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scrapyd:
    """One Scrapyd node: its address, the project name, and optional basic-auth credentials."""

    url: str
    project: str = "fondsradar"
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0

    # ------------------------------------------------------------------ the API
    def daemon_status(self) -> dict[str, Any]:
        return self._json("GET", "daemonstatus.json")

    def versions(self) -> list[str]:
        """The project's versions on this node; none when the project is unknown there."""
        answer = self._json("GET", "listversions.json", {"project": self.project})
        versions = answer.get("versions")
        return [v for v in versions if isinstance(v, str)] if isinstance(versions, list) else []

    def add_version(self, version: str, egg: bytes) -> int:
        """Upload an egg; return the number of spiders Scrapyd found in it."""
        answer = self._json("POST", "addversion.json",
                            files={"egg": ("fondsradar.egg", egg)},
                            data={"project": self.project, "version": version})
        spiders = answer.get("spiders")
        return spiders if isinstance(spiders, int) else 0

    def schedule(self, spider: str, *, version: str | None = None,
                 settings: Mapping[str, str] | None = None,
                 args: Mapping[str, str] | None = None, jobid: str | None = None) -> str:
        """Queue a crawl of ``spider``; return its job id.

        ``settings`` become Scrapy settings of the job (``-s KEY=VALUE``), ``args`` spider
        arguments. Values are strings; Scrapy's ``getdict``/``getbool`` read them back.
        """
        data: list[tuple[str, str]] = [("project", self.project), ("spider", spider),
                                       ("jobid", jobid or uuid.uuid4().hex)]
        if version:
            data.append(("_version", version))
        data += [("setting", f"{k}={v}") for k, v in (settings or {}).items()]
        data += [(k, v) for k, v in (args or {}).items()]
        answer = self._json("POST", "schedule.json", data=data)
        job = answer.get("jobid")
        if not isinstance(job, str) or not job:
            raise ScrapydError(f"Scrapyd at {self.url} did not return a job id")
        return job

    def jobs(self) -> dict[str, Job]:
        """Every job of the project Scrapyd still lists, by id (finished ones: the last 100)."""
        answer = self._json("GET", "listjobs.json", {"project": self.project})
        out: dict[str, Job] = {}
        for state in ("pending", "running", "finished"):
            rows = answer.get(state)
            for row in rows if isinstance(rows, list) else []:
                if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                    continue
                out[row["id"]] = Job(
                    id=row["id"], spider=str(row.get("spider", "")), state=state,
                    log_url=_str_or_none(row.get("log_url")),
                    items_url=_str_or_none(row.get("items_url")),
                    extra={k: v for k, v in row.items()
                           if k in ("start_time", "end_time", "pid")})
        return out

    def cancel(self, job: str) -> str | None:
        """Stop a job (Scrapy closes it gracefully on the first signal); its previous state."""
        answer = self._json("POST", "cancel.json", data={"project": self.project, "job": job})
        state = answer.get("prevstate")
        return state if isinstance(state, str) else None

    # ------------------------------------------------------------------ files
    def read_text(self, path: str, limit: int = MAX_LOG_BYTES) -> str:
        """A file Scrapyd serves (a job's log), at most ``limit`` bytes of it."""
        with self._open("GET", path) as resp:
            data = self._read(resp, limit + 1)
        return data[:limit].decode("utf-8", errors="replace")

    def read_range(self, path: str, start: int, limit: int = CHUNK) -> bytes:
        """The bytes of a served file from ``start`` on (at most ``limit``); empty when there
        are none yet. Ends at the last whole line, so counting lines never counts half of one.
        """
        try:
            with self._open("GET", path, headers={"Range": f"bytes={start}-"}) as resp:
                if resp.status != 206 and start:
                    return b""  # the server ignored the range: do not count it all again
                data = self._read(resp, limit)
        except ScrapydError as exc:
            if "HTTP 416" in str(exc) or "HTTP 404" in str(exc):
                return b""  # nothing past ``start`` yet, or no feed written yet
            raise
        return data[:data.rfind(b"\n") + 1]

    def stream_lines(self, path: str) -> Iterator[bytes]:
        """The lines of a file Scrapyd serves (a job's item feed), read a chunk at a time, so a
        feed of any size never has to fit in memory at once."""
        with self._open("GET", path) as resp:
            rest = b""
            while chunk := self._read(resp, CHUNK):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                yield from lines
            if rest:
                yield rest

    # ------------------------------------------------------------------ plumbing
    def _read(self, resp: Any, size: int) -> bytes:
        try:
            return resp.read(size)
        except (OSError, http.client.HTTPException) as exc:
            raise ScrapydError(f"Scrapyd at {self.url} broke off an answer ({exc!r:.200})"
                               ) from None

    def _json(self, method: str, endpoint: str, query: Mapping[str, str] | None = None, *,
              data: Mapping[str, str] | list[tuple[str, str]] | None = None,
              files: Mapping[str, tuple[str, bytes]] | None = None) -> dict[str, Any]:
        path = endpoint + ("?" + urlencode(query) if query else "")
        with self._open(method, path, data=data, files=files) as resp:
            raw = self._read(resp, MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise ScrapydError(f"Scrapyd at {self.url} sent an answer too large to read")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise ScrapydError(f"Scrapyd at {self.url} did not answer in JSON "
                               f"({endpoint}); is scrapyd_url right?") from None
        if not isinstance(answer, dict):
            raise ScrapydError(f"Scrapyd at {self.url} sent an unexpected answer ({endpoint})")
        if answer.get("status") != "ok":
            message = str(answer.get("message") or "no reason given")[:500]
            raise ScrapydError(f"Scrapyd refused {endpoint}: {message}")
        return answer

    def _open(self, method: str, path: str, *,
              data: Mapping[str, str] | list[tuple[str, str]] | None = None,
              files: Mapping[str, tuple[str, bytes]] | None = None,
              headers: Mapping[str, str] | None = None) -> Any:
        url = urljoin(self.url.rstrip("/") + "/", path.lstrip("/"))
        headers = {"Accept": "application/json", **(headers or {})}
        body = None
        if files:
            body, ctype = _multipart(data or {}, files)
            headers["Content-Type"] = ctype
        elif data is not None:
            body = urlencode(list(data.items()) if isinstance(data, Mapping) else data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            return urlopen(Request(url, data=body, headers=headers, method=method),
                           timeout=self.timeout_s)
        except HTTPError as exc:
            if exc.code == 401:
                raise ScrapydError(f"Scrapyd at {self.url} refused the user name or password "
                                   "(crawl.scrapyd_username, crawl.scrapyd_password_env)"
                                   ) from None
            raise ScrapydError(f"Scrapyd at {self.url} answered HTTP {exc.code} for "
                               f"{path.split('?')[0]}") from None
        except OSError as exc:  # URLError, refused, timed out, reset ...
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(f"Scrapyd at {self.url} could not be reached ({_words(reason)})"
                               ) from None


def _words(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused: is it running?"
    if isinstance(reason, TimeoutError):
        return "it did not answer in time"
    if isinstance(reason, socket.gaierror):
        return "its name was not found"
    return str(reason)[:200] or type(reason).__name__


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _multipart(data: Mapping[str, str] | list[tuple[str, str]],
               files: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body (addversion.json takes the egg as a file field)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    pairs = list(data.items()) if isinstance(data, Mapping) else list(data)
    for name, value in pairs:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, blob) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + blob + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
