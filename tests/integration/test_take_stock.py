"""The sale's batched stock taking (``stock.take_stock``, issue #23), on SQLite and PostgreSQL.

One locked read of the levels and one batched write keep ``move_stock``'s promise for every
product: the quantity and the value leave together (each product's units at their share of its
level's value, ``costing.value_out``), one movement per product with the signed value, the
events in product order, a reorder point crossed once; a short product refuses the whole take
before anything is written. More products than one read holds (256) are read in chunks.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from posapp.events import RecordingPublisher, StockLow, StockMoved
from posapp.models import MovementKind, Product, StockLevel, StockMovement, Store
from posapp.services.backend import Backend
from posapp.services.stock import InsufficientStockError, put_stock, take_stock
from posapp.services.stock.costing import value_out

PRODUCTS = 300  # two reads: 256 ids, then 44 padded to 64


def _shop(backend: Backend) -> tuple[int, list[int]]:
    """A store and PRODUCTS products, each received at its own quantity and value."""
    with backend.uow() as uow:
        store = Store(code="TS01", name="Take Street", kind="store")
        uow.session.add(store)
        rows = [
            Product(sku=f"T-{n:04d}", sku_key=f"T-{n:04d}", name=f"Thing {n}", price_minor=500)
            for n in range(PRODUCTS)
        ]
        uow.session.add_all(rows)
        uow.flush()
        store_id, ids = store.id, [row.id for row in rows]
        quantities = {pid: 5 + n % 7 for n, pid in enumerate(ids)}
        # Values that do not divide evenly: the units' share is rounded half to even.
        values = {pid: 1000 + 37 * n for n, pid in enumerate(ids)}
        put_stock(
            uow,
            store_id=store_id,
            quantities=quantities,
            kind=MovementKind.RECEIVE,
            batch_uuid=uuid.uuid4(),
            user_id=None,
            values=values,
        )
        uow.session.execute(
            sa.update(StockLevel)
            .where(StockLevel.store_id == store_id, StockLevel.product_id.in_(ids[:3]))
            .values(reorder_point=4)
        )
        uow.commit()
    return store_id, ids


def _levels(backend: Backend, store_id: int) -> dict[int, tuple[int, int]]:
    with backend.read_uow() as uow:
        return {
            int(p): (int(q), int(v))
            for p, q, v in uow.session.execute(
                sa.select(StockLevel.product_id, StockLevel.on_hand, StockLevel.value_minor).where(
                    StockLevel.store_id == store_id
                )
            )
        }


def test_take_stock_moves_quantity_and_value_of_every_product(
    backend: Backend, publisher: RecordingPublisher
) -> None:
    store_id, ids = _shop(backend)
    before = _levels(backend, store_id)
    # Everything of the first product, 1-3 units of the others (given in reverse order).
    wanted = {pid: (before[pid][0] if n == 0 else 1 + n % 3) for n, pid in enumerate(ids)}
    wanted = dict(reversed(wanted.items()))
    publisher.events.clear()
    batch = uuid.uuid4()
    with backend.uow() as uow:
        taken = take_stock(
            uow,
            store_id=store_id,
            quantities=wanted,
            kind=MovementKind.SALE,
            batch_uuid=batch,
            user_id=None,
            reference="TS01-000001",
        )
        uow.commit()

    expected = {pid: value_out(before[pid][1], before[pid][0], q) for pid, q in wanted.items()}
    assert taken == expected
    assert taken[ids[0]] == before[ids[0]][1]  # the last unit takes what is left
    after = _levels(backend, store_id)
    for pid, q in wanted.items():
        assert after[pid] == (before[pid][0] - q, before[pid][1] - expected[pid]), pid
    assert after[ids[0]] == (0, 0)
    with backend.read_uow() as uow:
        moved = uow.session.execute(
            sa.select(StockMovement.product_id, StockMovement.quantity, StockMovement.value_minor)
            .where(StockMovement.batch_uuid == batch)
            .order_by(StockMovement.product_id)
        ).all()
    assert [tuple(row) for row in moved] == [
        (pid, -wanted[pid], -expected[pid]) for pid in sorted(wanted)
    ]
    moves = [e for e in publisher.events if isinstance(e, StockMoved)]
    assert [(e.product_id, e.quantity, e.kind) for e in moves] == [
        (pid, -wanted[pid], "sale") for pid in sorted(wanted)
    ]
    # Reorder point 4: crossed by the products that went from above 4 to 4 or below.
    crossed = [pid for pid in ids[:3] if before[pid][0] > 4 >= before[pid][0] - wanted[pid]]
    lows = [e for e in publisher.events if isinstance(e, StockLow)]
    assert [e.product_id for e in lows] == crossed
    assert crossed  # the shop is built so that some cross


def test_a_short_product_refuses_the_take_before_anything_is_written(
    backend: Backend, publisher: RecordingPublisher
) -> None:
    store_id, ids = _shop(backend)
    before = _levels(backend, store_id)
    short = ids[200]  # in the second read
    wanted = {pid: 1 for pid in ids}
    wanted[short] = before[short][0] + 1
    publisher.events.clear()
    with backend.uow() as uow:
        with pytest.raises(InsufficientStockError) as refused:
            take_stock(
                uow,
                store_id=store_id,
                quantities=wanted,
                kind=MovementKind.SALE,
                batch_uuid=uuid.uuid4(),
                user_id=None,
            )
        # Nothing was written, even inside the transaction.
        levels = uow.session.execute(
            sa.select(StockLevel.product_id, StockLevel.on_hand).where(
                StockLevel.store_id == store_id
            )
        ).all()
        assert {int(p): int(q) for p, q in levels} == {p: v[0] for p, v in before.items()}
    error = refused.value
    assert (error.product_id, error.available, error.wanted) == (
        short,
        before[short][0],
        before[short][0] + 1,
    )
    assert "Thing 200" in str(error)
    assert publisher.events == []
    assert _levels(backend, store_id) == before


def test_below_zero_creates_a_missing_level_and_takes_it_below_zero(backend: Backend) -> None:
    store_id, ids = _shop(backend)
    with backend.uow() as uow:
        extra = Product(sku="T-NEW", sku_key="T-NEW", name="New thing", price_minor=100)
        uow.session.add(extra)
        uow.flush()
        new_id = extra.id
        uow.commit()
    before = _levels(backend, store_id)
    with backend.uow() as uow, pytest.raises(InsufficientStockError):
        take_stock(
            uow,
            store_id=store_id,
            quantities={new_id: 1},
            kind=MovementKind.SALE,
            batch_uuid=uuid.uuid4(),
            user_id=None,
        )
    with backend.uow() as uow:
        taken = take_stock(
            uow,
            store_id=store_id,
            quantities={new_id: 2, ids[1]: before[ids[1]][0] + 3},
            kind=MovementKind.SALE,
            batch_uuid=uuid.uuid4(),
            user_id=None,
            below_zero=True,
        )
        uow.commit()
    after = _levels(backend, store_id)
    assert after[new_id] == (-2, 0)
    assert after[ids[1]] == (-3, 0)  # the whole value leaves with more than the level held
    assert taken == {new_id: 0, ids[1]: before[ids[1]][1]}
