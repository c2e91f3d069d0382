"""Stock actions on SQLite and PostgreSQL: the ledger, bad inputs, StockLow, permissions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from posapp.events import RecordingPublisher, StockLow, StockMoved
from posapp.i18n import N_
from posapp.models import AuditEntry, MovementKind, StockMovement
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import users
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS, SessionEndedError
from posapp.services.stock import actions as stock
from posapp.services.stock import queries as q
from posapp.services.stock import stores
from posapp.services.stock.dto import (
    MAX_QUANTITY,
    AdjustReason,
    CountLine,
    StockLine,
    StoreInput,
)
from posapp.services.stock.ledger import MAX_STOCK_QUANTITY, InsufficientStockError, move_stock
from tests.unit.stock_support import (
    World,
    build_world,
    ledger_sum,
    level_snapshot,
    movement_count,
    on_hand,
    raw_move,
)


@pytest.fixture
def world(backend: Backend) -> World:
    return build_world(backend)


def _receive(w: World, store: int, product: int, qty: int, ref: str = "INV-1") -> int:
    result = stock.receive_stock(
        w.backend.uow(), w.manager, store, [StockLine(product, qty)], reference=ref
    )
    level = result.on_hand(store, product)
    assert level is not None
    return level


def _assert_ledger(w: World) -> None:
    assert stock.ledger_mismatches(w.backend.read_uow()) == []
    for store, product, qty, _, _ in level_snapshot(w.backend):
        assert qty == ledger_sum(w.backend, store, product)
        assert qty >= 0


# -- the ledger is the truth ------------------------------------------------------------------


def test_on_hand_equals_ledger_after_every_kind_of_movement(world: World) -> None:
    w, b = world, world.backend
    seen: set[str] = set()

    def check(kind: str) -> None:
        seen.add(kind)
        _assert_ledger(w)

    _receive(w, w.shop, w.pear, 40)
    check("receive")
    stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, -3, AdjustReason.DAMAGE)
    stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, 2, "correction", note="found")
    check("adjust")
    stock.transfer_stock(b.uow(), w.manager, w.shop, w.warehouse, [StockLine(w.pear, 10)])
    check("transfer_out")
    check("transfer_in")
    stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 25)])
    check("count")
    raw_move(b, w.shop, w.pear, -5, MovementKind.SALE)
    check("sale")
    raw_move(b, w.shop, w.pear, 1, MovementKind.RETURN)
    check("return")
    assert seen == {k.value for k in MovementKind}
    assert on_hand(b, w.shop, w.pear) == 21
    assert on_hand(b, w.warehouse, w.pear) == 10


def test_receive_records_who_when_why(world: World, publisher: RecordingPublisher) -> None:
    w = world
    publisher.events.clear()
    result = stock.receive_stock(
        w.backend.uow(),
        w.manager,
        w.shop,
        [StockLine(w.pear, 5), StockLine(w.apple, 7), StockLine(w.pear, 3)],
        reference="  ACME INV-20931 ",
        note="Morning delivery",
    )
    assert result.movements == 2
    assert result.on_hand(w.shop, w.pear) == 8
    with w.backend.read_uow() as uow:
        rows = uow.session.scalars(sa.select(StockMovement).order_by(StockMovement.id)).all()
        assert [(m.product_id, m.quantity, m.kind) for m in rows] == [
            (w.pear, 8, "receive"),
            (w.apple, 7, "receive"),
        ]
        assert {m.reference for m in rows} == {"ACME INV-20931"}
        assert {m.reason for m in rows} == {"Morning delivery"}
        assert {m.user_id for m in rows} == {w.manager.id}
        assert {m.batch_uuid for m in rows} == {result.batch_uuid}
        assert all(m.created_at.tzinfo is not None for m in rows)
    moved = [e for e in publisher.events if isinstance(e, StockMoved)]
    assert [(e.product_id, e.quantity) for e in moved] == [(w.pear, 8), (w.apple, 7)]


def test_a_delivery_in_bulk_writes_what_move_stock_writes(
    world: World, publisher: RecordingPublisher
) -> None:
    """receive_stock books in bulk (issue #23): the same rows and events as move_stock's."""
    w, b = world, world.backend
    _receive(w, w.shop, w.apple, 4)  # one level exists already, the others are made
    _receive(w, w.market, w.apple, 4)
    lines = [StockLine(w.cheese, 2), StockLine(w.apple, 5), StockLine(w.pear, 9)]
    publisher.events.clear()
    bulk = stock.receive_stock(b.uow(), w.manager, w.shop, lines, reference="DN-7", note="n")
    bulk_events = list(publisher.events)
    publisher.events.clear()
    batch = uuid.uuid4()
    with b.uow() as uow:
        manager_id = w.manager.id
        for line in sorted(lines, key=lambda line: line.product_id):
            move_stock(
                uow,
                store_id=w.market,
                product_id=line.product_id,
                quantity=line.quantity,
                kind=MovementKind.RECEIVE,
                batch_uuid=batch,
                user_id=manager_id,
                reason="n",
                reference="DN-7",
            )
        uow.commit()
    single_events = list(publisher.events)

    def rows(store: int, batch_uuid: uuid.UUID) -> list[tuple[object, ...]]:
        with b.read_uow() as uow:
            found = uow.session.scalars(
                sa.select(StockMovement)
                .where(StockMovement.store_id == store, StockMovement.batch_uuid == batch_uuid)
                .order_by(StockMovement.id)
            ).all()
            return [
                (m.product_id, m.kind, m.quantity, m.reason, m.reference, m.order_id, m.user_id)
                for m in found
            ]

    assert rows(w.shop, bulk.batch_uuid) == rows(w.market, batch)
    assert [(lv.product_id, lv.on_hand) for lv in bulk.levels] == sorted(
        (line.product_id, line.quantity + (4 if line.product_id == w.apple else 0))
        for line in lines
    )
    levels = {(row[0], row[1]): row[2:] for row in level_snapshot(b)}
    for line in lines:
        assert levels[(w.shop, line.product_id)] == levels[(w.market, line.product_id)]
    assert [type(e) for e in bulk_events] == [type(e) for e in single_events]
    assert [
        (e.product_id, e.quantity, e.kind) for e in bulk_events if isinstance(e, StockMoved)
    ] == [(e.product_id, e.quantity, e.kind) for e in single_events if isinstance(e, StockMoved)]
    _assert_ledger(w)


def test_a_delivery_has_at_most_10000_products(world: World) -> None:
    lines = [StockLine(product_id, 1) for product_id in range(1, 10_002)]
    with pytest.raises(ValidationError, match="At most 10,000 products"):
        stock.receive_stock(world.backend.uow(), world.manager, world.shop, lines, reference="X")


# -- bad inputs: a clear message and nothing written -------------------------------------------


BAD_QUANTITIES = [0, -1, 1.5, True, 2**31, 2**63, 10**12]


@pytest.mark.parametrize("qty", BAD_QUANTITIES)
def test_bad_quantities_write_nothing(
    world: World, qty: Any, publisher: RecordingPublisher
) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 10)
    before, count = level_snapshot(b), movement_count(b)
    publisher.events.clear()
    calls: list[Callable[[], object]] = [
        lambda: stock.receive_stock(
            b.uow(),
            w.manager,
            w.shop,
            [StockLine(w.pear, qty)],
            reference="R",
        ),
        lambda: stock.transfer_stock(
            b.uow(),
            w.manager,
            w.shop,
            w.market,
            [StockLine(w.pear, qty)],
        ),
        lambda: stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, qty)]),
        lambda: stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.pear, qty, 1),
    ]
    if qty != -1:  # -1 is a valid downward adjustment
        calls.append(
            lambda: stock.adjust_stock(
                b.uow(),
                w.manager,
                w.shop,
                w.pear,
                qty,
                AdjustReason.CORRECTION,
            )
        )
    for call in calls:
        if qty == 0 and call is calls[2]:
            continue  # counting zero on the shelf is valid (tested below)
        if qty == 0 and call is calls[3]:
            continue  # a reorder point of zero switches alerts off
        with pytest.raises(ValidationError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message
        assert any(
            word in message for word in ("whole numbers", "above zero", "at most", "other than")
        ), message
    assert level_snapshot(b) == before
    assert movement_count(b) == count
    assert publisher.events == []


def test_max_quantity_matches_the_core() -> None:
    assert MAX_QUANTITY == MAX_STOCK_QUANTITY


def test_largest_quantity_is_accepted(world: World) -> None:
    assert _receive(world, world.warehouse, world.apple, MAX_QUANTITY) == MAX_QUANTITY


def test_adjustment_below_on_hand_is_refused(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 6)
    count = movement_count(b)
    with pytest.raises(InsufficientStockError, match="Not enough stock of Pear: 6 left, 7 needed"):
        stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, -7, AdjustReason.THEFT)
    assert movement_count(b) == count
    assert on_hand(b, w.shop, w.pear) == 6


