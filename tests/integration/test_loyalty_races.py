"""Registers spending one customer's points at once on PostgreSQL: never below zero (#19)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest

from posapp.services.backend import Backend
from posapp.services.customers import PointsRefused
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from tests.conftest import pg_url_or_skip
from tests.integration.test_loyalty import balance, new_customer, open_shop
from tests.reliability.invariants import assert_invariants

REGISTERS = 8
ATTEMPTS = 10
POINTS = 5000
PRICE = 120  # one apple, paid with 120 points (100 points pay 1.00): 80 × 120 asked of 5,000


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_registers_never_take_a_customer_below_zero_points(backend: Backend) -> None:
    url = pg_url_or_skip()
    shop = open_shop(backend, earn=0)  # no points earned: only spending moves them
    customer = new_customer(backend, shop)
    backend.loyalty.adjust(shop.manager, customer, POINTS, "race")
    for number in range(REGISTERS):
        till = Backend(backend.database, register=f"pt-{number}")
        open_till(till.uow(), shop.cashier, shop.store_id, 0)
    barrier = threading.Barrier(REGISTERS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def register(number: int) -> None:
        database = Database(url)  # each register its own connection
        till = Backend(database, register=f"pt-{number}")
        mine: Counter[str] = Counter()
        barrier.wait()
        try:
            for _ in range(ATTEMPTS):
                draft = SaleDraft(
                    uuid.uuid4(),
                    (DraftLine(1, shop.products["apple"], 1),),
                    (PaymentDraft(uuid.uuid4(), PaymentKind.POINTS, PRICE),),
                    customer_id=customer,
                )
                try:
                    till.sales.place_order(shop.cashier, draft)
                    mine["spent"] += 1
                except PointsRefused:
                    mine["refused"] += 1
                except Exception as exc:
                    mine[type(exc).__name__] += 1
        finally:
            database.dispose()
            with lock:
                outcomes.update(mine)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(REGISTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    print(f"points race: {REGISTERS} registers, {dict(outcomes)}")
    possible = POINTS // PRICE
    assert outcomes == Counter({"spent": possible, "refused": REGISTERS * ATTEMPTS - possible})
    assert balance(backend, shop, customer) == POINTS - possible * PRICE
    assert_invariants(backend.database.engine)
