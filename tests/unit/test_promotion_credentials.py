"""Issue #16, defect 2: a manager or admin never holds a till PIN as their only credential.

Promoting a cashier needs a password by the new role's rule (12+ characters) in the same change,
and an approval never accepts a PIN. On both databases.
"""

from __future__ import annotations

import pytest

from posapp.models import User
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError, ValidationError
from posapp.services.staff import auth, users
from posapp.services.staff.passwords import hash_password
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import Approval, check_approval

PW = "correct horse battery"
PIN = "4321"
NEW_PW = "a long new password"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return {
        "admin": users.add_user(backend.uow(), None, "root", PW, "admin"),
        "cashier": users.add_user(backend.uow(), None, "till", PIN, "cashier"),
        "other": users.add_user(backend.uow(), None, "till2", "8765", "cashier"),
    }


def _approve(backend: Backend, actor: UserDTO, username: str, password: str) -> int:
    with backend.uow() as uow:
        approval = Approval(username, password, "test")
        return check_approval(uow, actor, approval, Permission.VOID).id


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_promoting_a_pin_cashier_needs_a_password_by_the_new_roles_rule(
    backend: Backend, staff: dict[str, UserDTO], role: str
) -> None:
    admin, cashier = staff["admin"], staff["cashier"]
    with pytest.raises(ValidationError, match="never a PIN: enter a new password for till"):
        users.update_user(backend.uow(), admin, cashier.id, role=role)
    with pytest.raises(ValidationError, match="at least 12 characters"):
        users.update_user(backend.uow(), admin, cashier.id, role=role, password="87654321")
    with pytest.raises(ValidationError, match="at least 12 characters"):
        users.update_user(backend.uow(), admin, cashier.id, role=role, password="x" * 11)
    assert users.find_user(backend.read_uow(), "till").role == "cashier"
    promoted = users.update_user(backend.uow(), admin, cashier.id, role=role, password=NEW_PW)
    assert promoted.role == role
    # The PIN is gone: neither log-in nor approval takes it; the password does.
    with pytest.raises(AuthenticationError):
        auth.authenticate(backend.uow(), "till", PIN)
    assert auth.authenticate(backend.uow(), "till", NEW_PW).role == role
    with pytest.raises(AuthenticationError):
        _approve(backend, staff["other"], "till", PIN)
    assert _approve(backend, staff["other"], "till", NEW_PW) == cashier.id


def test_a_password_goes_with_a_manager_role_only(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with pytest.raises(ValidationError, match="manager or admin role only"):
        users.update_user(backend.uow(), staff["admin"], staff["cashier"].id, password=NEW_PW)
    with pytest.raises(ValidationError, match="manager or admin role only"):
        users.update_user(
            backend.uow(), staff["admin"], staff["cashier"].id, role="cashier", password=NEW_PW
        )


def test_a_manager_left_with_only_a_pin_can_neither_approve_nor_log_in_with_it(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    """A database from before the fix: a promoted cashier whose only credential is a PIN."""
    with backend.uow() as uow:
        row = uow.session.get(User, staff["cashier"].id)
        assert row is not None
        row.role, row.pin_hash, row.password_hash = "manager", hash_password(PIN), None
        uow.commit()
    with pytest.raises(AuthenticationError, match="unknown approver or wrong password"):
        _approve(backend, staff["other"], "till", PIN)
    with pytest.raises(AuthenticationError):
        auth.authenticate(backend.uow(), "till", PIN)
    # Any role change now needs the password too; an admin's reset gives one.
    with pytest.raises(ValidationError, match="never a PIN"):
        users.update_user(backend.uow(), staff["admin"], staff["cashier"].id, role="admin")
    users.reset_password(backend.uow(), staff["admin"], staff["cashier"].id, NEW_PW)
    assert _approve(backend, staff["other"], "till", NEW_PW) == staff["cashier"].id


def test_a_cashier_still_logs_in_with_the_pin(backend: Backend, staff: dict[str, UserDTO]) -> None:
    assert auth.authenticate(backend.uow(), "till", PIN).role == "cashier"


def test_a_cashier_with_a_password_keeps_it_when_promoted(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    """Cashiers' passwords already follow the 12+ rule; only a PIN must be replaced."""
    cashier = users.add_user(backend.uow(), None, "pwcashier", NEW_PW, "cashier")
    users.update_user(backend.uow(), staff["admin"], cashier.id, role="manager")
    assert auth.authenticate(backend.uow(), "pwcashier", NEW_PW).role == "manager"
