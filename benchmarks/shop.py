"""A small shop for the checkout benchmarks: five products, a coupon, cashiers with open tills.

Two standard sales: the issue's plain one (#5: five lines paid in cash) and the full one
(#9: five lines, a 10 % coupon, card 10.00 + cash with change). A shop is seeded for one of them
(``Shop.full``): its first, unpaid sale prices the lines the same way the measured sales do.

Seeded through the services where they exist (users, campaign, tills) so the rows are the ones
the application makes; products and stock are added with the ORM (five rows).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.common import check
from posapp.models import CouponRedemption, Order, Payment, Product, StockLevel, Store
from posapp.models.base import utcnow
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.checkout import place_order
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from posapp.services.staff import users

# (sku, barcode, name, price, tax rate bp, tax included): the same mix as the checkout tests.
ITEMS = (
    ("FRU-001", "4006381333931", "Apple Braeburn", 120, 550, True),
    ("FRU-002", "4006381333948", "Bananas (bunch)", 249, 550, True),
    ("BEV-010", "5012345678900", "Coffee beans 500 g", 1299, 2000, True),
    ("BEV-011", "5012345678917", "Still water 1.5 l", 89, 550, True),
    ("HOM-100", "5012345678924", "Enamel mug", 850, 2000, False),
)
STOCK = 10_000_000
COUPON = "BENCH-10"
CARD_PART = 1_000
PASSWORD = "correct horse battery"


@dataclass(frozen=True, slots=True)
class Shop:
    """What the benchmark needs to ring up the standard sale."""

    store_id: int
    admin: UserDTO
    cashiers: tuple[UserDTO, ...]
    product_ids: tuple[int, ...]
    total_minor: int
    """The standard sale's total (5 lines, taxes, and the 10 % coupon for the full sale)."""
    full: bool = True
    """True: the full sale (coupon, card + cash); False: the plain 5-line cash sale."""
    history: int = 0
    """Past sales loaded by :func:`add_history` (numbered ``H-…``, one cash payment each)."""


def register_name(index: int) -> str:
    """The register (till) name of cashier ``index``."""
    return f"bench-{index}"


def seed_shop(database: Database, registers: int = 1, *, full: bool = True) -> Shop:
    """A store, five products in stock, a 10 % coupon, ``registers`` cashiers with open tills.

    Places one unpaid sale (with the coupon when ``full``) to learn the standard sale's total
    (so it counts in the checks).
    """
    backend = Backend(database, register=register_name(0))
    admin = users.add_user(backend.uow(), None, "benchadmin", PASSWORD, "admin")
    cashiers = tuple(
        users.add_user(backend.uow(), None, f"benchtill{i}", "4321", "cashier")
        for i in range(registers)
    )
    with backend.uow() as uow:
        store = Store(code="BENCH", name="Bench store", kind="store")
        uow.session.add(store)
        uow.flush()
        products = [
            Product(
                sku=sku,
                sku_key=sku.upper(),
                barcode=barcode,
                name=name,
                price_minor=price,
                cost_minor=price // 2,
                tax_rate_bp=rate,
                tax_included=included,
            )
            for sku, barcode, name, price, rate, included in ITEMS
        ]
        uow.session.add_all(products)
        uow.flush()
        for product in products:  # valued at cost, as received stock is (issue #20)
            value = STOCK * product.cost_minor
            level = StockLevel(store_id=store.id, product_id=product.id, on_hand=STOCK)
            level.value_minor = value
            uow.session.add(level)
        store_id, product_ids = store.id, tuple(p.id for p in products)
        uow.commit()
    draft = CampaignDraft(
        "Bench 10 %", "percent", 1000, utcnow() - timedelta(days=1), single_use_codes=False
    )
    create_campaign(backend.uow(), admin, draft, shared_code=COUPON)
    for index, cashier in enumerate(cashiers):
        till_backend = Backend(database, register=register_name(index))
        open_till(till_backend.uow(), cashier, store_id, 10_000)
    unpaid = SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=tuple(DraftLine(n, pid, 1) for n, pid in enumerate(product_ids, start=1)),
        coupon_codes=(COUPON.lower(),) if full else (),
    )
    first = place_order(backend.uow(), cashiers[0], unpaid)
    check(first.status == "placed", f"the first sale is {first.status}, not placed")
    check(first.total_minor > CARD_PART, "the standard sale is too cheap for the split payment")
    return Shop(store_id, admin, cashiers, product_ids, first.total_minor, full)


