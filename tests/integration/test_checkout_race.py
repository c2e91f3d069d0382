"""Eight registers, as separate processes on PostgreSQL, race to sell the last 100 units."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from posapp.models import Order, Payment, StockMovement
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from posapp.services.stock.ledger import InsufficientStockError
from tests.checkout_seed import ITEMS, Item, on_hand, seed_shop
from tests.conftest import pg_url_or_skip

REGISTERS = 8
ATTEMPTS = 25  # 8 × 25 = 200 attempts for 100 units
STOCK = 100
PRICE = 120


def _sell_worker(
    url: str, register: str, product_id: int, cashier: dict[str, Any], barrier: Any, results: Any
) -> None:
    """One register: sell one unit at a time until its attempts are used up."""
    database = Database(url)
    backend = Backend(database, register=register)
    actor = UserDTO(**cashier)
    sold = refused = other = 0
    barrier.wait()
    try:
        for _ in range(ATTEMPTS):
            draft = SaleDraft(
                uuid.uuid4(),
                (DraftLine(1, product_id, 1),),
                payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, PRICE, PRICE),),
            )
            try:
                checkout.place_order(backend.uow(), actor, draft)
                sold += 1
            except InsufficientStockError:
                refused += 1
            except ServiceError:
                other += 1
    finally:
        database.dispose()
    results.put((register, sold, refused, other))


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_eight_registers_sell_exactly_the_stock(backend: Backend) -> None:
    url = pg_url_or_skip()
    item = Item(
        "last", "LAST-1", "2999999999999", "Limited edition mug", "Home", PRICE, 0, True, STOCK
    )
    shop = seed_shop(backend, items=(item, *ITEMS[:1]))
    cashier = shop.cashier
    for number in range(REGISTERS):
        till = Backend(backend.database, register=f"race-{number}")
        open_till(till.uow(), cashier, shop.store_id, 0)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(REGISTERS)
    results = context.Queue()
    fields = {
        "id": cashier.id,
        "username": cashier.username,
        "full_name": cashier.full_name,
        "role": cashier.role,
        "active": cashier.active,
    }
    workers = [
        context.Process(
            target=_sell_worker,
            args=(url, f"race-{n}", shop.products["last"], fields, barrier, results),
        )
        for n in range(REGISTERS)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    sold = sum(o[1] for o in outcomes)
    refused = sum(o[2] for o in outcomes)
    other = sum(o[3] for o in outcomes)
    print(f"race: {REGISTERS} registers, sold {sold}, refused {refused}, other errors {other}")
    assert sold == STOCK
    assert refused == REGISTERS * ATTEMPTS - STOCK
    assert other == 0
    assert on_hand(backend, shop, "last") == 0
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == STOCK
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == STOCK
        total = uow.session.scalar(
            select(func.sum(StockMovement.quantity)).where(
                StockMovement.product_id == shop.products["last"]
            )
        )
        assert total == -STOCK
        numbers = uow.session.scalars(select(Order.number)).all()
        assert len(set(numbers)) == STOCK


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_the_same_sale_sent_twice_at_once_makes_one_order(backend: Backend) -> None:
    shop = seed_shop(backend)
    open_till(backend.uow(), shop.cashier, shop.store_id, 0)
    for _round in range(20):
        draft = SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["apple"], 1),),
            payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 120, 200),),
        )
        barrier = threading.Barrier(2)
        placed: list[int] = []

        def press(
            draft: SaleDraft = draft,
            barrier: threading.Barrier = barrier,
            placed: list[int] = placed,
        ) -> None:
            barrier.wait()
            placed.append(checkout.place_order(backend.uow(), shop.cashier, draft).order_id)

        threads = [threading.Thread(target=press) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(placed) == 2
        assert placed[0] == placed[1]
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 20
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 20
    assert on_hand(backend, shop, "apple") == 80
