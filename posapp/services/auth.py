"""Log-in: checks a username and password (or a cashier's PIN) and returns who logged in."""

from __future__ import annotations

from sqlalchemy import select

from posapp.events import UserLoggedIn
from posapp.models import User
from posapp.services.dto import UserDTO
from posapp.services.errors import AuthenticationError
from posapp.services.passwords import verify_password
from posapp.services.uow import UnitOfWork
from posapp.services.users import to_dto, username_key

LOGIN_FAILED = "Unknown username or wrong password."


def authenticate(uow: UnitOfWork, username: str, password: str) -> UserDTO:
    """Check credentials and record the log-in.

    Unknown users and wrong passwords give the same message and cost the same hashing time.

    Raises:
        AuthenticationError: the credentials do not match an active user.
    """
    with uow:
        user = uow.session.scalar(select(User).where(User.username_key == username_key(username)))
        stored = None if user is None else (user.password_hash or user.pin_hash)
        secret_ok = verify_password(stored, password)
        if user is not None and not secret_ok and user.pin_hash and user.password_hash:
            secret_ok = verify_password(user.pin_hash, password)
        if user is None or not secret_ok or not user.active:
            raise AuthenticationError(LOGIN_FAILED)
        now = uow.now()
        user.last_login_at = now
        dto = to_dto(user)
        uow.record(UserLoggedIn(user_id=user.id, username=user.username, at=now))
        uow.commit()
    return dto
