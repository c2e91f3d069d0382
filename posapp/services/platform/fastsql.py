"""Core statements for the hot path of a sale, run straight on the driver's cursor.

What it buys, measured by ``benchmarks/bench_fastsql.py`` (part of ``python -m benchmarks
--only checkout``; figures in ``benchmarks/README.md``): the same sales through ``place_order``,
alternating sale by sale with the same statements sent through ``Connection.execute`` and the
engine's compiled cache, 300 pairs, on a shop with 100,000 past sales, 2 shared cores, 2026-12-07.
Prepared takes 0.65-2.5 ms of CPU off each sale: **about a third of the sale on SQLite**
(31-36 % per pair of neighbouring sales over seven runs at load 1.3-3.6, both standard sales;
28-38 % from the medians, e.g. the 5-line cash sale 1.81 ms against 2.89 ms with plain Core, the
coupon + card + cash sale 1.95 ms against 2.94 ms; 19-22 % from the medians in one run whose disk
made the commit's fsync ~4 ms), and 15-16 % of the full sale on PostgreSQL (6.89 ms against
8.05 ms), where the round trips weigh more. Without it a sale would spend more time in
the framework than in SQLite, which commits a whole sale, fsync included, in about half a
millisecond.

A :class:`Prepared` statement is still written with SQLAlchemy Core against the mapped tables: it
is compiled once per dialect (the SQL, the parameter order and the bind processors that turn UUIDs
and datetimes into what the driver stores), and then each call only converts its parameters and
calls the DBAPI cursor of the unit of work's own connection, inside its transaction.

What stays the same as ``Connection.execute``: driver errors come out as SQLAlchemy's exception
classes (``IntegrityError``, ``OperationalError``…), so callers catch the same things; a lost
connection is invalidated, so the pool never hands it out again. When anyone listens to statement
events (tests counting statements), the statement goes through ``Connection.execute`` instead, so
the listeners see every statement; fault injection therefore hooks the driver itself
(``tests/reliability/driver.py``) and tests this path.

The price: it reads SQLAlchemy's compiler internals (``_bind_processors``, ``positiontup``,
``binds``, ``insert_prefetch``, ``_returning``…), so SQLAlchemy is pinned to one minor version in
``pyproject.toml``, and ``tests/unit/test_fastsql_internals.py`` names whichever of them changes
when the pin moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared"]

PLAIN_CORE = False
"""Run every statement through ``Connection.execute`` (the engine's compiled cache) instead of
the driver's cursor: only ``benchmarks/bench_fastsql.py`` sets it, to measure what this buys."""

_Processor = Callable[[Any], Any]
_REQUIRED = object()
_MEMO_TYPES = (datetime, uuid.UUID)


class _Memo:
    """A bind processor that remembers its last datetime or UUID (immutable values).

    A sale stamps one ``now`` on a dozen rows; converting it once instead of each time (UTC,
    then the driver's text form on SQLite: ~2 µs) is measurable on the hot path. The last pair is
    kept as one tuple, so threads sharing a statement never see a value with another's result.
    """

    __slots__ = ("_last", "_process")

    def __init__(self, process: _Processor) -> None:
        self._process = process
        self._last: tuple[Any, Any] = (_REQUIRED, None)

    def __call__(self, value: Any) -> Any:
        last = self._last
        if last[0] is value:
            return last[1]
        result = self._process(value)
        if type(value) in _MEMO_TYPES:
            self._last = (value, result)
        return result


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[_Processor | None, ...]
    defaults: tuple[Any, ...]
    positional: bool
    results: tuple[_Processor | None, ...] | None
    active: tuple[tuple[int, _Processor], ...] = ()
    """(position, processor) of the parameters that have a processor."""
    required: bool = False
    """Whether some parameter has no value fixed in the statement (the caller must give it)."""
    getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None
    """Reads every parameter from a mapping at once (None: a parameter has a fixed value)."""


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """One C call that reads ``names`` from a mapping, always as a tuple (KeyError: one missing).

    Converting a row's parameters one by one cost ~5 µs for a movement's eleven columns, and a
    5-line sale converts about 33 rows (issue #23).
    """
    if not names:
        return lambda params: ()
    if len(names) == 1:
        (name,) = names
        return lambda params: (params[name],)
    return cast(Callable[[Mapping[str, Any]], tuple[Any, ...]], itemgetter(*names))


def _memo(process: _Processor | None) -> _Processor | None:
    return None if process is None else _Memo(process)


class Prepared:
    """A Core statement compiled once per dialect and run on the driver's cursor.

    Only plain bound parameters are supported (no expanding ``IN`` lists, no literal binds), and
    results come back as the driver's tuples (no result processing: select ints and strings).
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _compile(self, dialect: Dialect, params: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, tuple(params))
        compiled = self._compiled.get(key)
        if compiled is None:
            # The keys given decide which columns an INSERT or UPDATE sets, as in SQLAlchemy.
            done = cast(
                SQLCompiler,
                cast(ClauseElement, self.statement).compile(
                    dialect=dialect, column_keys=list(params)
                ),
            )
            if done.insert_prefetch or done.update_prefetch:
                msg = "a Prepared statement needs a value for every column with a Python default"
                raise TypeError(msg)
            names = tuple(done.positiontup or ()) if dialect.positional else tuple(done.binds)
            processors = done._bind_processors
            procs = tuple(_memo(cast(_Processor | None, processors.get(name))) for name in names)
            defaults = tuple(
                # Values fixed in the statement itself (a LIMIT, a literal compared with).
                _REQUIRED if done.binds[name].required else done.binds[name].effective_value
                for name in names
            )
            compiled = _Compiled(
                done.string,
                names,
                procs,
                defaults,
                bool(dialect.positional),
                self._result_processors(dialect),
                tuple((i, proc) for i, proc in enumerate(procs) if proc is not None),
                any(default is _REQUIRED for default in defaults),
                _getter(names) if all(d is _REQUIRED for d in defaults) else None,
            )
            self._compiled[key] = compiled
        return compiled

    def _result_processors(self, dialect: Dialect) -> tuple[_Processor | None, ...] | None:
        """What turns the driver's values into the columns' Python types (SQLite's booleans)."""
        columns = getattr(self.statement, "selected_columns", None)
        if columns is None:
            returning = getattr(self.statement, "_returning", ())
            columns = returning or ()
        processors = tuple(
            cast(_Processor | None, col.type.dialect_impl(dialect).result_processor(dialect, None))
            for col in columns
        )
        return processors if any(processors) else None

    @staticmethod
    def _watched(conn: Connection) -> bool:
        """True when someone listens to statement events (they must see this statement).

        Also true when the benchmark asks for plain Core (:data:`PLAIN_CORE`).
        """
        dispatch = conn.dispatch
        return PLAIN_CORE or bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)

    @staticmethod
    def _convert(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        getter = compiled.getter
        values: list[Any] | tuple[Any, ...]
        if getter is None:  # a parameter with a value fixed in the statement
            values = Prepared._gather(compiled, params)
        else:
            try:
                values = getter(params)
            except KeyError:  # one not given: the general path names it
                values = Prepared._gather(compiled, params)
        if compiled.active:
            values = list(values)
            for index, proc in compiled.active:
                value = values[index]
                if value is not None:
                    values[index] = proc(value)
        if compiled.positional:
            return tuple(values)
        return dict(zip(compiled.names, values, strict=True))

    @staticmethod
    def _gather(compiled: _Compiled, params: Mapping[str, Any]) -> list[Any]:
        """The parameters one by one, with the statement's fixed values for those not given."""
        get = params.get
        values = [
            get(name, default)
            for name, default in zip(compiled.names, compiled.defaults, strict=True)
        ]
        if compiled.required and any(value is _REQUIRED for value in values):
            missing = compiled.names[next(i for i, v in enumerate(values) if v is _REQUIRED)]
            msg = f"no value for the parameter {missing!r}"
            raise KeyError(msg)
        return values

    def one(
        self, conn: Connection, params: Mapping[str, Any] | None = None
    ) -> tuple[Any, ...] | None:
        """Run the statement; return its first row (or None)."""
        rows = self._execute(conn, params or {}, first=True)
        return rows[0] if rows else None

    def all(
        self, conn: Connection, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run the statement; return all its rows."""
        return self._execute(conn, params or {}, first=False)

    def _execute(
        self, conn: Connection, params: Mapping[str, Any], *, first: bool
    ) -> list[tuple[Any, ...]]:
        if self._watched(conn):
            result = conn.execute(self.statement, dict(params))
            if not result.returns_rows:
                return []
            got = [result.first()] if first else result.all()
            return [tuple(row) for row in got if row is not None]
        compiled = self._compile(conn.dialect, params)
        values = self._convert(compiled, params)
        cursor = self._cursor(conn)
        try:
            cursor.execute(compiled.sql, values)
            if cursor.description is None:
                return []
            if first:
                row = cursor.fetchone()
                rows: list[Any] = [] if row is None else [row]
            else:
                rows = list(cursor.fetchall())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise self._translate(conn, compiled.sql, values, exc, cursor) from exc
        finally:
            cursor.close()
        procs = compiled.results
        if procs is None:
            return [tuple(row) for row in rows]
        return [
            tuple(
                value if proc is None or value is None else proc(value)
                for value, proc in zip(row, procs, strict=True)
            )
            for row in rows
        ]

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> None:
        """Run the statement for its effect."""
        self.one(conn, params)

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row (the driver's ``executemany``)."""
        if not rows:
            return
        if self._watched(conn):
            conn.execute(self.statement, [dict(row) for row in rows])
            return
        compiled = self._compile(conn.dialect, rows[0])
        values = [self._convert(compiled, row) for row in rows]
        cursor = self._cursor(conn)
        try:
            cursor.executemany(compiled.sql, values)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise self._translate(conn, compiled.sql, values, exc, cursor) from exc
        finally:
            cursor.close()

    @staticmethod
    def _cursor(conn: Connection) -> Any:
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None  # an open unit of work holds its connection
        return dbapi_connection.cursor()

    @staticmethod
    def _translate(conn: Connection, sql: str, values: Any, exc: Any, cursor: Any) -> BaseException:
        dbapi = conn.dialect.loaded_dbapi
        disconnect = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        if disconnect:
            conn.invalidate(exc)
        translated: BaseException = DBAPIError.instance(
            sql,
            values,
            exc,
            dbapi.Error,
            dialect=conn.dialect,
            connection_invalidated=disconnect,
        )
        return translated
