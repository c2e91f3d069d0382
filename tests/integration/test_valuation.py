"""What the stock is worth and what sales earned (#20), on SQLite and PostgreSQL.

Cost moves with the stock: receipts at two costs average in, a transfer carries the source's
cost, a sale fixes its cost of goods on the line, a return puts it back; nothing drifts (the
levels' values equal the movements' values, and an emptied level is worth exactly 0). The
valuation adds up to Σ on hand × unit cost, and the margin reconciles with the sales total.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from posapp.models import OrderLine, StockLevel, StockMovement
from posapp.money import div_round
from posapp.reports.purchasing import purchase_order_pdf
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.purchasing import PurchaseLineInput, ReceiveLine
from posapp.services.sales import SalesReport, checkout, returns
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from posapp.services.sales.pricing import Discount
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from posapp.services.stock import (
    AdjustReason,
    CountLine,
    InventoryValuation,
    StockLine,
    inventory_valuation,
)
from posapp.services.stock.ledger import InsufficientStockError
from tests.checkout_seed import Item, Shop, add_coupon, open_shop_till, seed_shop
from tests.integration.purchasing_support import build_purchasing
from tests.unit.stock_support import World, build_world

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "stock.valuation.inventory_valuation": lambda uow, a, s: _valuation_or_none(uow, a),
}


def _valuation_or_none(uow: UnitOfWork, actor: UserDTO) -> object:
    # The permission is checked before the store is looked up: reaching "no such store" means
    # the actor was allowed.
    try:
        return inventory_valuation(uow, actor, "NOPE")
    except NotFoundError:
        return None


@pytest.fixture
def world(backend: Backend) -> World:
    return build_world(backend)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_valuation_permission_matrix(world: World, role: str) -> None:
    actor = world.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            call(world.backend.uow(), actor, world.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(world.backend.uow(), actor, world.staff)
    assert {n for n in ACTIONS if n.startswith("stock.valuation.")} == set(ACTION_CALLS)


def _level(b: Backend, store: int, product: int) -> tuple[int, int]:
    with b.read_uow() as uow:
        level = uow.session.get(StockLevel, (store, product))
        return (0, 0) if level is None else (int(level.on_hand), int(level.value_minor))


def _assert_no_drift(b: Backend) -> None:
    """Every level is worth what its movements brought in less what they took out."""
    with b.read_uow() as uow:
        moved = {
            (int(s), int(p)): int(v)
            for s, p, v in uow.session.execute(
                sa.select(
                    StockMovement.store_id,
                    StockMovement.product_id,
                    sa.func.sum(StockMovement.value_minor),
                ).group_by(StockMovement.store_id, StockMovement.product_id)
            )
        }
        levels = uow.session.execute(
            sa.select(
                StockLevel.store_id,
                StockLevel.product_id,
                StockLevel.on_hand,
                StockLevel.value_minor,
            )
        ).all()
    for store, product, on_hand, value in levels:
        assert value == moved.get((store, product), 0), (store, product)
        assert value >= 0
        if on_hand == 0:
            assert value == 0, (store, product)


def _receive(w: World, store: int, product: int, qty: int, cost: int | None) -> None:
    w.backend.stock.receive_stock(
        w.manager, store, [StockLine(product, qty, cost)], reference=f"INV-{uuid.uuid4().hex[:6]}"
    )


def _take(w: World, store: int, product: int, qty: int) -> None:
    w.backend.stock.adjust_stock(w.manager, store, product, -qty, AdjustReason.DAMAGE)


# -- cost moving with the stock --------------------------------------------------------------


def test_receipts_at_two_costs_average_and_units_leave_without_drift(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.apple, 3, 100)
    _receive(w, w.shop, w.apple, 2, 101)
    assert _level(b, w.shop, w.apple) == (5, 502)  # 100.40 a unit: kept as value + quantity
    (line,) = [x for c in _valuation(b, w, "HS01").categories for x in c.lines]
    assert (line.on_hand, line.unit_cost_minor, line.value_minor) == (5, 100, 502)
    # One at a time: each leaves at its exact share, rounded once; the last takes the rest.
    left = []
    for _ in range(5):
        _take(w, w.shop, w.apple, 1)
        left.append(_level(b, w.shop, w.apple)[1])
    assert left == [402, 302, 201, 101, 0]  # 100, 100 (100.5 half-even), 101, 100, 101
    _assert_no_drift(b)


def test_receipt_without_cost_comes_in_at_the_average_or_the_products_cost(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 4, None)  # empty level: the product's cost (90)
    assert _level(b, w.shop, w.pear) == (4, 360)
    _receive(w, w.shop, w.pear, 4, 110)
    _receive(w, w.shop, w.pear, 2, None)  # at the average 100
    assert _level(b, w.shop, w.pear) == (10, 1000)
    w.backend.stock.count_stock(w.manager, w.shop, [_count(w.pear, 12)])  # found 2: at average
    assert _level(b, w.shop, w.pear) == (12, 1200)
    w.backend.stock.count_stock(w.manager, w.shop, [_count(w.pear, 9)])  # lost 3: their share
    assert _level(b, w.shop, w.pear) == (9, 900)
    _assert_no_drift(b)


def _count(product: int, counted: int) -> CountLine:
    return CountLine(product, counted)


def test_a_transfer_carries_the_sending_stores_cost(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.warehouse, w.apple, 10, 50)
    _receive(w, w.shop, w.apple, 10, 70)
    b.stock.transfer_stock(w.manager, w.warehouse, w.shop, [StockLine(w.apple, 4)])
    assert _level(b, w.warehouse, w.apple) == (6, 300)
    assert _level(b, w.shop, w.apple) == (14, 900)  # 700 + 4 × 50: the shop's average is 64.29
    with b.read_uow() as uow:
        values = sorted(
            (m.kind, m.value_minor)
            for m in uow.session.scalars(
                sa.select(StockMovement).where(StockMovement.kind.like("transfer%"))
            )
        )
    assert values == [("transfer_in", 200), ("transfer_out", -200)]
    with pytest.raises(ValidationError, match="sending store's cost"):
        b.stock.transfer_stock(w.manager, w.shop, w.warehouse, [StockLine(w.apple, 1, 10)])
    _assert_no_drift(b)


def test_bad_unit_costs_are_refused_and_nothing_is_written(world: World) -> None:
    w, b = world, world.backend
    for bad in (-1, 1.5, True, 10**13):
        with pytest.raises(ValidationError, match="unit cost"):
            _receive(w, w.shop, w.apple, 1, bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="every line of a product, or on none"):
        b.stock.receive_stock(
            w.manager, w.shop, [StockLine(w.apple, 1, 5), StockLine(w.apple, 1)], reference="X"
        )
    assert _level(b, w.shop, w.apple) == (0, 0)


def test_weighed_goods_are_costed_per_kg(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.cheese, 455, 1990)  # 0.455 kg at 19.90/kg = 9.0545 → 9.05
    assert _level(b, w.shop, w.cheese) == (455, 905)
    (line,) = [x for c in _valuation(b, w, "HS01").categories for x in c.lines]
    assert line.unit_cost_minor == 1989  # per kg, from the rounded value: 905 / 0.455
    _assert_no_drift(b)


def test_purchase_order_receipts_take_the_lines_cost_into_the_stores_value(
    backend: Backend,
) -> None:
    p = build_purchasing(backend)
    w = p.world
    order = backend.purchasing.create_purchase_order(
        w.manager, p.supplier, w.shop, [PurchaseLineInput(w.pear, 10, cost_minor=80)]
    )
    backend.purchasing.send_purchase_order(w.manager, order.id, purchase_order_pdf)
    line = order.lines[0].id
    backend.purchasing.receive_purchase_order(w.manager, order.id, [ReceiveLine(line, 4)])
    assert _level(backend, w.shop, w.pear) == (4, 320)
    _assert_no_drift(backend)


# -- the valuation ---------------------------------------------------------------------------


def _valuation(b: Backend, w: World, code: str) -> InventoryValuation:
    return b.stock.inventory_valuation(w.manager, code)


def test_inventory_value_is_the_sum_of_on_hand_times_unit_cost(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 6, 90)
    _receive(w, w.shop, w.apple, 4, 55)
    _receive(w, w.shop, w.cola, 12, 70)
    _receive(w, w.shop, w.cola, 12, 80)
    _receive(w, w.market, w.pear, 5, 999)  # another store: not in this report
    report = _valuation(b, w, " hs01 ")
    assert (report.store_code, report.store_name) == ("HS01", "Harbour Street")
    assert [c.name for c in report.categories] == ["Drinks", "Fruit"]
    lines = [line for c in report.categories for line in c.lines]
    assert [line.name for line in lines] == ["Cola 50% off_", "Apple", "Pear"]
    assert sum(line.on_hand * line.unit_cost_minor for line in lines) == report.value_minor
    assert report.value_minor == 6 * 90 + 4 * 55 + 24 * 75
    with b.read_uow() as uow:
        stored = uow.session.scalar(
            sa.select(sa.func.sum(StockLevel.value_minor)).where(StockLevel.store_id == w.shop)
        )
    assert report.value_minor == stored
    assert report.categories[0].value_minor == 24 * 75


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "by its code"),
        ("   ", "by its code"),
        ("ZZ99", "No store with code 'ZZ99'"),
        ("A\x00B", "No store with code"),
        ("X" * 300, "No store with code"),
    ],
)
def test_unknown_store_codes_are_refused(world: World, code: str, message: str) -> None:
    with pytest.raises((ValidationError, NotFoundError), match=message):
        _valuation(world.backend, world, code)


# -- margins ---------------------------------------------------------------------------------

ITEMS = (
    Item("coffee", "BEV-010", "5012345678900", "Coffee beans", "Drinks", 1299, 2000, True, 0),
    Item("mug", "HOM-100", "5012345678924", "Enamel mug", "Home", 850, 2000, False, 0),
)


def _sell(b: Backend, shop: Shop, lines: tuple[DraftLine, ...], coupons: tuple[str, ...]) -> int:
    placed = checkout.place_order(
        b.uow(), shop.cashier, SaleDraft(uuid.uuid4(), lines, coupon_codes=coupons)
    )
    cash = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, placed.total_minor, placed.total_minor)
    checkout.pay_order(b.uow(), shop.cashier, placed.order_id, (cash,))
    return placed.order_id


def _summary(b: Backend, shop: Shop) -> SalesReport:
    today = datetime.now(UTC).date()  # a day either side: a test running over midnight
    return b.sales.sales_summary(shop.manager, today - timedelta(days=1), today + timedelta(days=1))


def _line_costs(b: Backend, order_id: int) -> list[int]:
    with b.read_uow() as uow:
        return list(
            uow.session.scalars(
                sa.select(OrderLine.cost_minor)
                .where(OrderLine.order_id == order_id)
                .order_by(OrderLine.line_no)
            )
        )


def test_margin_reconciles_with_sales_discounts_coupons_and_a_return(backend: Backend) -> None:
    b = backend
    shop = seed_shop(b, items=ITEMS)
    open_shop_till(b, shop)
    coffee, mug = shop.products["coffee"], shop.products["mug"]
    b.stock.receive_stock(shop.manager, shop.store_id, [StockLine(coffee, 10, 600)], reference="A")
    b.stock.receive_stock(shop.manager, shop.store_id, [StockLine(coffee, 10, 650)], reference="B")
    b.stock.receive_stock(shop.manager, shop.store_id, [StockLine(mug, 5, 300)], reference="C")
    add_coupon(b, "TEN-OFF", percent_bp=1000)
    first = _sell(
        b,
        shop,
        (DraftLine(1, coffee, 3, discount=Discount.percent(500)), DraftLine(2, mug, 2)),
        ("TEN-OFF",),
    )
    second = _sell(b, shop, (DraftLine(1, coffee, 1),), ())
    # 3 of 20 coffees worth 12,500 take 1,875; 2 of 5 mugs take 600; then 1 of 17 worth 10,625.
    assert _line_costs(b, first) == [1875, 600]
    assert _line_costs(b, second) == [625]
    detail = b.sales.order_detail(shop.manager, first)
    request = ReturnRequest(
        uuid.uuid4(),
        first,
        (
            ReturnLineRequest(detail.lines[0].id, 1),  # back on the shelf: its cost comes back
            ReturnLineRequest(detail.lines[1].id, 1, restock=False),  # broken: cost stays sold
        ),
    )
    returns.return_items(b.uow(), shop.cashier, request)
    assert _level(b, shop.store_id, coffee) == (17, 10625)
    assert _level(b, shop.store_id, mug) == (3, 900)

    report = _summary(b, shop)
    margin = report.margin
    assert margin is not None
    total = margin.total
    assert total.cost_minor == 1875 + 600 + 625 - 625
    # Σ sales kept = the orders' totals less what their returns refunded, to the minor unit.
    assert total.sales_minor == report.sales_minor - report.refunds_minor
    assert total.revenue_minor == total.sales_minor - total.tax_minor
    assert total.margin_minor == total.revenue_minor - total.cost_minor
    assert total.quantity == 3 + 2 + 1 - 2
    for grouping in (margin.days, margin.categories, margin.cashiers, margin.products):
        for field in ("quantity", "sales_minor", "tax_minor", "cost_minor"):
            assert sum(getattr(row, field) for row in grouping) == getattr(total, field)
    by_product = {row.key: row for row in margin.products}
    assert by_product["BEV-010"].cost_minor == 1875 + 625 - 625
    assert by_product["HOM-100"].cost_minor == 600
    assert {row.label for row in margin.categories} == {"Drinks", "Home"}
    assert [row.label for row in margin.cashiers] == ["Sam Carter"]
    # The tax kept is the lines' tax less the returned shares, independently recomputed.
    with b.read_uow() as uow:
        lines = uow.session.execute(
            sa.select(OrderLine.quantity, OrderLine.returned_qty, OrderLine.tax_minor)
        ).all()
    assert total.tax_minor == sum(t - div_round(t * r, q) for q, r, t in lines)

    # Costs moving later never change what a sale earned.
    b.stock.receive_stock(shop.manager, shop.store_id, [StockLine(coffee, 5, 5000)], reference="D")
    assert _summary(b, shop).margin == margin
    _assert_no_drift(b)


def test_cancelling_a_sale_puts_its_cost_back(backend: Backend) -> None:
    b = backend
    shop = seed_shop(b, items=ITEMS)
    open_shop_till(b, shop)
    coffee = shop.products["coffee"]
    b.stock.receive_stock(shop.manager, shop.store_id, [StockLine(coffee, 3, 700)], reference="A")
    placed = checkout.place_order(
        b.uow(), shop.cashier, SaleDraft(uuid.uuid4(), (DraftLine(1, coffee, 2),))
    )
    assert _level(b, shop.store_id, coffee) == (1, 700)
    b.sales.cancel_order(shop.manager, placed.order_id, "customer left")
    assert _level(b, shop.store_id, coffee) == (3, 2100)
    assert _summary(b, shop).margin.total.cost_minor == 0  # type: ignore[union-attr]
    _assert_no_drift(b)


def test_random_receipts_sales_and_transfers_never_drift(world: World) -> None:
    """A seeded walk of receipts at odd costs, write-offs and transfers both ways."""
    w, b = world, world.backend
    rng = random.Random(20)
    stores = (w.shop, w.warehouse)
    for _ in range(30):
        store = rng.choice(stores)
        on_hand = _level(b, store, w.apple)[0]
        step = rng.random()
        if on_hand == 0 or step < 0.4:
            _receive(w, store, w.apple, rng.randint(1, 7), rng.choice((None, 33, 97, 101)))
        elif step < 0.7:
            _take(w, store, w.apple, rng.randint(1, on_hand))
        else:
            other = stores[1 - stores.index(store)]
            b.stock.transfer_stock(
                w.manager, store, other, [StockLine(w.apple, rng.randint(1, on_hand))]
            )
    _assert_no_drift(b)
    for store in stores:  # empty both: exactly nothing left of the value
        on_hand = _level(b, store, w.apple)[0]
        if on_hand:
            _take(w, store, w.apple, on_hand)
        assert _level(b, store, w.apple) == (0, 0)


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_racing_receipts_transfers_and_write_offs_lose_no_value(world: World) -> None:
    """Four workers at once: each level's value stays the sum of its movements' (no lost update).

    A value is moved by a second statement on the row the quantity's statement locked; a lost
    update would leave a level worth something else than its ledger says.
    """
    w, b = world, world.backend
    stores = (w.shop, w.market, w.warehouse)
    for store in stores:
        b.stock.receive_stock(
            w.manager, store, [StockLine(w.pear, 40, 90), StockLine(w.apple, 40, 55)], reference="O"
        )
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(40):
            source, dest = rng.sample(stores, 2)
            product = rng.choice((w.pear, w.apple))
            try:
                step = rng.random()
                if step < 0.5:
                    b.stock.transfer_stock(
                        w.manager, source, dest, [StockLine(product, rng.randint(1, 6))]
                    )
                elif step < 0.75:
                    _receive(w, source, product, rng.randint(1, 4), rng.choice((61, 89, 97)))
                else:
                    _take(w, source, product, rng.randint(1, 3))
            except InsufficientStockError:
                pass
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert errors == []
    _assert_no_drift(b)
