"""Stores and warehouses on SQLite and PostgreSQL: create, edit, deactivate, list, bad inputs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from posapp.models import AuditEntry, Store
from posapp.services.backend import Backend
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.stock import actions as stock
from posapp.services.stock import stores
from posapp.services.stock.dto import StockLine, StoreInput
from tests.unit.stock_support import World, build_world


@pytest.fixture
def world(backend: Backend) -> World:
    return build_world(backend)


def _count_stores(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(sa.select(sa.func.count()).select_from(Store)) or 0)


def test_create_edit_deactivate(world: World) -> None:
    w, b = world, world.backend
    made = stores.create_store(
        b.uow(),
        w.admin,
        StoreInput(" ns03 ", "  North Shore ", "store", " 1 Quay Rd\r\n Leith ", "+44 20 7946"),
    )
    assert (made.code, made.name, made.kind, made.active) == ("NS03", "North Shore", "store", True)
    assert made.address == "1 Quay Rd\nLeith"
    edited = stores.update_store(
        b.uow(), w.admin, made.id, StoreInput("NS03", "North Shore Depot", "warehouse")
    )
    assert (edited.name, edited.kind, edited.address) == ("North Shore Depot", "warehouse", "")
    off = stores.set_store_active(b.uow(), w.admin, made.id, False)
    assert not off.active
    again = stores.set_store_active(b.uow(), w.admin, made.id, False)
    assert not again.active
    with b.read_uow() as uow:
        actions = uow.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_kind == "store")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["store.add", "store.edit", "store.deactivate"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (StoreInput("", "X"), "short code"),
        (StoreInput("A B", "X"), "letters, digits"),
        (StoreInput("=1+1", "X"), "letters, digits"),
        (StoreInput("X" * 17, "X"), "at most 16"),
        (StoreInput("OK1", ""), "store's name"),
        (StoreInput("OK1", "   "), "store's name"),
        (StoreInput("OK1", "x" * 101), "at most 100"),
        (StoreInput("OK1", "a\x00b"), "control"),
        (StoreInput("OK1", "a\tb"), "control"),
        (StoreInput("OK1", "a\nb"), "control"),
        (StoreInput("OK1", "Shop", "kiosk"), "Unknown kind"),
        (StoreInput("OK1", "Shop", address="x" * 501), "at most 500"),
        (StoreInput("OK1", "Shop", phone="call me"), "phone number"),
    ],
)
def test_bad_store_fields(world: World, data: StoreInput, message: str) -> None:
    count = _count_stores(world.backend)
    with pytest.raises(ValidationError, match=message):
        stores.create_store(world.backend.uow(), world.admin, data)
    assert _count_stores(world.backend) == count


def test_codes_are_unique_case_insensitively(world: World) -> None:
    w = world
    with pytest.raises(ConflictError, match="HS01 is taken"):
        stores.create_store(w.backend.uow(), w.admin, StoreInput("hs01", "Copy"))
    with pytest.raises(ConflictError, match="MS02 is taken"):
        stores.update_store(w.backend.uow(), w.admin, w.shop, StoreInput("ms02", "Harbour"))
    with pytest.raises(NotFoundError):
        stores.update_store(w.backend.uow(), w.admin, 9999, StoreInput("ZZ", "Z"))


def test_shown_text_is_stored_literally(world: World) -> None:
    made = stores.create_store(
        world.backend.uow(), world.admin, StoreInput("HTML1", "<b>bold</b> & <img src=x>")
    )
    assert made.name == "<b>bold</b> & <img src=x>"


def test_deactivating_a_store_with_stock_keeps_it(world: World) -> None:
    w, b = world, world.backend
    stock.receive_stock(b.uow(), w.manager, w.shop, [StockLine(w.pear, 12)], reference="R")
    off = stores.set_store_active(b.uow(), w.admin, w.shop, False)
    assert (off.active, off.units, off.products) == (False, 12, 1)


def test_list_and_search(world: World) -> None:
    w, b = world, world.backend
    stock.receive_stock(b.uow(), w.manager, w.shop, [StockLine(w.pear, 3)], reference="R")
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.pear, 5, 10)
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.apple, 2, 10)  # 0 on hand: low
    listed = stores.list_stores(b.uow(), w.cashier)
    assert [s.code for s in listed] == ["HS01", "MS02", "WH01", "OLD1"]
    shop = listed[0]
    assert (shop.products, shop.units, shop.low) == (1, 3, 2)
    assert [s.code for s in stores.list_stores(b.uow(), w.cashier, include_inactive=False)] == [
        "HS01",
        "MS02",
        "WH01",
    ]
    assert [s.code for s in stores.list_stores(b.uow(), w.cashier, kind="warehouse")] == ["WH01"]
    assert [s.code for s in stores.list_stores(b.uow(), w.cashier, search="harbour ST")] == ["HS01"]
    assert stores.list_stores(b.uow(), w.cashier, search="%") == []


def test_only_admins_manage_stores(world: World) -> None:
    w = world
    for actor in (w.manager, w.cashier):
        with pytest.raises(PermissionDeniedError, match="manage stores"):
            stores.create_store(w.backend.uow(), actor, StoreInput("NEW", "New"))
        with pytest.raises(PermissionDeniedError):
            stores.set_store_active(w.backend.uow(), actor, w.shop, False)
