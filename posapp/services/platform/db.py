"""Engines, sessions and migrations: the same code on embedded SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from posapp.i18n import _
from posapp.models.base import utcnow
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.private import create_private_file, make_private_folder

# Execution option set on the engine used for units of work: on SQLite their transactions start
# with BEGIN IMMEDIATE, so a writer takes the write lock up front instead of failing half-way
# with "database is locked" when it first writes.
_WRITE_OPTION = "posapp_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    """What the status bar and the CLI show about the open database."""

    dialect: str
    description: str


class Database:
    """An open database: its engine and the session factories the units of work use."""

    def __init__(self, url: str, *, echo: bool = False, durable: bool = True) -> None:
        """Create the engine for ``url`` (nothing is connected until first use).

        ``durable=False`` is for bulk loading (the demo data): a commit then returns without
        waiting for the disk (SQLite ``synchronous=NORMAL`` in WAL mode, PostgreSQL
        ``synchronous_commit=off``). A crash may lose the last commits but never corrupts the
        database, and the next durable commit on the database makes every earlier one durable.

        Raises:
            DatabaseError: the URL is malformed or names a driver that is not installed.
        """
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            msg = _("Not a database URL: {url!r}").format(url=url)
            raise DatabaseError(msg) from exc
        self.url: URL = parsed
        try:
            self.engine: Engine = _create_engine(parsed, echo=echo, durable=durable)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            msg = _("No database driver for {drivername!r}: {exc}").format(
                drivername=parsed.drivername, exc=exc
            )
            raise DatabaseError(msg) from exc
        self.write_sessions: sessionmaker[Session] = sessionmaker(
            bind=self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )
        self.read_sessions: sessionmaker[Session] = sessionmaker(
            bind=self.engine, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.url.get_backend_name() == "sqlite"

    def info(self) -> DatabaseInfo:
        """Describe the database for people: the SQLite file, or the PostgreSQL host."""
        if self.is_sqlite:
            return DatabaseInfo("sqlite", f"SQLite {self.url.database or ':memory:'}")
        host = self.url.host or self.url.query.get("host") or "localhost"
        if isinstance(host, tuple):
            host = host[0]
        return DatabaseInfo(
            self.url.get_backend_name(), f"PostgreSQL {self.url.database} on {host}"
        )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


PG_LIVENESS: dict[str, int] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 1,
    "keepalives_count": 3,
    "tcp_user_timeout": 3000,
}
"""libpq's limits for a server that stops answering over TCP (ignored on a Unix socket).

Without them a register waits minutes on a silent network (the kernel's TCP retries) before it
can tell the cashier anything: a connection attempt gives up after 3 s, sent data unacknowledged
for 3 s ends the connection, and an idle one is probed every second after 5 s. A database URL
that sets any of these keeps its own value.
"""


def _create_engine(url: URL, *, echo: bool, durable: bool) -> Engine:
    if url.get_backend_name() != "sqlite":
        args: dict[str, object] = {k: v for k, v in PG_LIVENESS.items() if k not in url.query}
        if not durable:
            args["options"] = "-c synchronous_commit=off"
        return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=args)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        path = Path(url.database)
        try:
            make_private_folder(path.parent)
        except OSError as exc:
            msg = _("Cannot create the data folder for {database}: {strerror}").format(
                database=url.database, strerror=exc.strerror
            )
            raise DatabaseError(msg) from exc
        try:
            # Made 0600 before SQLite makes it with the umask's mode (0644 under umask 022);
            # SQLite gives the -wal, -shm and -journal files the database file's mode.
            create_private_file(path)
        except OSError as exc:
            msg = _("Cannot create the database {database}: {strerror}").format(
                database=url.database, strerror=exc.strerror
            )
            raise DatabaseError(msg) from exc
    engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_sqlite_connect)
    if not durable:
        event.listen(engine, "connect", _on_sqlite_connect_lazy)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Set the pragmas every posapp SQLite connection runs with.

    WAL lets the GUI read while a write commits; ``synchronous=FULL`` makes a sale the cashier saw
    complete survive a power cut; foreign keys are off by default in SQLite.
    """
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _on_sqlite_connect_lazy(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """For bulk loading: commits skip the disk flush (WAL keeps the file consistent)."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _on_sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE for a writing unit of work (it waits for the write lock here, not midway).

    Straight on the driver (a sale pays for every microsecond) unless someone listens to
    statement events: then through SQLAlchemy, so the listeners see it. A driver error comes out
    as SQLAlchemy's, as it would from ``exec_driver_sql``.
    """
    sql = "BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE_OPTION) else "BEGIN"
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        connection.exec_driver_sql(sql)
        return
    try:
        connection.connection.dbapi_connection.execute(sql)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, (), exc, sqlite3.Error, dialect=connection.dialect) from exc


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open the database at ``url`` and, by default, bring its schema up to date.

    Raises:
        DatabaseError: with a readable message when it cannot be opened or migrated.
    """
    from posapp.services.platform.audit import key_chain  # noqa: PLC0415
    from posapp.services.platform.migrate import upgrade_database  # noqa: PLC0415 - alembic is slow to import

    database = Database(url)
    if upgrade:
        try:
            upgrade_database(database.engine)
            with database.engine.begin() as conn:
                key_chain(conn, utcnow())
        except SAOperationalError as exc:
            database.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "error"
            msg = _("Cannot open the database ({description}): {reason}").format(
                description=database.info().description, reason=reason
            )
            raise DatabaseError(msg) from exc
    return database
