"""Demo data: realistic, reproducible, and true to every invariant the services rely on."""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from PIL import Image

from posapp.demo import NOT_EMPTY, DemoSummary, load_demo
from posapp.demo.catalog import ean13
from posapp.models import (
    Base,
    CouponCampaign,
    CouponCode,
    CouponRedemption,
    Customer,
    CustomerAccount,
    GiftCard,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    PointMovement,
    Product,
    ProductImage,
    StockLevel,
    StockMovement,
    Store,
    User,
)
from posapp.services.backend import Backend
from posapp.services.catalog.images import THUMB_SIDE
from posapp.services.coupons.codes import ALPHABET as CODE_ALPHABET
from posapp.services.platform.db import open_database
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.staff.passwords import verify_password
from tests.conftest import pg_url_or_skip, reset_postgres
from tests.reliability.invariants import assert_invariants

T = TypeVar("T")
NOW = datetime(2026, 3, 20, 18, 30, tzinfo=UTC)


class Demo:
    """A database loaded once per module, and what loading it returned."""

    def __init__(self, backend: Backend, summary: DemoSummary) -> None:
        self.backend, self.summary = backend, summary

    def rows(self, statement: Any) -> list[Any]:
        with self.backend.database.read_sessions() as session:
            return list(session.execute(statement).all())

    def objects(self, model: type[T]) -> list[T]:
        with self.backend.database.read_sessions() as session:
            return list(session.scalars(sa.select(model)))

    def count(self, table: sa.FromClause) -> int:
        with self.backend.database.read_sessions() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/d.sqlite3"
    else:
        url = pg_url_or_skip()
        reset_postgres(url)
    database = open_database(url)
    backend = Backend(database, register="test-till")
    summary = load_demo(backend, now=NOW)
    yield Demo(backend, summary)
    database.dispose()


def _ean_ok(code: str) -> bool:
    digits = [int(d) for d in code]
    weighted = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return len(code) == 13 and (weighted + digits[12]) % 10 == 0


def _table_counts(demo: Demo) -> dict[str, int]:
    return {name: demo.count(table) for name, table in Base.metadata.tables.items()}


# -- helpers in isolation --------------------------------------------------------------------------


def test_ean13_check_digit() -> None:
    assert ean13("400638133393") == "4006381333931"  # a published example
    assert _ean_ok(ean13("200000000001"))
    with pytest.raises(ValueError, match="twelve digits"):
        ean13("12345")


def test_bad_arguments_are_refused_before_touching_the_database() -> None:
    with pytest.raises(ValidationError, match="days"):
        load_demo(None, days=-1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="products"):
        load_demo(None, product_count=0)  # type: ignore[arg-type]


def test_same_seed_same_data(tmp_path: Path) -> None:
    def load(name: str, seed: int) -> list[tuple[object, ...]]:
        database = open_database(f"sqlite:///{tmp_path / name}")
        try:
            load_demo(Backend(database), seed=seed, days=2, product_count=30, now=NOW)
            with database.read_sessions() as session:
                query = sa.select(Order.number, Order.total_minor, Order.sale_uuid).order_by(
                    Order.id
                )
                return [tuple(row) for row in session.execute(query)]
        finally:
            database.dispose()

    first = load("a.sqlite3", 3)
    assert first
    assert load("b.sqlite3", 3) == first
    assert load("c.sqlite3", 4) != first


# -- the loaded demo -------------------------------------------------------------------------


def test_summary_matches_the_database(demo: Demo) -> None:
    s = demo.summary
    assert (s.stores, s.users, s.products, s.customers, s.campaigns) == (3, 4, 240, 25, 3)
    counts = _table_counts(demo)
    assert counts["stores"] == s.stores
    assert counts["users"] == s.users
    assert counts["products"] == s.products
    assert counts["customer_accounts"] == s.customers
    assert counts["coupon_campaigns"] == s.campaigns
    assert counts["coupon_codes"] == s.codes == 251
    assert counts["orders"] == s.orders
    assert 21 * 2 * 20 <= s.orders <= 21 * 2 * 48


