"""Order numbers: one counter row per store, bumped by one statement that never scans the orders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, delete, event

from posapp.models.orders import OrderCounter
from posapp.services.backend import Backend
from posapp.services.sales import checkout
from tests.checkout_seed import Shop, cash_sale, open_shop_till, seed_shop

APPLE = 120


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement run on ``engine`` while the block runs."""
    seen: list[str] = []

    def before(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def sell(backend: Backend, shop: Shop) -> str:
    draft = cash_sale(shop, [("apple", 1)], APPLE, APPLE)
    return checkout.place_order(backend.uow(), shop.cashier, draft).number


def test_numbers_follow_each_other_and_the_orders_a_store_already_has(
    backend: Backend, shop: Shop
) -> None:
    assert [sell(backend, shop) for _ in range(3)] == ["MAIN-000001", "MAIN-000002", "MAIN-000003"]
    # Orders that came without a counter (an import, an older version): numbering goes on after.
    with backend.uow() as uow:
        uow.session.execute(delete(OrderCounter))
        uow.commit()
    assert sell(backend, shop) == "MAIN-000004"
    assert sell(backend, shop) == "MAIN-000005"


def test_a_sale_bumps_the_counter_with_one_statement_and_counts_no_orders(
    backend: Backend, shop: Shop
) -> None:
    sell(backend, shop)  # the store's first sale creates its counter
    with statements(backend.database.engine) as seen:
        assert sell(backend, shop) == "MAIN-000002"
    numbering = [sql for sql in seen if "order_counters" in sql]
    assert len(numbering) == 1, numbering
    assert numbering[0].lstrip().upper().startswith("UPDATE")
    assert not [sql for sql in seen if "count(" in sql.lower()], seen
