"""The one rule for "the server does not answer" (#21), on the errors as the drivers raise them.

Real driver exception classes (psycopg's, sqlite3's) wrapped as SQLAlchemy wraps them; the same
errors met on a real PostgreSQL server are in tests/reliability/pg/test_offline_server_errors.py.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from posapp.services.platform.errors import DatabaseError, ValidationError
from posapp.services.sales.offline.reach import describe, server_gone, server_refused


def _wrapped(cls: type[DBAPIError], orig: Exception, *, invalidated: bool = False) -> DBAPIError:
    return cls("INSERT INTO orders ...", {}, orig, connection_invalidated=invalidated)


def _from(cause: BaseException, message: str = "The database cannot be reached right now.") -> (
    DatabaseError
):
    """A facade's DatabaseError raised from ``cause`` (``raise … from``)."""
    try:
        raise DatabaseError(message) from cause
    except DatabaseError as exc:
        return exc


GONE = [
    pytest.param(
        _wrapped(OperationalError, psycopg.OperationalError("connection refused")), id="refused"
    ),
    pytest.param(
        _wrapped(OperationalError, psycopg.OperationalError("connection timeout expired")),
        id="timeout",
    ),
    pytest.param(
        _wrapped(InterfaceError, psycopg.InterfaceError("the connection is closed")),
        id="closed",
    ),
    pytest.param(
        _wrapped(OperationalError, pg_errors.AdminShutdown("terminating connection")),
        id="shutdown",
    ),
    pytest.param(
        _wrapped(DBAPIError, Exception("SSL SYSCALL error"), invalidated=True),
        id="invalidated",
    ),
    pytest.param(PoolTimeoutError("QueuePool limit reached, connection timed out"), id="pool"),
    pytest.param(
        _from(_wrapped(OperationalError, psycopg.OperationalError("server closed"))),
        id="lost-in-a-unit-of-work",
    ),
]


@pytest.mark.parametrize("exc", GONE)
def test_a_lost_server_is_gone(exc: BaseException) -> None:
    assert server_gone(exc)
    assert not server_refused(exc)


ANSWERS = [
    pytest.param(
        _wrapped(IntegrityError, pg_errors.UniqueViolation("duplicate key value")), id="unique"
    ),
    pytest.param(
        _wrapped(InternalError, pg_errors.RaiseException("a bad row\nDETAIL: more")),
        id="raised",
    ),
    pytest.param(
        _from(_wrapped(DBAPIError, pg_errors.NumericValueOutOfRange("out of range"))),
        id="wrapped-in-a-service-error",
    ),
]


@pytest.mark.parametrize("exc", ANSWERS)
def test_an_answer_of_the_server_is_no_lost_server(exc: BaseException) -> None:
    assert not server_gone(exc)
    assert server_refused(exc)


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(DatabaseError("The audit key of this database is missing."), id="audit-key"),
        pytest.param(
            _from(_wrapped(OperationalError, pg_errors.SerializationFailure("could not"))),
            id="busy",
        ),
        pytest.param(
            _wrapped(OperationalError, sqlite3.OperationalError("database is locked")),
            id="sqlite-locked",
        ),
        pytest.param(ValidationError("Not enough stock."), id="service-error"),
    ],
)
def test_neither_gone_nor_an_answer_about_the_sale(exc: BaseException) -> None:
    """The register's own trouble, or a transient conflict: the replay stops, refuses nothing."""
    assert not server_gone(exc)
    assert not server_refused(exc)


def test_a_cycle_in_the_chain_ends() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert not server_gone(first)


def test_describe_gives_one_line_for_a_person() -> None:
    raised = _wrapped(InternalError, pg_errors.RaiseException("a bad row\nCONTEXT: PL/pgSQL"))
    assert describe(raised) == "a bad row"
    assert describe(DatabaseError("Nothing was saved.")) == "Nothing was saved."
    assert describe(PoolTimeoutError("")) == "the server gave no reason"