@pytest.mark.parametrize(
    ("reason", "note", "qty", "message"),
    [
        ("", "", -1, "Choose a reason"),
        ("   ", "", -1, "Choose a reason"),
        ("lost", "", -1, "Choose a reason"),
        (AdjustReason.OTHER, "", -1, "Say what happened"),
        (AdjustReason.OTHER, "   ", -1, "Say what happened"),
        (AdjustReason.DAMAGE, "", 2, "Damage can only take stock away"),
        (AdjustReason.THEFT, "", 2, "Theft can only take stock away"),
        (AdjustReason.DAMAGE, "a\nb", -1, "one line"),
        (AdjustReason.DAMAGE, "x" * 161, -1, "at most 160"),
        (AdjustReason.DAMAGE, "", 0, "other than zero"),
    ],
)
def test_adjust_reasons(world: World, reason: str, note: str, qty: int, message: str) -> None:
    w = world
    _receive(w, w.shop, w.pear, 5)
    count = movement_count(w.backend)
    with pytest.raises(ValidationError, match=message):
        stock.adjust_stock(w.backend.uow(), w.manager, w.shop, w.pear, qty, reason, note=note)
    assert movement_count(w.backend) == count


def test_adjust_stores_reason_and_audits(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 5)
    stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, -2, "damage", note=" dropped crate ")
    stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, 1, AdjustReason.OTHER, note="found")
    with b.read_uow() as uow:
        reasons = uow.session.scalars(
            sa.select(StockMovement.reason)
            .where(StockMovement.kind == "adjust")
            .order_by(StockMovement.id)
        ).all()
        assert reasons == ["damage: dropped crate", "other: found"]
        audits = uow.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "stock.adjust")
        ).all()
        assert len(audits) == 2
        assert audits[0].user_id == w.manager.id
        assert '"on_hand": 5' in (audits[0].before or "")
        assert '"on_hand": 3' in (audits[0].after or "")


