"""Retry a whole unit of work when PostgreSQL reports a serialization failure or deadlock."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from posapp.services.errors import DatabaseError

R = TypeVar("R")

# SQLSTATEs that mean "try the same transaction again": serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient conflict that a fresh attempt may not meet."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in RETRYABLE_SQLSTATES
    return False


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
                msg = "The database stayed busy with conflicting work; please try again."
                raise DatabaseError(msg) from exc
            time.sleep(base_delay * (2 ** (attempt - 1)) * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
