"""Selling offline (#21): priced as checkout prices, only cash and card, journalled durably.

The cache is filled from a real shop on both databases; then the server is out of the picture and
the till prices, checks and journals sales from the cache alone.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from posapp.services.backend import Backend
from posapp.services.platform.errors import AuthenticationError, ValidationError
from posapp.services.sales.offline import OfflineJournal, OfflineTender, TenderKind
from posapp.services.sales.offline.cache import OfflineCache, snapshot
from posapp.services.sales.offline.till import OfflineItem, OfflineTill
from posapp.services.sales.pricing import Discount, DiscountKind, PriceLine, price_cart
from posapp.services.staff import Permission
from tests.checkout_seed import CASHIER_PIN, PASSWORD, Shop, open_shop
from tests.weighed_seed import add_cheese

KEY = bytes(range(32))


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


@pytest.fixture
def till(backend: Backend, shop: Shop, tmp_path: Path) -> OfflineTill:
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    cache.apply(snapshot(backend.read_uow(), None))
    journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)
    return OfflineTill(cache, journal, "R1")


def cash(amount: int, tendered: int, n: int = 1) -> OfflineTender:
    return OfflineTender(uuid.UUID(int=1000 + n), TenderKind.CASH, amount, tendered)


def test_a_cash_sale_is_priced_as_checkout_prices_it_and_journalled(
    till: OfflineTill, shop: Shop
) -> None:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [
        OfflineItem(1, shop.products["coffee"], 2),
        OfflineItem(2, shop.products["mug"], 1),  # tax added on top
    ]
    expected = price_cart(
        [PriceLine(1, 2, 1299, 2000, True), PriceLine(2, 1, 850, 2000, False)]
    ).total_minor
    assert till.price(items).total_minor == expected

    receipt = till.take(
        cashier,
        items,
        [cash(expected, 5000)],
        sale_uuid=uuid.UUID(int=7),
        expected_total_minor=expected,
    )
    assert receipt.number == "OFF-R1-00001"
    assert receipt.change_minor == 5000 - expected
    [entry] = till.journal.pending()
    assert entry.sale.total_minor == expected
    assert [(line.name, line.quantity, line.unit_price_minor) for line in entry.sale.lines] == [
        ("Coffee beans 500 g", 2, 1299),
        ("Enamel mug", 1, 850),
    ]
    assert entry.sale.cashier_id == cashier.id
    assert till.unsynced() == 1
    again = till.take(
        cashier,
        items,
        [cash(expected, 5000)],
        sale_uuid=uuid.UUID(int=7),
        expected_total_minor=expected,
    )
    assert again.entry == receipt.entry  # Pay pressed twice: one sale


def test_a_split_between_card_and_cash(till: OfflineTill, shop: Shop) -> None:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["candle"], 1)]
    total = till.price(items).total_minor
    card = OfflineTender(uuid.UUID(int=5), TenderKind.CARD, 1000, 0, "AUTH-77", "4242")
    receipt = till.take(
        cashier, items, [card, cash(total - 1000, total - 1000, 2)],
        sale_uuid=uuid.UUID(int=8), expected_total_minor=total,
    )  # fmt: skip
    assert [t.kind for t in receipt.entry.sale.tenders] == [TenderKind.CARD, TenderKind.CASH]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown product", "not known offline"),
        ("archived", "no longer sold"),
        ("short payment", "rest of the payment"),
        ("shown another total", "total changed"),
        ("no items", "no items"),
        ("discount above cap", "manager's approval"),
    ],
)
def test_what_offline_refuses(
    till: OfflineTill, backend: Backend, shop: Shop, change: str, message: str
) -> None:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["water"], 3)]
    total = till.price(items).total_minor
    tenders = [cash(total, total)]
    shown = total
    if change == "unknown product":
        items = [OfflineItem(1, 10**9, 1)]
    elif change == "archived":
        backend.catalog.set_archived(
            shop.manager, shop.products["water"], archived=True, expected_version=None
        )
        till.cache.apply(snapshot(backend.read_uow(), None))
    elif change == "short payment":
        tenders = [cash(total - 1, total - 1)]
    elif change == "shown another total":
        shown = total + 1
    elif change == "no items":
        items = []
    elif change == "discount above cap":
        items = [OfflineItem(1, shop.products["water"], 3, Discount(DiscountKind.PERCENT, 5000))]
        shown = till.price(items).total_minor
        tenders = [cash(shown, shown)]
    with pytest.raises(ValidationError, match=message):
        till.take(cashier, items, tenders, sale_uuid=uuid.uuid4(), expected_total_minor=shown)
    assert till.unsynced() == 0  # nothing half-written


def test_a_discount_above_the_cap_with_a_managers_password(till: OfflineTill, shop: Shop) -> None:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["water"], 3, Discount(DiscountKind.PERCENT, 5000))]
    total = till.price(items).total_minor
    manager = till.approve(cashier, "boss", PASSWORD, Permission.DISCOUNT_ABOVE_CAP)
    receipt = till.take(
        cashier, items, [cash(total, total)], sale_uuid=uuid.uuid4(),
        expected_total_minor=total, approver=manager,
    )  # fmt: skip
    [line] = receipt.entry.sale.lines
    assert (line.approver_id, line.discount_minor) == (manager.id, 3 * 89 - total)


def test_log_in_and_approval_are_checked_against_the_cached_hashes(till: OfflineTill) -> None:
    with pytest.raises(AuthenticationError):
        till.sign_in("till", "0000")
    with pytest.raises(AuthenticationError):
        till.sign_in("nobody", CASHIER_PIN)
    cashier = till.sign_in("TILL", CASHIER_PIN)
    with pytest.raises(AuthenticationError):
        till.approve(cashier, "boss", "wrong", Permission.DISCOUNT_ABOVE_CAP)
    with pytest.raises(AuthenticationError):  # a PIN never approves
        till.approve(cashier, "till", CASHIER_PIN, Permission.DISCOUNT_ABOVE_CAP)
    manager = till.sign_in("boss", PASSWORD)
    with pytest.raises(ValidationError, match="Someone else"):
        till.approve(manager, "boss", PASSWORD, Permission.DISCOUNT_ABOVE_CAP)


def test_without_an_open_till_nothing_is_sold(backend: Backend, shop: Shop, tmp_path: Path) -> None:
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    snap = snapshot(backend.read_uow(), None)
    cache.apply(snap.__class__(snap.read_at, None, snap.products, snap.staff, snap.settings, None))
    till = OfflineTill(cache, OfflineJournal.open(tmp_path / "j.sqlite3", KEY), "R1")
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["water"], 1)]
    with pytest.raises(ValidationError, match="till was not open"):
        till.take(cashier, items, [cash(89, 100)], sale_uuid=uuid.uuid4(), expected_total_minor=89)


def test_a_weighed_line_offline_is_priced_per_kilo_as_online(
    backend: Backend, shop: Shop, tmp_path: Path
) -> None:
    """0.455 kg of cheese at 19.90/kg is 9.05 offline too, and the journal keeps the unit."""
    cheese = add_cheese(backend, shop)
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    cache.apply(snapshot(backend.read_uow(), None))
    till = OfflineTill(cache, OfflineJournal.open(tmp_path / "j.sqlite3", KEY), "R1")
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, cheese, 455)]
    assert till.price(items).total_minor == 905
    receipt = till.take(
        cashier, items, [cash(905, 1000)], sale_uuid=uuid.uuid4(), expected_total_minor=905
    )
    [line] = receipt.entry.sale.lines
    assert (line.quantity, line.unit, line.unit_price_minor) == (455, "kg", 1990)