def test_inactive_store_takes_no_stock_in_but_can_be_emptied(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.market, w.pear, 10)
    stores.set_store_active(b.uow(), w.admin, w.market, False)
    count = movement_count(b)
    refusals: list[Callable[[], object]] = [
        lambda: _receive(w, w.market, w.pear, 1),
        lambda: stock.count_stock(b.uow(), w.manager, w.market, [CountLine(w.pear, 3)]),
        lambda: stock.adjust_stock(b.uow(), w.manager, w.market, w.pear, 1, "correction"),
        lambda: stock.transfer_stock(b.uow(), w.manager, w.shop, w.market, [StockLine(w.pear, 1)]),
    ]
    for call in refusals:
        with pytest.raises(ValidationError, match="Market Square is inactive: it cannot"):
            call()
    assert movement_count(b) == count
    stock.adjust_stock(b.uow(), w.manager, w.market, w.pear, -1, "theft")
    stock.transfer_stock(b.uow(), w.manager, w.market, w.warehouse, [StockLine(w.pear, 9)])
    assert on_hand(b, w.market, w.pear) == 0
    assert on_hand(b, w.warehouse, w.pear) == 9
    with b.read_uow() as uow, pytest.raises(ValidationError, match="inactive: it cannot sell"):
        stores.require_active_store(uow, w.market, N_("{store_name} is inactive: it cannot sell."))


