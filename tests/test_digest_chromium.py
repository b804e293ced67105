"""The digest's HTML rendered by a real browser engine (headless Chromium), screenshots kept in
``test-artifacts/`` (gitignored) for a person to look at: a test can check structure, but only
eyes can tell whether the email looks right.

Chromium is a system package, not a Python one: ``apt-get install -y chromium``. Without it these
tests skip and say so.
"""

from __future__ import annotations

import email
import re
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
PHONE = 390  # CSS pixels: a common phone's width

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (/usr/bin/chromium missing); install it with "
           "`apt-get update && apt-get install -y chromium` to render the digest and keep a "
           "screenshot in test-artifacts/")


def _chromium(profile: Path, width: int, height: int, *args: str) -> list[str]:
    assert CHROMIUM is not None
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", f"--window-size={width},{height}",
            *args]


def screenshot(html: Path, png: Path, profile: Path, width: int = WIDTH,
               height: int = HEIGHT) -> None:
    """Render ``html`` at width×height with no network and no profile of anyone's."""
    png.unlink(missing_ok=True)
    result = subprocess.run(_chromium(profile, width, height, f"--screenshot={png}",
                                      html.resolve().as_uri()),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]


def layout_width(html: str, folder: Path, profile: Path, width: int) -> int:
    """How wide the page lays out in a ``width`` px frame (its scrollWidth): wider than the
    frame means a reader must scroll sideways. The email is shown in an iframe of that width,
    as a phone's mail app would; its copy reports back by postMessage."""
    probe = html.replace("</body>", "<script>parent.postMessage(String("
                         "document.documentElement.scrollWidth), '*');</script></body>")
    (folder / "probe-email.html").write_text(probe, encoding="utf-8")
    (folder / "probe.html").write_text(
        "<!DOCTYPE html><html><body style='margin:0'><iframe src='probe-email.html' "
        f"width='{width}' height='800' style='border:0'></iframe><script>"
        "addEventListener('message', e => document.body.setAttribute('data-width', e.data));"
        "</script></body></html>", encoding="utf-8")
    result = subprocess.run(_chromium(profile, 1000, 900, "--allow-file-access-from-files",
                                      "--virtual-time-budget=5000", "--dump-dom",
                                      (folder / "probe.html").as_uri()),
                            capture_output=True, text=True, timeout=120)
    found = re.search(r'data-width="(\d+)"', result.stdout)
    assert found, result.stderr[-2000:]
    return int(found.group(1))


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
    config = (out / "demo-config.toml").resolve()
    assert f"fondsradar --config {config} --today 2027-01-11 browse" in result.stdout
    [eml] = list((out / "mail").glob("*.eml"))
    ARTIFACTS.mkdir(exist_ok=True)
    html = ARTIFACTS / "demo-digest-email.html"
    html.write_text(html_part(eml), encoding="utf-8")
    # the order a reader acts in: closing soon, new, (changes,) not open yet
    sections = re.findall(r'<h2 id="([a-z-]+)"', html_part(eml))
    order = ["lukker-snart", "nye", "aendringer", "aabner-senere", "sider"]
    assert sections == [s for s in order if s in sections]
    assert sections[:2] == ["lukker-snart", "nye"] and "aabner-senere" in sections
    shutil.copy(eml, ARTIFACTS / "demo-digest.eml")
    png = ARTIFACTS / "demo-digest-email.png"
    screenshot(html, png, tmp_path / "chromium-profile")
    assert png_size(png) == (WIDTH, HEIGHT) and png.stat().st_size > 40_000
    phone = ARTIFACTS / "demo-digest-email-phone.png"
    screenshot(html, phone, tmp_path / "chromium-profile", PHONE, HEIGHT)
    assert png_size(phone) == (PHONE, HEIGHT) and phone.stat().st_size > 40_000
    # at a phone's width the email reflows: nothing to scroll sideways
    assert layout_width(html_part(eml), tmp_path, tmp_path / "chromium-profile", PHONE) <= PHONE
    archive = ARTIFACTS / "demo-archive.png"
    [page] = list(out.glob("*-W*.html"))
    screenshot(page, archive, tmp_path / "chromium-profile")
    assert png_size(archive) == (WIDTH, HEIGHT)
