"""Seed data for UI tests and the screenshot script: staff, a store and demo log-ins."""

from __future__ import annotations

from posapp.models import Store
from posapp.services.backend import Backend
from posapp.services.platform import settings
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users

PASSWORD = "correct horse battery"
STAFF = (
    ("admin1", "admin", "Ada Lovelace"),
    ("manager1", "manager", "Grace Hopper"),
    ("cashier1", "cashier", "Sam Carter"),
)


def add_staff(backend: Backend) -> dict[str, UserDTO]:
    """Add one user per role (password ``PASSWORD``); return them by role."""
    return {
        role: users.add_user(backend.uow(), None, username, PASSWORD, role, full_name=full_name)
        for username, role, full_name in STAFF
    }


def add_store(backend: Backend, name: str = "Main Street", code: str = "MAIN") -> int:
    """Add an active storefront and return its id."""
    with backend.uow() as uow:
        store = Store(code=code, name=name, kind="store", address="1 Main Street")
        uow.session.add(store)
        uow.flush()
        store_id = store.id
        uow.commit()
    return store_id


def add_demo_logins(backend: Backend) -> None:
    """Store the staff's credentials as demo log-ins, as ``posapp demo`` does."""
    rows = [{"username": u, "password": PASSWORD, "role": r} for u, r, _ in STAFF]
    with backend.uow() as uow:
        settings.put_setting(uow, settings.DEMO_LOGINS_KEY, rows)
        uow.commit()
