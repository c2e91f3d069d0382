"""The unit of work commits once and publishes only after a successful commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from posapp.events import RecordingPublisher, UserChanged
from posapp.models import User
from posapp.services.platform.db import Database
from posapp.services.platform.uow import UnitOfWork

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _event(name: str) -> UserChanged:
    return UserChanged(user_id=1, username=name, change="added", at=AT)


def _user(name: str) -> User:
    return User(username=name, username_key=name, role="cashier")


def _count(database: Database) -> int:
    with database.read_sessions() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_events_are_published_after_commit_in_order(sqlite_database: Database) -> None:
    publisher = RecordingPublisher()
    uow = UnitOfWork(sqlite_database.write_sessions, publisher)
    with uow:
        uow.session.add(_user("a"))
        uow.record(_event("a"))
        uow.record(_event("b"))
        assert publisher.events == []
        uow.commit()
        assert [e.username for e in publisher.events] == ["a", "b"]  # type: ignore[union-attr]
    assert _count(sqlite_database) == 1


def test_no_commit_means_rollback_and_no_events(sqlite_database: Database) -> None:
    publisher = RecordingPublisher()
    uow = UnitOfWork(sqlite_database.write_sessions, publisher)
    with uow:
        uow.session.add(_user("a"))
        uow.flush()
        uow.record(_event("a"))
    assert publisher.events == []
    assert _count(sqlite_database) == 0


def test_exception_rolls_back_and_publishes_nothing(sqlite_database: Database) -> None:
    publisher = RecordingPublisher()
    uow = UnitOfWork(sqlite_database.write_sessions, publisher)
    with pytest.raises(RuntimeError, match="boom"), uow:
        uow.session.add(_user("a"))
        uow.record(_event("a"))
        uow.flush()
        raise RuntimeError("boom")
    assert publisher.events == []
    assert _count(sqlite_database) == 0


def test_failed_commit_publishes_nothing(sqlite_database: Database) -> None:
    publisher = RecordingPublisher()
    uow = UnitOfWork(sqlite_database.write_sessions, publisher)
    with uow:
        uow.session.add(_user("dup"))
        uow.commit()
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), uow:
        uow.session.add(_user("dup"))
        uow.record(_event("dup"))
        uow.commit()
    assert [e.username for e in publisher.events] == []  # type: ignore[union-attr]
    assert _count(sqlite_database) == 1


def test_explicit_rollback_drops_events(sqlite_database: Database) -> None:
    publisher = RecordingPublisher()
    uow = UnitOfWork(sqlite_database.write_sessions, publisher)
    with uow:
        uow.session.add(_user("a"))
        uow.record(_event("a"))
        uow.rollback()
        uow.commit()
    assert publisher.events == []
    assert _count(sqlite_database) == 0


def test_session_only_inside_with(sqlite_database: Database) -> None:
    uow = UnitOfWork(sqlite_database.write_sessions)
    with pytest.raises(RuntimeError, match="not running"):
        _ = uow.session
    with uow, pytest.raises(RuntimeError, match="already running"):
        uow.__enter__()


def test_reusable_after_exit_and_clock(sqlite_database: Database) -> None:
    uow = UnitOfWork(sqlite_database.write_sessions, clock=lambda: AT)
    for name in ("a", "b"):
        with uow:
            uow.session.add(_user(name))
            uow.commit()
    assert uow.now() == AT
    assert _count(sqlite_database) == 2