def test_products_have_images_and_valid_barcodes(demo: Demo) -> None:
    products = demo.rows(
        sa.select(
            Product.id,
            Product.sku,
            Product.sku_key,
            Product.barcode,
            Product.price_minor,
            Product.cost_minor,
            Product.tax_rate_bp,
            Product.tax_included,
            Product.active,
            Product.category_id,
            Product.description,
        )
    )
    assert len(products) >= 200
    assert len({p.sku_key for p in products}) == len(products)
    assert len({p.barcode for p in products}) == len(products)
    for p in products:
        assert re.fullmatch(r"[A-Z]{3}-\d{4}", p.sku)
        assert p.sku_key == p.sku.strip().upper()
        assert p.barcode is not None
        assert p.barcode.startswith("2")
        assert _ean_ok(p.barcode), p.barcode
        assert 0 < p.cost_minor < p.price_minor
        assert p.tax_rate_bp in {700, 1900}
        assert p.tax_included
        assert p.category_id is not None
        assert p.description
    assert 0 < sum(not p.active for p in products) < len(products) // 10
    images = demo.objects(ProductImage)
    assert Counter(image.product_id for image in images) == {p.id: 1 for p in products}


def test_images_are_real_pngs_with_thumbnails(demo: Demo) -> None:
    for image in demo.objects(ProductImage)[:5]:
        assert image.content_type == "image/png"
        assert image.storage_name.endswith(".png")
        assert image.byte_size == len(image.data)
        with Image.open(io.BytesIO(image.data)) as full:
            assert (full.format, full.size) == ("PNG", (image.width, image.height))
        with Image.open(io.BytesIO(image.thumbnail)) as thumb:
            assert thumb.size == (THUMB_SIDE, THUMB_SIDE)  # the upload path's thumbnail


def test_stores_and_staff(demo: Demo) -> None:
    kinds = Counter(kind for (kind,) in demo.rows(sa.select(Store.kind)))
    assert kinds == {"store": 2, "warehouse": 1}
    users = {u.username: u for u in demo.objects(User)}
    assert {name: u.role for name, u in users.items()} == {
        "admin": "admin",
        "manager": "manager",
        "cashier1": "cashier",
        "cashier2": "cashier",
    }
    logins = {login.username: login for login in demo.backend.staff.demo_logins()}
    assert set(logins) == set(users)
    for name, user in users.items():
        assert " " in user.full_name
        if user.role == "cashier":
            assert user.password_hash is None
            assert verify_password(user.pin_hash, logins[name].password)
        else:
            assert user.pin_hash is None
            assert verify_password(user.password_hash, logins[name].password)
    assert logins["cashier1"].password == "1111"


def test_stock_levels_are_the_sum_of_movements(demo: Demo) -> None:
    sums = {
        (row.store_id, row.product_id): int(row.total)
        for row in demo.rows(
            sa.select(
                StockMovement.store_id,
                StockMovement.product_id,
                sa.func.sum(StockMovement.quantity).label("total"),
            ).group_by(StockMovement.store_id, StockMovement.product_id)
        )
    }
    levels = demo.objects(StockLevel)
    assert levels
    assert {(lv.store_id, lv.product_id) for lv in levels} == set(sums)
    for level in levels:
        assert level.on_hand == sums[level.store_id, level.product_id]
        assert level.on_hand >= 0
    storefronts = {sid for (sid,) in demo.rows(sa.select(Store.id).where(Store.kind == "store"))}
    low = [lv for lv in levels if lv.store_id in storefronts and lv.on_hand < lv.reorder_point]
    assert 0 < len(low) < len(levels) // 4


def test_stock_movements_are_well_formed(demo: Demo) -> None:
    moves = demo.objects(StockMovement)
    kinds = Counter(m.kind for m in moves)
    assert {"receive", "sale", "return", "transfer_in", "transfer_out"} <= set(kinds)
    for move in moves:
        assert (move.quantity < 0) == (move.kind in {"sale", "transfer_out"})
        assert (move.order_id is not None) == (move.kind in {"sale", "return"})
        assert move.user_id is not None
        assert move.reference


