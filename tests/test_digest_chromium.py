"""The digest's HTML rendered by a real browser engine (headless Chromium), screenshots kept in
``test-artifacts/`` (gitignored) for a person to look at: a test can check structure, but only
eyes can tell whether the email looks right.

Chromium is a system package, not a Python one: ``apt-get install -y chromium``. Without it these
tests skip and say so.
"""

from __future__ import annotations

import email
import shutil
import struct
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

from fondsradar import job
from tests.conftest import ROOT
from tests.test_digest_support import TODAY, make_config, week_store

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
WIDTH, HEIGHT = 800, 2000

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (/usr/bin/chromium missing); install it with "
           "`apt-get update && apt-get install -y chromium` to render the digest and keep a "
           "screenshot in test-artifacts/")


def screenshot(html: Path, png: Path, profile: Path) -> None:
    """Render ``html`` at 800×2000 with no network and no profile of anyone's."""
    assert CHROMIUM is not None
    png.unlink(missing_ok=True)
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png}",
         f"--window-size={WIDTH},{HEIGHT}", html.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def html_part(eml: Path) -> str:
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = msg.get_body(("html",))  # type: ignore[attr-defined]
    assert body is not None
    return body.get_content()


@needs_chromium
def test_the_email_renders_in_chromium(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    delivery = job.deliver(cfg, week_store(tmp_path), TODAY, send=False)
    [report] = delivery.reports
    assert report.eml is not None
    ARTIFACTS.mkdir(exist_ok=True)
    html = ARTIFACTS / "digest-email-da.html"
    html.write_text(html_part(report.eml), encoding="utf-8")
    png = ARTIFACTS / "digest-email-da.png"
    screenshot(html, png, tmp_path / "chromium-profile")
    assert png_size(png) == (WIDTH, HEIGHT)
    # A blank or error page compresses to a few kB; the digest's text does not.
    assert png.stat().st_size > 40_000


@needs_chromium
def test_the_demo_digest_renders_in_chromium(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    result = subprocess.run([sys.executable, "-m", "fondsradar", "demo", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    [eml] = list((out / "mail").glob("*.eml"))
    ARTIFACTS.mkdir(exist_ok=True)
    html = ARTIFACTS / "demo-digest-email.html"
    html.write_text(html_part(eml), encoding="utf-8")
    shutil.copy(eml, ARTIFACTS / "demo-digest.eml")
    png = ARTIFACTS / "demo-digest-email.png"
    screenshot(html, png, tmp_path / "chromium-profile")
    assert png_size(png) == (WIDTH, HEIGHT) and png.stat().st_size > 40_000
    archive = ARTIFACTS / "demo-archive.png"
    [page] = list(out.glob("*-W*.html"))
    screenshot(page, archive, tmp_path / "chromium-profile")
    assert png_size(archive) == (WIDTH, HEIGHT)