def test_transfer_both_sides_one_batch(world: World, publisher: RecordingPublisher) -> None:
    w, b = world, world.backend
    _receive(w, w.warehouse, w.pear, 20)
    _receive(w, w.warehouse, w.apple, 20)
    result = stock.transfer_stock(
        b.uow(),
        w.manager,
        w.warehouse,
        w.shop,
        [StockLine(w.apple, 4), StockLine(w.pear, 6)],
        note="Weekly run",
    )
    assert result.movements == 4
    with b.read_uow() as uow:
        rows = uow.session.scalars(
            sa.select(StockMovement).where(StockMovement.batch_uuid == result.batch_uuid)
        ).all()
        seen = sorted((m.store_id, m.product_id, m.quantity, m.kind) for m in rows)
        references = {m.reference for m in rows}
        reasons = {m.reason for m in rows}
    assert seen == sorted(
        [
            (w.warehouse, w.apple, -4, "transfer_out"),
            (w.shop, w.apple, 4, "transfer_in"),
            (w.warehouse, w.pear, -6, "transfer_out"),
            (w.shop, w.pear, 6, "transfer_in"),
        ]
    )
    assert references == {"WH01→HS01"}
    assert reasons == {"Weekly run"}
    _assert_ledger(w)


def test_transfer_is_all_or_nothing(world: World, publisher: RecordingPublisher) -> None:
    w, b = world, world.backend
    _receive(w, w.warehouse, w.pear, 20)
    _receive(w, w.warehouse, w.apple, 2)
    before, count = level_snapshot(b), movement_count(b)
    publisher.events.clear()
    with pytest.raises(InsufficientStockError, match="Apple: 2 left, 3 needed"):
        stock.transfer_stock(
            b.uow(), w.manager, w.warehouse, w.shop, [StockLine(w.pear, 5), StockLine(w.apple, 3)]
        )
    assert level_snapshot(b) == before
    assert movement_count(b) == count
    assert publisher.events == []


@pytest.mark.parametrize(
    ("source", "dest", "error", "message"),
    [
        ("shop", "shop", ValidationError, "needs two locations"),
        ("shop", "closed", ValidationError, "Old Town is inactive"),
        ("shop", "nowhere", NotFoundError, "No store with id"),
        ("nowhere", "shop", NotFoundError, "No store with id"),
    ],
)
def test_transfer_locations(
    world: World, source: str, dest: str, error: type[Exception], message: str
) -> None:
    w = world
    ids = {"shop": w.shop, "closed": w.closed, "nowhere": 999_999}
    _receive(w, w.shop, w.pear, 5)
    with pytest.raises(error, match=message):
        stock.transfer_stock(
            w.backend.uow(), w.manager, ids[source], ids[dest], [StockLine(w.pear, 1)]
        )


