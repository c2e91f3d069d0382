"""A database opened for bulk loading commits without waiting for the disk; the app's waits."""

from __future__ import annotations

from posapp.services.platform.db import Database


def _flush_setting(database: Database) -> object:
    with database.engine.connect() as conn:
        if database.is_sqlite:
            return conn.exec_driver_sql("PRAGMA synchronous").scalar()
        return conn.exec_driver_sql("SHOW synchronous_commit").scalar()


def test_a_bulk_loading_engine_does_not_wait_for_the_disk(database: Database) -> None:
    bulk = Database(database.url.render_as_string(hide_password=False), durable=False)
    try:
        assert _flush_setting(bulk) == (1 if database.is_sqlite else "off")  # SQLite: NORMAL
        if database.is_sqlite:
            with bulk.engine.connect() as conn:  # the other pragmas stay as posapp sets them
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        bulk.dispose()
    assert _flush_setting(database) == (2 if database.is_sqlite else "on")  # SQLite: FULL
