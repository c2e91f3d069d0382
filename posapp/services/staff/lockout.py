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

from datetime import datetime, timedelta

from posapp.models import User
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
    if user.locked_until is None:
        return 0
    seconds = (user.locked_until - now).total_seconds()
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