def test_receive_needs_reference_and_known_active_products(world: World) -> None:
    w, b = world, world.backend
    cases: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: _receive(w, w.shop, w.pear, 1, ref="  "), ValidationError, "supplier's reference"),
        (lambda: _receive(w, w.shop, w.pear, 1, ref="x" * 101), ValidationError, "at most 100"),
        (lambda: _receive(w, w.shop, w.pear, 1, ref="A\x00B"), ValidationError, "control"),
        (lambda: _receive(w, w.shop, w.old, 1), ValidationError, "Quince is archived"),
        (lambda: _receive(w, w.shop, 424_242, 1), NotFoundError, "No product with id 424242"),
        (lambda: _receive(w, 424_242, w.pear, 1), NotFoundError, "No store with id 424242"),
        (
            lambda: stock.receive_stock(b.uow(), w.manager, w.shop, [], reference="R"),
            ValidationError,
            "at least one",
        ),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert movement_count(b) == 0


def test_count_books_differences(world: World, publisher: RecordingPublisher) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 10)
    _receive(w, w.shop, w.apple, 10)
    publisher.events.clear()
    result = stock.count_stock(
        b.uow(),
        w.manager,
        w.shop,
        [
            CountLine(w.pear, 8),
            CountLine(w.apple, 10),
            CountLine(w.cola, 3),
            CountLine(w.cheese, 0),
        ],
        note="Aisle 3",
    )
    assert result.movements == 2  # pear -2, cola +3; apple matches; cheese 0 of 0
    with b.read_uow() as uow:
        rows = uow.session.scalars(
            sa.select(StockMovement).where(StockMovement.kind == "count").order_by(StockMovement.id)
        ).all()
        assert sorted((m.product_id, m.quantity) for m in rows) == sorted(
            [(w.pear, -2), (w.cola, 3)]
        )
        assert {m.reason for m in rows} == {"Aisle 3"}
        audit = uow.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "stock.count"))
        assert audit is not None
        assert f'"{w.apple}": {{"counted": 10, "expected": 10}}' in (audit.after or "")
    assert on_hand(b, w.shop, w.pear) == 8
    assert on_hand(b, w.shop, w.cola) == 3
    assert [e.quantity for e in publisher.events if isinstance(e, StockMoved)] == [-2, 3]
    with pytest.raises(ValidationError, match="appears twice"):
        stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 1), CountLine(w.pear, 2)])
    _assert_ledger(w)


def test_count_to_zero_and_nothing_to_book(world: World) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 4)
    assert stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 0)]).movements == 1
    assert on_hand(b, w.shop, w.pear) == 0
    assert stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 0)]).movements == 0


def test_request_id_makes_actions_idempotent(world: World) -> None:
    w, b = world, world.backend
    key = uuid.uuid4()
    first = stock.receive_stock(
        b.uow(), w.manager, w.shop, [StockLine(w.pear, 5)], reference="R", request_id=key
    )
    again = stock.receive_stock(
        b.uow(), w.manager, w.shop, [StockLine(w.pear, 5)], reference="R", request_id=key
    )
    assert not first.replayed
    assert again.replayed
    assert again.batch_uuid == key
    assert on_hand(b, w.shop, w.pear) == 5
    assert movement_count(b) == 1


# -- StockLow, through the services -----------------------------------------------------------


def _lows(publisher: RecordingPublisher) -> list[tuple[int, int, int]]:
    return [
        (e.store_id, e.on_hand, e.reorder_point)
        for e in publisher.events
        if isinstance(e, StockLow)
    ]


def test_stock_low_once_per_crossing(world: World, publisher: RecordingPublisher) -> None:
    w, b = world, world.backend
    _receive(w, w.shop, w.pear, 10)
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.pear, 5, 20)
    publisher.events.clear()
    for _ in range(4):  # 8, 6, 4 (crosses), 2
        stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, -2, AdjustReason.DAMAGE)
    assert _lows(publisher) == [(w.shop, 4, 5)]
    _receive(w, w.shop, w.pear, 10)  # 12: above again
    stock.transfer_stock(b.uow(), w.manager, w.shop, w.market, [StockLine(w.pear, 7)])  # 5
    assert _lows(publisher) == [(w.shop, 4, 5), (w.shop, 5, 5)]
    stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 3)])  # already low
    assert len(_lows(publisher)) == 2
    _receive(w, w.shop, w.pear, 10)  # 13
    stock.count_stock(b.uow(), w.manager, w.shop, [CountLine(w.pear, 1)])  # crosses
    assert len(_lows(publisher)) == 3
    with pytest.raises(InsufficientStockError):
        stock.adjust_stock(b.uow(), w.manager, w.shop, w.pear, -5, AdjustReason.THEFT)
    assert len(_lows(publisher)) == 3


