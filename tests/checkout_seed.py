"""Test data for the order system, made with the ORM: a store, staff, categories, products, stock.

Shared by the unit, integration and UI tests of checkout, orders, tills and receipts, and by the
screenshot script.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from posapp.models import Category, CustomerAccount, Product, StockLevel, Store
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from posapp.services.staff import users

PASSWORD = "correct horse battery"
CASHIER_PIN = "4321"


@dataclass(frozen=True, slots=True)
class Item:
    """A product of the test shop."""

    key: str
    sku: str
    barcode: str | None
    name: str
    category: str
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    stock: int = 100


ITEMS: tuple[Item, ...] = (
    Item("apple", "FRU-001", "4006381333931", "Apple Braeburn", "Fruit", 120, 550, True),
    Item("banana", "FRU-002", "4006381333948", "Bananas (bunch)", "Fruit", 249, 550, True),
    Item("coffee", "BEV-010", "5012345678900", "Coffee beans 500 g", "Drinks", 1299, 2000, True),
    Item("water", "BEV-011", "5012345678917", "Still water 1.5 l", "Drinks", 89, 550, True),
    Item("mug", "HOM-100", "5012345678924", "Enamel mug", "Home", 850, 2000, False),
    Item("candle", "HOM-101", "5012345678931", "Beeswax candle", "Home", 1500, 2000, False),
    Item("bag", "HOM-102", None, "Paper bag", "Home", 20, 0, True),
    Item("cake", "BAK-001", None, "Carrot cake slice", "Bakery", 375, 1000, True),
)


@dataclass
class Shop:
    """What a test needs to ring up sales."""

    store_id: int
    staff: dict[str, UserDTO]
    products: dict[str, int]
    categories: dict[str, int]
    customer_id: int | None = None
    items: dict[str, Item] = field(default_factory=lambda: {item.key: item for item in ITEMS})

    @property
    def cashier(self) -> UserDTO:
        """The cashier (no discount above cap, no overrides, no voids)."""
        return self.staff["cashier"]

    @property
    def manager(self) -> UserDTO:
        """The manager."""
        return self.staff["manager"]


def add_staff(backend: Backend) -> dict[str, UserDTO]:
    """An admin, a manager and a cashier (the cashier's password is a PIN)."""
    return {
        "admin": users.add_user(backend.uow(), None, "root", PASSWORD, "admin", full_name="Ada"),
        "manager": users.add_user(
            backend.uow(), None, "boss", PASSWORD, "manager", full_name="Grace Hopper"
        ),
        "cashier": users.add_user(
            backend.uow(), None, "till", CASHIER_PIN, "cashier", full_name="Sam Carter"
        ),
    }


def seed_shop(
    backend: Backend,
    *,
    items: tuple[Item, ...] = ITEMS,
    staff: dict[str, UserDTO] | None = None,
    code: str = "MAIN",
    reorder_point: int = 0,
) -> Shop:
    """Make a storefront with ``items`` in stock; add staff unless given."""
    people = staff if staff is not None else add_staff(backend)
    with backend.uow() as uow:
        store = Store(
            code=code,
            name="Main Street Market",
            kind="store",
            address="1 Main Street, Springfield",
            phone="+1 555 0100",
        )
        uow.session.add(store)
        categories: dict[str, Category] = {}
        for item in items:
            if item.category not in categories:
                categories[item.category] = Category(name=item.category)
                uow.session.add(categories[item.category])
        uow.flush()
        products: dict[str, Product] = {}
        for item in items:
            product = Product(
                sku=item.sku,
                sku_key=item.sku.upper(),
                barcode=item.barcode,
                name=item.name,
                category_id=categories[item.category].id,
                price_minor=item.price_minor,
                cost_minor=item.price_minor // 2,
                tax_rate_bp=item.tax_rate_bp,
                tax_included=item.tax_included,
            )
            uow.session.add(product)
            products[item.key] = product
        uow.flush()
        for item in items:
            uow.session.add(
                StockLevel(
                    store_id=store.id,
                    product_id=products[item.key].id,
                    on_hand=item.stock,
                    reorder_point=reorder_point,
                )
            )
        uow.commit()
        return Shop(
            store.id,
            people,
            {key: p.id for key, p in products.items()},
            {name: c.id for name, c in categories.items()},
            items={item.key: item for item in items},
        )


def add_customer(backend: Backend, name: str = "Jane Doe", number: str = "") -> int:
    """A customer account without ledger money (for attaching to sales).

    The account belongs to a customer record of its own, as every account the services open
    does since migration 0015 (the register's F4 finds the customer, issue #19).
    """
    from posapp.models import Customer, LedgerAccount

    with backend.uow() as uow:
        ledger = LedgerAccount(kind="customer", name=name)
        customer = Customer(name=name, email="jane@example.com", phone="+1 555 0199")
        uow.session.add_all([ledger, customer])
        uow.flush()
        account = CustomerAccount(
            number=number or f"9{ledger.id:09d}",
            ledger_account_id=ledger.id,
            customer_id=customer.id,
            holder_name=name,
            email="jane@example.com",
            phone="+1 555 0199",
        )
        uow.session.add(account)
        uow.flush()
        account_id = account.id
        uow.commit()
    return account_id


def open_shop(backend: Backend) -> Shop:
    """A seeded shop with this register's till open (what most sales tests start from)."""
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


def open_shop_till(backend: Backend, shop: Shop, float_minor: int = 10_000) -> int:
    """Open this register's till for the cashier."""
    return open_till(backend.uow(), shop.cashier, shop.store_id, float_minor).id


def shop_with_open_till(backend: Backend) -> Shop:
    """The test shop, its till open on this register (the register's tests start there)."""
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


def on_hand(backend: Backend, shop: Shop, key: str) -> int:
    """Stock of an item at the shop."""
    with backend.read_uow() as uow:
        level = uow.session.get(StockLevel, (shop.store_id, shop.products[key]))
        return 0 if level is None else level.on_hand


def cash_sale(
    shop: Shop,
    lines: list[tuple[str, int]],
    tendered_minor: int,
    total_minor: int,
    **extra: object,
) -> SaleDraft:
    """A draft for ``lines`` (key, quantity) paid in cash."""
    return SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=tuple(
            DraftLine(no, shop.products[key], qty) for no, (key, qty) in enumerate(lines, start=1)
        ),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total_minor, tendered_minor),),
        **extra,  # type: ignore[arg-type]
    )


