"""Whether an error means "the server does not answer": the one rule for going offline (#21).

The register goes offline, and the replay stops to try again later, only when the server cannot
be reached: the connection was refused or timed out, or it was lost mid-statement or mid-commit.
Every other error from the server (a constraint violated, a bad row, a setting or key the server
refuses the work for) is an answer: the register stays online and the one sale is refused with a
message for the cashier, and the replay refuses the one sale (a person settles it) and goes on
with the next. Treating such an error as a lost server would send the register offline for good
and hold its journal back forever (the same error at every try).

:func:`server_gone` looks along the error's chain (``raise … from``, or raised while handling),
so a :class:`~posapp.services.platform.errors.DatabaseError` that a unit of work or a facade made
of a driver's error is judged by that error:

- SQLAlchemy's ``connection_invalidated``, a SQLSTATE of class 08 (connection exception) or of a
  server shutting down (:func:`~posapp.services.platform.retry.is_disconnect`);
- a driver's ``OperationalError`` or ``InterfaceError`` without a SQLSTATE (psycopg's failed
  connect, timeout, closed socket, "the connection is closed");
- the pool's timeout (every connection hangs on a silent network, so none comes back).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from posapp.i18n import _
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.retry import is_disconnect, is_retryable

__all__ = ["describe", "server_gone", "server_refused"]

_CHAIN_MAX = 8
"""How far along an error's causes to look (a chain is two or three long)."""


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors it was raised from or while handling, nearest first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < _CHAIN_MAX and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _lost(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if is_disconnect(exc):
        return True
    code = getattr(exc.orig, "sqlstate", "")
    return code is None and isinstance(exc, OperationalError | InterfaceError)


def server_gone(exc: BaseException) -> bool:
    """Whether ``exc`` means the server cannot be reached now (see the module's text)."""
    return any(_lost(error) for error in _chain(exc))


def server_refused(exc: BaseException) -> bool:
    """Whether the server answered the work with an error of its own, the same at every try.

    A driver's error along the chain about the data sent (a constraint, a value out of range, a
    bad row a trigger refuses, a statement the server cannot run). Not so an
    ``OperationalError`` (a serialization failure or deadlock, a lock or statement timeout, the
    server short of memory or connections: about the moment, not the sale), nor an error of the
    register's own making (its audit key missing or not the shop's): every other sale would meet
    it too.
    """
    if server_gone(exc):
        return False
    return any(
        isinstance(e, DBAPIError) and not isinstance(e, OperationalError) and not is_retryable(e)
        for e in _chain(exc)
    )


def describe(exc: BaseException) -> str:
    """One line for a person: a service error's own message, else the server's first line."""
    if isinstance(exc, ServiceError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        text = str(exc.orig).strip()
    elif isinstance(exc, SQLAlchemyError):
        text = str(exc).strip()
    else:
        text = f"{type(exc).__name__}: {exc}"
    first = (text.splitlines() or [""])[0][:160]
    return first or _("the server gave no reason")
