"""Taking stock out for a sale: the hot path, one read and one batched write for all products.

:func:`take_stock` keeps :func:`posapp.services.stock.ledger.move_stock`'s promise for each
product (never below zero, the units leave at their share of the level's value, a movement row,
:class:`StockMoved` and :class:`StockLow`), in three statements whatever the number of products:

1. one ``SELECT … FOR UPDATE`` of the store's levels of the sale's products, in product id
   order (PostgreSQL locks them in that order, the lock order of every till; SQLite's writing
   unit of work holds the database's write lock from ``BEGIN IMMEDIATE``), so what it reads
   cannot change before the write;
2. the check (a short product raises :class:`InsufficientStockError` before anything is
   written) and the value each product's units take out (:func:`costing.value_out`, in Python:
   exact integers, half to even; in SQL ``value × quantity`` could overflow 64 bits);
3. one ``UPDATE`` of quantity and value per level run as one ``executemany``, and one insert of
   all the movements.

Issue #23: with the valuation (#20) a sale had spent two statements a product (the guarded
decrement, then the value's own update on the row it had locked): 348 µs of a 5-line sale's
2.0 ms at a quiet hour. The figures are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.sql.elements import BindParameter

from posapp.events import StockLow, StockMoved
from posapp.i18n import _
from posapp.models import MovementKind, Product, StockLevel, StockMovement
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork
from posapp.services.stock.costing import value_out
from posapp.services.stock.ledger import MAX_STOCK_QUANTITY, InsufficientStockError, ensure_levels

_LEVELS = cast(Table, StockLevel.__table__)
_MOVEMENTS = cast(Table, StockMovement.__table__)

_CHUNK = 256
"""Products per level read (the largest ``IN`` list: well under every driver's parameter limit)."""

_SELECT_LEVELS: dict[int, Prepared] = {}


def _select_levels(count: int) -> Prepared:
    """The levels of up to ``count`` products of one store, locked, in product id order.

    One statement per power of two (1, 2, 4 … :data:`_CHUNK` ids), built once: a shorter list
    repeats its last id, which ``IN`` ignores.
    """
    stmt = _SELECT_LEVELS.get(count)
    if stmt is None:
        ids: list[BindParameter[int]] = [bindparam(f"p{n}") for n in range(count)]
        stmt = _SELECT_LEVELS[count] = Prepared(
            select(
                _LEVELS.c.product_id,
                _LEVELS.c.on_hand,
                _LEVELS.c.reorder_point,
                _LEVELS.c.value_minor,
            )
            .where(_LEVELS.c.store_id == bindparam("s_id"), _LEVELS.c.product_id.in_(ids))
            .order_by(_LEVELS.c.product_id)
            .with_for_update()
        )
    return stmt


def _read_levels(
    uow: UnitOfWork, store_id: int, products: Sequence[int]
) -> dict[int, tuple[int, int, int]]:
    """``product id → (on_hand, reorder_point, value_minor)`` of the levels that exist."""
    conn = uow.session.connection()
    levels: dict[int, tuple[int, int, int]] = {}
    for start in range(0, len(products), _CHUNK):
        chunk = products[start : start + _CHUNK]
        size = 1 << (len(chunk) - 1).bit_length()
        params: dict[str, Any] = {f"p{n}": chunk[min(n, len(chunk) - 1)] for n in range(size)}
        params["s_id"] = store_id
        for product_id, on_hand, reorder_point, value in _select_levels(size).all(conn, params):
            levels[int(product_id)] = (int(on_hand), int(reorder_point), int(value))
    return levels


# The quantity and the value in one statement, on a row the read above has locked.
_TAKE = Prepared(
    update(_LEVELS)
    .where(_LEVELS.c.store_id == bindparam("s_id"), _LEVELS.c.product_id == bindparam("p_id"))
    .values(
        on_hand=_LEVELS.c.on_hand - bindparam("qty"),
        value_minor=_LEVELS.c.value_minor - bindparam("value"),
        changed_at=bindparam("now"),
    )
)
_INSERT_MOVEMENTS = Prepared(insert(_MOVEMENTS))
_SELECT_NAME = Prepared(select(Product.name).where(Product.id == bindparam("p_id")))


def take_stock(
    uow: UnitOfWork,
    *,
    store_id: int,
    quantities: Mapping[int, int],
    kind: MovementKind | str,
    batch_uuid: uuid.UUID,
    user_id: int | None,
    order_id: int | None = None,
    reference: str = "",
    below_zero: bool = False,
) -> dict[int, int]:
    """Take ``quantities`` (product id → units > 0) out of one store: the hot path of a sale.

    The same rows and events as :func:`~posapp.services.stock.ledger.move_stock` called for
    each product in id order: the level lowered and its value lowered by the units' share of it,
    one movement row with the signed quantity and value, :class:`StockMoved`, and
    :class:`StockLow` when the level crosses its reorder point.

    ``below_zero`` takes the units whatever the level holds: only for a sale taken offline and
    placed later (#21), whose goods have left the shop already; the caller reports each level it
    took below zero (a sync conflict). Every other caller keeps the guard.

    Returns:
        The value taken out per product (the cost of the goods, positive).

    Raises:
        ValidationError: a quantity that is not a positive whole number of units.
        InsufficientStockError: a product is short (nothing is written; the caller's
            transaction must roll back).
    """
    for quantity in quantities.values():
        if type(quantity) is not int or not 0 < quantity <= MAX_STOCK_QUANTITY:
            raise ValidationError(_("A quantity sold is a whole number of units above zero."))
    products = sorted(quantities)
    if below_zero:
        ensure_levels(uow, store_id, products)
    levels = _read_levels(uow, store_id, products)
    conn = uow.session.connection()
    for product_id in products:
        level = levels.get(product_id)
        if level is None or (not below_zero and level[0] < quantities[product_id]):
            found = _SELECT_NAME.one(conn, {"p_id": product_id})
            name = str(found[0]) if found is not None else f"product {product_id}"
            available = level[0] if level is not None else 0
            raise InsufficientStockError(product_id, name, available, quantities[product_id])
    now = uow.now()
    text_kind = str(kind)
    takes: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    taken: dict[int, int] = {}
    for product_id in products:
        quantity = quantities[product_id]
        before, reorder_point, value = levels[product_id]
        out = value_out(value, before, quantity)
        on_hand = before - quantity
        taken[product_id] = out
        takes.append(
            {"s_id": store_id, "p_id": product_id, "qty": quantity, "value": out, "now": now}
        )
        movements.append(
            {
                "store_id": store_id,
                "product_id": product_id,
                "kind": text_kind,
                "quantity": -quantity,
                "batch_uuid": batch_uuid,
                "reason": "",
                "reference": reference,
                "order_id": order_id,
                "user_id": user_id,
                "created_at": now,
                "value_minor": -out,
            }
        )
        uow.record(StockMoved(store_id, product_id, text_kind, -quantity, now))
        if reorder_point > 0 and before > reorder_point >= on_hand:
            uow.record(StockLow(store_id, product_id, on_hand, reorder_point, now))
    _TAKE.many(conn, takes)
    _INSERT_MOVEMENTS.many(conn, movements)
    return taken
