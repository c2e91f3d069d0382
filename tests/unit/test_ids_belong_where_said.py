"""Issue #16, defect 1's sweep: an id from the caller is checked to belong where the caller says.

Cash booked to another register's till session (that drawer would look short), and a parked
sale of another store resumed or thrown away by id. On both databases.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher
from posapp.models import StockLevel, Store
from posapp.models.orders import ParkedSale
from posapp.services.accounts import manage as accounts
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.sales import checkout, parked, returns, tills
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import ParkedCart, ParkedLine, ProductDTO
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from tests.checkout_seed import (
    Shop,
    add_funded_account,
    cash_sale,
    on_hand,
    open_shop,
)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


def _other_register(database: Database, publisher: RecordingPublisher) -> Backend:
    return Backend(database, publisher, register="other-till")


def _second_store(backend: Backend) -> int:
    with backend.uow() as uow:
        store = Store(code="NORTH", name="North Street", kind="store", address="2 North St")
        uow.session.add(store)
        uow.flush()
        store_id = store.id
        uow.commit()
    return store_id


def test_cash_cannot_be_booked_to_another_registers_till(
    backend: Backend, shop: Shop, database: Database, publisher: RecordingPublisher
) -> None:
    account_id, _number = add_funded_account(backend, shop, balance_minor=1_00)
    other = _other_register(database, publisher)
    other_till = tills.open_till(other.uow(), shop.manager, shop.store_id, 0).id

    def deposit(at: Backend) -> int:
        return accounts.deposit(
            at.uow(),
            shop.cashier,
            account_id,
            50_00,
            key=uuid.uuid4(),
            store_id=shop.store_id,
            till_session_id=other_till,
        ).balance_minor

    with pytest.raises(ValidationError, match="not open at this store and register"):
        deposit(backend)
    # Booked at the other register itself, it is fine.
    assert deposit(other) == 51_00


def test_a_parked_sale_of_another_store_cannot_be_taken_by_id(
    backend: Backend, shop: Shop, database: Database, publisher: RecordingPublisher
) -> None:
    item = ProductDTO(shop.products["apple"], "APL", None, "Apple", None, 120, 0, True)
    cart = ParkedCart(uuid.uuid4(), (ParkedLine(item, 1),))
    parked_id = parked.park_sale(backend.uow(), shop.cashier, cart, total_minor=120).id
    north = _other_register(database, publisher)
    tills.open_till(north.uow(), shop.manager, _second_store(backend), 0)
    with pytest.raises(NotFoundError, match="parked at another store"):
        parked.resume_sale(north.uow(), shop.cashier, parked_id)
    with pytest.raises(NotFoundError, match="parked at another store"):
        parked.discard_parked(north.uow(), shop.cashier, parked_id, "not ours")
    with backend.read_uow() as uow:
        assert uow.session.scalars(select(ParkedSale.id)).all() == [parked_id]
    assert parked.resume_sale(backend.uow(), shop.cashier, parked_id).sale_uuid == cart.sale_uuid


def test_cash_at_an_open_till_is_booked_to_its_own_store(backend: Backend, shop: Shop) -> None:
    """A deposit taken at this register's till, claimed for another store, would be missed."""
    account_id, _number = add_funded_account(backend, shop, balance_minor=1_00)
    north = _second_store(backend)
    with pytest.raises(ValidationError, match="open at another store"):
        accounts.deposit(
            backend.uow(), shop.cashier, account_id, 50_00, key=uuid.uuid4(), store_id=north
        )
    with pytest.raises(ValidationError, match="open at another store"):
        accounts.withdraw(
            backend.uow(),
            shop.cashier,
            account_id,
            1_00,
            pin="2468",
            key=uuid.uuid4(),
            store_id=north,
        )
    assert accounts.balance(backend.read_uow(), shop.cashier, account_id) == 1_00


def test_goods_returned_at_another_store_restock_that_store(
    backend: Backend, shop: Shop, database: Database, publisher: RecordingPublisher
) -> None:
    draft = cash_sale(shop, [("apple", 1)], 120, 120)
    order_id = checkout.place_order(backend.uow(), shop.cashier, draft).order_id
    line_id = orders_queries.order_detail(backend.uow(), shop.manager, order_id).lines[0].id
    main_before = on_hand(backend, shop, "apple")
    north_register = _other_register(database, publisher)
    north = _second_store(backend)
    tills.open_till(north_register.uow(), shop.manager, north, 10_000)
    request = ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(line_id, 1),))
    returns.return_items(north_register.uow(), shop.cashier, request)
    assert on_hand(backend, shop, "apple") == main_before
    with backend.read_uow() as uow:
        level = uow.session.get(StockLevel, (north, shop.products["apple"]))
        assert level is not None
        assert level.on_hand == 1
