"""Adding staff users and logging in (the foundation's part of the users system)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher, UserChanged, UserLoggedIn
from posapp.models import User
from posapp.services.backend import Backend
from posapp.services.platform.errors import AuthenticationError, ConflictError, ValidationError
from posapp.services.staff import users
from posapp.services.staff.permissions import ROLE_PERMISSIONS, Permission, has_permission, require

GOOD = "correct horse battery"


def test_add_user_and_log_in(backend: Backend, publisher: RecordingPublisher) -> None:
    dto = users.add_user(backend.uow(), None, "Alice", GOOD, "admin", full_name="Alice Doe")
    assert (dto.username, dto.role, dto.active) == ("Alice", "admin", True)
    assert isinstance(publisher.events[-1], UserChanged)
    logged = backend.staff.login("  alice ", GOOD)
    assert logged.id == dto.id
    assert type(publisher.events[-1]).__name__ == UserLoggedIn.__name__


def test_password_is_hashed_with_argon2id(backend: Backend) -> None:
    users.add_user(backend.uow(), None, "bob", GOOD, "manager")
    with backend.read_uow() as uow:
        user = uow.session.scalar(select(User).where(User.username_key == "bob"))
        assert user is not None
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert GOOD not in user.password_hash


@pytest.mark.parametrize("name", ["admin", "Admin", "admin ", "ＡＤＭＩＮ"])
def test_usernames_are_unique_case_insensitively(backend: Backend, name: str) -> None:
    users.add_user(backend.uow(), None, "admin", GOOD, "admin")
    with pytest.raises(ConflictError, match="taken"):
        users.add_user(backend.uow(), None, name, GOOD, "admin")
    assert len(users.list_users(backend.read_uow(), None)) == 1


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("", GOOD, "admin", "Enter a username"),
        ("a b", GOOD, "admin", "spaces"),
        ("x" * 65, GOOD, "admin", "at most 64"),
        ("tab\tname", GOOD, "admin", "control"),
        ("ok", "x" * 11, "admin", "at least 12"),
        ("ok", "", "admin", "Enter a password"),
        ("ok", "   ", "admin", "Enter a password"),
        ("ok", "abc\x00defghijklm", "admin", "NUL"),
        ("ok", "x" * 1025, "admin", "at most 1024"),
        ("ok", "123", "cashier", "4 to 8 digits"),
        ("ok", "123456789", "cashier", "4 to 8 digits"),
        ("ok", GOOD, "owner", "Unknown role"),
    ],
)
def test_bad_user_input_is_refused_and_nothing_stored(
    backend: Backend, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        users.add_user(backend.uow(), None, username, password, role)
    assert users.count_users(backend.read_uow()) == 0


@pytest.mark.parametrize(
    "password",
    ["x" * 12, "y" * 64, "z" * 1000, "pass word with spaces", "🔒🔒🔒🔒🔒🔒🔒🔒🔒🔒🔒🔒"],
)
def test_long_and_unicode_passwords_are_not_truncated(backend: Backend, password: str) -> None:
    users.add_user(backend.uow(), None, "m", password, "manager")
    assert backend.staff.login("m", password).username == "m"
    with pytest.raises(AuthenticationError):
        backend.staff.login("m", password[:-1])


def test_cashier_pin(backend: Backend) -> None:
    users.add_user(backend.uow(), None, "till", "4821", "cashier")
    assert backend.staff.login("till", "4821").role == "cashier"


def test_unknown_user_and_wrong_password_same_message(backend: Backend) -> None:
    users.add_user(backend.uow(), None, "carol", GOOD, "admin")
    with pytest.raises(AuthenticationError) as wrong:
        backend.staff.login("carol", "wrong password!")
    with pytest.raises(AuthenticationError) as unknown:
        backend.staff.login("nobody", "wrong password!")
    assert str(wrong.value) == str(unknown.value)


def test_role_matrix_is_nested_and_deny_by_default(backend: Backend) -> None:
    cashier = users.add_user(backend.uow(), None, "c1", "1234", "cashier")
    admin = users.add_user(backend.uow(), None, "a1", GOOD, "admin")
    assert ROLE_PERMISSIONS["cashier"] < ROLE_PERMISSIONS["manager"] < ROLE_PERMISSIONS["admin"]
    assert set(ROLE_PERMISSIONS["admin"]) == set(Permission)
    assert has_permission(cashier, Permission.SELL)
    assert not has_permission(cashier, Permission.MANAGE_USERS)
    require(admin, Permission.MANAGE_USERS)
    from posapp.services.platform.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError, match="not allowed to manage users"):
        require(cashier, Permission.MANAGE_USERS)
