"""Staff users' home stores: which store a user works at, and the stores one may choose.

A user's home store (``users.store_id``) decides which store notices reach them through their
role (see :mod:`posapp.services.notifications.listener`); ``None`` means all stores.

The rule for admins: **an admin always works for all stores.** An admin runs the whole chain
(users, rules, campaigns), so the services refuse any change that would leave an admin with a
home store: adding an admin with a store, giving an admin a store, or promoting a user who has one
without choosing "All stores" in the same change. The refusal is a :class:`ValidationError`
that says so; nothing is changed silently.
"""

from __future__ import annotations

import enum
from typing import Final

from sqlalchemy import select

from posapp.i18n import N_, _
from posapp.models import Role, Store
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import authorize, requires

__all__ = [
    "ADMIN_ALL_STORES",
    "KEEP_STORE",
    "Keep",
    "active_stores",
    "check_admin_store",
    "check_home_store",
    "home_store_choices",
    "stores_for_command_line",
]

ADMIN_ALL_STORES: Final = N_("An admin works for all stores: choose All stores for an admin.")


class Keep(enum.Enum):
    """The type of :data:`KEEP_STORE`."""

    STORE = "keep the home store"


KEEP_STORE: Final = Keep.STORE
"""``update_user(store_id=KEEP_STORE)`` (the default) leaves the home store as it is."""


def check_admin_store(store_id: int | None, role: str) -> None:
    """Refuse a home store for an admin (an admin always works for all stores).

    Raises:
        ValidationError: ``role`` is admin and ``store_id`` is not None.
    """
    if store_id is not None and role == Role.ADMIN.value:
        raise ValidationError(_(ADMIN_ALL_STORES))


def check_home_store(uow: UnitOfWork, store_id: int | None, role: str) -> None:
    """Refuse ``store_id`` as the home store of a user with ``role`` unless it may be one.

    ``None`` (all stores) is always allowed. Otherwise the store must exist and be active, and
    the user must not be an admin. On PostgreSQL the store's row is share-locked until the
    change commits, so the store cannot be deactivated in between.

    Raises:
        ValidationError: an admin with a store, an unknown store or an inactive one.
    """
    check_admin_store(store_id, role)
    if store_id is None:
        return
    # Not a bool (True == 1), nor an id beyond the column (PostgreSQL would fail on it).
    if not storable_id(store_id):
        raise ValidationError(_("No store with id {store_id!r}.").format(store_id=store_id))
    row = uow.session.execute(
        select(Store.name, Store.active).where(Store.id == store_id).with_for_update(read=True)
    ).one_or_none()
    if row is None:
        raise ValidationError(_("No store with id {store_id}.").format(store_id=store_id))
    if not row.active:
        raise ValidationError(
            _("{row_name} is inactive: it cannot be a user's home store.").format(row_name=row.name)
        )


@requires(Permission.VIEW_USERS)
def home_store_choices(uow: UnitOfWork, actor: UserDTO) -> list[StoreDTO]:
    """Every store and warehouse, active or not, by name: for the staff list and its dialogs.

    Inactive ones are listed so a user whose home store was deactivated still shows its name;
    only active ones can be chosen (:func:`check_home_store`).
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_USERS)
        return _all_stores(uow)


def stores_for_command_line(uow: UnitOfWork) -> list[StoreDTO]:
    """:func:`home_store_choices` for the command line, which acts as the trusted local admin."""
    with uow:
        return _all_stores(uow)


def active_stores(uow: UnitOfWork) -> list[StoreDTO]:
    """Every active store and warehouse, storefronts first: the window title, tills, cash desks."""
    with uow:
        rows = uow.session.scalars(
            select(Store).where(Store.active.is_(True)).order_by(Store.kind, Store.name)
        ).all()
        return [_dto(s) for s in rows]


def _dto(store: Store) -> StoreDTO:
    return StoreDTO(store.id, store.code, store.name, store.kind, store.address, store.active)


def _all_stores(uow: UnitOfWork) -> list[StoreDTO]:
    stores = [_dto(s) for s in uow.session.scalars(select(Store)).all()]
    # By name as people read it (SQLite's and PostgreSQL's collations differ).
    return sorted(stores, key=lambda s: (s.name.casefold(), s.id))
