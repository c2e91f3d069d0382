"""The demo's stock: opening deliveries, reorder points, weekly deliveries and replenishment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial

from posapp.demo.shop import Shop
from posapp.services.stock import (
    StockLine,
    StockResult,
    receive_stock,
    replenishment_list,
    set_reorder_levels,
    transfer_stock,
)

_P_LOW_START = 0.1
_WAREHOUSE_POINT, _WAREHOUSE_QTY = 60, 240
_REPLENISH_WEEKDAY = 0  # Monday, before opening


def schedule_stock(shop: Shop, days: Sequence[date]) -> None:
    """Plan the opening deliveries (the day before the first sales) and the weekly restocking."""
    eve = shop.first_day - timedelta(days=1)
    locations = [*(s.id for s in shop.storefronts), shop.warehouse_id]
    for n, store_id in enumerate(locations):
        shop.timeline.at(shop.local(eve, 10, 30 * n), partial(_open_stock, shop, store_id, n))
    shop.timeline.at(shop.local(eve, 12), partial(_set_reorder_points, shop))
    deliveries = 0
    for day in days[1:]:
        if day.weekday() != _REPLENISH_WEEKDAY:
            continue
        deliveries += 1
        reference = f"PO-{1100 + deliveries}"
        shop.timeline.at(shop.local(day, 6, 30), partial(_weekly_delivery, shop, reference))
        for n, store in enumerate(shop.storefronts):
            shop.timeline.at(shop.local(day, 7, 10 * n), partial(_replenish, shop, store.id))


def _open_stock(shop: Shop, store_id: int, n: int) -> None:
    """A location's first delivery: a store gets every product, the warehouse the best sellers."""
    rng = shop.rng
    warehouse = store_id == shop.warehouse_id
    lines = []
    for item in shop.items:
        if warehouse and not item.tracked:
            continue
        if warehouse:
            quantity = rng.randint(150, 400)
        elif item.tracked and rng.random() < _P_LOW_START:
            quantity = rng.randint(8, 20)
        else:
            quantity = rng.randint(30, 90)
        lines.append(StockLine(item.product.id, quantity))
    result = receive_stock(
        shop.uow(),
        shop.manager,
        store_id,
        lines,
        reference=f"PO-{1001 + n}",
        note="Opening stock",
        request_id=shop.new_uuid(),
    )
    _remember(shop, result)


def _set_reorder_points(shop: Shop) -> None:
    """The manager sets reorder points on the best sellers (the others sell slowly)."""
    rng = shop.rng
    for item in shop.items:
        if not item.tracked:
            continue
        for store in shop.storefronts:
            point, quantity = rng.randint(6, 15), rng.choice((24, 36, 48))
            set_reorder_levels(shop.uow(), shop.manager, store.id, item.product.id, point, quantity)
        set_reorder_levels(
            shop.uow(),
            shop.manager,
            shop.warehouse_id,
            item.product.id,
            _WAREHOUSE_POINT,
            _WAREHOUSE_QTY,
        )


def _weekly_delivery(shop: Shop, reference: str) -> None:
    """The warehouse receives from the supplier what its replenishment list suggests."""
    plan = replenishment_list(shop.read_uow(), shop.manager, shop.warehouse_id)
    lines = [StockLine(line.product_id, line.suggested) for line in plan.lines]
    if lines:
        result = receive_stock(
            shop.uow(),
            shop.manager,
            shop.warehouse_id,
            lines,
            reference=reference,
            note="Weekly delivery",
            request_id=shop.new_uuid(),
        )
        _remember(shop, result)


def _replenish(shop: Shop, store_id: int) -> None:
    """A storefront's low lines come from the warehouse, as far as the warehouse has them."""
    plan = replenishment_list(shop.read_uow(), shop.manager, store_id)
    lines = []
    for line in plan.lines:
        quantity = min(line.suggested, shop.on_hand.get((shop.warehouse_id, line.product_id), 0))
        if quantity > 0:
            lines.append(StockLine(line.product_id, quantity))
    if lines:
        result = transfer_stock(
            shop.uow(),
            shop.manager,
            shop.warehouse_id,
            store_id,
            lines,
            note="Weekly replenishment",
            request_id=shop.new_uuid(),
        )
        _remember(shop, result)


def _remember(shop: Shop, result: StockResult) -> None:
    """Note the levels an action left, so baskets only pick what is on the shelf."""
    for level in result.levels:
        shop.on_hand[level.store_id, level.product_id] = level.on_hand
