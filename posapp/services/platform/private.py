"""Private files: the data folder is 0700 and every file posapp keeps is 0600, whatever the umask.

The database holds PIN and password hashes and customers' personal data, so no other local user
may read it, its ``-wal``/``-shm`` companions, its backups and ``.before-restore-*`` copies, the
audit key or the anchor file. Files are created with mode 0600 up front (``os.open``, then a
``chmod`` in case the umask took bits away), never created wide and tightened afterwards. SQLite
gives a database's ``-wal``, ``-shm`` and ``-journal`` files the mode of the database file, so
creating the database 0600 keeps its companions private too.

:func:`tighten_folder` is what ``posapp db upgrade`` runs on a folder made by an older version.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "Tightened",
    "create_private_file",
    "make_private_folder",
    "shown",
    "sqlite_companions",
    "tighten_data",
    "tighten_file",
    "tighten_folder",
]

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def shown(path: Path | str) -> str:
    """A file name for a one-line message: as it is, or quoted with escapes if it must be.

    A name holding a newline (or another character that is not printable) is shown as Python
    writes it, with escapes, so the message stays one line.
    """
    text = str(path)
    return text if text.isprintable() else repr(text)


def make_private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing; a folder made here is 0700.

    An existing folder is left as it is: it may be shared on purpose (``/tmp``, a home folder);
    ``posapp db upgrade`` tightens posapp's own data folder.
    """
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        os.chmod(path, FOLDER_MODE)
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` as an empty 0600 file unless it exists; True if it was created.

    An existing file is left alone (``posapp db upgrade`` tightens old ones).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def tighten_file(path: Path) -> bool:
    """Take every permission but the owner's read/write from ``path``; True if it changed."""
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return False
    if not path.is_file() or path.is_symlink() or mode & ~FILE_MODE == 0:
        return False
    os.chmod(path, mode & FILE_MODE)
    return True


def sqlite_companions(database: Path) -> list[Path]:
    """The database file and the ``-wal``, ``-shm`` and ``-journal`` files SQLite keeps by it."""
    return [database.with_name(database.name + suffix) for suffix in _SQLITE_SUFFIXES]


@dataclass(slots=True)
class Tightened:
    """What :func:`tighten_folder` changed."""

    folder: Path
    folder_was: int | None = None
    files: list[Path] = field(default_factory=list)
    """The files and the folders below ``folder`` that were tightened."""

    @property
    def changed(self) -> bool:
        """Whether anything was tightened."""
        return self.folder_was is not None or bool(self.files)


def tighten_folder(folder: Path) -> Tightened:
    """Make ``folder`` and every folder below it 0700 and every file in them 0600.

    Symbolic links are not followed. Returns what changed (nothing if the folder is missing).
    """
    done = Tightened(folder)
    if not folder.is_dir() or folder.is_symlink():
        return done
    for here, dirs, files in os.walk(folder):
        place = Path(here)
        mode = stat.S_IMODE(place.lstat().st_mode)
        if mode != FOLDER_MODE:
            os.chmod(place, FOLDER_MODE)
            if place == folder:
                done.folder_was = mode
            else:
                done.files.append(place)
        dirs[:] = [d for d in dirs if not (place / d).is_symlink()]
        done.files.extend(path for name in files if tighten_file(path := place / name))
    return done


def tighten_data(data_folder: Path, database: Path | None) -> Tightened:
    """Tighten posapp's data folder, and a SQLite database's own files if it lives elsewhere.

    A database outside the data folder keeps its folder's mode (the folder may be shared on
    purpose); its file, ``-wal``, ``-shm``, ``-journal`` and ``.before-restore-*`` copies are
    made 0600.
    """
    done = tighten_folder(data_folder)
    if database is None:
        return done
    try:
        inside = database.resolve().is_relative_to(data_folder.resolve())
    except OSError:
        inside = False
    if not inside:
        copies = sorted(database.parent.glob(f"{database.name}.before-restore-*"))
        for path in [*sqlite_companions(database), *copies]:
            if tighten_file(path):
                done.files.append(path)
    return done
