"""A damaged, read-only or misplaced database, and crash reports: honest words, safe files.

Each case runs the real command in a child process and checks that the message names the
database file and says what happened to it and what to do, that no traceback reaches the
screen, and that the file itself was not changed.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fondsradar.failures import write_crash_report
from tests.conftest import fondsradar, write_config


def setup(tmp_path: Path) -> tuple[Path, Path]:
    config = write_config(tmp_path)
    assert fondsradar("--config", str(config), "status").returncode == 0  # creates the store
    return config, tmp_path / "fondsradar.db"


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable, even for root (who ignores file modes): chattr +i."""
    if os.getuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode:
            pytest.skip("cannot make a file read-only for root here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


@pytest.mark.parametrize("command", [["status"], ["export"], ["rank"]])
def test_a_damaged_database_is_named_and_left_alone(tmp_path: Path, command: list[str]) -> None:
    config, db = setup(tmp_path)
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database, it was overwritten by accident\n" * 100)
    before = db.read_bytes()
    result = fondsradar("--config", str(config), *command)
    assert result.returncode == 1
    assert f"the database {db} is damaged" in result.stderr, result.stderr
    assert "Nothing stored was lost" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert db.read_bytes() == before


def test_a_read_only_database_is_named(tmp_path: Path) -> None:
    """Reading still works (status); writing (import) says which file is read-only."""
    config, db = setup(tmp_path)
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    src = tmp_path / "c.jsonl"
    src.write_text('{"title": "T", "url": "https://x.dk/t"}\n')
    with read_only(db):
        status = fondsradar("--config", str(config), "status")
        result = fondsradar("--config", str(config), "import", str(src))
    assert status.returncode == 0 and "No crawl has run yet" in status.stdout
    assert result.returncode == 1, result.stdout
    assert f"the database {db} cannot be written" in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr + status.stderr


def test_a_read_only_folder_is_named(tmp_path: Path) -> None:
    config, db = setup(tmp_path)
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    with read_only(db), read_only(tmp_path):
        result = fondsradar("--config", str(config), "status")
    assert "Traceback" not in result.stdout + result.stderr
    if result.returncode:
        assert f"the database {db} cannot be written" in result.stderr, result.stderr


@pytest.mark.parametrize(("place", "words"), [
    ("folder", "is a folder, not a file"),
    ("under_a_file", "cannot be opened: its folder"),
])
def test_a_database_path_that_cannot_be_a_database(tmp_path: Path, place: str, words: str
                                                   ) -> None:
    config = write_config(tmp_path)
    if place == "folder":
        db = tmp_path / "adir"
        db.mkdir()
    else:
        (tmp_path / "afile").write_text("x")
        db = tmp_path / "afile" / "sub" / "f.db"
    text = config.read_text().replace(str(tmp_path / "fondsradar.db"), str(db))
    config.write_text(text)
    result = fondsradar("--config", str(config), "status")
    assert result.returncode == 1
    assert words in result.stderr and str(db) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_crash_reports_go_to_a_private_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    data = tmp_path / "data"
    data.mkdir()
    report = write_crash_report(data, "Traceback: boom\n")
    assert report.parent == data / "crashes"
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert report.read_text() == "Traceback: boom\n"


def test_a_planted_link_or_foreign_folder_is_not_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    target = tmp_path / "victim"
    target.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    (data / "crashes").symlink_to(target)  # someone planted a link
    report = write_crash_report(data, "x")
    assert report.parent == tmp_path / "state" / "fondsradar"
    assert list(target.iterdir()) == []
    if os.getuid() == 0:  # a folder owned by another user is not written in either
        foreign = tmp_path / "state" / "fondsradar"
        os.chown(foreign, 65534, 65534)
        report = write_crash_report(None, "y")
        assert report.parent.name.startswith("fondsradar-crash-")
        assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
        shutil.rmtree(report.parent)


def test_the_shared_temp_folder_is_never_the_first_choice(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    report = write_crash_report(None, "z")
    assert not str(report).startswith(str(Path(tempfile.gettempdir()) / "fondsradar"))
