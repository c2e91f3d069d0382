"""The server's side of an offline sale (#21): placed as the customer paid it, each difference told.

A real shop on both databases; a register's cache is filled from it, the till sells offline into
a real journal, the server changes meanwhile (a price, an archived product, stock sold elsewhere),
and the journal is replayed through ``backend.sales.place_offline_sale``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from posapp.events import OrderPlaced, RecordingPublisher, SyncConflictRaised
from posapp.models import (
    AuditEntry,
    Notification,
    Order,
    OrderLine,
    Product,
    StockLevel,
    SyncConflict,
)
from posapp.services.backend import Backend
from posapp.services.notifications.listener import NotificationListener
from posapp.services.platform.chain_verify import verify_chain
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline import (
    REFUSED,
    SYNCED,
    OfflineJournal,
    OfflineSale,
    OfflineSalesWaitingError,
    OfflineTender,
    SaleRefusedError,
    TenderKind,
    cache_path,
    journal_path,
    replay,
)
from posapp.services.sales.offline.cache import OfflineCache, snapshot
from posapp.services.sales.offline.conflicts import (
    ConflictFilter,
    resolve_sync_conflict,
    sync_conflicts,
)
from posapp.services.sales.offline.till import OfflineItem, OfflineTill
from posapp.services.staff import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from posapp.services.stock import InsufficientStockError
from tests.checkout_seed import CASHIER_PIN, ITEMS, Shop, cash_sale, open_shop_till, seed_shop

KEY = bytes(range(32))

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "sales.offline.conflicts.sync_conflicts": lambda uow, actor, _s: sync_conflicts(uow, actor),
    "sales.offline.conflicts.resolve_sync_conflict": lambda uow, actor, _s: resolve_sync_conflict(
        uow, actor, 999_999, ""
    ),
}
"""The sync conflicts' use cases (tests/unit/test_security.py walks every table like this)."""


@pytest.fixture
def shop(backend: Backend) -> Shop:
    """The test shop with only 2 paper bags in stock; this register's till open."""
    items = tuple(dataclasses.replace(i, stock=2) if i.key == "bag" else i for i in ITEMS)
    shop = seed_shop(backend, items=items)
    open_shop_till(backend, shop)
    return shop


@pytest.fixture
def till(backend: Backend, shop: Shop, tmp_path: Path) -> OfflineTill:
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    cache.apply(snapshot(backend.read_uow(), None))
    journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)
    return OfflineTill(cache, journal, backend.register)


def _sell(till: OfflineTill, shop: Shop, lines: list[tuple[str, int]]) -> OfflineSale:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(n, shop.products[key], qty) for n, (key, qty) in enumerate(lines, 1)]
    total = till.price(items).total_minor
    receipt = till.take(
        cashier,
        items,
        [OfflineTender(uuid.uuid4(), TenderKind.CASH, total, total + 1000)],
        sale_uuid=uuid.uuid4(),
        expected_total_minor=total,
    )
    return receipt.entry.sale


def _meanwhile(backend: Backend, shop: Shop) -> None:
    """While the register is offline: coffee costs more, the mug is archived."""
    with backend.uow() as uow:
        uow.session.execute(
            update(Product).where(Product.id == shop.products["coffee"]).values(price_minor=1499)
        )
        uow.commit()
    backend.catalog.set_archived(
        shop.staff["manager"], shop.products["mug"], True, expected_version=None
    )


