"""A small shop for the checkout benchmarks: five products, a coupon, cashiers with open tills.

Seeded through the services where they exist (users, campaign, tills) so the rows are the ones
the application makes; products and stock are added with the ORM (five rows).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from benchmarks.common import check
from posapp.models import CouponRedemption, Order, Payment, Product, StockLevel, Store
from posapp.models.base import utcnow
from posapp.services import users
from posapp.services.backend import Backend
from posapp.services.checkout import place_order
from posapp.services.coupon_campaigns import create_campaign
from posapp.services.coupon_dto import CampaignDraft
from posapp.services.db import Database
from posapp.services.dto import UserDTO
from posapp.services.orders_dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.tills import open_till

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
    """The standard sale's total (5 lines, 10 % coupon, taxes)."""


def register_name(index: int) -> str:
    """The register (till) name of cashier ``index``."""
    return f"bench-{index}"


def seed_shop(database: Database, registers: int = 1) -> Shop:
    """A store, five products in stock, a 10 % coupon, ``registers`` cashiers with open tills.

    Places one unpaid sale to learn the standard sale's total (so it counts in the checks).
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
        for product in products:
            uow.session.add(StockLevel(store_id=store.id, product_id=product.id, on_hand=STOCK))
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
        coupon_codes=(COUPON.lower(),),
    )
    first = place_order(backend.uow(), cashiers[0], unpaid)
    check(first.status == "placed", f"the first sale is {first.status}, not placed")
    check(first.total_minor > CARD_PART, "the standard sale is too cheap for the split payment")
    return Shop(store_id, admin, cashiers, product_ids, first.total_minor)


def sale(shop: Shop) -> SaleDraft:
    """The standard sale: 5 lines, the coupon, paid by card (10.00) and cash (the rest)."""
    cash = shop.total_minor - CARD_PART
    return SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=tuple(DraftLine(n, pid, 1) for n, pid in enumerate(shop.product_ids, start=1)),
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
                Order.status == "fulfilled", Order.total_minor == shop.total_minor
            )
        )
        payments = session.scalar(select(func.count(Payment.id)))
        redemptions = session.scalar(select(func.count(CouponRedemption.id)))
        on_hand = session.scalars(
            select(StockLevel.on_hand).where(StockLevel.store_id == shop.store_id)
        ).all()
    check(fulfilled == paid_sales, f"{fulfilled} fulfilled orders, expected {paid_sales}")
    check(payments == 2 * paid_sales, f"{payments} payments, expected {2 * paid_sales}")
    check(redemptions == paid_sales + 1, f"{redemptions} coupon uses, expected {paid_sales + 1}")
    left = STOCK - paid_sales - 1
    check(all(q == left for q in on_hand), f"stock {sorted(set(on_hand))}, expected {left}")
    return f"{paid_sales} orders fulfilled, 2 payments and 1 coupon use each, stock {left}"
