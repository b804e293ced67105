"""Hostile pages try to send the crawler elsewhere; the outbound policy keeps it on its sites.

Every case runs a real crawl against misbehaving sites on loopback addresses and counts the
requests that reached each server: nothing outside the policy may arrive, the good call of
the same crawl is still stored, and the source's health names what was refused. Addresses
beyond loopback (169.254.169.254 and the like) appear only as link targets: the policy must
refuse them before any connection is tried, and no test listens or connects there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.outbound import OutboundPolicy, configured_urls, is_local_host, is_public
from tests.sites.server import ROOT, TODAY, toml_list, write_config
from tests.support.hostile import call_page, gzipped, hostile_site, listing
from tests.test_digest_support import SmtpServer
from tests.test_hostile_values import send_digest

SECRET = "s3cr3t-smtp-password-for-the-hostile-test"


def run(config: Path, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_TODAY"}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                           "--today", TODAY, *args], capture_output=True, text=True, env=full,
                          timeout=180, cwd=ROOT)


def nnf_config(tmp_path: Path, start_urls: list[str], extra: str = "") -> Path:
    return write_config(tmp_path, f"[sources.novonordisk]\nstart_urls = {toml_list(start_urls)}\n"
                        + extra)


def stored(config: Path) -> list[dict]:
    return json.loads(run(config, "export", "--all").stdout)


# ------------------------------------------------------------------------- the rules alone
def test_the_rules_refuse_what_leaves_the_sites() -> None:
    policy = OutboundPolicy(["https://novonordiskfonden.dk/en/grant/"], ["cdn.example.org:8443"])
    ok = ["https://novonordiskfonden.dk/x", "http://novonordiskfonden.dk/x",
          "https://www.novonordiskfonden.dk/x", "https://NOVONORDISKFONDEN.DK./x",
          "https://cdn.example.org:8443/file"]
    refused = {
        "file:///proc/self/environ": "only http and https",
        "data:text/html,<h1>x</h1>": "only http and https",
        "ftp://novonordiskfonden.dk/x": "only http and https",
        "javascript:alert(1)": "only http and https",
        "//novonordiskfonden.dk/x": "only http and https",
        "http://169.254.169.254/latest/meta-data/": "inside this machine",
        "http://[::ffff:169.254.169.254]/": "inside this machine",
        "http://10.0.0.1/": "inside this machine",
        "http://[::1]/": "inside this machine",
        "http://0.0.0.0/": "inside this machine",
        "http://localhost/": "inside this machine",
        "http://metadata.google.internal/": "inside this machine",
        "https://novonordiskfonden.dk.evil.example/x": "not one of this source's sites",
        "https://evil.example/?u=https://novonordiskfonden.dk/": "not one of this source's",
        "https://novonordiskfonden.dk@evil.example/": "user name before the host",
        "https://evil.example%2f@novonordiskfonden.dk/": "user name before the host",
        "https://u:p@novonordiskfonden.dk/": "user name before the host",
        "https://novonordiskfonden.dk%2eevil.example/": "not a valid host name",
        "https://novonordiskfonden.dk:22/": "port 22",
        "https://cdn.example.org/file": "port 443",
        "http://[::1/": "not a valid web address",
        "http://2130706433/": "not one of this source's sites",  # 127.0.0.1 as one number
        "http://0x7f000001/": "not one of this source's sites",
        "http://127.1/": "not one of this source's sites",
        "http://[fe80::1%25eth0]/": "inside this machine",
        "HTTP://169.254.169.254/": "inside this machine",
        "https://novonordiskfonden.dk\\@evil.example/": "user name before the host",
    }
    for url in ok:
        assert policy.refusal(url) is None, url
    for url, words in refused.items():
        reason = policy.refusal(url)
        assert reason is not None and words in reason, (url, reason)


def test_a_danish_host_name_matches_its_wire_form() -> None:
    from scrapy import Request

    policy = OutboundPolicy(["https://www.ærø.dk/puljer/"])
    assert policy.refusal(Request("https://ærø.dk/puljer/2027").url) is None
    assert policy.refusal("https://xn--r-3fa9c.dk/x") is None
    assert "not one of" in (policy.refusal("https://aero.dk/x") or "")


def test_the_address_rules() -> None:
    assert is_public("93.184.216.34") and is_public("2a00:1450:4001::200e")
    for address in ("127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                    "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1",
                    "::ffff:127.0.0.1", "224.0.0.1", "255.255.255.255", "not an address"):
        assert not is_public(address), address
    assert is_local_host("localhost") and is_local_host("printer.local")
    assert not is_local_host("novonordiskfonden.dk")
    # A test's own loopback start URL lets loopback through, but only its own host and port.
    policy = OutboundPolicy(["http://127.0.0.1:8123/en/grant/"])
    assert policy.refusal("http://127.0.0.1:8123/next") is None
    assert "port 8124" in (policy.refusal("http://127.0.0.1:8124/") or "")
    assert "not one of" in (policy.refusal("http://127.0.0.2:8123/") or "")
    assert "not one of" in (policy.refusal("http://169.254.169.254/") or "")


def test_every_configured_url_counts() -> None:
    conf = {"search_url": "https://api.example.eu/search", "enabled": True,
            "start_urls": ["https://a.example.dk/"],
            "pages": [{"url": "https://b.example.dk/p", "name": "B"}], "allowed_hosts": []}
    assert configured_urls(conf) == ["https://api.example.eu/search", "https://a.example.dk/",
                                     "https://b.example.dk/p"]


# --------------------------------------------------------------------- real crawls, counted
def test_links_from_pages_never_leave_the_sites(tmp_path: Path) -> None:
    """Nine listings, each pointing the crawler somewhere it must not go, by every route a
    spider follows: rel=next, the Link header, the admin-ajax and WordPress back ends found in
    a page, and a redirect."""
    with hostile_site("127.0.0.2") as elsewhere, hostile_site() as other_port, \
            hostile_site() as site:
        away = elsewhere.url("/en/grant/?page=2")
        cases = {
            "/a/": listing("/en/grant/call-a/", head=f'<link rel="next" href="{away}">'),
            "/b/": listing("/en/grant/call-b/"),
            "/c/": listing(body='<script>var u="http:\\/\\/169.254.169.254\\/wp\\/wp-admin'
                                '\\/admin-ajax.php";</script>'),
            "/d/": listing(head=f'<link rel="https://api.w.org/" '
                                f'href="{other_port.url("/wp-json/")}">'),
            "/e/": listing("/en/grant/call-e/", head='<link rel="next" href="file:///etc/passwd">'),
            "/f/": listing("/en/grant/call-f/",
                           head='<link rel="next" href="http://[::ffff:169.254.169.254]/x">'),
            "/h/": listing("/en/grant/call-h/",
                           head=f'<link rel="next" href="http://localhost:{site.base[-5:]}/x">'),
            "/i/": listing("/en/grant/call-i/",
                           body=f'<a rel="next" href="{elsewhere.url("/i2")}">Next</a>'),
        }
        for path, body in cases.items():
            site.html(path, body)
        site.html("/b/", cases["/b/"], Link='<file:///proc/self/environ>; rel="next"')
        site.routes["/g/"] = (302, {"Location": elsewhere.url("/moved")}, b"")
        for key in "abefhi":
            site.html(f"/en/grant/call-{key}/", call_page(f"Science teaching {key} 2027"))
        for s in (elsewhere, other_port):
            s.html("/en/grant/", listing("/en/grant/trap/"))
            s.html("/wp-json/", b"[]")
        starts = [site.url(p) for p in [*cases, "/g/"]]
        config = nnf_config(tmp_path, starts)
        result = run(config, "crawl", "--record", str(tmp_path / "traffic.har"),
                     env={"FONDSRADAR_SMTP_PASSWORD": SECRET})
    assert elsewhere.requests == [] and other_port.requests == []
    expected = {"/robots.txt", *cases, "/g/", *(f"/en/grant/call-{k}/" for k in "abefhi")}
    assert set(site.requests) <= expected, set(site.requests) - expected
    out = result.stdout + result.stderr
    assert result.returncode == 3, out
    assert "Traceback" not in out
    assert "outside the allowed sites were refused" in result.stdout
    titles = sorted(c["title"] for c in stored(config))
    assert titles == [f"Science teaching {k} 2027" for k in "abefhi"]
    status = run(config, "status").stdout
    assert re.search(r"novonordisk:?\s+FAILING", status) and "file:///" in status
    har = (tmp_path / "traffic.har").read_text(encoding="utf-8")
    assert SECRET not in har and "root:" not in har
    assert all(e["request"]["url"].startswith(site.base)
               for e in json.loads(har)["log"]["entries"])
    # The week's digest still goes out, with the calls of the hostile crawl in it.
    with SmtpServer() as server:
        sent = send_digest(config, server.port)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [mail] = server.received
    assert "Science teaching a 2027" in mail.message.as_string()


def test_allowed_hosts_open_exactly_the_listed_sites(tmp_path: Path) -> None:
    """A source whose pages legitimately live on a second host: listed, it is followed; the
    third host linked from there is still refused."""
    with hostile_site("127.0.0.3") as third, hostile_site("127.0.0.2") as second, \
            hostile_site() as site:
        site.html("/en/grant/", listing("/en/grant/call-1/",
                                        head=f'<link rel="next" href="{second.url("/p2")}">'))
        site.html("/en/grant/call-1/", call_page("First 2027"))
        second.html("/p2", listing("/en/grant/call-2/",
                                   head=f'<link rel="next" href="{third.url("/p3")}">'))
        second.html("/en/grant/call-2/", call_page("Second 2027"))
        second.html("/en/grant/call-3/", call_page("Third 2027"))
        # A redirect to the listed host is followed too; one to the third host is not.
        site.routes["/moved/"] = (302, {"Location": second.url("/en/grant/call-3/")}, b"")
        site.routes["/gone/"] = (302, {"Location": third.url("/en/grant/call-4/")}, b"")
        port = second.base.rsplit(":", 1)[1]
        config = nnf_config(tmp_path, [site.url("/en/grant/"), site.url("/moved/"),
                                       site.url("/gone/")],
                            f'allowed_hosts = ["127.0.0.2:{port}"]\n')
        result = run(config, "crawl")
    assert third.requests == []
    assert "/p2" in second.requests and "/en/grant/call-2/" in second.requests
    assert "/en/grant/call-3/" in second.requests
    assert sorted(c["title"] for c in stored(config)) == ["First 2027", "Second 2027",
                                                          "Third 2027"]
    assert "127.0.0.3" in result.stdout and result.returncode == 3


def test_a_crawler_trap_stops_at_the_request_budget(tmp_path: Path) -> None:
    """Every page links to one more page, forever; max_requests ends it and says so."""
    with hostile_site() as site:
        for n in range(1, 60):
            site.html(f"/list/{n}", listing(f"/en/grant/call-{n}/",
                                            head=f'<link rel="next" href="/list/{n + 1}">'))
            site.html(f"/en/grant/call-{n}/", call_page(f"Trap call {n} 2027"))
        config = nnf_config(tmp_path, [site.url("/list/1")], "max_requests = 12\n")
        result = run(config, "crawl")
    assert len(site.requests) == 12, site.requests
    assert result.returncode == 3
    assert "stopped after 12 requests" in result.stdout
    assert len(stored(config)) >= 4  # what was read before the budget ran out is kept


def test_a_name_that_resolves_into_this_machine_is_refused(tmp_path: Path) -> None:
    """A public-looking host name whose address is loopback (DNS pointing inward): the
    resolver refuses it, so the server never sees a request."""
    import socket

    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if is_public(address) or is_local_host(name) or not address.startswith("127."):
        pytest.skip(f"{name} resolves to {address}, not to loopback")
    with hostile_site(address) as site:
        site.html("/en/grant/", listing("/en/grant/call-1/"))
        port = site.base.rsplit(":", 1)[1]
        config = nnf_config(tmp_path, [f"http://{name}:{port}/en/grant/"])
        result = run(config, "crawl")
    assert site.requests == []
    assert result.returncode == 3
    assert f"{name} points to {address}" in " ".join(result.stdout.split()), result.stdout


def test_a_compressed_page_over_the_limit_fails_the_source(tmp_path: Path) -> None:
    """A 2 MB gzip bomb (~200 MB unpacked) against max_page_mb = 1: reported, not silent;
    the other page of the crawl is kept, and recording it does not unpack it either."""
    bomb = gzipped(b"<html>" + b" " * (200 * 1024 * 1024) + b"</html>")
    with hostile_site() as site:
        site.html("/en/grant/", listing("/en/grant/call-1/", "/en/grant/bomb/"))
        site.html("/en/grant/call-1/", call_page("Kept 2027"))
        site.routes["/en/grant/bomb/"] = (200, {"Content-Type": "text/html",
                                                "Content-Encoding": "gzip"}, bomb)
        config = write_config(tmp_path, f"[sources.novonordisk]\nstart_urls = "
                                        f"{toml_list([site.url('/en/grant/')])}\n")
        text = config.read_text().replace("delay_s = 0", "delay_s = 0\nmax_page_mb = 1")
        config.write_text(text)
        result = run(config, "crawl", "--record", str(tmp_path / "t.har"))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "larger than the size limit" in result.stdout
    assert "/en/grant/bomb/" in result.stdout
    assert [c["title"] for c in stored(config)] == ["Kept 2027"]
    assert (tmp_path / "t.har").stat().st_size < 4 * 1024 * 1024
    # Replaying the recording fails the same way.
    again = run(config, "crawl", "--replay", str(tmp_path / "t.har"))
    assert again.returncode == 3 and "larger than the size limit" in again.stdout, again.stdout
