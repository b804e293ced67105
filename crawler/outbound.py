"""The outbound policy's rules, without Scrapy (see :mod:`crawler.policy` for where they apply).

The shell imports these too (to tell the crawler whether a configured URL is on this machine),
so this module stays free of Scrapy and Twisted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

#: Requests one source may make in one crawl unless its config says otherwise
#: (``sources.<name>.max_requests``): far above a normal weekly crawl (the largest benchmark,
#: 10,000 calls, needs about 6,000 for all sources together), far below a crawler trap.
DEFAULT_MAX_REQUESTS = 10_000
SCHEMES = frozenset({"http", "https"})
_WEB_PORTS = frozenset({80, 443})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    multicast, reserved or unspecified; IPv4-mapped IPv6 judged as the IPv4 it maps)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_literal(host: str) -> bool:
    """Whether a host is an IP address written out (no name to resolve)."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def is_local_host(host: str) -> bool:
    """A host that is, by its name alone, not on the public internet."""
    host = host.lower().rstrip(".")
    if is_literal(host):
        return not is_public(host)
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def _norm_host(host: str) -> str:
    return _ascii_host(host).removeprefix("www.")


def _ascii_host(host: str) -> str:
    """A host name as it goes on the wire: lower case, no trailing dot, IDNA (``ærø.dk`` →
    ``xn--r-3fa9c.dk``), the form Scrapy requests it in."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


def configured_urls(conf: Mapping[str, Any]) -> list[str]:
    """Every URL in a source's config: ``search_url``, ``start_urls``, ``pages[].url``."""
    urls: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, str) and (key.endswith("url") or key.endswith("urls")):
            if value.startswith(("http://", "https://")):
                urls.append(value)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)

    walk(dict(conf))
    return urls


class OutboundPolicy:
    """The rules for one source (see the module docstring); no Scrapy needed to test them."""

    def __init__(self, urls: Iterable[str], allowed_hosts: Iterable[str] = (),
                 max_requests: int = DEFAULT_MAX_REQUESTS) -> None:
        self.hosts: dict[str, set[int | None]] = {}
        self.local_ok = False
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in SCHEMES or not parts.hostname:
                continue
            self._allow(parts.hostname, _port(parts.scheme, parts.port))
            if is_local_host(parts.hostname):
                self.local_ok = True  # a test or a local mirror: its own address is fine
        for entry in allowed_hosts:
            host, _, port = entry.strip().rpartition(":") if ":" in entry else (entry, "", "")
            self._allow(host.strip("[]"), int(port) if port.isdigit() else None)
        self.max_requests = max_requests
        self.sent = 0

    def _allow(self, host: str, port: int | None) -> None:
        ports = self.hosts.setdefault(_norm_host(host), set())
        ports.update(_WEB_PORTS if port in _WEB_PORTS or port is None else {port})

    def refusal(self, url: str) -> str | None:
        """Why a request for ``url`` may not go out, or None if it may."""
        try:
            parts = urlsplit(url)
            port = _port(parts.scheme, parts.port)
        except ValueError:
            return "not a valid web address"
        if parts.scheme not in SCHEMES:
            return f"only http and https are fetched, not {parts.scheme or 'a relative'} address"
        host = _ascii_host(parts.hostname or "")
        if not host:
            return "no host name"
        if "@" in parts.netloc:
            # user@host: parsers disagree on where the host starts, so no such address is fetched
            return "an address with a user name before the host (user@host) is not fetched"
        if not (_HOST_NAME.match(host) or is_literal(host)):
            return f"{host} is not a valid host name"
        if is_local_host(host) and not self.local_ok:
            return "an address inside this machine or its network"
        ports = self.hosts.get(_norm_host(host))
        if ports is None:
            return f"{host} is not one of this source's sites (add it to allowed_hosts?)"
        if port not in ports:
            return f"port {port} of {host} is not the configured one"
        return None
