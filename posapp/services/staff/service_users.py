"""Service users: the staff rows that work done by no person (a web order) is written under.

A sale's rows name a user (the order's cashier, the stock move's, the payment's, the history's), and
so must an order a customer places on the web shop. Rather than make those columns nullable in every
table, such work is written under a user of its own: inactive, without a password or PIN (nobody can
log in as it, and the notification rules, which reach active staff only, never address it), with a
username holding a space, which ``usernames.clean_username`` refuses, so no person can take its
name. It is made on first use, so a shop that never sells online has none in its staff list; it
shows as the cashier of the orders it wrote.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from posapp.models import User
from posapp.models.base import utcnow
from posapp.models.users import Role
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.uow import UnitOfWork

WEB_SHOP_USERNAME = "web shop"
"""The web shop's user (a space: no person's username can be it)."""

SERVICE_USERNAMES = frozenset({WEB_SHOP_USERNAME})
"""Every service user's username key: not staff, so not in the staff list nor an admin's to edit."""


def service_user(uow: UnitOfWork, username: str, full_name: str) -> UserDTO:
    """The service user ``username``, made (inactive, no credentials) if it does not exist yet.

    Two first uses at once meet in the insert's conflict on the unique name key; both then read
    the one row. Runs in the caller's unit of work (no commit).
    """
    key = username.casefold()
    found = _find(uow, key)
    if found is None:
        values = {
            "username": username,
            "username_key": key,
            "full_name": full_name,
            "role": Role.CASHIER.value,
            "active": False,
            "password_hash": None,
            "pin_hash": None,
            "failed_attempts": 0,
            "created_at": utcnow(),
            "changed_at": utcnow(),
            "version": 1,
        }
        dialect = uow.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        uow.session.execute(
            insert(User).values(values).on_conflict_do_nothing(index_elements=["username_key"])
        )
        found = _find(uow, key)
        assert found is not None  # inserted, or inserted by the other first use
    return found


def _find(uow: UnitOfWork, key: str) -> UserDTO | None:
    row = uow.session.execute(
        select(User.id, User.username, User.full_name, User.role, User.active).where(
            User.username_key == key
        )
    ).one_or_none()
    return None if row is None else UserDTO(int(row[0]), row[1], row[2], row[3], bool(row[4]))
