"""The SQLAlchemy internals ``platform.fastsql`` reads are still there and still mean the same.

``Prepared`` (what it buys: ``benchmarks/bench_fastsql.py``, about a third of a sale on SQLite)
reads private and undocumented parts of SQLAlchemy's compiler and event system, so the
dependency is pinned to one minor version (pyproject.toml). When the pin moves, this test names
each attribute that changed, one test per attribute, on both dialects posapp runs on; a rename
that ``getattr`` with a default would hide (``_returning``) fails here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib.metadata import version
from inspect import signature
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Uuid, bindparam
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter

from posapp.services.platform.db import Database
from posapp.services.platform.fastsql import Prepared

_META = MetaData()
_ROWS = Table(
    "rows",
    _META,
    Column("id", Integer, primary_key=True),
    Column("key", Uuid, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("name", String(40), nullable=False),
    Column("flag", sa.Boolean, nullable=False),
)
_INSERT = sa.insert(_ROWS).returning(_ROWS.c.id, _ROWS.c.flag)
_SELECT = sa.select(_ROWS.c.id, _ROWS.c.flag).where(_ROWS.c.key == bindparam("key")).limit(3)
_DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": sa.make_url("postgresql+psycopg://").get_dialect()(),
}
_INSERT_KEYS = ["key", "at", "name", "flag"]


def _compiled(dialect: Dialect, statement: Any, keys: list[str] | None = None) -> SQLCompiler:
    # What Prepared._compile does: the keys given decide the columns an INSERT sets.
    done = statement.compile(dialect=dialect, column_keys=keys)
    assert isinstance(done, SQLCompiler), (
        f"ClauseElement.compile(dialect=…, column_keys=…) returned {type(done).__name__}, "
        "not an SQLCompiler (fastsql compiles with it)"
    )
    return done


def _expect(condition: bool, where: str, got: object, expected: str) -> None:
    """Fail naming what changed, what fastsql expects and what SQLAlchemy now gives."""
    if not condition:
        msg = (
            f"SQLAlchemy {version('SQLAlchemy')} changed {where}, which "
            f"posapp.services.platform.fastsql reads: expected {expected}, got {got!r}"
        )
        raise AssertionError(msg)


def _bind_processors(dialect: Dialect) -> None:
    done = _compiled(dialect, _INSERT, _INSERT_KEYS)
    where = "SQLCompiler._bind_processors"
    processors = getattr(done, "_bind_processors", None)
    _expect(isinstance(processors, Mapping), where, processors, "a mapping")
    assert isinstance(processors, Mapping)
    ok = all(isinstance(k, str) and callable(v) for k, v in processors.items())
    _expect(ok, where, dict(processors), "bind name → processor (callable)")
    if dialect.name == "sqlite":  # SQLite stores UUIDs and datetimes as text: both converted
        _expect({"key", "at"} <= set(processors), where, sorted(processors), "'key' and 'at'")
        stored = processors["key"](uuid.UUID(int=1))
        _expect(isinstance(stored, str), "the Uuid bind processor on SQLite", stored, "a str")


def _positiontup(dialect: Dialect) -> None:
    done = _compiled(dialect, _SELECT)
    where = "SQLCompiler.positiontup"
    _expect(hasattr(done, "positiontup"), where, None, "an attribute")
    if dialect.positional:
        names = done.positiontup
        _expect(isinstance(names, list | tuple), where, names, "a list of bind names")
        assert names is not None
        _expect(names[:1] == ["key"], where, names, "the bind names in parameter order")
        _expect(len(names) == done.string.count("?"), where, names, "one name per '?'")


def _binds(dialect: Dialect) -> None:
    done = _compiled(dialect, _SELECT)
    binds = getattr(done, "binds", None)
    _expect(isinstance(binds, Mapping), "SQLCompiler.binds", binds, "a mapping")
    assert isinstance(binds, Mapping)
    _expect("key" in binds, "SQLCompiler.binds", sorted(binds), "the bind names as keys")
    key = binds["key"]
    _expect(isinstance(key, BindParameter), "SQLCompiler.binds' values", key, "BindParameter")
    required = getattr(key, "required", None)
    _expect(required is True, "BindParameter.required", required, "True for bindparam('key')")
    fixed = list({id(b): b for b in binds.values() if b is not key}.values())
    flags = [getattr(b, "required", None) for b in fixed]
    _expect(bool(fixed) and not any(flags), "BindParameter.required", flags, "False for LIMIT")
    values = [getattr(b, "effective_value", None) for b in fixed]
    _expect(3 in values, "BindParameter.effective_value", values, "the LIMIT's 3")


def _prefetch(dialect: Dialect) -> None:
    done = _compiled(dialect, _INSERT, _INSERT_KEYS)
    for name in ("insert_prefetch", "update_prefetch"):
        value = getattr(done, name, None)
        _expect(value == [], f"SQLCompiler.{name}", value, "[] when every column is given")
    with_default = Table("d", MetaData(), Column("id", Integer, primary_key=True))
    with_default.append_column(Column("n", Integer, default=lambda: 1))
    done = _compiled(dialect, sa.insert(with_default), ["id"])
    names = [c.name for c in getattr(done, "insert_prefetch", ())]
    _expect(names == ["n"], "SQLCompiler.insert_prefetch", names, "the Python-default column")


def _returning(dialect: Dialect) -> None:
    returning = getattr(_INSERT, "_returning", None)
    names = [c.name for c in returning] if isinstance(returning, tuple) else returning
    _expect(names == ["id", "flag"], "Insert._returning", names, "the RETURNING columns")
    selected = getattr(_SELECT, "selected_columns", None)
    names = None if selected is None else [c.name for c in selected]
    _expect(names == ["id", "flag"], "Select.selected_columns", names, "the selected columns")
    absent = getattr(_INSERT, "selected_columns", None)
    _expect(absent is None, "Insert.selected_columns", absent, "no such attribute")
    flag = _ROWS.c.flag.type.dialect_impl(dialect).result_processor(dialect, None)
    if dialect.name == "sqlite":
        got = None if flag is None else flag(1)
        _expect(got is True, "Boolean's result processor on SQLite", got, "1 → True")


def _dispatch(_dialect: Dialect) -> None:
    database = Database("sqlite://")
    names = ("before_cursor_execute", "after_cursor_execute")
    try:
        with database.engine.connect() as conn:
            for name in names:
                got = getattr(conn.dispatch, name, None)
                _expect(got is not None and not got, f"Connection.dispatch.{name}", got, "falsy")

        def listener(*_args: object) -> None:
            return None

        for name in names:
            sa.event.listen(database.engine, name, listener)
            try:
                with database.engine.connect() as conn:
                    got = getattr(conn.dispatch, name, None)
                    where = f"Connection.dispatch.{name}"
                    _expect(bool(got), where, got, "truthy with an engine listener")
            finally:
                sa.event.remove(database.engine, name, listener)
    finally:
        database.dispose()


def _errors(dialect: Dialect) -> None:
    params = list(signature(DBAPIError.instance).parameters)
    wanted = ["statement", "params", "orig", "dbapi_base_err", "dialect", "connection_invalidated"]
    where = "DBAPIError.instance's parameters"
    _expect(set(wanted) <= set(params), where, params, ", ".join(wanted))
    _expect(
        callable(getattr(dialect, "is_disconnect", None)), "Dialect.is_disconnect", None, "a method"
    )


CHECKS: dict[str, Callable[[Dialect], None]] = {
    "SQLCompiler._bind_processors": _bind_processors,
    "SQLCompiler.positiontup": _positiontup,
    "SQLCompiler.binds + BindParameter.required/effective_value": _binds,
    "SQLCompiler.insert_prefetch/update_prefetch": _prefetch,
    "Insert._returning + Select.selected_columns": _returning,
    "Connection.dispatch.before/after_cursor_execute": _dispatch,
    "DBAPIError.instance + Dialect.is_disconnect": _errors,
}


@pytest.mark.parametrize("dialect_name", list(_DIALECTS))
@pytest.mark.parametrize("attribute", list(CHECKS))
def test_the_private_attribute_fastsql_reads_is_unchanged(
    attribute: str, dialect_name: str
) -> None:
    CHECKS[attribute](_DIALECTS[dialect_name])


def test_prepared_still_gives_what_connection_execute_gives() -> None:
    """End to end on SQLite: the same rows (converted values, RETURNING) both ways."""
    database = Database("sqlite://")
    try:
        _ROWS.create(database.engine)
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        key = uuid.uuid4()
        values = {"key": key, "at": at, "name": "x", "flag": True}
        with database.engine.begin() as conn:
            assert Prepared(_INSERT).one(conn, values) == (1, True)
            assert Prepared(_SELECT).all(conn, {"key": key}) == [(1, True)]
            got = conn.execute(sa.select(_ROWS.c.key, _ROWS.c.at)).one()
            assert tuple(got) == (key, at.replace(tzinfo=None)) or tuple(got) == (key, at)
    finally:
        database.dispose()
