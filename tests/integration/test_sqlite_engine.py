"""The embedded SQLite database runs with the pragmas a till needs."""

from __future__ import annotations

import sqlalchemy as sa

from posapp.services.platform.db import Database


def test_pragmas(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_writes_begin_immediate_and_reads_deferred(sqlite_database: Database) -> None:
    statements: list[str] = []

    def _log(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(sqlite_database.engine, "before_cursor_execute", _log)
    with sqlite_database.write_sessions() as session:
        session.execute(sa.text("SELECT 1"))
        session.commit()
    with sqlite_database.read_sessions() as session:
        session.execute(sa.text("SELECT 1"))
    assert statements == ["BEGIN IMMEDIATE", "SELECT 1", "BEGIN", "SELECT 1"]


def test_info_names_the_file(sqlite_database: Database) -> None:
    info = sqlite_database.info()
    assert info.dialect == "sqlite"
    assert info.description.endswith("posapp.sqlite3")
