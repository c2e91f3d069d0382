"""Staff users' home stores: assign, clear, keep, refuse; audited and announced (both databases)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from posapp.events import RecordingPublisher, UserChanged
from posapp.models import AuditEntry, Store, User
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import home_stores as user_stores
from posapp.services.staff import users
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS

PW = "correct horse battery"

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "staff.home_stores.home_store_choices": lambda uow, actor, _staff: (
        user_stores.home_store_choices(uow, actor)
    ),
}
"""For the lead's permission-matrix test: one call per registered action of this module."""


@dataclass(frozen=True)
class Audited:
    """One audit row: who, what, and the snapshots before and after."""

    user_id: int | None
    object_kind: str
    object_id: int | None
    before: dict[str, object] | None
    after: dict[str, object] | None


@dataclass
class Shop:
    """An admin, a manager and a cashier; stores North and South, and a closed Old Town."""

    backend: Backend
    publisher: RecordingPublisher
    admin: UserDTO
    manager: UserDTO
    cashier: UserDTO
    north: int
    south: int
    closed: int

    def audit(self, action: str) -> list[Audited]:
        """The ``action`` rows of the audit log, oldest first, with before and after parsed."""
        e = AuditEntry
        query = sa.select(e.user_id, e.object_kind, e.object_id, e.before, e.after)
        with self.backend.read_uow() as uow:
            rows = uow.session.execute(query.where(e.action == action).order_by(e.id)).all()
        return [
            Audited(r[0], r[1], r[2], json.loads(r[3] or "null"), json.loads(r[4] or "null"))
            for r in rows
        ]

    def stored_store(self, user_id: int) -> int | None:
        with self.backend.read_uow() as uow:
            return uow.session.scalar(sa.select(User.store_id).where(User.id == user_id))


@pytest.fixture
def shop(backend: Backend, publisher: RecordingPublisher) -> Shop:
    admin = users.add_user(backend.uow(), None, "root", PW, "admin")
    manager = users.add_user(backend.uow(), None, "boss", PW, "manager")
    cashier = users.add_user(backend.uow(), None, "till", "4321", "cashier")
    with backend.uow() as uow:
        stores = [
            Store(code="N", name="North", kind="store"),
            Store(code="S", name="South", kind="store"),
            Store(code="OLD", name="Old Town", kind="store", active=False),
        ]
        uow.session.add_all(stores)
        uow.flush()
        north, south, closed = (s.id for s in stores)
        uow.commit()
    publisher.events.clear()
    return Shop(backend, publisher, admin, manager, cashier, north, south, closed)


def test_existing_users_work_for_all_stores(shop: Shop) -> None:
    assert shop.manager.store_id is None
    listed = users.list_users(shop.backend.read_uow(), shop.admin)
    assert {u.store_id for u in listed} == {None}


def test_add_a_user_with_a_home_store(shop: Shop) -> None:
    dto = users.add_user(shop.backend.uow(), shop.admin, "nora", PW, "manager", store_id=shop.north)
    assert dto.store_id == shop.north
    assert shop.stored_store(dto.id) == shop.north
    listed = {u.username: u for u in users.list_users(shop.backend.read_uow(), shop.admin)}
    assert listed["nora"].store_id == shop.north
    [event] = shop.publisher.events
    assert isinstance(event, UserChanged)
    assert (event.user_id, event.change) == (dto.id, "added")
    [added] = shop.audit("user.add")[-1:]
    assert added.after is not None
    assert added.after["store_id"] == shop.north


def test_assign_change_keep_and_clear_a_home_store(shop: Shop) -> None:
    uow = shop.backend.uow
    assigned = users.update_user(uow(), shop.admin, shop.manager.id, store_id=shop.north)
    assert assigned.store_id == shop.north
    moved = users.update_user(uow(), shop.admin, shop.manager.id, store_id=shop.south)
    assert moved.store_id == shop.south
    renamed = users.update_user(uow(), shop.admin, shop.manager.id, full_name="Bo Ss")
    assert (renamed.full_name, renamed.store_id) == ("Bo Ss", shop.south)  # not given: kept
    cleared = users.update_user(uow(), shop.admin, shop.manager.id, store_id=None)
    assert cleared.store_id is None
    assert shop.stored_store(shop.manager.id) is None


def test_a_store_change_is_audited_before_and_after_and_announced(shop: Shop) -> None:
    users.update_user(shop.backend.uow(), shop.admin, shop.cashier.id, store_id=shop.south)
    [edit] = shop.audit("user.edit")
    assert edit.user_id == shop.admin.id
    assert (edit.object_kind, edit.object_id) == ("user", shop.cashier.id)
    assert edit.before is not None
    assert edit.after is not None
    assert edit.before["store_id"] is None
    assert edit.after["store_id"] == shop.south
    assert {k: v for k, v in edit.after.items() if k != "store_id"} == {
        k: v for k, v in edit.before.items() if k != "store_id"
    }
    [event] = shop.publisher.events
    assert isinstance(event, UserChanged)
    assert (event.user_id, event.username, event.change) == (shop.cashier.id, "till", "edited")


