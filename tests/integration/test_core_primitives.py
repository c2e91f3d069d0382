"""The shared primitives: conditional stock moves and balanced, guarded, idempotent postings."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from posapp.events import RecordingPublisher, StockLow
from posapp.models import (
    LedgerAccount,
    LedgerAccountKind,
    LedgerEntry,
    MovementKind,
    Product,
    StockLevel,
    StockMovement,
    Store,
    User,
)
from posapp.services.accounts.ledger import InsufficientFundsError, Leg, post, shop_account
from posapp.services.backend import Backend
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.stock.ledger import InsufficientStockError, move_stock


@pytest.fixture
def ids(backend: Backend) -> dict[str, int]:
    with backend.uow() as uow:
        user = User(username="u", username_key="u", role="manager")
        store = Store(code="S1", name="Main", kind="store")
        product = Product(sku="P1", sku_key="P1", name="Pear", price_minor=99)
        customer = LedgerAccount(kind="customer", name="Ann", overdraft_limit_minor=500)
        uow.session.add_all([user, store, product, customer])
        uow.commit()
        return {"user": user.id, "store": store.id, "product": product.id, "cust": customer.id}


def _move(backend: Backend, ids: dict[str, int], qty: int, kind: MovementKind) -> int:
    with backend.uow() as uow:
        result = move_stock(
            uow,
            store_id=ids["store"],
            product_id=ids["product"],
            quantity=qty,
            kind=kind,
            batch_uuid=uuid.uuid4(),
            user_id=ids["user"],
        )
        uow.commit()
        return result.on_hand


def _ledger_sum(backend: Backend, ids: dict[str, int]) -> int:
    with backend.read_uow() as uow:
        return int(
            uow.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
                    StockMovement.product_id == ids["product"]
                )
            )
            or 0
        )


def test_stock_moves_and_never_below_zero(backend: Backend, ids: dict[str, int]) -> None:
    assert _move(backend, ids, 10, MovementKind.RECEIVE) == 10
    assert _move(backend, ids, -4, MovementKind.SALE) == 6
    with pytest.raises(InsufficientStockError, match="Not enough stock of Pear: 6 left, 7 needed"):
        _move(backend, ids, -7, MovementKind.SALE)
    with pytest.raises(ValidationError):
        _move(backend, ids, 0, MovementKind.ADJUST)
    with pytest.raises(ValidationError):
        _move(backend, ids, 10**12, MovementKind.RECEIVE)
    assert _ledger_sum(backend, ids) == 6
    with backend.read_uow() as uow:
        level = uow.session.get(StockLevel, (ids["store"], ids["product"]))
        assert level is not None
        assert level.on_hand == 6


def test_stock_low_once_per_crossing(
    backend: Backend, ids: dict[str, int], publisher: RecordingPublisher
) -> None:
    _move(backend, ids, 10, MovementKind.RECEIVE)
    with backend.uow() as uow:
        uow.session.execute(sa.update(StockLevel).values(reorder_point=5))
        uow.commit()
    publisher.events.clear()
    for _ in range(4):
        _move(backend, ids, -2, MovementKind.SALE)  # 8, 6, 4 (crosses), 2
    lows = [e for e in publisher.events if isinstance(e, StockLow)]
    assert [(e.on_hand, e.reorder_point) for e in lows] == [(4, 5)]
    _move(backend, ids, 10, MovementKind.RECEIVE)  # back above
    _move(backend, ids, -8, MovementKind.SALE)  # 12 -> 4 crosses again
    assert len([e for e in publisher.events if isinstance(e, StockLow)]) == 2


def test_posting_balances_guards_and_is_idempotent(backend: Backend, ids: dict[str, int]) -> None:
    key = uuid.uuid4()
    with backend.uow() as uow:
        drawer = shop_account(uow, LedgerAccountKind.CASH_DRAWER, ids["store"])
        assert shop_account(uow, LedgerAccountKind.CASH_DRAWER, ids["store"]) == drawer
        legs = [Leg(ids["cust"], 1000), Leg(drawer, -1000)]
        first = post(uow, key=key, kind="deposit", legs=legs, user_id=ids["user"])
        uow.commit()
    with backend.uow() as uow:
        again = post(uow, key=key, kind="deposit", legs=legs, user_id=ids["user"])
        assert again.replayed
        assert again.transaction_id == first.transaction_id
        with pytest.raises(ConflictError, match="different movement"):
            post(
                uow,
                key=key,
                kind="deposit",
                legs=[Leg(ids["cust"], 5), Leg(drawer, -5)],
                user_id=ids["user"],
            )
        with pytest.raises(ValidationError, match="balance"):
            post(uow, key=uuid.uuid4(), kind="x", legs=[Leg(ids["cust"], 5)], user_id=ids["user"])
    # Balance 10.00 with a 5.00 overdraft: 15.00 may go, 15.01 may not.
    with backend.uow() as uow, pytest.raises(InsufficientFundsError):
        post(
            uow,
            key=uuid.uuid4(),
            kind="withdrawal",
            legs=[Leg(ids["cust"], -1501), Leg(drawer, 1501)],
            user_id=ids["user"],
        )
    with backend.uow() as uow:
        post(
            uow,
            key=uuid.uuid4(),
            kind="withdrawal",
            legs=[Leg(ids["cust"], -1500), Leg(drawer, 1500)],
            user_id=ids["user"],
        )
        uow.commit()
    with backend.read_uow() as uow:
        for account in uow.session.scalars(sa.select(LedgerAccount)):
            total = uow.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_minor), 0)).where(
                    LedgerEntry.ledger_account_id == account.id
                )
            )
            assert account.balance_minor == total
        cust = uow.session.get(LedgerAccount, ids["cust"])
        assert cust is not None
        assert cust.balance_minor == -500