def add_history(path: Path, shop: Shop, sales: int) -> Shop:
    """Load ``sales`` past sales into the shop's SQLite file, as a shop open for a while has.

    Each is a copy of the first sale (its five lines), fulfilled and paid in cash, with its
    status history and stock movements; numbered ``H-1``… so the checks can tell them apart. One
    set-based statement per table (a few seconds for 100,000 sales); stock levels stay as they are
    (they are today's). The audit chain gets no rows (a sale appends with an index seek anyway).
    """
    if sales <= 0:
        return shop
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        first = conn.execute("SELECT min(id), max(id) FROM orders").fetchone()
        base = int(first[1])
        numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        conn.execute(
            numbers + "INSERT INTO orders (id, sale_uuid, number, store_id, register, cashier_id, "
            "customer_account_id, till_session_id, status, pickup, subtotal_minor, "
            "discount_minor, coupon_minor, tax_minor, total_minor, paid_minor, refunded_minor, "
            "note, placed_at, paid_at, closed_at, created_at) "
            "SELECT ? + i, lower(hex(randomblob(16))), 'H-' || i, store_id, register, "
            "cashier_id, NULL, till_session_id, 'fulfilled', 0, subtotal_minor, discount_minor, "
            "coupon_minor, tax_minor, total_minor, total_minor, 0, '', placed_at, placed_at, "
            "placed_at, created_at FROM n, orders WHERE orders.id = ?",
            (sales, base, first[0]),
        )
        conn.execute(
            "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, "
            "returned_qty, list_price_minor, unit_price_minor, discount_minor, "
            "order_discount_minor, coupon_discount_minor, tax_rate_bp, tax_included, tax_minor, "
            "total_minor) SELECT o.id, l.line_no, l.product_id, l.sku, l.name, l.quantity, 0, "
            "l.list_price_minor, l.unit_price_minor, l.discount_minor, l.order_discount_minor, "
            "l.coupon_discount_minor, l.tax_rate_bp, l.tax_included, l.tax_minor, l.total_minor "
            "FROM orders AS o, order_lines AS l WHERE o.id > ? AND l.order_id = ? "
            "ORDER BY o.id, l.line_no",
            (base, first[0]),
        )
        conn.execute(
            "INSERT INTO payments (payment_uuid, order_id, method, amount_minor, tendered_minor, "
            "change_minor, user_id, till_session_id, created_at) "
            "SELECT lower(hex(randomblob(16))), id, 'cash', total_minor, total_minor, 0, "
            "cashier_id, till_session_id, created_at FROM orders WHERE id > ? ORDER BY id",
            (base,),
        )
        conn.execute(
            "INSERT INTO order_status_history (order_id, from_status, to_status, user_id, at, "
            "note) SELECT o.id, s.f, s.t, o.cashier_id, o.created_at, '' FROM orders AS o, "
            "(SELECT 1 AS k, 'draft' AS f, 'placed' AS t UNION ALL SELECT 2, 'placed', 'paid' "
            "UNION ALL SELECT 3, 'paid', 'fulfilled') AS s WHERE o.id > ? ORDER BY o.id, s.k",
            (base,),
        )
        conn.execute(
            "INSERT INTO stock_movements (store_id, product_id, kind, quantity, batch_uuid, "
            "reason, reference, order_id, user_id, created_at) "
            "SELECT o.store_id, l.product_id, 'sale', -l.quantity, o.sale_uuid, '', o.number, "
            "o.id, o.cashier_id, o.created_at FROM orders AS o JOIN order_lines AS l "
            "ON l.order_id = o.id WHERE o.id > ? ORDER BY o.id, l.product_id",
            (base,),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return replace(shop, history=sales)


def sale(shop: Shop) -> SaleDraft:
    """The shop's standard sale.

    Full: 5 lines, the coupon, paid by card (10.00) and cash (the rest, 5.00 change).
    Plain: 5 lines paid in cash (5.00 change).
    """
    lines = tuple(DraftLine(n, pid, 1) for n, pid in enumerate(shop.product_ids, start=1))
    if not shop.full:
        total = shop.total_minor
        return SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=lines,
            payments=(
                PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, tendered_minor=total + 500),
            ),
            expected_total_minor=total,
        )
    cash = shop.total_minor - CARD_PART
    return SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=lines,
        payments=(
            PaymentDraft(
                uuid.uuid4(),
                PaymentKind.CARD,
                CARD_PART,
                card_reference="AUTH-000123",
                card_last4="4242",
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, cash, tendered_minor=cash + 500),
        ),
        coupon_codes=(COUPON.lower(),),
        expected_total_minor=shop.total_minor,
    )


def check_sales(database: Database, shop: Shop, paid_sales: int) -> str:
    """Check what ``paid_sales`` standard sales (plus the unpaid first one) left in the database.

    Returns:
        What was checked, for the results.
    """
    with database.read_sessions() as session:
        fulfilled = session.scalar(
            select(func.count(Order.id)).where(
                Order.status == "fulfilled",
                Order.total_minor == shop.total_minor,
                Order.number.not_like("H-%"),
            )
        )
        payments = session.scalar(select(func.count(Payment.id)))
        redemptions = session.scalar(select(func.count(CouponRedemption.id)))
        on_hand = session.scalars(
            select(StockLevel.on_hand).where(StockLevel.store_id == shop.store_id)
        ).all()
    per_sale = 2 if shop.full else 1
    uses = paid_sales + 1 if shop.full else 0
    check(fulfilled == paid_sales, f"{fulfilled} fulfilled orders, expected {paid_sales}")
    expected = per_sale * paid_sales + shop.history
    check(payments == expected, f"{payments} payments, expected {expected}")
    check(redemptions == uses, f"{redemptions} coupon uses, expected {uses}")
    left = STOCK - paid_sales - 1
    check(all(q == left for q in on_hand), f"stock {sorted(set(on_hand))}, expected {left}")
    past = f" (after {shop.history:,} past sales)" if shop.history else ""
    if shop.full:
        return (
            f"{paid_sales} orders fulfilled, 2 payments and 1 coupon use each, stock {left}{past}"
        )
    return f"{paid_sales} orders fulfilled, 1 cash payment each, no coupon, stock {left}{past}"
