"""The crawler as a Python egg, the form in which Scrapyd takes a project (``addversion.json``).

Scrapyd activates an egg with ``pkg_resources`` and reads the Scrapy settings module from its
``scrapy`` entry point, so the egg holds the crawl's packages (the stages' ``crawler`` and the
shared ``records`` layer, never the shell) plus ``EGG-INFO`` with that entry point. It is built
here, straight into a zip, instead of through ``setup.py bdist_egg``: setuptools deprecates that
command, and a zip of the source files is all Scrapyd needs.

The version is a hash of the packed files, so "does Scrapyd have this version?" is an exact
question: the same code gives the same version on every machine, any edit a new one. The
libraries the crawler imports (Scrapy, lxml, ...) must be installed where Scrapyd runs; an egg
carries only the project's own code.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

# What a crawl job imports: the stage and the bottom layer (docs/architecture.md, layers).
PACKAGES = ("crawler", "records")
SETTINGS_MODULE = "crawler.settings"
ROOT = Path(__file__).resolve().parents[1]
# A fixed time for every zip entry: the same files give the same bytes.
_EPOCH = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Egg:
    """A built egg: its bytes and the version it stands for."""

    version: str
    data: bytes
    files: int


def project_version() -> str:
    """The version in pyproject.toml (``0.1.0``); "0" when it cannot be read."""
    try:
        text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "0"
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else "0"


def source_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """(name in the egg, file) for every source file of the packed packages, sorted."""
    out = []
    for package in PACKAGES:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise FileNotFoundError(f"package {package!r} not found under {root}")
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.append((path.relative_to(root).as_posix(), path))
    return out


def build_egg(root: Path = ROOT, name: str = "fondsradar") -> Egg:
    """Pack the crawl's packages as an egg whose version is the hash of its files."""
    files = [(arc, path.read_bytes()) for arc, path in source_files(root)]
    digest = hashlib.sha256()
    for arc, data in files:
        digest.update(arc.encode() + b"\0" + data + b"\0")
    # Scrapyd keeps eggs as <version>.egg with anything outside [A-Za-z0-9_-] replaced, and
    # lists them by that name: a version made of those characters reads back as sent.
    version = re.sub(r"[^A-Za-z0-9_-]", "_", project_version()) + "-" + digest.hexdigest()[:12]
    meta = {
        "EGG-INFO/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "EGG-INFO/entry_points.txt": f"[scrapy]\nsettings = {SETTINGS_MODULE}\n",
        "EGG-INFO/top_level.txt": "\n".join(PACKAGES) + "\n",
        "EGG-INFO/zip-safe": "\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, text in meta.items():
            zf.writestr(zipfile.ZipInfo(arc, _EPOCH), text)
        for arc, data in files:
            info = zipfile.ZipInfo(arc, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return Egg(version=version, data=buf.getvalue(), files=len(files))
