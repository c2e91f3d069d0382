"""Authorization inside services: the acting user is re-read and checked on every action.

Every service action takes the acting user (a :class:`UserDTO` from log-in). The DTO may be stale
(deactivated or demoted on another register), so :func:`authorize` loads the user's row inside the
action's transaction and decides from that: a deactivated user's session ends at its next action.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from sqlalchemy import Connection, bindparam, select

from posapp.i18n import N_, _, ngettext
from posapp.models import User
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError, PermissionDeniedError, ServiceError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.lockout import (
    count_failed_approval,
    count_failed_unknown_approval,
    minutes_until,
    unknown_locked_until,
)
from posapp.services.staff.passwords import verify_password
from posapp.services.staff.permissions import Permission, denied, permissions_of, role_word
from posapp.services.staff.usernames import username_key

P = ParamSpec("P")
R = TypeVar("R")


class SessionEndedError(ServiceError):
    """The acting user was deactivated (or removed) since logging in."""


SESSION_ENDED = N_("Your session has ended: your user is no longer active. Log in again.")


def authorize(uow: UnitOfWork, actor: UserDTO, permission: Permission) -> User:
    """Load ``actor`` in the running unit of work and check ``permission`` on the stored role.

    Raises:
        SessionEndedError: the user no longer exists or is inactive.
        PermissionDeniedError: the user's current role does not grant ``permission``.
    """
    user = uow.session.get(User, actor.id)
    if user is None or not user.active:
        raise SessionEndedError(_(SESSION_ENDED))
    if permission not in permissions_of(user.role):
        raise denied(user.username, user.role, permission)
    return user


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user as stored right now: what a hot path needs, read without the ORM."""

    id: int
    username: str
    role: str


ACTOR_COLUMNS: Final = (User.id, User.username, User.role, User.active)
"""What checking an actor reads, in the order :func:`authorize_row` takes it."""
_SELECT_ACTOR = Prepared(select(*ACTOR_COLUMNS).where(User.id == bindparam("user_id")))


def authorize_actor(uow: UnitOfWork, actor: UserDTO, permission: Permission) -> Actor:
    """:func:`authorize` for hot paths (a sale): the same checks, one Core query, no ORM object.

    Raises:
        SessionEndedError: the user no longer exists or is inactive.
        PermissionDeniedError: the user's current role does not grant ``permission``.
    """
    return authorize_connection(uow.session.connection(), actor, permission)


def authorize_connection(connection: Connection, actor: UserDTO, permission: Permission) -> Actor:
    """:func:`authorize_actor` on a Core connection (a read without a session: the scanner).

    Raises:
        SessionEndedError: the user no longer exists or is inactive.
        PermissionDeniedError: the user's current role does not grant ``permission``.
    """
    return authorize_row(_SELECT_ACTOR.one(connection, {"user_id": actor.id}), permission)


def authorize_row(row: Sequence[Any] | None, permission: Permission) -> Actor:
    """:func:`authorize_connection` on the acting user's row, read by the caller.

    ``row`` starts with :data:`ACTOR_COLUMNS` (None: no such user): a hot read joins them to
    its own, one statement instead of two (the scan, issue #23).

    Raises:
        SessionEndedError: the user no longer exists or is inactive.
        PermissionDeniedError: the user's current role does not grant ``permission``.
    """
    if row is None or not row[3]:
        raise SessionEndedError(_(SESSION_ENDED))
    user = Actor(int(row[0]), str(row[1]), str(row[2]))
    if permission not in permissions_of(user.role):
        raise denied(user.username, user.role, permission)
    return user


# Every service action that checks a permission registers here: the permission matrix test walks
# this registry (role × action) so no action escapes the check.
ACTIONS: dict[str, Permission] = {}


def requires(
    permission: Permission,
) -> Callable[
    [Callable[Concatenate[UnitOfWork, UserDTO, P], R]],
    Callable[Concatenate[UnitOfWork, UserDTO, P], R],
]:
    """Decorate a service action ``f(uow, actor, ...)``: check ``permission`` before its body.

    The check runs in its own short read of the actor, so a refused call touches nothing.
    """

    def decorate(
        func: Callable[Concatenate[UnitOfWork, UserDTO, P], R],
    ) -> Callable[Concatenate[UnitOfWork, UserDTO, P], R]:
        @wraps(func)
        def wrapper(uow: UnitOfWork, actor: UserDTO, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with uow:
                authorize(uow, actor, permission)
            return func(uow, actor, *args, **kwargs)

        ACTIONS[f"{func.__module__.removeprefix('posapp.services.')}.{func.__name__}"] = permission
        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


@dataclass(frozen=True, slots=True)
class Approval:
    """A manager's or admin's credentials and reason, given at the point of action."""

    username: str
    password: str
    reason: str


def check_approval(
    uow: UnitOfWork, actor: UserDTO, approval: Approval, permission: Permission
) -> User:
    """Verify that a different, active user with ``permission`` approves; return the approver.

    Raises:
        AuthenticationError: the approver's credentials are wrong (counted against the approver
            once the asking action has rolled back: see :mod:`posapp.services.staff.lockout`), or
            the approver is locked out.
        PermissionDeniedError: the approver is the actor or lacks ``permission``.
        ServiceError: no reason was given.
    """
    reason = approval.reason.strip()
    if not reason:
        raise ServiceError(_("Enter a reason for the approval."))
    approver = uow.session.scalar(
        select(User).where(User.username_key == username_key(approval.username))
    )
    # A password only, never a till PIN (issue #16): 4 digits fall to a few guesses a day.
    stored = None if approver is None else approver.password_hash
    matches = verify_password(stored, approval.password)  # the same hashing time for everyone
    # An unknown name is locked out like a real one, and the message names the name as typed:
    # nothing tells which user names exist (issue #16).
    key = username_key(approval.username)
    typed = approval.username.strip()[:64]
    until = unknown_locked_until(uow, key) if approver is None else approver.locked_until
    if until is not None and until > uow.now():
        minutes = minutes_until(until, uow.now())
        raise AuthenticationError(
            ngettext(
                "Approval refused: {typed} is locked out after too many wrong passwords, "
                "for about {minutes} more minute or until an admin unlocks them.",
                "Approval refused: {typed} is locked out after too many wrong passwords, "
                "for about {minutes} more minutes or until an admin unlocks them.",
                minutes,
            ).format(typed=typed, minutes=minutes)
        )
    if approver is None or not matches or not approver.active:
        # Counted after the asking action rolls back, as a wrong password at log-in is.
        if approver is None:
            uow.after_end(partial(count_failed_unknown_approval, key=key, name=typed))
        elif not matches and stored is not None:
            uow.after_end(partial(count_failed_approval, approver_id=approver.id))
        raise AuthenticationError(_("Approval refused: unknown approver or wrong password."))
    if approver.id == actor.id:
        raise PermissionDeniedError(_("Approval must come from a different person."))
    if permission not in permissions_of(approver.role):
        raise PermissionDeniedError(
            _("{username} ({role}) cannot approve this.").format(
                username=approver.username, role=role_word(approver.role)
            )
        )
    return approver
