"""Declared facade methods run the use case in a fresh unit of work, typed as the use case."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TypeVar, assert_type

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from posapp.models import User
from posapp.services.platform.context import ServiceContext
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.facade import (
    Facade,
    UseCase,
    in_unit_of_work,
    reads,
    run_once,
    writes,
)
from posapp.services.platform.uow import UnitOfWork

T = TypeVar("T")
ACTOR = UserDTO(id=1, username="ann", full_name="Ann", role="admin", active=True)


def add_user(uow: UnitOfWork, actor: UserDTO, username: str, *, role: str = "cashier") -> int:
    """Add a staff user; return the new id."""
    with uow:
        user = User(username=username, username_key=username, role=role)
        uow.session.add(user)
        uow.flush()
        uow.commit()
        return user.id


def count_users(uow: UnitOfWork, actor: UserDTO | None, role: str = "") -> int:
    """How many users there are (of ``role``); None acts as the services themselves."""
    with uow:
        query = select(func.count()).select_from(User)
        if role:
            query = query.where(User.role == role)
        return int(uow.session.scalar(query) or 0)


def users_named(uow: UnitOfWork, prefix: str) -> int:
    """How many usernames start with ``prefix`` (read inside the caller's unit of work)."""
    query = select(func.count()).select_from(User).where(User.username.startswith(prefix))
    return int(uow.session.scalar(query) or 0)


def session_bind(uow: UnitOfWork) -> object:
    """What the unit of work's session runs on (the write or the read engine)."""
    with uow:
        return uow.session.get_bind()


SEEN: list[UnitOfWork] = []


def remember(uow: UnitOfWork, label: str) -> str:
    """Keep the unit of work it ran in."""
    SEEN.append(uow)
    return label


class Tries:
    """A policy that runs the action a second time when the first one raises ``LookupError``."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, action: Callable[[], T], /) -> T:
        self.calls += 1
        try:
            return action()
        except LookupError:
            return action()


FLAKY: list[str] = []


def busy_once(uow: UnitOfWork, actor: UserDTO) -> int:
    """Fail the first time (a transient conflict), then work."""
    FLAKY.append("try")
    if len(FLAKY) == 1:
        raise LookupError("busy")
    return len(FLAKY)


class Api(Facade):
    """A facade declaring test use cases."""

    add = writes(add_user)
    count = reads(count_users)
    count_any = reads(count_users, trusted=True)
    write_bind = writes(session_bind)
    read_bind = reads(session_bind)
    remember = reads(remember)
    named = reads(in_unit_of_work(users_named))


class PolicyApi(Facade):
    """A facade with its own policy for every declared call."""

    policy = staticmethod(Tries())
    flaky = writes(busy_once)
    flaky_plain = writes(busy_once, policy=run_once)


@pytest.fixture
def api(sqlite_database: Database) -> Api:
    return Api(ServiceContext(sqlite_database))


def test_a_declared_call_runs_the_use_case_with_the_same_arguments(api: Api) -> None:
    first = api.add(ACTOR, "bea")
    second = api.add(ACTOR, username="cid", role="manager")
    assert second == first + 1
    assert api.count(ACTOR) == 2
    assert api.count(ACTOR, role="manager") == 1
    assert api.count_any(None, "cashier") == 1


def test_a_helper_that_reads_in_its_callers_unit_of_work_gets_its_own(api: Api) -> None:
    api.add(ACTOR, "gus")
    api.add(ACTOR, "guy")
    assert api.named("gu") == 2
    assert_type(api.named(prefix="gus"), int)
    assert api.named.__doc__ == users_named.__doc__
    assert list(inspect.signature(api.named).parameters) == ["prefix"]


def test_writes_open_a_write_unit_of_work_and_reads_a_read_one(
    api: Api, sqlite_database: Database
) -> None:
    assert api.write_bind() is sqlite_database.write_sessions.kw["bind"]
    assert api.read_bind() is sqlite_database.read_sessions.kw["bind"]
    assert api.write_bind() is not api.read_bind()


def test_every_call_gets_a_fresh_unit_of_work(api: Api) -> None:
    SEEN.clear()
    api.remember("a")
    api.remember("b")
    assert len(SEEN) == 2
    assert SEEN[0] is not SEEN[1]


def test_the_method_shows_the_use_case_docstring_name_and_signature(api: Api) -> None:
    assert api.add.__doc__ == add_user.__doc__
    assert api.add.__name__ == "add"
    assert api.add.__qualname__ == "Api.add"
    assert list(inspect.signature(api.add).parameters) == ["actor", "username", "role"]
    assert Api.add.__doc__ == add_user.__doc__
    assert isinstance(Api.add, UseCase)
    assert Api.add.use_case is add_user
    assert Api.add.writes
    assert not Api.count.writes


def test_the_facade_policy_runs_each_whole_unit_of_work(sqlite_database: Database) -> None:
    FLAKY.clear()
    facade = PolicyApi(ServiceContext(sqlite_database))
    assert facade.flaky(ACTOR) == 2  # the policy ran it again after the first failure
    tries = PolicyApi.policy
    assert isinstance(tries, Tries)
    assert tries.calls == 1


def test_a_declaration_may_name_its_own_policy(sqlite_database: Database) -> None:
    FLAKY.clear()
    facade = PolicyApi(ServiceContext(sqlite_database))
    with pytest.raises(LookupError, match="busy"):
        facade.flaky_plain(ACTOR)  # run once: the error goes through
    assert facade.flaky_plain(ACTOR) == 2


def test_errors_of_the_use_case_go_through_unchanged(api: Api) -> None:
    api.add(ACTOR, "dee")
    with pytest.raises(IntegrityError):
        api.add(ACTOR, "dee")
    assert api.count(ACTOR) == 1


def test_mypy_sees_the_use_case_signature(api: Api) -> None:
    # Each line fails mypy --strict if the bound method lost the use case's types: the results
    # would be Any, and the ignores below would be unused (warn_unused_ignores).
    assert_type(api.add(ACTOR, "eve"), int)
    assert_type(api.count(ACTOR, role="admin"), int)
    assert_type(api.count_any(None), int)
    assert_type(api.write_bind(), object)
    with pytest.raises(TypeError):
        api.add(ACTOR, "fay", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        api.add(ACTOR)  # type: ignore[call-arg]
    # The edges always name a user, even where the use case lets the services pass None.
    assert api.count(None) == 1  # type: ignore[arg-type]
