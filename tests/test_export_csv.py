"""`export --format csv` opens cleanly in a spreadsheet: header always, one row per call, lists
joined, amounts as numbers, UTF-8 with BOM, and scraped text that would run as a formula made
inert (issue 13/14)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from fondsradar.cli import cli
from fondsradar.export import COLUMNS, cell, to_csv
from records.store import Store
from tests.conftest import write_config
from tests.test_digest_support import call, save

HOSTILE = ["=HYPERLINK(\"https://evil.example\",\"klik\")", "+45 1234", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "\n=cmd|' /C calc'!A0"]


def _export(tmp_path: Path, *args: str) -> bytes:
    config = write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(config), "--today", "2027-01-11",
                                      "export", "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _rows(raw: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""),
                               delimiter=delimiter))


def test_an_empty_store_still_has_the_header(tmp_path: Path) -> None:
    raw = _export(tmp_path)
    assert raw == b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\r\n"


def test_one_row_per_call_lists_joined_amounts_as_numbers(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    records = [call(f"c{i}", f"Opslag {i}", "Første afsnit.\n\nAndet afsnit\r\nmed æøå.\n",
                    deadlines=["2027-03-01", "2027-09-01T12:00:00+02:00"],
                    keywords=["STEM", "piger"], amount_min=250_000.0, amount_max=1_500_000.5)
               for i in range(30)]
    save(store, "novonordisk", records)
    store.close()
    raw = _export(tmp_path)
    assert raw.count(b"\r\n") == 31  # header + 30 rows: no line break inside a cell
    rows = _rows(raw)
    assert len(rows) == 30 and list(rows[0]) == list(COLUMNS)
    row = rows[0]
    assert row["description"] == "Første afsnit. Andet afsnit med æøå."
    assert row["deadlines"] == "2027-03-01; 2027-09-01T12:00:00+02:00"
    assert row["keywords"] == "STEM; piger"
    assert row["amount_min"] == "250000" and row["amount_max"] == "1500000.5"
    assert row["seen"] == "true" and row["funder"] == "Novo Nordisk Fonden"


def test_cells_that_would_run_as_formulas_are_made_inert(tmp_path: Path) -> None:
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", [call(f"h{i}", title, description=title, programme=title)
                                for i, title in enumerate(HOSTILE)])
    store.close()
    rows = _rows(_export(tmp_path))
    assert len(rows) == len(HOSTILE)
    for row in rows:
        for column in ("title", "description", "programme"):
            assert row[column].startswith("'"), row[column]
            assert "\n" not in row[column] and "\r" not in row[column]
    titles = {r["title"] for r in rows}
    assert "'=HYPERLINK(\"https://evil.example\",\"klik\")" in titles
    assert "'\t=1+1" in titles and "'=1+1" in titles  # "\r=1+1": one line, then inert


@pytest.mark.parametrize("value, expected", [
    (250000.0, 250000), (0.5, 0.5), (-3, -3), (None, ""), (True, "true"),
    (["a", "b"], "a; b"), ({"levels": ["eud", "gymnasium"]}, "levels: eud, gymnasium"),
    ("-5 000 kr.", "'-5 000 kr."), ("Grøn omstilling", "Grøn omstilling"),
])
def test_cells(value: object, expected: object) -> None:
    assert cell(value) == expected


def test_semicolons_for_a_danish_excel_and_no_bom_on_request(tmp_path: Path) -> None:
    assert _export(tmp_path, "--delimiter", "semicolon").decode("utf-8-sig").startswith(
        "id;source;funder;")
    assert _export(tmp_path, "--no-bom").startswith(b"id,source,")
    assert to_csv([], bom=False) == ",".join(COLUMNS) + "\r\n"
