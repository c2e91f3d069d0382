"""The unit of work: one session and one transaction per user action; events only after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from posapp.events import DomainEvent, Publisher, null_publisher
from posapp.i18n import N_, _
from posapp.models.base import utcnow
from posapp.services.platform.audit import AuditRecord, append
from posapp.services.platform.errors import ConflictError, DatabaseError
from posapp.services.platform.retry import is_disconnect

STALE = N_("Someone else changed this in the meantime: reload it and try again.")
LOST = N_("The connection to the database was lost, so nothing was saved: try again.")
LOST_AT_COMMIT = N_(
    "The connection to the database was lost while saving, so it may or may not have been "
    "saved: try again (the same sale, payment or movement is never recorded twice)."
)

Clock = Callable[[], datetime]
_log = logging.getLogger(__name__)


class UnitOfWork:
    """Wraps one user action: a session, its transaction and the events it will announce.

    Use it as a context manager. Inside, call :meth:`record` for each domain event and
    :meth:`commit` once the work is done; leaving the block without committing rolls back and
    drops the recorded events, so a listener never hears of something that did not happen.

    A unit of work is single-use per ``with`` block but may be entered again afterwards.

    A lost database connection leaves the block as a :class:`DatabaseError` with a message for
    people (:data:`LOST`, or :data:`LOST_AT_COMMIT` when the commit itself got no answer), never
    as the driver's error.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publisher: Publisher = null_publisher,
        *,
        clock: Clock = utcnow,
        register: str = "",
    ) -> None:
        self._factory = session_factory
        self._publish = publisher
        self.clock = clock
        self.register = register
        self._session: Session | None = None
        self._pending: list[DomainEvent] = []
        self._audit: list[AuditRecord] = []
        self._after_end: list[Callable[[UnitOfWork], None]] = []

    @property
    def session(self) -> Session:
        """The session of the running unit of work."""
        if self._session is None:
            msg = "the unit of work is not running (use it in a with block)"
            raise RuntimeError(msg)
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            msg = "the unit of work is already running"
            raise RuntimeError(msg)
        self._session = self._factory()
        self._pending = []
        self._audit = []
        self._after_end = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        self._pending = []
        self._audit = []
        after, self._after_end = self._after_end, []
        try:
            self._close(session)
        finally:
            self._run_after_end(after)
        if exc is not None and is_disconnect(exc):
            raise DatabaseError(_(LOST)) from exc

    @staticmethod
    def _close(session: Session | None) -> None:
        if session is not None:
            try:
                session.rollback()  # a no-op after a successful commit
            except DBAPIError as failed:
                if not is_disconnect(failed):
                    raise
                # The server drops the transaction of a lost connection: nothing to roll back.
            finally:
                session.close()

    def _run_after_end(self, actions: list[Callable[[UnitOfWork], None]]) -> None:
        for action in actions:
            fresh = UnitOfWork(
                self._factory, self._publish, clock=self.clock, register=self.register
            )
            try:
                with fresh:
                    action(fresh)
            except Exception:
                # Never hides the error that ended the block (a refused approval stays refused).
                _log.exception("a follow-up of a unit of work failed")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for one short read that needs no ORM: the scanner's path.

        Use it instead of the ``with`` block (not inside it). The same transaction as a unit of
        work's (``BEGIN`` … rollback on the same engine), without building a ``Session``: that
        costs more than the two index reads of a scan (0.1 ms against 0.04 ms a scan at a
        million products, issue #23). A lost connection comes out as :class:`DatabaseError`.
        Nothing is written, so there is nothing to commit, audit or publish.
        """
        bind = self._factory.kw["bind"]
        try:
            with bind.connect() as connection:
                yield connection
        except DBAPIError as exc:
            if is_disconnect(exc):
                raise DatabaseError(_(LOST)) from exc
            raise

    def after_end(self, action: Callable[[UnitOfWork], None]) -> None:
        """Run ``action`` in a unit of work of its own once this block has ended.

        For what must be written even though the block rolls back: a wrong approval password
        counts against the approver although the sale that asked for it is refused. It runs
        after the block's connection is released (no lock held), whether the block committed or
        not; ``action`` commits its unit of work itself. A failure in it is logged, never raised.
        """
        self._after_end.append(action)

    def record(self, event: DomainEvent) -> None:
        """Keep an event to publish once the transaction has committed."""
        self._pending.append(event)

    def flush(self) -> None:
        """Send pending changes to the database (to get ids) without committing.

        Raises:
            ConflictError: a versioned row was changed by someone else since it was read.
        """
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(_(STALE)) from exc

    def audit(self, record: AuditRecord) -> None:
        """Keep an audit record; it is appended to the chain as the last step before commit."""
        self._audit.append(record)

    def commit(self) -> None:
        """Append the audit records, commit, then publish the recorded events in order."""
        records, self._audit = self._audit, []
        append(self.session, records, register=self.register, now=self.now())
        try:
            self.session.commit()
        except StaleDataError as exc:
            raise ConflictError(_(STALE)) from exc
        except DBAPIError as exc:
            if is_disconnect(exc):
                raise DatabaseError(_(LOST_AT_COMMIT)) from exc
            raise
        events, self._pending = self._pending, []
        for event in events:
            self._publish(event)

    def rollback(self) -> None:
        """Roll back and drop the recorded events and audit records."""
        self._pending = []
        self._audit = []
        self.session.rollback()

    def now(self) -> datetime:
        """The unit of work's clock (injectable for tests)."""
        return self.clock()


UowFactory = Callable[[], UnitOfWork]