def test_every_ledger_transaction_balances(demo: Demo) -> None:
    sums = demo.rows(
        sa.select(
            LedgerEntry.transaction_id, sa.func.sum(LedgerEntry.amount_minor), sa.func.count()
        ).group_by(LedgerEntry.transaction_id)
    )
    transactions = demo.count(LedgerTransaction.__table__)
    assert len(sums) == transactions > 25
    assert all(total == 0 and legs >= 2 for _, total, legs in sums)


def test_every_balance_is_the_sum_of_its_entries(demo: Demo) -> None:
    entries = dict(
        demo.rows(
            sa.select(
                LedgerEntry.ledger_account_id, sa.func.sum(LedgerEntry.amount_minor)
            ).group_by(LedgerEntry.ledger_account_id)
        )
    )
    accounts = demo.objects(LedgerAccount)
    for account in accounts:
        assert account.balance_minor == int(entries.get(account.id, 0)), account.name
        if account.kind == "customer":
            assert account.balance_minor >= -account.overdraft_limit_minor
    kinds = Counter(a.kind for a in accounts)
    # Made on first use by the accounts service: a drawer per store that took cash into an
    # account, the clearing account of account payments (card payments post nothing), and the
    # gift cards' liability (the demo sells gift cards since #19).
    assert kinds == {"customer": 25, "cash_drawer": 2, "sales_clearing": 1, "gift_cards": 1}
    assert all(a.store_id for a in accounts if a.kind == "cash_drawer")
    assert sum(a.overdraft_limit_minor > 0 for a in accounts) >= 1


def test_customer_accounts(demo: Demo) -> None:
    accounts = demo.objects(CustomerAccount)
    assert len(accounts) == 25
    for account in accounts:
        assert re.fullmatch(r"\d{10}", account.number)
        assert int(account.number) % 97 == 1
        assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.(com|org|net)", account.email)
        assert account.phone.startswith("07700 900")
        assert verify_password(account.pin_hash, "1234")
    assert 0 < sum(a.marketing_opt_in for a in accounts) < 25


def test_orders_add_up(demo: Demo) -> None:
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in demo.objects(OrderLine):
        lines[line.order_id].append(line)
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in demo.objects(Payment):
        payments[payment.order_id].append(payment)
    orders = demo.objects(Order)
    for order in orders:
        own = lines[order.id]
        cards = order.gift_card_minor  # gift cards sold (#19): in the total, on no line
        assert (0 if cards else 1) <= len(own) <= 6
        # The convention of services.pricing (prices here all include tax): order figures are
        # sums of line figures, and a line's total is what is paid for it after every discount.
        assert order.subtotal_minor - cards == sum(ln.quantity * ln.unit_price_minor for ln in own)
        assert order.discount_minor == sum(
            ln.discount_minor + ln.order_discount_minor for ln in own
        )
        assert order.coupon_minor == sum(ln.coupon_discount_minor for ln in own)
        assert order.tax_minor == sum(ln.tax_minor for ln in own)
        assert order.total_minor - cards == sum(ln.total_minor for ln in own)
        assert order.total_minor == (
            order.subtotal_minor - order.discount_minor - order.coupon_minor
        )
        assert order.total_minor > 0
        for line in own:
            assert line.tax_included
            assert line.total_minor == (
                line.quantity * line.unit_price_minor
                - line.discount_minor
                - line.order_discount_minor
                - line.coupon_discount_minor
            )
            rate = line.tax_rate_bp
            # round() of a Fraction rounds half to even, exactly: an independent check.
            assert line.tax_minor == round(Fraction(line.total_minor * rate, 10_000 + rate))
        paid = sum(p.amount_minor for p in payments[order.id])
        expected = {
            "fulfilled": order.total_minor,
            "paid": order.total_minor,
            "ready": order.total_minor,
            "collected": order.total_minor,
            "partly_refunded": order.total_minor - order.refunded_minor,
            "refunded": 0,
            "cancelled": 0,
        }[order.status]
        assert paid == expected, order.number
        assert order.paid_minor == (0 if order.status == "cancelled" else order.total_minor)
        if order.status == "partly_refunded":
            assert 0 < order.refunded_minor < order.total_minor
        else:
            assert order.refunded_minor == (order.total_minor if order.status == "refunded" else 0)
    statuses = Counter(o.status for o in orders)
    assert statuses["fulfilled"] > 0.9 * len(orders)
    assert statuses["cancelled"] > 0
    assert statuses["refunded"] > 0
    assert statuses["partly_refunded"] > 0
    assert statuses["collected"] > 0
    assert len({o.number for o in orders}) == len(orders)
    assert all(re.fullmatch(r"(HS01|MS02)-\d{6}", o.number) for o in orders)
    assert all(o.placed_at is not None and o.placed_at < NOW for o in orders)


