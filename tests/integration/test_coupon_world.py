"""A small shop for the coupon tests: staff, a category tree, products, customers and orders.

Orders are made directly with the ORM (the checkout is built in parallel). The helpers are
imported by the other ``test_coupon*`` modules; the one test here checks the world itself.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from posapp.models import (
    Category,
    CustomerAccount,
    LedgerAccount,
    Order,
    OrderLine,
    Product,
    Store,
)
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft, CampaignDTO
from posapp.services.coupons.redemption import BasketLine, CouponQuote, quote_coupon, redeem_coupon
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users

PW = "correct horse battery"
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock for the unit of work."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class World:
    backend: Backend
    clock: FakeClock
    staff: dict[str, UserDTO]
    store_id: int
    categories: dict[str, int]
    products: dict[str, tuple[int, int | None, int]]  # name -> (id, category, price)
    customers: list[int]
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def admin(self) -> UserDTO:
        return self.staff["admin"]

    @property
    def cashier(self) -> UserDTO:
        return self.staff["cashier"]

    def basket(self, *items: tuple[str, int]) -> list[BasketLine]:
        """Lines for (product name, quantity) pairs at list price."""
        out = []
        for line_no, (name, qty) in enumerate(items, start=1):
            pid, cat, price = self.products[name]
            out.append(BasketLine(line_no, pid, cat, qty, price * qty))
        return out

    def order(
        self,
        lines: list[BasketLine] | None = None,
        *,
        customer_id: int | None = None,
        status: str = "placed",
        at: datetime | None = None,
        total_minor: int | None = None,
        cashier_id: int | None = None,
    ) -> int:
        """Insert an order (with its lines) and return its id."""
        lines = lines or []
        total = sum(line.amount_minor for line in lines) if total_minor is None else total_minor
        when = at or self.clock.now
        with self.backend.uow() as uow:
            order = Order(
                sale_uuid=uuid.uuid4(),
                number=f"MAIN-{next(self.numbers):06d}",
                store_id=self.store_id,
                cashier_id=cashier_id or self.cashier.id,
                customer_account_id=customer_id,
                status=status,
                subtotal_minor=total,
                total_minor=total,
                placed_at=when,
                created_at=when,
            )
            uow.session.add(order)
            uow.flush()
            for line in lines:
                uow.session.add(
                    OrderLine(
                        order_id=order.id,
                        line_no=line.line_no,
                        product_id=line.product_id,
                        sku=f"SKU{line.product_id}",
                        name=f"product {line.product_id}",
                        quantity=line.quantity,
                        list_price_minor=line.amount_minor // line.quantity,
                        unit_price_minor=line.amount_minor // line.quantity,
                        total_minor=line.amount_minor,
                    )
                )
            order_id = order.id
            uow.commit()
        return order_id

    def campaign(self, *, shared_code: str = "", **rules: object) -> CampaignDTO:
        """Create a campaign (10 % off the whole order from yesterday, by default)."""
        values: dict[str, object] = {
            "name": "Spring",
            "kind": "percent",
            "value": 1000,
            "starts_at": self.clock.now - timedelta(days=1),
        }
        values.update(rules)
        draft = CampaignDraft(**values)  # type: ignore[arg-type]
        return create_campaign(self.backend.uow(), self.admin, draft, shared_code=shared_code)

    def quote(
        self,
        code: str,
        lines: list[BasketLine],
        *,
        customer_id: int | None = None,
        other_codes: tuple[str, ...] = (),
    ) -> CouponQuote:
        with self.backend.read_uow() as uow:
            return quote_coupon(
                uow, code, lines, customer_account_id=customer_id, other_codes=other_codes
            )

    def checkout(
        self, code: str, lines: list[BasketLine], *, customer_id: int | None = None
    ) -> tuple[int, int, CouponQuote]:
        """Place an order and redeem ``code`` on it, as the checkout will: one unit of work."""
        order_id = self.order(lines, customer_id=customer_id)
        with self.backend.uow() as uow:
            quote = quote_coupon(uow, code, lines, customer_account_id=customer_id)
            redemption_id = redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=customer_id,
                cashier_id=self.cashier.id,
                lines=lines,
            )
            uow.commit()
        return order_id, redemption_id, quote


def make_world(backend: Backend, clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock()
    backend.clock = clock
    staff = {
        "admin": users.add_user(backend.uow(), None, "root", PW, "admin", full_name="Ada Admin"),
        "manager": users.add_user(backend.uow(), None, "boss", PW, "manager"),
        "cashier": users.add_user(backend.uow(), None, "till", "4321", "cashier", full_name="Sam"),
    }
    with backend.uow() as uow:
        session = uow.session
        store = Store(code="MAIN", name="Main Street", kind="store")
        session.add(store)
        food = Category(name="Food")
        drinks = Category(name="Drinks")
        session.add_all([food, drinks])
        session.flush()
        fruit = Category(name="Fruit", parent_id=food.id)
        session.add(fruit)
        session.flush()
        apples = Category(name="Apples", parent_id=fruit.id)
        session.add(apples)
        session.flush()
        cats = {"food": food.id, "fruit": fruit.id, "apples": apples.id, "drinks": drinks.id}
        catalog = {
            "apple": (apples.id, 120),
            "pear": (fruit.id, 250),
            "bread": (food.id, 300),
            "cola": (drinks.id, 199),
            "bag": (None, 10),
            "tv": (None, 49_900),
        }
        products: dict[str, tuple[int, int | None, int]] = {}
        for name, (cat, price) in catalog.items():
            product = Product(
                sku=name.upper(),
                sku_key=name.upper(),
                name=name,
                price_minor=price,
                category_id=cat,
            )
            session.add(product)
            session.flush()
            products[name] = (product.id, cat, price)
        customers = []
        for n in range(3):
            ledger = LedgerAccount(kind="customer", name=f"customer {n}")
            session.add(ledger)
            session.flush()
            account = CustomerAccount(
                number=f"10000{n}", ledger_account_id=ledger.id, holder_name=f"Customer {n}"
            )
            session.add(account)
            session.flush()
            customers.append(account.id)
        store_id = store.id
        uow.commit()
    return World(backend, clock, staff, store_id, cats, products, customers)


def test_world_is_usable(backend: Backend) -> None:
    world = make_world(backend)
    order_id = world.order(world.basket(("apple", 2)))
    assert order_id > 0
    assert len(world.customers) == 3