def test_reorder_levels(world: World) -> None:
    w, b = world, world.backend
    level = stock.set_reorder_levels(b.uow(), w.manager, w.market, w.apple, 6, 24)
    assert level.on_hand == 0
    assert (w.market, w.apple, 0, 6, 24) in level_snapshot(b)
    stock.set_reorder_levels(b.uow(), w.manager, w.market, w.apple, 0, 0)
    assert (w.market, w.apple, 0, 0, 0) in level_snapshot(b)
    with b.read_uow() as uow:
        n = uow.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "stock.reorder")
        )
        assert n == 2
    with pytest.raises(NotFoundError):
        stock.set_reorder_levels(b.uow(), w.manager, w.market, 777_777, 1, 1)


# -- permissions ------------------------------------------------------------------------------

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]


def _matrix_ids(uow: UnitOfWork) -> tuple[int, int, int]:
    """A store, a warehouse with stock and a product, made on first use (any database)."""
    from posapp.models import Product, Store

    with uow:
        session = uow.session
        shop = session.scalar(sa.select(Store).where(Store.code == "MTX-S"))
        if shop is None:
            shop = Store(code="MTX-S", name="Matrix shop", kind="store")
            depot = Store(code="MTX-W", name="Matrix depot", kind="warehouse")
            item = Product(sku="MTX-1", sku_key="MTX-1", name="Matrix item", price_minor=100)
            session.add_all([shop, depot, item])
            session.flush()
            move_stock(
                uow,
                store_id=depot.id,
                product_id=item.id,
                quantity=1_000,
                kind=MovementKind.RECEIVE,
                batch_uuid=uuid.uuid4(),
                user_id=None,
            )
            uow.commit()
        depot_id = session.scalar(sa.select(Store.id).where(Store.code == "MTX-W"))
        item_id = session.scalar(sa.select(Product.id).where(Product.sku_key == "MTX-1"))
        assert depot_id is not None
        assert item_id is not None
        return shop.id, depot_id, item_id


def _with_ids(call: Callable[[UnitOfWork, UserDTO, int, int, int], object]) -> Call:
    def run(uow: UnitOfWork, actor: UserDTO, _staff: dict[str, UserDTO]) -> object:
        shop, depot, item = _matrix_ids(uow)
        return call(uow, actor, shop, depot, item)

    return run


def _new_code() -> str:
    return f"N{uuid.uuid4().hex[:6]}"


