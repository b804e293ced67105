"""The vendored third-party data is still byte for byte what its provenance note says.

Each folder of real data under tests/fixtures/ lists the sha256 of every file in its README.md
(lines ``<sha256>  <file>``). An edited, truncated or re-encoded copy, a listed file gone
missing, or a data file added without a provenance line fails here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$", re.M)
# The folders of real third-party data (others, if any, hold data written for the project).
VENDORED = ("erasmus", "erasmus/more", "interreg", "novonordisk", "velux", "pdj")


def listed(folder: Path) -> dict[str, str]:
    return {name: digest for digest, name in LINE.findall(
        (folder / "README.md").read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", VENDORED)
def test_every_vendored_file_matches_its_listed_sha256(name: str) -> None:
    folder = FIXTURES / name
    sums = listed(folder)
    assert sums, f"{folder}/README.md lists no sha256"
    for file, digest in sums.items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, file


@pytest.mark.parametrize("name", VENDORED)
def test_no_data_file_without_a_provenance_line(name: str) -> None:
    folder = FIXTURES / name
    files = {p.name for p in folder.iterdir() if p.is_file() and p.name != "README.md"}
    assert files == set(listed(folder))