def _count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_replay_keeps_the_paid_prices_and_reports_each_difference(
    backend: Backend, shop: Shop, till: OfflineTill, publisher: RecordingPublisher
) -> None:
    sale = _sell(till, shop, [("coffee", 2), ("mug", 1), ("bag", 5)])
    _meanwhile(backend, shop)
    publisher.events.clear()

    result = replay(till.journal, backend.sales.place_offline_sale)

    assert (result.synced, result.refused, result.left) == (1, 0, 0)
    [entry] = till.journal.entries()
    assert entry.state == SYNCED
    with backend.read_uow() as uow:
        order = uow.session.scalars(select(Order).where(Order.sale_uuid == sale.sale_uuid)).one()
        assert entry.order_number == order.number
        assert order.total_minor == sale.total_minor
        assert order.till_session_id == sale.till_session_id  # the X/Z count it there
        assert order.register == backend.register
        assert order.placed_at == sale.taken_at  # when it was sold, not when it arrived
        lines = uow.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
        ).all()
        assert [(line.unit_price_minor, line.quantity) for line in lines] == [
            (1299, 2),  # the price the customer paid, not today's 14.99
            (850, 1),
            (20, 5),
        ]
        bag = uow.session.get(StockLevel, (shop.store_id, shop.products["bag"]))
        assert bag is not None
        assert bag.on_hand == -3  # below zero: only a replayed offline sale does this
        conflicts = uow.session.scalars(select(SyncConflict).order_by(SyncConflict.id)).all()
        assert {(c.kind, c.product_id) for c in conflicts} == {
            ("price_changed", shop.products["coffee"]),
            ("archived_product", shop.products["mug"]),
            ("stock_shortfall", shop.products["bag"]),
        }
        short = next(c for c in conflicts if c.kind == "stock_shortfall")
        assert (short.quantity, short.short_quantity, short.on_hand_after) == (5, 3, -3)
        price = next(c for c in conflicts if c.kind == "price_changed")
        assert (price.paid_price_minor, price.list_price_minor) == (1299, 1499)
        assert all(c.order_id == order.id and c.resolved_at is None for c in conflicts)
        audited = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == order.id)
        ).all()
        assert {"order.placed", "order.offline_placed"} <= set(audited)
        assert verify_chain(uow.session).ok

    raised = [e for e in publisher.events if isinstance(e, SyncConflictRaised)]
    assert len(raised) == 3
    assert sum(isinstance(e, OrderPlaced) for e in publisher.events) == 1
    # The manager hears of each conflict once (the notification rules' default: managers).
    NotificationListener(backend).handle(publisher.events)
    NotificationListener(backend).handle(publisher.events)  # delivered twice: still once each
    with backend.read_uow() as uow:
        notes = uow.session.execute(select(Notification.user_id, Notification.kind)).all()
    assert sorted(notes) == [(shop.manager.id, "sync_conflict")] * 3

    # The X report counts the sale in the register's session.
    report = backend.sales.x_report(shop.manager)
    assert report.orders_count == 1
    assert report.sales_minor == sale.total_minor


def test_the_same_sale_twice_is_one_order(backend: Backend, shop: Shop, till: OfflineTill) -> None:
    sale = _sell(till, shop, [("coffee", 1)])
    first = backend.sales.place_offline_sale(sale)
    again = backend.sales.place_offline_sale(sale)
    assert first == again
    assert _count(backend, Order) == 1
    assert _count(backend, SyncConflict) == 0
    # A sale placed online whose COMMIT answer was lost, then journalled: found by its UUID.
    assert replay(till.journal, backend.sales.place_offline_sale).synced == 1
    assert _count(backend, Order) == 1


def test_refused_sales_write_nothing_and_the_replay_goes_on(
    backend: Backend, shop: Shop, till: OfflineTill
) -> None:
    good = _sell(till, shop, [("coffee", 1)])
    cases = {
        "not known on the server": dataclasses.replace(good, cashier_id=999_999),
        "is not register": dataclasses.replace(good, till_session_id=999_999),
        "do not add up": dataclasses.replace(good, total_minor=good.total_minor + 1),
        "SPRING-10 of this sale is not known": dataclasses.replace(
            good, coupon_codes=("SPRING-10",)
        ),
        "another unit": dataclasses.replace(
            good, lines=(dataclasses.replace(good.lines[0], unit="kg"),)
        ),
    }
    for words, sale in cases.items():
        bad = dataclasses.replace(sale, sale_uuid=uuid.uuid4())
        with pytest.raises(SaleRefusedError, match=words):
            backend.sales.place_offline_sale(bad)
    assert _count(backend, Order) == 0

    # In the journal: a refused sale is kept for a person, and the next one still goes.
    bad = dataclasses.replace(good, sale_uuid=uuid.uuid4(), cashier_id=999_999)
    till.journal.record(bad)
    result = replay(till.journal, backend.sales.place_offline_sale)
    assert (result.synced, result.refused) == (1, 1)
    states = {e.sale.sale_uuid: (e.state, e.problem) for e in till.journal.entries()}
    assert states[good.sale_uuid][0] == SYNCED
    assert states[bad.sale_uuid][0] == REFUSED
    assert "cashier" in (states[bad.sale_uuid][1] or "")
    assert till.journal.unsynced() == 1


def test_a_closed_till_session_refuses_the_sale(
    backend: Backend, shop: Shop, till: OfflineTill
) -> None:
    sale = _sell(till, shop, [("coffee", 1)])
    backend.sales.close_till(shop.manager, counted_minor=10_000)
    with pytest.raises(SaleRefusedError, match="closed before"):
        backend.sales.place_offline_sale(sale)
    assert _count(backend, Order) == 0


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_only_managers_see_and_resolve_conflicts(backend: Backend, shop: Shop, role: str) -> None:
    actor = shop.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError):
                call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)


