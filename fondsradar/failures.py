"""What the command says when something goes wrong that is not the user's typing.

Two things, both for staff who are not programmers:

* :func:`store_problem` turns a database error into the truth about the store: damaged,
  read-only, missing or locked, naming the file and what to do. (A generic "nothing stored was
  lost" would be a lie for a damaged file.)
* :func:`write_crash_report` keeps the traceback of an unexpected error for the maintainer, in a
  folder only this user can read: ``crashes/`` beside the database when the config is known,
  else the user's own state folder (``$XDG_STATE_HOME/fondsradar`` or
  ``~/.local/state/fondsradar``). Never a fixed path in the shared temp folder, which another
  user could own or fill with a symbolic link.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
import time
import traceback
from pathlib import Path


def store_problem(db: Path, exc: BaseException) -> str | None:
    """The plain-words state of the database behind ``exc``, or None if it is not about it."""
    if not isinstance(exc, sqlite3.Error | OSError):
        return None
    if isinstance(exc, OSError) and exc.filename and Path(str(exc.filename)).resolve() not in (
            db.resolve(), db.parent.resolve()):
        return None  # some other file: not the store's business
    text = str(exc).lower()
    name = str(db)
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return (f"the database {name} is damaged: it is not a readable database file any more. "
                "Fondsradar did not change it. Restore it from a backup, or rename it (e.g. to "
                f"{db.name}.damaged) and run `fondsradar crawl` to start a new, empty one.")
    if db.is_dir():
        return (f"the database path {name} is a folder, not a file; set database.path in the "
                "config to a file name such as data/fondsradar.db.")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "disk is full" in text:
        return (f"the disk that holds the database {name} is full; nothing was written. Free "
                "some space and run the command again.")
    if "disk i/o" in text:
        return (f"the disk that holds the database {name} reported an error; nothing was "
                "written. Check the disk, and restore the file from a backup if it stays.")
    if ("readonly" in text or "read-only" in text or isinstance(exc, PermissionError)
            or (db.exists() and not os.access(db, os.W_OK))
            or (db.parent.exists() and not os.access(db.parent, os.W_OK))):
        return (f"the database {name} cannot be written (it or its folder {db.parent} is "
                "read-only for this user). Nothing stored was lost. Give the user who runs "
                "Fondsradar write access to both, or point database.path in the config at a "
                "writable place.")
    if "unable to open" in text or (isinstance(exc, OSError)
                                    and exc.errno in (errno.ENOENT, errno.ENOTDIR)):
        return (f"the database {name} cannot be opened: its folder {db.parent} is missing or "
                "cannot be reached. Check database.path in the config (and that the disk or "
                "network share is there).")
    if "locked" in text or "busy" in text:
        return (f"the database {name} is locked by another program (an open `sqlite3` shell, "
                "a backup tool?). Nothing stored was lost. Close it and run the command again.")
    return None


def _private_folder(folder: Path) -> Path | None:
    """``folder``, created for this user only (0700); None if it is not safe to write in (a
    symbolic link, or owned by someone else, or cannot be created)."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return None
    if info.st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except OSError:
            return None
    return folder


def crash_folders(data_folder: Path | None) -> list[Path]:
    """Where a crash report may go, best first."""
    out = [data_folder / "crashes"] if data_folder is not None else []
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    out.append(Path(state) / "fondsradar")
    return out


def write_crash_report(data_folder: Path | None = None, text: str | None = None) -> Path:
    """Write the current traceback (or ``text``) to a new private file; return its path."""
    body = text if text is not None else traceback.format_exc()
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for candidate in crash_folders(data_folder):
        folder = _private_folder(candidate)
        if folder is None:
            continue
        try:
            return _write_new(folder / name, body)
        except OSError:
            continue
    # Last resort: a new folder with an unguessable name, private by construction.
    return _write_new(Path(tempfile.mkdtemp(prefix="fondsradar-crash-")) / name, body)


def _write_new(path: Path, body: str) -> Path:
    """Create ``path`` (never through a symbolic link, never over an existing file), 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body)
    return path