@pytest.mark.parametrize("bad", [999_999, 0, -1, 2**63, True])
def test_an_unknown_store_is_refused_and_nothing_changes(shop: Shop, bad: int) -> None:
    with pytest.raises(ValidationError, match="No store with id"):
        users.update_user(shop.backend.uow(), shop.admin, shop.manager.id, store_id=bad)
    with pytest.raises(ValidationError, match="No store with id"):
        users.add_user(shop.backend.uow(), shop.admin, "nora", PW, "manager", store_id=bad)
    assert shop.stored_store(shop.manager.id) is None
    assert [u.username for u in users.list_users(shop.backend.read_uow(), shop.admin)] == [
        "boss",
        "root",
        "till",
    ]
    assert shop.publisher.events == []
    assert shop.audit("user.edit") == []


def test_an_inactive_store_is_refused_but_a_kept_one_stays(shop: Shop) -> None:
    uow = shop.backend.uow
    message = "Old Town is inactive: it cannot be a user's home store."
    with pytest.raises(ValidationError, match=message):
        users.update_user(uow(), shop.admin, shop.manager.id, store_id=shop.closed)
    with pytest.raises(ValidationError, match=message):
        users.add_user(uow(), shop.admin, "nora", PW, "manager", store_id=shop.closed)
    assert shop.publisher.events == []
    # A store closed after the assignment does not block other edits of the user.
    users.update_user(uow(), shop.admin, shop.manager.id, store_id=shop.north)
    with uow() as u:
        store = u.session.get(Store, shop.north)
        assert store is not None
        store.active = False
        u.commit()
    kept = users.update_user(uow(), shop.admin, shop.manager.id, role="cashier", full_name="B")
    assert (kept.role, kept.store_id) == ("cashier", shop.north)


def test_an_admin_always_works_for_all_stores(shop: Shop) -> None:
    uow = shop.backend.uow
    rule = user_stores.ADMIN_ALL_STORES
    with pytest.raises(ValidationError, match=rule):
        users.add_user(uow(), shop.admin, "ada", PW, "admin", store_id=shop.north)
    with pytest.raises(ValidationError, match=rule):
        users.update_user(uow(), shop.admin, shop.admin.id, store_id=shop.north)
    users.update_user(uow(), shop.admin, shop.manager.id, store_id=shop.north)
    shop.publisher.events.clear()
    # Promoting a user who has a home store needs "All stores" in the same change.
    with pytest.raises(ValidationError, match=rule):
        users.update_user(uow(), shop.admin, shop.manager.id, role="admin")
    assert shop.stored_store(shop.manager.id) == shop.north
    assert shop.publisher.events == []
    promoted = users.update_user(uow(), shop.admin, shop.manager.id, role="admin", store_id=None)
    assert (promoted.role, promoted.store_id) == ("admin", None)
    # Demoting and assigning a store in one change is fine.
    demoted = users.update_user(
        uow(), shop.admin, shop.manager.id, role="manager", store_id=shop.south
    )
    assert (demoted.role, demoted.store_id) == ("manager", shop.south)


def test_only_admins_assign_stores(shop: Shop) -> None:
    with pytest.raises(PermissionDeniedError):
        users.update_user(shop.backend.uow(), shop.manager, shop.cashier.id, store_id=shop.north)
    assert shop.stored_store(shop.cashier.id) is None


def test_the_command_line_may_assign_stores(shop: Shop) -> None:
    dto = users.add_user(shop.backend.uow(), None, "cli", "5678", "cashier", store_id=shop.south)
    assert dto.store_id == shop.south


def test_home_store_choices_list_every_store_by_name(shop: Shop) -> None:
    choices = user_stores.home_store_choices(shop.backend.read_uow(), shop.manager)
    assert [(s.name, s.active) for s in choices] == [
        ("North", True),
        ("Old Town", False),
        ("South", True),
    ]
    with pytest.raises(PermissionDeniedError):
        user_stores.home_store_choices(shop.backend.read_uow(), shop.cashier)


def test_the_database_refuses_a_missing_store(shop: Shop) -> None:
    with shop.backend.uow() as uow:
        user = uow.session.get(User, shop.cashier.id)
        assert user is not None
        user.store_id = 999_999
        with pytest.raises(sa.exc.IntegrityError):
            uow.commit()


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_permission_matrix(shop: Shop, role: str) -> None:
    staff = {"admin": shop.admin, "manager": shop.manager, "cashier": shop.cashier}
    actor = staff[role]
    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(shop.backend.read_uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(shop.backend.read_uow(), actor, staff)
