"""Hooks in the database driver itself, so faults are injected on the path shops run.

posapp runs its hot statements straight on the driver's cursor (``Prepared`` in
:mod:`posapp.services.platform.fastsql`, the SQLite ``BEGIN`` in ``platform.db``) unless someone
listens to SQLAlchemy's statement events; then they go through ``Connection.execute`` so the
listeners see them. A suite that injected faults through those events would test that other path.

:func:`driver_hooks` adds no statement listener: the engine's connections become the driver's own
classes (``sqlite3.Connection``, ``psycopg.Connection``) whose cursors' ``execute`` and
``executemany``, the connection's own ``execute`` (SQLite) and ``commit`` call a hook first, then
the driver. A connection calls the hooks only while the pool has lent it out, so neither the
pragmas run when it connects nor the pool's liveness ping count as statements of the caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Engine, event

StatementHook = Callable[[Any, str], None]
"""Called with the DBAPI connection and the SQL, before the driver runs a statement."""
CommitHook = Callable[[Any], None]
"""Called with the DBAPI connection before the driver commits."""


@dataclass
class _Hooks:
    statement: StatementHook
    commit: CommitHook | None

    def before_statement(self, connection: Any, sql: str) -> None:
        if connection.lent:
            self.statement(connection, sql)

    def before_commit(self, connection: Any) -> None:
        if self.commit is not None and connection.lent:
            self.commit(connection)


class _SqliteCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _SqliteCursor:
        _hooks_of(self.connection).before_statement(self.connection, sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _SqliteCursor:
        _hooks_of(self.connection).before_statement(self.connection, sql)
        return super().executemany(sql, parameters)


class _SqliteConnection(sqlite3.Connection):
    hooks: _Hooks
    lent = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _SqliteCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.hooks.before_statement(self, sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self.hooks.before_statement(self, sql)
        return super().executemany(sql, parameters)

    def commit(self) -> None:
        self.hooks.before_commit(self)
        super().commit()


def _hooks_of(connection: Any) -> _Hooks:
    hooks: _Hooks = connection.hooks
    return hooks


@cache
def _psycopg_classes() -> tuple[type[Any], type[Any]]:
    """A psycopg connection and cursor that call the hooks (psycopg imported on demand)."""
    import psycopg  # only the PostgreSQL runs need it

    class Cursor(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            _hooks_of(self.connection).before_statement(self.connection, str(query))
            return super().execute(query, params, **kwargs)

        def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
            _hooks_of(self.connection).before_statement(self.connection, str(query))
            super().executemany(query, params_seq, **kwargs)

    class Connection(psycopg.Connection[Any]):
        hooks: _Hooks
        lent = False

        def commit(self) -> None:
            self.hooks.before_commit(self)
            super().commit()

    return Connection, Cursor


@contextmanager
def driver_hooks(
    engine: Engine, statement: StatementHook, commit: CommitHook | None = None
) -> Iterator[None]:
    """Call ``statement`` before every statement the driver runs for ``engine``'s users, and
    ``commit`` before every commit, until the block ends.

    The pool's connections are replaced on entry and on exit (``engine.dispose()``): connections
    made meanwhile are the hooked driver classes.
    """
    hooks = _Hooks(statement, commit)

    def connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        made: Any
        if engine.dialect.name == "sqlite":
            made = sqlite3.connect(*cargs, factory=_SqliteConnection, **cparams)
        else:
            connection_class, cursor_class = _psycopg_classes()
            made = connection_class.connect(*cargs, cursor_factory=cursor_class, **cparams)
        made.hooks = hooks
        return made

    def lent(dbapi_connection: Any, *_args: Any) -> None:
        if getattr(dbapi_connection, "hooks", None) is hooks:
            dbapi_connection.lent = True

    def returned(dbapi_connection: Any, *_args: Any) -> None:
        if getattr(dbapi_connection, "hooks", None) is hooks:
            dbapi_connection.lent = False

    listeners = (("do_connect", connect), ("checkout", lent), ("checkin", returned))
    for name, fn in listeners:
        event.listen(engine, name, fn)
    engine.dispose()
    try:
        yield
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
        engine.dispose()