def add_coupon(
    backend: Backend,
    code: str = "SPRING-10",
    *,
    percent_bp: int = 1000,
    usage_limit: int | None = None,
    min_spend_minor: int = 0,
    stacks: bool = False,
    name: str = "Spring sale",
) -> int:
    """A running percentage campaign with one code; returns the code's id."""
    from datetime import timedelta

    from posapp.models import CouponCampaign, CouponCode
    from posapp.models.base import utcnow
    from posapp.services.coupons.codes import code_key

    with backend.uow() as uow:
        campaign = CouponCampaign(
            name=name,
            kind="percent",
            value=percent_bp,
            scope="order",
            min_spend_minor=min_spend_minor,
            starts_at=utcnow() - timedelta(days=1),
            usage_limit=usage_limit,
            stacks=stacks,
            single_use_codes=False,
        )
        uow.session.add(campaign)
        uow.flush()
        row = CouponCode(campaign_id=campaign.id, code=code, code_key=code_key(code))
        uow.session.add(row)
        uow.flush()
        code_id = row.id
        uow.commit()
    return code_id


def add_funded_account(
    backend: Backend, shop: Shop, *, pin: str = "2468", balance_minor: int = 50_000
) -> tuple[int, str]:
    """A customer account with money on it (opened and funded through the accounts service)."""
    from posapp.services.accounts.dto import AccountDraft
    from posapp.services.accounts.manage import deposit, open_account

    account = open_account(
        backend.uow(), shop.staff["admin"], AccountDraft("Jane Doe", "jane@example.com"), pin
    )
    deposit(
        backend.uow(),
        shop.staff["admin"],
        account_id=account.id,
        amount_minor=balance_minor,
        key=uuid.uuid4(),
        store_id=shop.store_id,
    )
    return account.id, account.number


def currency_shop(
    backend: Backend,
    code: str,
    prices: tuple[int, int],
    barcodes: tuple[str | None, str | None] = (None, None),
) -> Shop:
    """A shop that chose ``code`` as its currency before any money, then two tax-included items
    (10 % and 8 %) at ``prices``, its till open and the 10 % coupon ``SPRING-10``."""
    staff = add_staff(backend)
    backend.shop.change_setting(staff["admin"], "shop.currency", code)
    items = (
        Item("big", "BIG-1", barcodes[0], "Rice cooker", "Home", prices[0], 1000, True),
        Item("small", "SMALL-1", barcodes[1], "Green tea", "Drinks", prices[1], 800, True),
    )
    shop = seed_shop(backend, items=items, staff=staff)
    open_shop_till(backend, shop)
    add_coupon(backend, "SPRING-10", percent_bp=1000)
    return shop
