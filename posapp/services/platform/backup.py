"""Backup and restore of the embedded SQLite database with SQLite's online backup API.

A backup can run while registers keep selling: in WAL mode the copy reads a consistent snapshot
and writers are not blocked. A restore replaces the live database with a checked backup, after
keeping the current file beside it; the application should be closed while it runs.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from posapp.i18n import _
from posapp.services.platform.chain_key import (
    ENV_AUDIT_KEY,
    forget_key,
    key_path,
    own_key_path,
)
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.platform.private import (
    create_private_file,
    make_private_folder,
    shown,
    sqlite_companions,
)
from posapp.services.platform.progress import Progress


class BackupError(ServiceError):
    """A backup or restore could not be made; nothing was replaced."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup or restore did.

    Attributes:
        path: The backup made, or the database restored.
        pages: How many pages were copied.
        bytes: The size of ``path``.
        kept_copy: The previous database, kept beside it by a restore (None: there was none).
        key: The audit key copied with the backup or restored beside the database, if any.
    """

    path: Path
    pages: int
    bytes: int
    kept_copy: Path | None = None
    key: Path | None = None


def _key_file(database: Path) -> Path:
    """The key file the database file uses now (its own, or the data folder's)."""
    return key_path(make_url(f"sqlite:///{database}"))


def _write_private(path: Path, data: bytes) -> Path:
    path.unlink(missing_ok=True)
    create_private_file(path)
    path.write_bytes(data)
    return path


def _key_with_backup(live: Path, target: Path) -> Path | None:
    """Copy the live database's audit key beside the backup (``<backup>.audit-key``, 0600).

    The copy's chain is keyed with it: without it the copy could be neither verified nor
    written on another machine. None if the database uses ``POSAPP_AUDIT_KEY`` or no key yet.
    """
    key = _key_file(live)
    if os.environ.get(ENV_AUDIT_KEY) or not key.is_file():
        return None
    return _write_private(own_key_path(target), key.read_bytes())


def _key_from_backup(source: Path, live: Path, stamp: str) -> Path | None:
    """Give the restored database its backup's key, if that differs from the one it uses now.

    The key used until now is set aside for the copy the restore kept
    (``<live>.audit-key.before-restore-<stamp>``). Returns the key file now in use.
    """
    carried = own_key_path(source)
    if os.environ.get(ENV_AUDIT_KEY) or not carried.is_file():
        return None
    data, current = carried.read_bytes(), _key_file(live)
    if current.is_file() and current.read_bytes() == data:
        return current
    if current.is_file():
        aside = live.with_name(f"{live.name}.audit-key.before-restore-{stamp}")
        _write_private(aside, current.read_bytes())
    forget_key(make_url(f"sqlite:///{live}"))
    return _write_private(own_key_path(live), data)


def _sqlite_path(database: Database) -> Path:
    if not database.is_sqlite or not database.url.database or database.url.database == ":memory:":
        msg = _(
            "Backup and restore work on the embedded SQLite database; use pg_dump for PostgreSQL."
        )
        raise ValidationError(msg)
    return Path(database.url.database)


def check_file(path: Path) -> None:
    """Check that ``path`` is an intact posapp database.

    Raises:
        BackupError: not a SQLite database, damaged, or not posapp's.
    """
    try:
        found = path.is_file()
    except OSError as exc:  # a name the file system refuses, e.g. too long
        raise BackupError(
            _("Cannot read {path}: {strerror}").format(path=shown(path), strerror=exc.strerror)
        ) from exc
    if not found:
        raise BackupError(_("No such file: {path}").format(path=shown(path)))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(
            _("{path} cannot be opened: {exc}").format(path=shown(path), exc=exc)
        ) from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(
                _("{path} is damaged: {value}").format(
                    path=shown(path), value=result[0] if result else "no answer"
                )
            )
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise BackupError(
                _("{path} has rows that point at missing rows.").format(path=shown(path))
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "orders", "users"} <= tables:
            raise BackupError(_("{path} is not a posapp database.").format(path=shown(path)))
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("{path} is not a SQLite database: {exc}").format(path=shown(path), exc=exc)
        ) from exc
    finally:
        conn.close()


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None) -> int:
    pages_done = 0

    def on_step(_status: int, remaining: int, total: int) -> None:
        nonlocal pages_done
        pages_done = total
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=256, progress=on_step)
    return pages_done