ACTION_CALLS: dict[str, Call] = {
    "stock.stores.create_store": _with_ids(
        lambda uow, a, s, d, p: stores.create_store(uow, a, StoreInput(_new_code(), "New shop"))
    ),
    "stock.stores.update_store": _with_ids(
        lambda uow, a, s, d, p: stores.update_store(uow, a, s, StoreInput("MTX-S", "Matrix shop"))
    ),
    "stock.stores.set_store_active": _with_ids(
        lambda uow, a, s, d, p: stores.set_store_active(uow, a, s, True)
    ),
    "stock.stores.list_stores": lambda uow, a, s: stores.list_stores(uow, a),
    "stock.actions.receive_stock": _with_ids(
        lambda uow, a, s, d, p: stock.receive_stock(uow, a, s, [StockLine(p, 1)], reference="R")
    ),
    "stock.actions.adjust_stock": _with_ids(
        lambda uow, a, s, d, p: stock.adjust_stock(uow, a, s, p, 1, AdjustReason.CORRECTION)
    ),
    "stock.actions.transfer_stock": _with_ids(
        lambda uow, a, s, d, p: stock.transfer_stock(uow, a, d, s, [StockLine(p, 1)])
    ),
    "stock.actions.count_stock": _with_ids(
        lambda uow, a, s, d, p: stock.count_stock(uow, a, s, [CountLine(p, 5)])
    ),
    "stock.actions.set_reorder_levels": _with_ids(
        lambda uow, a, s, d, p: stock.set_reorder_levels(uow, a, s, p, 1, 1)
    ),
    "stock.queries.categories": lambda uow, a, s: q.categories(uow, a),
    "stock.queries.stock_level_ids": _with_ids(
        lambda uow, a, s, d, p: q.stock_level_ids(uow, a, s)
    ),
    "stock.queries.stock_level_page": _with_ids(
        lambda uow, a, s, d, p: q.stock_level_page(uow, a, s)
    ),
    "stock.queries.product_card_page": _with_ids(
        lambda uow, a, s, d, p: q.product_card_page(uow, a, s)
    ),
    "stock.queries.stock_rows": _with_ids(lambda uow, a, s, d, p: q.stock_rows(uow, a, s, [p])),
    "stock.queries.product_card_ids": _with_ids(
        lambda uow, a, s, d, p: q.product_card_ids(uow, a, s)
    ),
    "stock.queries.product_cards": _with_ids(
        lambda uow, a, s, d, p: q.product_cards(uow, a, s, [p])
    ),
    "stock.queries.find_products": lambda uow, a, s: q.find_products(uow, a, "matrix"),
    "stock.queries.movement_history": _with_ids(
        lambda uow, a, s, d, p: q.movement_history(uow, a, d, p)
    ),
    "stock.queries.replenishment_list": _with_ids(
        lambda uow, a, s, d, p: q.replenishment_list(uow, a, s)
    ),
}
"""One call per stores/stock action, for the lead's permission matrix (tests/unit/test_security.py).

Each call makes the store, warehouse and product it needs on first use, so it runs against the
matrix test's own database, whatever else is in it.
"""

_MINE = ("stock.stores.", "stock.actions.", "stock.queries.")


def test_every_stock_action_is_in_the_matrix() -> None:
    mine = {name for name in ACTIONS if name.startswith(_MINE)}
    assert mine == set(ACTION_CALLS)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_stock_permission_matrix(world: World, role: str) -> None:
    w = world
    _receive(w, w.warehouse, w.pear, 100)
    actor = w.staff[role]
    for name, call in ACTION_CALLS.items():
        permission = ACTIONS[name]
        if permission in ROLE_PERMISSIONS[role]:
            call(w.backend.uow(), actor, w.staff)
        else:
            with pytest.raises(PermissionDeniedError, match="is not allowed to"):
                call(w.backend.uow(), actor, w.staff)


def test_roles_as_the_issue_says() -> None:
    assert ACTIONS["stock.actions.receive_stock"].value == "adjust_stock"
    assert ACTIONS["stock.actions.count_stock"].value == "adjust_stock"
    assert ACTIONS["stock.actions.transfer_stock"].value == "transfer_stock"
    assert ACTIONS["stock.stores.create_store"].value == "manage_stores"
    assert ACTIONS["stock.queries.stock_level_ids"].value == "view_stock"


def test_deactivated_manager_is_refused(world: World) -> None:
    w = world
    users.set_active(w.backend.uow(), w.admin, w.manager.id, False)
    with pytest.raises(SessionEndedError):
        _receive(w, w.shop, w.pear, 1)
    assert movement_count(w.backend) == 0


def test_cashier_cannot_change_stock(world: World) -> None:
    w = world
    with pytest.raises(PermissionDeniedError, match="till \\(cashier\\) is not allowed to adjust"):
        stock.adjust_stock(w.backend.uow(), w.cashier, w.shop, w.pear, 1, "correction")
