"""A database opened for bulk loading commits without waiting for the disk; the app's waits."""

from __future__ import annotations

import pytest

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


def _dsn(database: Database) -> dict[str, str]:
    with database.engine.connect() as conn:
        dsn = conn.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
    return dict(part.split("=", 1) for part in dsn.split())


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_silent_postgresql_server_is_noticed_within_seconds(database: Database) -> None:
    """libpq's TCP limits are set (#21: a register must not hang minutes on a silent network)."""
    dsn = _dsn(database)
    assert (dsn["connect_timeout"], dsn["tcp_user_timeout"], dsn["keepalives"]) == (
        "3",
        "3000",
        "1",
    )
    own = Database(
        database.url.update_query_dict({"connect_timeout": "9"}).render_as_string(
            hide_password=False
        )
    )
    try:
        assert _dsn(own)["connect_timeout"] == "9"  # the URL's own value wins
    finally:
        own.dispose()
