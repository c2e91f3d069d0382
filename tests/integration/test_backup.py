"""Backup and restore of the embedded database."""

from __future__ import annotations

from pathlib import Path

import pytest

from posapp.services.backend import Backend
from posapp.services.platform.backup import BackupError, backup, restore
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ValidationError
from posapp.services.staff import users

PW = "correct horse battery"


def test_backup_then_restore(sqlite_database: Database, tmp_path: Path) -> None:
    backend = Backend(sqlite_database)
    users.add_user(backend.uow(), None, "before", PW, "admin")
    seen: list[tuple[int, int]] = []
    report = backup(
        sqlite_database, tmp_path / "b" / "copy.sqlite3", progress=lambda d, t: seen.append((d, t))
    )
    assert report.bytes > 0
    assert seen
    assert seen[-1][0] == seen[-1][1]
    users.add_user(backend.uow(), None, "after", PW, "admin")
    assert users.count_users(backend.read_uow()) == 2
    result = restore(sqlite_database, report.path)
    assert result.kept_copy is not None
    assert result.kept_copy.exists()
    names = [u.username for u in users.list_users(backend.read_uow(), None)]
    assert names == ["before"]


def test_backup_refuses_existing_target(sqlite_database: Database, tmp_path: Path) -> None:
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"keep me")
    with pytest.raises(ValidationError, match="exists already"):
        backup(sqlite_database, target)
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize(
    "content", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 80]
)
def test_restore_refuses_bad_files_and_keeps_live_data(
    sqlite_database: Database, tmp_path: Path, content: bytes
) -> None:
    backend = Backend(sqlite_database)
    users.add_user(backend.uow(), None, "live", PW, "admin")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    with pytest.raises(BackupError):
        restore(sqlite_database, bad)
    with pytest.raises(BackupError, match="No such file"):
        restore(sqlite_database, tmp_path / "missing.sqlite3")
    assert users.count_users(backend.read_uow()) == 1


def test_restore_refuses_a_foreign_sqlite_file(sqlite_database: Database, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not a posapp database"):
        restore(sqlite_database, other)


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_postgres_is_pointed_to_pg_dump(database: Database, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="pg_dump"):
        backup(database, tmp_path / "x.sqlite3")
