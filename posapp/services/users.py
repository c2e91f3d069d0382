"""Staff users: add, list, activate and deactivate (the foundation; security grows on it)."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from posapp.events import UserChanged
from posapp.models import Role, User
from posapp.services.dto import UserDTO
from posapp.services.errors import ConflictError, ValidationError
from posapp.services.passwords import hash_password
from posapp.services.uow import UnitOfWork

USERNAME_MAX = 64
FULL_NAME_MAX = 200
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
PIN_MIN, PIN_MAX = 4, 8


def username_key(username: str) -> str:
    """Return the key usernames are unique by: NFKC-normalised, stripped and case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def clean_username(username: str) -> str:
    """Validate a new username and return it normalised (NFKC, stripped).

    Raises:
        ValidationError: empty, too long, or with control characters or inner spaces.
    """
    name = unicodedata.normalize("NFKC", username).strip()
    if not name:
        raise ValidationError("Enter a username.")
    if len(name) > USERNAME_MAX:
        raise ValidationError(f"A username has at most {USERNAME_MAX} characters.")
    if any(unicodedata.category(ch).startswith(("C", "Z")) for ch in name):
        raise ValidationError("A username cannot contain spaces or control characters.")
    return name


def check_password(password: str, role: str) -> None:
    """Check a new password (or a cashier's PIN) against the rules of ``role``.

    Raises:
        ValidationError: with what is wrong.
    """
    if "\x00" in password:
        raise ValidationError("A password cannot contain a NUL character.")
    if not password.strip():
        raise ValidationError("Enter a password.")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"A password has at most {PASSWORD_MAX} characters.")
    if role == Role.CASHIER and password.isascii() and password.isdigit():
        if not PIN_MIN <= len(password) <= PIN_MAX:
            raise ValidationError(f"A PIN has {PIN_MIN} to {PIN_MAX} digits.")
        return
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"A password has at least {PASSWORD_MIN} characters.")


def to_dto(user: User) -> UserDTO:
    """Build the read model of a user."""
    return UserDTO(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        locked_until=user.locked_until,
    )


def add_user(
    uow: UnitOfWork,
    username: str,
    password: str,
    role: str,
    *,
    full_name: str = "",
    actor_id: int | None = None,
) -> UserDTO:
    """Create a staff user.

    ``actor_id`` is None only for the command line's bootstrap of a fresh install.

    Raises:
        ValidationError: bad username, role, name or password.
        ConflictError: the username (compared case-insensitively) is taken.
    """
    name = clean_username(username)
    if role not in {r.value for r in Role}:
        raise ValidationError(f"Unknown role {role!r}: use admin, manager or cashier.")
    full = unicodedata.normalize("NFKC", full_name).strip()
    if len(full) > FULL_NAME_MAX:
        raise ValidationError(f"A full name has at most {FULL_NAME_MAX} characters.")
    check_password(password, role)
    is_pin = role == Role.CASHIER and password.isascii() and password.isdigit()
    secret_hash = hash_password(password)
    with uow:
        session = uow.session
        key = username_key(name)
        if session.scalar(select(func.count()).where(User.username_key == key)):
            raise ConflictError(f"The username {name!r} is taken.")
        now = uow.now()
        user = User(
            username=name,
            username_key=key,
            full_name=full,
            role=role,
            active=True,
            password_hash=None if is_pin else secret_hash,
            pin_hash=secret_hash if is_pin else None,
            created_at=now,
            changed_at=now,
            created_by_id=actor_id,
            changed_by_id=actor_id,
        )
        session.add(user)
        try:
            uow.flush()
        except IntegrityError as exc:
            raise ConflictError(f"The username {name!r} is taken.") from exc
        dto = to_dto(user)
        uow.record(UserChanged(user_id=user.id, username=name, change="added", at=now))
        uow.commit()
    return dto


def list_users(uow: UnitOfWork) -> list[UserDTO]:
    """Every staff user, by username."""
    with uow:
        users = uow.session.scalars(select(User).order_by(User.username_key)).all()
        return [to_dto(u) for u in users]


def count_users(uow: UnitOfWork) -> int:
    """How many staff users exist (0 on a fresh database)."""
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(User)) or 0)