def test_a_manager_lists_and_resolves_conflicts(
    backend: Backend, shop: Shop, till: OfflineTill
) -> None:
    _sell(till, shop, [("bag", 3), ("mug", 1)])
    _meanwhile(backend, shop)
    replay(till.journal, backend.sales.place_offline_sale)

    listed = backend.sales.sync_conflicts(shop.manager)
    assert [c.kind for c in listed] == ["stock_shortfall", "archived_product"]  # newest first
    short, archived = listed
    assert (short.product_name, short.short_quantity, short.on_hand_after) == ("Paper bag", 1, -1)
    only = backend.sales.sync_conflicts(shop.manager, ConflictFilter(kind="stock_shortfall"))
    assert [c.id for c in only] == [short.id]

    with pytest.raises(PermissionDeniedError):
        backend.sales.resolve_sync_conflict(shop.cashier, short.id, "counted")
    with pytest.raises(PermissionDeniedError):
        backend.sales.sync_conflicts(shop.cashier)
    done = backend.sales.resolve_sync_conflict(shop.manager, short.id, "Counted: 4 on the shelf")
    assert done.resolved_by == "Grace Hopper"
    assert done.resolution == "Counted: 4 on the shelf"
    with pytest.raises(ConflictError):
        backend.sales.resolve_sync_conflict(shop.manager, short.id, "again")
    with pytest.raises(NotFoundError):
        backend.sales.resolve_sync_conflict(shop.manager, 999_999, "")
    assert [c.id for c in backend.sales.sync_conflicts(shop.manager)] == [archived.id]
    resolved = backend.sales.sync_conflicts(shop.manager, ConflictFilter(state="resolved"))
    assert [c.id for c in resolved] == [short.id]
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sync_conflict.resolved")
        ).one()
        assert entry.object_id == short.id
        assert entry.user_id == shop.manager.id


def test_a_sale_at_the_till_still_never_takes_stock_below_zero(
    backend: Backend, shop: Shop
) -> None:
    draft = cash_sale(shop, [("bag", 3)], 100, 60)
    with pytest.raises(InsufficientStockError, match="Not enough stock of Paper bag"):
        backend.sales.place_order(shop.cashier, draft)
    with backend.read_uow() as uow:
        level = uow.session.get(StockLevel, (shop.store_id, shop.products["bag"]))
        assert level is not None
        assert level.on_hand == 2


def _register_till(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> OfflineTill:
    """The till writing to the register's own journal, where the Z report looks for it."""
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    cache = OfflineCache.open(cache_path(backend.database.url, backend.register))
    cache.apply(snapshot(backend.read_uow(), None))
    journal = OfflineJournal.open(journal_path(backend.database.url, backend.register), KEY)
    return OfflineTill(cache, journal, backend.register)


def test_the_z_report_waits_for_the_journal(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = _register_till(backend, tmp_path, monkeypatch)
    sold = [_sell(till, shop, [("coffee", 1)]), _sell(till, shop, [("water", 2)])]
    with pytest.raises(OfflineSalesWaitingError, match=r"^2 sales taken offline are not"):
        backend.sales.check_close_till(shop.manager)
    with pytest.raises(OfflineSalesWaitingError, match=r"^2 sales taken offline are not"):
        backend.sales.close_till(shop.manager, counted_minor=10_000)
    assert backend.sales.current_till(shop.manager) is not None  # still open, nothing written

    assert replay(till.journal, backend.sales.place_offline_sale).synced == 2
    backend.sales.check_close_till(shop.manager)
    report = backend.sales.close_till(
        shop.manager, counted_minor=10_000 + sum(s.total_minor for s in sold)
    )
    assert report.orders_count == 2  # the Z counts the sales taken offline
    assert report.over_short_minor == 0


def test_a_refused_sale_keeps_the_till_open(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = _register_till(backend, tmp_path, monkeypatch)
    sale = _sell(till, shop, [("coffee", 1)])
    till.journal.record(dataclasses.replace(sale, sale_uuid=uuid.uuid4(), cashier_id=999_999))
    result = replay(till.journal, backend.sales.place_offline_sale)
    assert (result.synced, result.refused) == (1, 1)
    with pytest.raises(OfflineSalesWaitingError, match=r"^1 sale taken offline is not"):
        backend.sales.close_till(shop.manager, counted_minor=10_000)


def test_an_unreadable_journal_keeps_the_till_open(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    path = journal_path(backend.database.url, backend.register)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(OfflineSalesWaitingError, match="cannot be read"):
        backend.sales.close_till(shop.manager, counted_minor=10_000)
