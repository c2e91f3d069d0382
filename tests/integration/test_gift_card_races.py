"""Sixteen registers spend one gift card at once on PostgreSQL: it is never overspent (#19)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from posapp.models import GiftCard, GiftCardMovement, Payment
from posapp.services.backend import Backend
from posapp.services.customers import GiftCardRefused
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from tests.conftest import pg_url_or_skip
from tests.integration.test_gift_cards import open_shop, sell_card
from tests.reliability.invariants import assert_invariants

REGISTERS = 16
ATTEMPTS = 10
CARD = 5000
PRICE = 120  # one apple; 16 × 10 × 1.20 = 192.00 asked of a 50.00 card


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_sixteen_registers_never_overspend_one_card(backend: Backend) -> None:
    url = pg_url_or_skip()
    shop = open_shop(backend)
    code = sell_card(backend, shop, CARD)
    for number in range(REGISTERS):
        open_till(
            Backend(backend.database, register=f"gc-{number}").uow(),
            shop.cashier,
            shop.store_id,
            0,
        )
    barrier = threading.Barrier(REGISTERS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def register(number: int) -> None:
        database = Database(url)  # each register its own connection
        till = Backend(database, register=f"gc-{number}")
        mine: Counter[str] = Counter()
        barrier.wait()
        try:
            for _ in range(ATTEMPTS):
                draft = SaleDraft(
                    uuid.uuid4(),
                    (DraftLine(1, shop.products["apple"], 1),),
                    (
                        PaymentDraft(
                            uuid.uuid4(), PaymentKind.GIFT_CARD, PRICE, gift_card_code=code
                        ),
                    ),
                )
                try:
                    till.sales.place_order(shop.cashier, draft)
                    mine["spent"] += 1
                except GiftCardRefused as refused:
                    mine[refused.reason] += 1
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
    print(f"gift card race: {REGISTERS} registers, {dict(outcomes)}")
    possible = CARD // PRICE
    assert outcomes == Counter({"spent": possible, "insufficient": REGISTERS * ATTEMPTS - possible})
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(GiftCard.balance_minor)) == CARD - possible * PRICE
        spent = uow.session.scalar(
            select(func.sum(Payment.amount_minor)).where(Payment.method == "gift_card")
        )
        assert spent == possible * PRICE
        assert (
            uow.session.scalar(select(func.count()).select_from(GiftCardMovement)) == possible + 1
        )
    assert_invariants(backend.database.engine)
