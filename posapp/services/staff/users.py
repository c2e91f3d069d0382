"""Staff users: add, edit, activate, deactivate, reset passwords, unlock and list.

Every action takes the acting user. ``actor=None`` means the local command line (``posapp user
…``), which is trusted the way a shell on the machine is: whoever can run it can open the database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from posapp.events import UserChanged
from posapp.i18n import N_, _
from posapp.models import Role, User
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.home_stores import KEEP_STORE, Keep, check_admin_store, check_home_store
from posapp.services.staff.passwords import hash_password
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import ACTIONS, authorize
from posapp.services.staff.service_users import SERVICE_USERNAMES
from posapp.services.staff.usernames import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    PIN_MAX,
    PIN_MIN,
    USERNAME_MAX,
    check_password,
    clean_username,
    is_pin,
    username_key,
    username_skeleton,
)

__all__ = [
    "KEEP_STORE",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "PIN_MAX",
    "PIN_MIN",
    "USERNAME_MAX",
    "UserFilter",
    "add_user",
    "check_password",
    "clean_username",
    "count_users",
    "find_user",
    "list_users",
    "reset_password",
    "set_active",
    "to_dto",
    "unlock_user",
    "update_user",
    "username_key",
]

FULL_NAME_MAX = 200
ROLES = tuple(r.value for r in Role)
LAST_ADMIN = N_("The last active admin cannot be deactivated or demoted: make another admin first.")

for _name in ("add_user", "update_user", "set_active", "reset_password", "unlock_user"):
    ACTIONS[f"staff.users.{_name}"] = Permission.MANAGE_USERS
ACTIONS["staff.users.list_users"] = Permission.VIEW_USERS


def to_dto(user: User) -> UserDTO:
    """Build the read model of a user."""
    return from_row(UserDTO, user)


def _snapshot(user: User) -> dict[str, object]:
    return values_of(user, ("username", "full_name", "role", "active", "store_id"))


def _clean_full_name(full_name: str) -> str:
    full = unicodedata.normalize("NFKC", full_name).strip()
    if len(full) > FULL_NAME_MAX:
        raise ValidationError(
            _("A full name has at most {full_name_max} characters.").format(
                full_name_max=FULL_NAME_MAX
            )
        )
    if any(unicodedata.category(ch) == "Cc" for ch in full):
        raise ValidationError(_("A full name cannot contain control characters."))
    return refuse_card_number(full)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(
            _("Unknown role {role!r}: use admin, manager or cashier.").format(role=role)
        )


def _authorize(uow: UnitOfWork, actor: UserDTO | None, permission: Permission) -> int | None:
    if actor is None:
        return None
    return authorize(uow, actor, permission).id


def _load(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None or user.username_key in SERVICE_USERNAMES:  # nobody's to activate or reset
        raise NotFoundError(_("No user with id {user_id}.").format(user_id=user_id))
    return user


def _guard_last_admin(uow: UnitOfWork, user: User) -> None:
    """Refuse if ``user`` is the only active admin.

    The active admins' rows are locked in id order (on PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers), so two admins deactivating each other at once cannot both succeed: the
    second waits, then sees the first's change.
    """
    admins = uow.session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if user.id in admins and len(admins) <= 1:
        raise ConflictError(_(LAST_ADMIN))


def _changed(uow: UnitOfWork, user: User, actor_id: int | None, change: str) -> UserDTO:
    now = uow.now()
    user.changed_at = now
    user.changed_by_id = actor_id
    uow.flush()
    uow.record(UserChanged(user_id=user.id, username=user.username, change=change, at=now))
    return to_dto(user)


def _refuse_look_alike(uow: UnitOfWork, name: str) -> None:
    """Refuse a new name that looks like an existing user's (the same confusable skeleton).

    Names that already look alike in an older database stay as they are and still log in: the
    rule applies to new names (usernames never change). Staff lists are short, so the skeletons
    are computed here rather than stored.

    Raises:
        ConflictError: naming the existing user it looks like.
    """
    wanted = username_skeleton(name)
    for (existing,) in uow.session.execute(select(User.username)):
        if username_skeleton(existing) == wanted:
            raise ConflictError(
                _(
                    "The username {name!r} looks like the existing user "
                    "{existing!r}: choose one that cannot be mistaken for it."
                ).format(name=name, existing=existing)
            )


def add_user(
    uow: UnitOfWork,
    actor: UserDTO | None,
    username: str,
    password: str,
    role: str,
    *,
    full_name: str = "",
    store_id: int | None = None,
) -> UserDTO:
    """Create a staff user.

    Args:
        uow: The unit of work.
        actor: The acting admin (None: the local command line).
        username: The log-in name.
        password: A password, or a cashier's PIN.
        role: admin, manager or cashier.
        full_name: The person's name.
        store_id: The home store (None: all stores; an admin is always all stores, see
            :mod:`posapp.services.staff.home_stores`).

    Raises:
        ValidationError: bad username, role, name, password or home store.
        ConflictError: the username (compared case-insensitively) is taken, or looks like an
            existing one (the same confusable skeleton, e.g. a Cyrillic "а" for a Latin "a").
    """
    name = clean_username(username)
    _check_role(role)
    check_admin_store(store_id, role)
    full = _clean_full_name(full_name)
    check_password(password, role)
    secret_hash = hash_password(password)
    pin = is_pin(password, role)
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_USERS)
        key = username_key(name)
        if uow.session.scalar(select(func.count()).where(User.username_key == key)):
            raise ConflictError(_("The username {name!r} is taken.").format(name=name))
        _refuse_look_alike(uow, name)
        check_home_store(uow, store_id, role)
        now = uow.now()
        user = User(
            username=name,
            username_key=key,
            full_name=full,
            role=role,
            active=True,
            password_hash=None if pin else secret_hash,
            pin_hash=secret_hash if pin else None,
            created_at=now,
            created_by_id=actor_id,
            store_id=store_id,
        )
        uow.session.add(user)
        try:
            dto = _changed(uow, user, actor_id, "added")
        except IntegrityError as exc:
            raise ConflictError(_("The username {name!r} is taken.").format(name=name)) from exc
        uow.audit(AuditRecord("user.add", actor_id, "user", user.id, None, _snapshot(user)))
        uow.commit()
    return dto


def update_user(
    uow: UnitOfWork,
    actor: UserDTO | None,
    user_id: int,
    *,
    full_name: str | None = None,
    role: str | None = None,
    store_id: int | Keep | None = KEEP_STORE,
    password: str | None = None,
) -> UserDTO:
    """Change a user's full name, role and/or home store (None: all stores).

    What is not given stays. The last active admin cannot be demoted, and an admin cannot have a
    home store (:mod:`posapp.services.staff.home_stores`). Making someone who signs in with a
    till PIN a manager or admin needs ``password``, a password by the new role's rule (12+
    characters), set in the same transaction as the role: a manager or admin never signs in or
    approves with a PIN (issue #16), so the PIN is dropped. A cashier who already has a password
    (cashiers' passwords follow the same 12+ rule) keeps it unless a new one is given.

    Raises:
        ValidationError: a bad name, role, home store or password; a promotion without one.
        ConflictError: demoting the last active admin.
    """
    full = None if full_name is None else _clean_full_name(full_name)
    if role is not None:
        _check_role(role)
    secret_hash = None
    if password is not None:
        if role is None or role == Role.CASHIER.value:
            raise ValidationError(_("A new password goes with a new manager or admin role only."))
        check_password(password, role)
        secret_hash = hash_password(password)  # Argon2 before the transaction: no lock held
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_USERS)
        user = _load(uow, user_id)
        before = _snapshot(user)
        new_store = user.store_id if isinstance(store_id, Keep) else store_id
        # A kept store stays even if it was deactivated since; a new one must be active.
        check_admin_store(new_store, role or user.role)
        if new_store != user.store_id:
            check_home_store(uow, new_store, role or user.role)
        if role is not None and role != user.role and user.role == Role.ADMIN.value:
            _guard_last_admin(uow, user)
        _check_promotion(user, role, secret_hash)
        if full is not None:
            user.full_name = full
        if role is not None:
            user.role = role
        if secret_hash is not None:
            user.password_hash, user.pin_hash = secret_hash, None
        user.store_id = new_store
        dto = _changed(uow, user, actor_id, "edited")
        after = _snapshot(user) | ({"password": "set"} if secret_hash is not None else {})
        uow.audit(AuditRecord("user.edit", actor_id, "user", user.id, before, after))
        uow.commit()
    return dto


def _check_promotion(user: User, role: str | None, secret_hash: str | None) -> None:
    """Refuse a manager or admin role for someone whose only credential would be a PIN."""
    if role is None or role in (user.role, Role.CASHIER.value) or secret_hash:
        return
    if user.password_hash is None:
        raise ValidationError(
            _(
                "A {role} signs in with a password of at least "
                "{password_min} characters, never a PIN: enter a new "
                "password for {username}."
            ).format(role=role, password_min=PASSWORD_MIN, username=user.username)
        )


def set_active(uow: UnitOfWork, actor: UserDTO | None, user_id: int, active: bool) -> UserDTO:
    """Activate or deactivate a user. Users are never deleted.

    Raises:
        ValidationError: deactivating yourself.
        ConflictError: deactivating the last active admin.
    """
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_USERS)
        user = _load(uow, user_id)
        if not active and actor_id == user.id:
            raise ValidationError(_("You cannot deactivate yourself: ask another admin."))
        if user.active == active:
            return to_dto(user)
        before = _snapshot(user)
        if not active:
            _guard_last_admin(uow, user)
        user.active = active
        dto = _changed(uow, user, actor_id, "activated" if active else "deactivated")
        action = "user.activate" if active else "user.deactivate"
        uow.audit(AuditRecord(action, actor_id, "user", user.id, before, _snapshot(user)))
        uow.commit()
    return dto


def reset_password(
    uow: UnitOfWork, actor: UserDTO | None, user_id: int, new_password: str
) -> UserDTO:
    """Set a new password (or, for a cashier, a PIN) and clear any lock-out."""
    with uow:
        role = _load(uow, user_id).role
    check_password(new_password, role)
    secret_hash = hash_password(new_password)
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_USERS)
        user = _load(uow, user_id)
        if is_pin(new_password, user.role):
            user.pin_hash, user.password_hash = secret_hash, None
        else:
            user.password_hash, user.pin_hash = secret_hash, None
        user.failed_attempts = 0
        user.locked_until = None
        dto = _changed(uow, user, actor_id, "password reset")
        uow.audit(AuditRecord("user.password_reset", actor_id, "user", user.id))
        uow.commit()
    return dto


def unlock_user(uow: UnitOfWork, actor: UserDTO | None, user_id: int) -> UserDTO:
    """Lift a log-in lock-out now."""
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_USERS)
        user = _load(uow, user_id)
        before = {"failed_attempts": user.failed_attempts, "locked_until": user.locked_until}
        user.failed_attempts = 0
        user.locked_until = None
        dto = _changed(uow, user, actor_id, "unlocked")
        uow.audit(AuditRecord("user.unlock", actor_id, "user", user.id, before))
        uow.commit()
    return dto


@dataclass(frozen=True, slots=True)
class UserFilter:
    """What the Admin users list shows: a search text, a role and an active state."""

    search: str = ""
    role: str | None = None
    active: bool | None = None
    service: bool = False
    """Include the service users (the web shop's), as the audit log's filter does."""


def list_users(
    uow: UnitOfWork, actor: UserDTO | None, user_filter: UserFilter | None = None
) -> list[UserDTO]:
    """Users matching the filter, by username (managers may look, only admins change)."""
    flt = user_filter or UserFilter()
    with uow:
        _authorize(uow, actor, Permission.VIEW_USERS)
        query = select(User).order_by(User.username_key)
        if not flt.service:
            query = query.where(User.username_key.not_in(SERVICE_USERNAMES))
        text = unicodedata.normalize("NFKC", flt.search).strip().casefold()
        if text:
            pattern = f"%{text.replace('%', '').replace('_', '')}%"
            query = query.where(
                or_(User.username_key.like(pattern), func.lower(User.full_name).like(pattern))
            )
        if flt.role:
            query = query.where(User.role == flt.role)
        if flt.active is not None:
            query = query.where(User.active.is_(flt.active))
        return [to_dto(u) for u in uow.session.scalars(query)]


def find_user(uow: UnitOfWork, username: str) -> UserDTO:
    """Look a user up by name (case-insensitively), for the command line.

    Raises:
        NotFoundError: no such user.
    """
    with uow:
        user = uow.session.scalar(select(User).where(User.username_key == username_key(username)))
        if user is None or user.username_key in SERVICE_USERNAMES:
            raise NotFoundError(_("No user named {username!r}.").format(username=username.strip()))
        return to_dto(user)


def count_users(uow: UnitOfWork) -> int:
    """How many staff users exist (0 on a fresh database)."""
    with uow:
        staff = select(func.count()).where(User.username_key.not_in(SERVICE_USERNAMES))
        return int(uow.session.scalar(staff) or 0)