def test_payments_are_well_formed(demo: Demo) -> None:
    payments = demo.objects(Payment)
    methods = Counter(p.method for p in payments if p.amount_minor > 0)
    assert set(methods) == {"cash", "card", "account"}
    for payment in payments:
        if payment.method == "cash" and payment.amount_minor > 0:
            assert payment.tendered_minor >= payment.amount_minor
            assert payment.change_minor == payment.tendered_minor - payment.amount_minor
        if payment.method == "card":
            assert payment.card_reference
            assert payment.card_last4 is not None
            assert len(payment.card_last4) == 4
        if payment.method == "account":
            assert payment.customer_account_id is not None
            assert payment.ledger_transaction_id is not None
        assert (payment.amount_minor < 0) == (payment.refund_of_id is not None)


def test_status_history_is_recorded(demo: Demo) -> None:
    history: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
    changes = demo.objects(OrderStatusChange)
    for change in sorted(changes, key=lambda c: (c.at, c.id)):
        history[change.order_id].append((change.from_status, change.to_status))
    for order_id, status in demo.rows(sa.select(Order.id, Order.status)):
        steps = history[order_id]
        assert steps[0] == ("draft", "placed")  # as checkout writes it
        assert steps[-1][1] == status
        assert all(a[1] == b[0] for a, b in itertools.pairwise(steps))


def test_coupon_counts_match_redemptions(demo: Demo) -> None:
    redemptions = demo.objects(CouponRedemption)
    assert redemptions
    assert any(r.reversed_at is not None for r in redemptions)
    live = [r for r in redemptions if r.reversed_at is None]
    by_code = Counter(r.code_id for r in live)
    by_campaign = Counter(r.campaign_id for r in live)
    for code in demo.objects(CouponCode):
        assert code.used_count == by_code[code.id]
        assert code.code_key == code.code.replace("-", "").upper()
        if code.code != "WELCOME5":
            assert re.fullmatch(rf"[A-Z]+-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", code.code)
    campaigns = demo.objects(CouponCampaign)
    for campaign in campaigns:
        assert campaign.used_count == by_campaign[campaign.id]
        assert campaign.starts_at.tzinfo is not None
    assert sum(c.ends_at is not None and c.ends_at < NOW for c in campaigns) == 1
    discounts = dict(demo.rows(sa.select(Order.id, Order.coupon_minor)))
    assert all(discounts[r.order_id] == r.discount_minor for r in redemptions)


def test_the_demo_keeps_every_reliability_invariant(demo: Demo) -> None:
    report = assert_invariants(demo.backend.database.engine, where="demo")
    assert report.counts["orders"] == demo.summary.orders
    assert report.counts["audit_rows"] > demo.summary.orders  # every sale is audited


def test_a_second_load_is_refused_and_writes_nothing(demo: Demo) -> None:
    before = _table_counts(demo)
    with pytest.raises(ConflictError) as caught:
        load_demo(demo.backend, now=NOW)
    assert str(caught.value) == NOT_EMPTY
    assert _table_counts(demo) == before


def test_gift_cards_were_sold_and_customers_hold_points(demo: Demo) -> None:
    cards = demo.objects(GiftCard)
    assert len(cards) >= 3
    assert any(
        card.loaded_minor > card.balance_minor or card.loaded_minor > 2_500 for card in cards
    )
    balances = [b for (b,) in demo.rows(sa.select(Customer.points_balance))]
    assert any(balance > 0 for balance in balances)
    earned = demo.rows(sa.select(PointMovement.kind).where(PointMovement.kind == "earn"))
    assert earned
