"""Stores tab reads on SQLite and PostgreSQL: filters, cards, history pages, replenishment."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from posapp.services.backend import Backend
from posapp.services.stock import actions as stock
from posapp.services.stock import queries as q
from posapp.services.stock.dto import (
    AdjustReason,
    CountLine,
    Cursor,
    MovementRow,
    StockFilter,
    StockLine,
    suggested_quantity,
)
from tests.unit.stock_support import World, build_world, png_bytes


@pytest.fixture
def world(backend: Backend) -> World:
    w = build_world(backend)
    b = w.backend
    lines = [StockLine(w.pear, 3), StockLine(w.apple, 40), StockLine(w.cola, 12)]
    stock.receive_stock(b.uow(), w.manager, w.shop, lines, reference="INV-7")
    stock.receive_stock(b.uow(), w.manager, w.warehouse, [StockLine(w.pear, 200)], reference="P")
    stock.receive_stock(b.uow(), w.manager, w.market, [StockLine(w.pear, 50)], reference="P")
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.pear, 5, 24)  # low: 3 <= 5
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.cola, 12, 6)  # low: at the point
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.apple, 10, 20)  # fine
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.cheese, 1000, 5000)  # 0 g: low
    return w


def _names(w: World, ids: list[int]) -> list[str]:
    return [r.name for r in q.stock_rows(w.backend.uow(), w.cashier, w.shop, ids)]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (StockFilter(), ["Apple", "Cheddar", "Cola 50% off_", "Pear"]),
        (StockFilter(low_only=True), ["Cheddar", "Cola 50% off_", "Pear"]),
        (StockFilter(category_id=-1), []),
        (StockFilter(search="PE"), ["Pear"]),
        (StockFilter(search="fr-app"), ["Apple"]),
        (StockFilter(search="4006381333931"), ["Pear"]),
        (StockFilter(search="400638133393"), []),  # barcodes match exactly only
        (StockFilter(search="%"), ["Cola 50% off_"]),  # a literal percent sign
        (StockFilter(search="_"), ["Cola 50% off_"]),
        (StockFilter(search="' OR 1=1--"), []),
    ],
)
def test_stock_table_filters(world: World, flt: StockFilter, expected: list[str]) -> None:
    ids = q.stock_level_ids(world.backend.uow(), world.cashier, world.shop, flt)
    assert _names(world, ids) == expected


def test_category_filter_includes_subcategories(world: World) -> None:
    w = world
    food = q.stock_level_ids(w.backend.uow(), w.cashier, w.shop, StockFilter(category_id=w.food))
    assert _names(w, food) == ["Apple", "Cheddar", "Pear"]
    fruit = StockFilter(category_id=w.fruit, low_only=True)
    assert _names(w, q.stock_level_ids(w.backend.uow(), w.cashier, w.shop, fruit)) == ["Pear"]
    tree = q.categories(w.backend.uow(), w.cashier)
    assert [(c.path, c.depth) for c in tree] == [("Drinks", 0), ("Food", 0), ("Food › Fruit", 1)]


def test_stock_rows_keep_the_order_and_status(world: World) -> None:
    w = world
    rows = q.stock_rows(w.backend.uow(), w.cashier, w.shop, [w.pear, w.apple, 987_654, w.cheese])
    assert [(r.name, r.on_hand, r.status, r.category) for r in rows] == [
        ("Pear", 3, "Low", "Food › Fruit"),
        ("Apple", 40, "OK", "Food › Fruit"),
        ("Cheddar", 0, "Out", "Food"),
    ]
    assert rows[0].reorder_point == 5
    assert rows[0].changed_at is not None


def test_product_cards(world: World) -> None:
    w = world
    ids = q.product_card_ids(w.backend.uow(), w.cashier, w.market)
    cards = q.product_cards(w.backend.uow(), w.cashier, w.market, ids)
    assert [c.name for c in cards] == ["Apple", "Cheddar", "Cola 50% off_", "Pear"]  # no Quince
    pear = cards[-1]
    assert pear.thumbnail == png_bytes("green", 16)
    assert pear.availability == "50 in stock"
    assert cards[0].availability == "Out of stock"
    shop_cards = q.product_cards(w.backend.uow(), w.cashier, w.shop, [w.pear])
    assert shop_cards[0].availability == "Low: 3 left"
    fruit = q.product_card_ids(w.backend.uow(), w.cashier, w.shop, StockFilter(category_id=w.fruit))
    assert fruit == [w.apple, w.pear]


def test_find_products_puts_exact_matches_first(world: World) -> None:
    w = world
    picks = q.find_products(w.backend.uow(), w.cashier, "fr-pear", store_id=w.shop)
    assert [(p.name, p.on_hand) for p in picks] == [("Pear", 3)]
    # One or two letters: names starting with them (the catalog index); three or more: anywhere.
    assert [p.name for p in q.find_products(w.backend.uow(), w.cashier, "a")] == ["Apple"]
    assert [p.name for p in q.find_products(w.backend.uow(), w.cashier, "EDD")] == ["Cheddar"]
    assert [p.name for p in q.find_products(w.backend.uow(), w.cashier, "fr-")] == [
        "Apple",
        "Pear",
        "Quince",  # a product the shop has never stocked can still be received
    ]
    assert q.find_products(w.backend.uow(), w.cashier, "   ") == []
    assert q.find_products(w.backend.uow(), w.cashier, "\x00\x01") == []


def test_movement_history_pages_and_balances(world: World) -> None:
    w, b = world, world.backend
    fixed = datetime.now(UTC) + timedelta(days=1)
    b.clock = lambda: fixed  # every movement at the same instant: the id breaks the tie
    for _ in range(25):
        stock.adjust_stock(b.uow(), w.manager, w.shop, w.apple, -1, AdjustReason.DAMAGE)
    b.clock = lambda: fixed + timedelta(seconds=1)
    stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.apple, 10)], note="Aisle 3")
    rows: list[MovementRow] = []
    cursor: Cursor | None = None
    while True:
        page = q.movement_history(b.uow(), w.cashier, w.shop, w.apple, before=cursor, limit=7)
        rows.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(rows) == 27
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    assert rows[0].kind_label == "Stocktake"
    assert (rows[0].quantity, rows[0].balance, rows[0].why) == (-5, 10, "Aisle 3")
    assert rows[1].balance == 15
    assert rows[1].why == "Damage"
    assert rows[1].user_name == "Max Manager"
    assert rows[-1].kind == "receive"
    assert (rows[-1].balance, rows[-1].reference) == (40, "INV-7")
    for newer, older in itertools.pairwise(rows):
        assert newer.balance - newer.quantity == older.balance


def test_replenishment_list(world: World) -> None:
    w = world
    plan = q.replenishment_list(w.backend.uow(), w.cashier, w.shop)
    assert plan.store.name == "Harbour Street"
    got = [(x.name, x.on_hand, x.reorder_point, x.suggested, x.elsewhere) for x in plan.lines]
    assert got == [
        ("Cola 50% off_", 12, 12, 6, 0),
        ("Cheddar", 0, 1000, 6000, 0),
        ("Pear", 3, 5, 26, 200),  # the warehouse has 200; Market Square is not a warehouse
    ]
    assert plan.total_cost_minor == 6 * 90 + 6 * 90 + 26 * 90


@pytest.mark.parametrize(
    ("on_hand", "point", "qty", "expected"),
    [(3, 5, 24, 26), (5, 5, 24, 24), (0, 10, 5, 15), (2, 2, 0, 1), (0, 1, 0, 1)],
)
def test_suggested_quantity(on_hand: int, point: int, qty: int, expected: int) -> None:
    assert suggested_quantity(on_hand, point, qty) == expected
