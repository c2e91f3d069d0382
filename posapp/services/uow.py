"""The unit of work: one session and one transaction per user action; events only after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from posapp.events import DomainEvent, Publisher, null_publisher
from posapp.models.base import utcnow

Clock = Callable[[], datetime]


class UnitOfWork:
    """Wraps one user action: a session, its transaction and the events it will announce.

    Use it as a context manager. Inside, call :meth:`record` for each domain event and
    :meth:`commit` once the work is done; leaving the block without committing rolls back and
    drops the recorded events, so a listener never hears of something that did not happen.

    A unit of work is single-use per ``with`` block but may be entered again afterwards.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publisher: Publisher = null_publisher,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._factory = session_factory
        self._publish = publisher
        self.clock = clock
        self._session: Session | None = None
        self._pending: list[DomainEvent] = []

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
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        self._pending = []
        if session is not None:
            try:
                session.rollback()  # a no-op after a successful commit
            finally:
                session.close()

    def record(self, event: DomainEvent) -> None:
        """Keep an event to publish once the transaction has committed."""
        self._pending.append(event)

    def flush(self) -> None:
        """Send pending changes to the database (to get ids) without committing."""
        self.session.flush()

    def commit(self) -> None:
        """Commit, then publish the recorded events in the order they were recorded."""
        self.session.commit()
        events, self._pending = self._pending, []
        for event in events:
            self._publish(event)

    def rollback(self) -> None:
        """Roll back and drop the recorded events."""
        self._pending = []
        self.session.rollback()

    def now(self) -> datetime:
        """The unit of work's clock (injectable for tests)."""
        return self.clock()


UowFactory = Callable[[], UnitOfWork]
