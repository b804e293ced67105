"""Network faults, each against a real loopback server that misbehaves on purpose.

Every fault must end in a clear verdict for the source (in the crawl's summary and in
`fondsradar status`), with nothing stored lost; faults that pass (a 429 once, a wrong charset)
must not fail the source.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import fondsradar, write_config
from tests.support.sedia import FETCHED
from tests.support.sedia_server import sedia_server

pytestmark = pytest.mark.faults


def crawl(tmp_path: Path, url: str, **extra: str):
    config = write_config(tmp_path, search_url=f'search_url = "{url}"', **extra)
    return config, fondsradar("--config", str(config), "--today", FETCHED, "crawl")


def stored(config: Path) -> list[dict]:
    out = fondsradar("--config", str(config), "--today", FETCHED, "export")
    return json.loads(out.stdout)


@pytest.mark.parametrize(("mode", "extra", "words"), [
    ("slow", {"timeout_s": "timeout_s = 1", "retries": "retries = 0"},
     "did not answer in time"),
    ("503", {}, "HTTP errors (503)"),
    ("truncated", {}, "incomplete pages"),
    ("huge", {"max_page_mb": "max_page_mb = 1"}, "larger than the size limit"),
    ("robots", {}, "robots.txt asks crawlers not to fetch"),
    ("garbage", {}, "could not be read"),
])
def test_a_fault_fails_the_source_with_a_plain_reason(tmp_path: Path, mode: str,
                                                      extra: dict[str, str], words: str) -> None:
    with sedia_server() as url:  # a good crawl first: nothing it stored may be lost
        config, first = crawl(tmp_path, url)
    assert first.returncode == 0
    with sedia_server(mode) as url:
        config, result = crawl(tmp_path, url, **extra)
    assert result.returncode == 3, result.stdout + result.stderr
    assert words in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert len(stored(config)) == 7
    status = fondsradar("--config", str(config), "status").stdout
    assert re.search(r"erasmus\s+FAILING", status) and words in status


def test_redirect_to_another_site_is_not_followed(tmp_path: Path) -> None:
    with sedia_server(host="127.0.0.2") as elsewhere:
        origin = elsewhere.split("/search-api")[0]
        with sedia_server("offsite", other=origin) as url:
            _, result = crawl(tmp_path, url)
    assert result.returncode == 3
    assert "redirected to another site" in result.stdout and "127.0.0.2" in result.stdout, \
        result.stdout


def test_a_429_with_retry_after_is_waited_for_and_retried(tmp_path: Path) -> None:
    with sedia_server("429-once") as url:
        config, result = crawl(tmp_path, url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(stored(config)) == 7
    (first, which), *later = url.handler.times
    retry = next(when for when, same in later if same == which)
    assert retry - first >= 1.0  # Retry-After: 1 was honoured (Scrapy alone retries at once)


def test_json_under_a_wrong_charset_header_is_read_as_utf8(tmp_path: Path) -> None:
    with sedia_server("charset") as url:
        config, result = crawl(tmp_path, url)
    assert result.returncode == 0, result.stdout + result.stderr
    titles = {c["title"] for c in stored(config)}
    assert "Centres of Vocational Excellence – æøå" in titles
