"""Counting wrong passwords against a user, for log-in and for approvals alike; the idle lock.

After ``auth.lockout_attempts`` failures in a row (default 5) the user is locked out for
``auth.lockout_minutes`` (default 15), even against the right password; an admin can unlock.
A manager's password typed wrong in an approval counts the same as at log-in: guessing it through
the approval dialog (however often it is opened) locks the manager out as guessing at the login
window would.

The till locks itself after ``till.idle_lock_minutes`` without input (:func:`idle_lock_minutes`);
the same user's password (:func:`posapp.services.staff.auth.verify_user_password`, counted here
too) or another log-in opens it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from posapp.models import LoginThrottle, User
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.uow import UnitOfWork

LOCKOUT_ATTEMPTS_KEY = registry.LOCKOUT_ATTEMPTS.key
LOCKOUT_MINUTES_KEY = registry.LOCKOUT_MINUTES.key
DEFAULT_LOCKOUT_ATTEMPTS = registry.LOCKOUT_ATTEMPTS.default
DEFAULT_LOCKOUT_MINUTES = registry.LOCKOUT_MINUTES.default
IDLE_LOCK_MINUTES_KEY = registry.IDLE_LOCK_MINUTES.key
DEFAULT_IDLE_LOCK_MINUTES = registry.IDLE_LOCK_MINUTES.default


def is_locked(user: User, now: datetime) -> bool:
    """Whether ``user`` is locked out at ``now``."""
    return user.locked_until is not None and user.locked_until > now


def minutes_left(user: User, now: datetime) -> int:
    """Whole minutes (at least 1) until the lock of ``user`` ends."""
    return minutes_until(user.locked_until, now)


def minutes_until(locked_until: datetime | None, now: datetime) -> int:
    """Whole minutes (at least 1) until a lock ending at ``locked_until`` ends (0: none)."""
    if locked_until is None:
        return 0
    seconds = (locked_until - now).total_seconds()
    return max(1, -int(-seconds // 60))


def record_failure(uow: UnitOfWork, user: User, *, action: str = "login") -> None:
    """Count one wrong password against ``user``; lock them out at the limit.

    Audited as ``<action>.failed`` (and ``<action>.lockout`` when it locks), in ``uow``.
    """
    attempts = registry.read(uow, registry.LOCKOUT_ATTEMPTS)
    minutes = registry.read(uow, registry.LOCKOUT_MINUTES)
    user.failed_attempts += 1
    if user.failed_attempts >= attempts:
        user.locked_until = uow.now() + timedelta(minutes=minutes)
        user.failed_attempts = 0
        uow.audit(AuditRecord(f"{action}.lockout", user.id, "user", user.id))
    uow.audit(AuditRecord(f"{action}.failed", user.id, "user", user.id))


def name_hash(key: str) -> str:
    """The SHA-256 (hex) under which an unknown user name's failures are counted."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def unknown_locked_until(uow: UnitOfWork, key: str) -> datetime | None:
    """When the lock of the unknown user name with ``key`` ends (None: not locked now)."""
    row = uow.session.get(LoginThrottle, name_hash(key))
    if row is None or row.locked_until is None or row.locked_until <= uow.now():
        return None
    return row.locked_until


def record_unknown_failure(uow: UnitOfWork, key: str, name: str, *, action: str = "login") -> None:
    """Count one wrong password for a user name nobody has, exactly as :func:`record_failure`.

    The same number of tries locks the name for the same time, so the lock-out message never
    tells a real user name from an unknown one (issue #16). Audited as ``<action>.failed`` (and
    ``<action>.lockout``) with the typed name, in ``uow``.
    """
    attempts = registry.read(uow, registry.LOCKOUT_ATTEMPTS)
    minutes = registry.read(uow, registry.LOCKOUT_MINUTES)
    now = uow.now()
    digest = name_hash(key)
    # Rows at rest (no count, lock over) are the same as no row: drop them as we go.
    uow.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.failed_attempts == 0,
            LoginThrottle.locked_until < now,
            LoginThrottle.name_hash != digest,
        )
    )
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    uow.session.execute(
        insert(LoginThrottle)
        .values(name_hash=digest, failed_attempts=0, changed_at=now)
        .on_conflict_do_nothing(index_elements=["name_hash"])
    )
    row = uow.session.get(LoginThrottle, digest, with_for_update=True, populate_existing=True)
    assert row is not None  # inserted just above, and rows are only deleted at rest
    row.failed_attempts += 1
    row.changed_at = now
    seen = {"username": name.strip()[:64]}
    if row.failed_attempts >= attempts:
        row.locked_until = now + timedelta(minutes=minutes)
        row.failed_attempts = 0
        uow.audit(AuditRecord(f"{action}.lockout", None, "user", None, None, seen))
    uow.audit(AuditRecord(f"{action}.failed", None, "user", None, None, seen))


def count_failed_unknown_approval(uow: UnitOfWork, key: str, name: str) -> None:
    """:func:`count_failed_approval` for an approver name nobody has (its own unit of work)."""
    record_unknown_failure(uow, key, name, action="approval")
    uow.commit()


def count_failed_approval(uow: UnitOfWork, approver_id: int) -> None:
    """Count a wrong approval password against the approver, in a unit of work of its own.

    Runs after the action that asked for the approval has rolled back (see
    :meth:`UnitOfWork.after_end`), so the count survives the refusal.
    """
    user = uow.session.get(User, approver_id, with_for_update=True)
    if user is None:
        return
    record_failure(uow, user, action="approval")
    uow.commit()


def idle_lock_minutes(uow: UnitOfWork) -> float:
    """The ``till.idle_lock_minutes`` setting: minutes of idle time before locking (0: never).

    A missing or nonsensical value gives the default, so a typo in the settings never leaves a
    till unlocked for good; a value below 0 means 0 (as it always did).
    """
    with uow:
        return registry.read(uow, registry.IDLE_LOCK_MINUTES)
