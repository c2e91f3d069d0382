"""Retry a whole unit of work when PostgreSQL reports a serialization failure or deadlock.

A lost connection is not retried here: the work may have been committed just before the reply
was lost, and only the caller knows whether sending it again is safe (a sale with the same
UUID is; see :func:`is_disconnect` and the unit of work, which turns it into a message).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from posapp.i18n import _
from posapp.services.platform.errors import DatabaseError

R = TypeVar("R")

# SQLSTATEs that mean "try the same transaction again": serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# SQLSTATEs of a server that went away: admin_shutdown, crash_shutdown, cannot_connect_now
# (class 08, connection_exception, is matched by its prefix).
LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient conflict that a fresh attempt may not meet."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in RETRYABLE_SQLSTATES
    return False


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` means the database connection was lost or could not be made.

    SQLAlchemy flags a connection it found dead (``connection_invalidated``); a server that shuts
    down says so with its SQLSTATE; psycopg reports a failed connect or a closed socket as an
    ``OperationalError`` without a SQLSTATE (SQLite errors have no ``sqlstate`` at all).
    """
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", "")
    if code is None:
        return isinstance(exc, OperationalError)
    return isinstance(code, str) and (code.startswith("08") or code in LOST_SQLSTATES)


def with_retry(action: Callable[[], R], *, attempts: int = 5, base_delay: float = 0.01) -> R:
    """Run ``action`` (one whole unit of work), retrying transient conflicts with backoff.

    Raises:
        DatabaseError: the conflict persisted after ``attempts`` tries.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except DBAPIError as exc:
            if not is_retryable(exc):
                raise
            if attempt == attempts:
                msg = _("The database stayed busy with conflicting work; please try again.")
                raise DatabaseError(msg) from exc
            time.sleep(base_delay * (2 ** (attempt - 1)) * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
