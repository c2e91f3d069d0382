"""Issue #16, defect 10: the lock-out never tells which user names exist.

An unknown name gets "Too many failed attempts" after the same number of tries as a real one,
at the log-in and in the approval dialog. On both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from posapp.models import LoginThrottle
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError
from posapp.services.staff import auth, users
from posapp.services.staff.lockout import DEFAULT_LOCKOUT_ATTEMPTS
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import Approval, check_approval

PW = "correct horse battery"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return {
        "admin": users.add_user(backend.uow(), None, "root", PW, "admin"),
        "manager": users.add_user(backend.uow(), None, "boss", PW, "manager"),
        "cashier": users.add_user(backend.uow(), None, "till", "4321", "cashier"),
    }


def _login_replies(backend: Backend, name: str, tries: int) -> list[tuple[str, str]]:
    replies = []
    for attempt in range(tries):
        with pytest.raises(AuthenticationError) as refused:
            auth.authenticate(backend.uow(), name, f"wrong guess {attempt}")
        replies.append((type(refused.value).__name__, str(refused.value)))
    return replies


def test_an_unknown_name_locks_out_like_a_real_one(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    tries = DEFAULT_LOCKOUT_ATTEMPTS + 2
    real = _login_replies(backend, "boss", tries)
    unknown = _login_replies(backend, "b0ss", tries)
    assert unknown == real
    assert real[-1][0] == "AccountLockedError"
    assert real[DEFAULT_LOCKOUT_ATTEMPTS - 1][0] == "AuthenticationError"
    assert "Too many failed attempts" in real[DEFAULT_LOCKOUT_ATTEMPTS][1]
    # Even the right password is refused the same way while locked.
    with pytest.raises(auth.AccountLockedError) as locked_real:
        auth.authenticate(backend.uow(), "boss", PW)
    with pytest.raises(auth.AccountLockedError) as locked_unknown:
        auth.authenticate(backend.uow(), "B0SS ", PW)  # the same name by its key
    assert str(locked_real.value) == str(locked_unknown.value)


def test_the_name_is_stored_only_as_a_hash(backend: Backend, staff: dict[str, UserDTO]) -> None:
    _login_replies(backend, "my secret password", 1)
    with backend.read_uow() as uow:
        hashes = uow.session.scalars(select(LoginThrottle.name_hash)).all()
        assert len(hashes) == 1
        assert "secret" not in hashes[0]


def _approve(backend: Backend, actor: UserDTO, name: str, password: str) -> str:
    try:
        with backend.uow() as uow:
            check_approval(uow, actor, Approval(name, password, "r"), Permission.VOID)
    except AuthenticationError as exc:
        return str(exc).replace(name.strip(), "NAME")
    return "approved"


def test_an_unknown_approver_locks_out_like_a_real_one(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    cashier = staff["cashier"]
    tries = DEFAULT_LOCKOUT_ATTEMPTS + 1
    real = [_approve(backend, cashier, "boss", f"guess {n}") for n in range(tries)]
    unknown = [_approve(backend, cashier, "bo5s", f"guess {n}") for n in range(tries)]
    assert unknown == real
    assert real[-1].startswith("Approval refused: NAME is locked out")
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
