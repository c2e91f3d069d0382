"""API tokens on both databases: made, hashed, scoped, expiring, revoked, audited (issue #22)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from posapp.models import ApiToken
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import AuditFilter, create_token, list_tokens, revoke_token, users
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS

PW = "correct horse battery"

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "staff.tokens.create_token": lambda uow, a, s: create_token(
        uow, a, s["cashier"].id, ["users:read"]
    ),
    "staff.tokens.revoke_token": lambda uow, a, s: revoke_token(
        uow, a, create_token(uow, None, s["cashier"].id, ["users:read"]).token.id
    ),
    "staff.tokens.list_tokens": lambda uow, a, s: list_tokens(uow, a),
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(backend: Backend) -> Clock:
    backend.clock = clock = Clock()
    return clock


@pytest.fixture
def staff(backend: Backend, clock: Clock) -> dict[str, UserDTO]:
    admin = users.add_user(backend.uow(), None, "root", PW, "admin")
    return {
        "admin": admin,
        "manager": users.add_user(backend.uow(), admin, "boss", PW, "manager"),
        "cashier": users.add_user(backend.uow(), admin, "till", "4321", "cashier"),
    }


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_token_actions_follow_the_permission_matrix(
    backend: Backend, staff: dict[str, UserDTO], role: str
) -> None:
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), staff[role], staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), staff[role], staff)


def test_only_the_hash_is_stored_and_the_token_authenticates(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    made = backend.staff.create_token(staff["admin"], staff["manager"].id, ["users:read"])
    assert made.secret.startswith("posapp_")
    assert len(made.secret) > 40
    with backend.read_uow() as uow:
        row = uow.session.get(ApiToken, made.token.id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
        assert made.secret not in (row.prefix, row.name, row.scopes)
    caller = backend.staff.authenticate_token(made.secret, "users:read", method="GET", path="/x")
    assert caller.user.id == staff["manager"].id
    assert caller.token_id == made.token.id
    listed = backend.staff.list_tokens(staff["admin"])
    assert [t.last_used_at for t in listed] == [backend.clock()]


def test_refusals(backend: Backend, staff: dict[str, UserDTO], clock: Clock) -> None:
    admin = staff["admin"]
    made = backend.staff.create_token(admin, staff["manager"].id, ["users:read"], expires_days=1)
    with pytest.raises(AuthenticationError):
        backend.staff.authenticate_token(made.secret + "x", "users:read")
    with pytest.raises(PermissionDeniedError, match="users:write"):
        backend.staff.authenticate_token(made.secret, "users:write")
    clock.now += timedelta(days=1)
    with pytest.raises(AuthenticationError, match="expired"):
        backend.staff.authenticate_token(made.secret, "users:read")
    other = backend.staff.create_token(admin, staff["manager"].id, ["users:read"])
    backend.staff.set_active(admin, staff["manager"].id, False)
    with pytest.raises(AuthenticationError):
        backend.staff.authenticate_token(other.secret, "users:read")
    backend.staff.set_active(admin, staff["manager"].id, True)
    backend.staff.authenticate_token(other.secret, "users:read")
    backend.staff.revoke_token(admin, other.token.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        backend.staff.authenticate_token(other.secret, "users:read")
    rows = backend.staff.audit_page(admin, AuditFilter(action="api."))
    refused = [r for r in rows if r.action == "api.refused"]
    assert len(refused) == 4
    assert {r.user_id for r in refused} == {staff["manager"].id}
    assert backend.staff.verify_audit_chain(admin).ok


@pytest.mark.parametrize(
    ("scopes", "days", "message"),
    [
        ([], None, "at least one scope"),
        (["users:delete"], None, "Unknown scope"),
        (["users:read"], 0, "1 to 3650"),
        (["users:read"], 3651, "1 to 3650"),
    ],
)
def test_bad_tokens_are_refused(
    backend: Backend, staff: dict[str, UserDTO], scopes: list[str], days: int | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        backend.staff.create_token(staff["admin"], staff["cashier"].id, scopes, expires_days=days)
    assert backend.staff.list_tokens(staff["admin"]) == []


def test_no_token_for_an_inactive_or_unknown_user(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    backend.staff.set_active(staff["admin"], staff["cashier"].id, False)
    with pytest.raises(ValidationError, match="inactive"):
        backend.staff.create_token(staff["admin"], staff["cashier"].id, ["users:read"])
    with pytest.raises(NotFoundError):
        backend.staff.create_token(staff["admin"], 999, ["users:read"])
    with pytest.raises(NotFoundError):
        backend.staff.revoke_token(staff["admin"], 999)
