"""Log-in with lock-out: checks a username and password (or a cashier's PIN).

After ``auth.lockout_attempts`` failures in a row (default 5) the user is locked out for
``auth.lockout_minutes`` (default 15), even against the right password; an admin can unlock.
Unknown users and wrong passwords give the same message and cost the same hashing time, and an
unknown user name is locked out after the same number of tries, with the same message
(:func:`posapp.services.staff.lockout.record_unknown_failure`), so nothing tells which names exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NoReturn

from sqlalchemy import select

from posapp.events import UserLoggedIn
from posapp.i18n import N_, _, ngettext
from posapp.models import Role, User
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.lockout import (
    DEFAULT_LOCKOUT_ATTEMPTS,
    DEFAULT_LOCKOUT_MINUTES,
    LOCKOUT_ATTEMPTS_KEY,
    LOCKOUT_MINUTES_KEY,
    is_locked,
    minutes_left,
    minutes_until,
    record_failure,
    record_unknown_failure,
    unknown_locked_until,
)
from posapp.services.staff.passwords import hash_password, needs_rehash, verify_password
from posapp.services.staff.usernames import username_key
from posapp.services.staff.users import to_dto

LOGIN_FAILED = N_("Unknown username or wrong password.")
__all__ = [
    "DEFAULT_LOCKOUT_ATTEMPTS",
    "DEFAULT_LOCKOUT_MINUTES",
    "LOCKOUT_ATTEMPTS_KEY",
    "LOCKOUT_MINUTES_KEY",
    "LOGIN_FAILED",
    "OFFLINE_LOGIN_ACTION",
    "AccountLockedError",
    "authenticate",
    "credentials_match",
    "locked_message",
    "record_offline_logins",
    "verify_user_password",
]


class AccountLockedError(AuthenticationError):
    """Too many failed attempts: log-in is refused until the lock expires or an admin unlocks."""


def credentials_match(
    role: str, password_hash: str | None, pin_hash: str | None, password: str
) -> tuple[bool, str | None]:
    """Check the password, then the PIN; return (ok, the hash that matched).

    Only a cashier may sign in with a till PIN: a manager or admin left with nothing but a PIN
    (promoted before issue #16) is refused, at the same hashing cost, until an admin sets them
    a password. The one rule for a log-in's secret: the server's log-in and the register's
    offline sign-in against its cached hashes (#21) both check through here.
    """
    pin = pin_hash if role == Role.CASHIER.value else None
    primary = password_hash or pin
    if verify_password(primary, password):
        return True, primary
    if password_hash and pin and verify_password(pin, password):
        return True, pin
    return False, None


def _matches(user: User, password: str) -> tuple[bool, str | None]:
    """:func:`credentials_match` on a stored user."""
    return credentials_match(user.role, user.password_hash, user.pin_hash, password)


def locked_message(minutes: int) -> str:
    """What a locked-out log-in is told: the same for a real and an unknown user name."""
    return ngettext(
        "Too many failed attempts: log-in is locked for about {minutes} more minute, "
        "or until an admin unlocks it.",
        "Too many failed attempts: log-in is locked for about {minutes} more minutes, "
        "or until an admin unlocks it.",
        minutes,
    ).format(minutes=minutes)


def _unknown_user(uow: UnitOfWork, username: str, password: str) -> NoReturn:
    """Refuse a name nobody has exactly as a real user's wrong password or lock-out is refused.

    The same hashing time, the same count of tries before the lock, the same messages: nothing
    tells which user names exist (issue #16).
    """
    verify_password(None, password)
    key = username_key(username)
    name = username.strip()[:64]
    until = unknown_locked_until(uow, key)
    if until is not None:
        uow.audit(AuditRecord("login.locked", None, "user", None, None, {"username": name}))
        uow.commit()
        raise AccountLockedError(locked_message(minutes_until(until, uow.now())))
    record_unknown_failure(uow, key, name)
    uow.commit()
    raise AuthenticationError(_(LOGIN_FAILED))


def authenticate(uow: UnitOfWork, username: str, password: str) -> UserDTO:
    """Check credentials, record the attempt in the audit log, and return the user.

    Raises:
        AccountLockedError: the user is locked out.
        AuthenticationError: unknown user, wrong password or inactive user (one message).
    """
    with uow:
        now = uow.now()
        user = uow.session.scalar(
            select(User).where(User.username_key == username_key(username)).with_for_update()
        )
        if user is None:
            _unknown_user(uow, username, password)
        if is_locked(user, now):
            verify_password(user.password_hash or user.pin_hash, password)
            minutes = minutes_left(user, now)
            uow.audit(AuditRecord("login.locked", user.id, "user", user.id))
            uow.commit()
            raise AccountLockedError(locked_message(minutes))
        ok, matched = _matches(user, password)
        if not ok or not user.active:
            record_failure(uow, user)
            uow.commit()
            raise AuthenticationError(_(LOGIN_FAILED))
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        if matched is not None and needs_rehash(matched):
            new_hash = hash_password(password)
            if matched == user.password_hash:
                user.password_hash = new_hash
            else:
                user.pin_hash = new_hash
        dto = to_dto(user)
        uow.audit(AuditRecord("login", user.id, "user", user.id))
        uow.record(UserLoggedIn(user_id=user.id, username=user.username, at=now))
        uow.commit()
    return dto


OFFLINE_LOGIN_ACTION = "login.offline"
"""The audit action of a log-in a register checked against its cache while the server was gone."""


def record_offline_logins(
    uow: UnitOfWork, register: str, signins: Sequence[tuple[int, datetime]]
) -> int:
    """Audit log-ins a register checked offline (#21), once its server is back; how many.

    Each is one ``login.offline`` row under its user, saying the register and when the user
    signed in there (the row's own time is when the server learnt of it, as for the sales the
    register replays). A user unknown to the server now is audited all the same.
    """
    with uow:
        for user_id, signed_in_at in signins:
            after = {"register": register, "signed_in_at": signed_in_at.isoformat()}
            uow.audit(AuditRecord(OFFLINE_LOGIN_ACTION, user_id, "user", user_id, after=after))
        uow.commit()
    return len(signins)


def verify_user_password(uow: UnitOfWork, user_id: int, password: str) -> bool:
    """Whether ``password`` is the given user's (for the till's lock screen), counting failures."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.active:
            return False
        if is_locked(user, uow.now()):
            return False
        ok, _unused = _matches(user, password)
        if not ok:
            record_failure(uow, user)
            uow.commit()
        return ok