def _copy_to_new_file(source: sqlite3.Connection, target: Path, progress: Progress | None) -> int:
    """Copy ``source`` into the new file ``target``, made 0600, as one self-contained file.

    The copy takes the source's page 1, which says WAL; switching it to a rollback journal leaves
    a single file: opening it later (even read-only, to check it) makes no ``-wal``/``-shm``.

    Raises:
        FileExistsError: ``target`` exists.
    """
    if not create_private_file(target):
        raise FileExistsError(errno.EEXIST, "exists already", str(target))
    dest = sqlite3.connect(target)
    try:
        pages = _copy(source, dest, progress)
        dest.execute("PRAGMA journal_mode=DELETE").fetchone()
    finally:
        dest.close()
    for companion in sqlite_companions(target)[1:]:
        companion.unlink(missing_ok=True)
    return pages


def backup(database: Database, target: Path, *, progress: Progress | None = None) -> BackupReport:
    """Copy the live database to ``target`` (which must not exist) and check the copy.

    The backup is one file, readable by its owner only (0600), with no ``-wal`` or ``-shm``
    beside it; the audit key, if the database has a key file, is copied beside it
    (``<backup>.audit-key``, 0600), as the copy's chain needs it.

    Raises:
        ValidationError: not SQLite, or ``target`` exists.
        BackupError: the copy failed or is not intact (the partial file is removed).
    """
    live = _sqlite_path(database)
    try:
        taken = target.exists()
    except OSError as exc:  # a name the file system refuses, e.g. too long
        raise ValidationError(
            _("Cannot make {target}: {strerror}.").format(
                target=shown(target), strerror=exc.strerror
            )
        ) from exc
    if taken:
        raise ValidationError(
            _("{target} exists already: choose a new file name.").format(target=shown(target))
        )
    try:
        make_private_folder(target.parent)
        source = sqlite3.connect(live, timeout=30, isolation_level=None)
        try:
            # A read transaction on the source pins one snapshot (WAL): the registers' commits
            # meanwhile no longer restart the copy, which could otherwise never finish.
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            pages = _copy_to_new_file(source, target, progress)
            source.execute("COMMIT")
        finally:
            source.close()
        check_file(target)
        key = _key_with_backup(live, target)
    except FileExistsError as exc:
        raise ValidationError(
            _("{target} exists already: choose a new file name.").format(target=shown(target))
        ) from exc
    except (sqlite3.Error, OSError, BackupError) as exc:
        for leftover in [*sqlite_companions(target), own_key_path(target)]:
            leftover.unlink(missing_ok=True)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(_("The backup failed: {exc}").format(exc=exc)) from exc
    return BackupReport(target, pages, target.stat().st_size, key=key)


def restore(database: Database, source: Path, *, progress: Progress | None = None) -> BackupReport:
    """Replace the live database with the backup at ``source``, keeping the current file.

    The current database, if there is one (a file with data), is first copied to
    ``<name>.before-restore-<UTC time>`` beside it (0600); :attr:`BackupReport.kept_copy` is
    None when there was nothing to keep. The backup's audit key (beside it) becomes the
    database's; a different key that was there is kept as ``….before-restore-<UTC time>``.

    Raises:
        ValidationError: not SQLite.
        BackupError: ``source`` is not an intact posapp database (nothing is replaced).
    """
    live = _sqlite_path(database)
    check_file(source)
    database.dispose()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept: Path | None = None
    if live.exists() and live.stat().st_size > 0:
        kept = live.with_name(f"{live.name}.before-restore-{stamp}")
        src = sqlite3.connect(live, timeout=30)
        try:
            _copy_to_new_file(src, kept, None)
        except (sqlite3.Error, OSError) as exc:
            raise BackupError(
                _("Cannot keep a copy of the current database: {exc}").format(exc=exc)
            ) from exc
        finally:
            src.close()
    make_private_folder(live.parent)
    create_private_file(live)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=30)
    try:
        pages = _copy(src, dst, progress)
    except sqlite3.Error as exc:
        where = f"the previous database is at {shown(kept)}" if kept else "there was none before"
        raise BackupError(
            _("The restore failed: {exc}; {where}").format(exc=exc, where=where)
        ) from exc
    finally:
        dst.close()
        src.close()
    try:
        key = _key_from_backup(source, live, stamp)
    except OSError as exc:
        raise BackupError(
            _("Restored, but the audit key could not be put beside it: {exc}").format(exc=exc)
        ) from exc
    return BackupReport(live, pages, live.stat().st_size, kept, key)
