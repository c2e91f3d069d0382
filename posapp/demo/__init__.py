"""Demo data: a lively shop built through the same use cases its staff use, on a clock set back.

:func:`load_demo` fills an empty database with two storefronts and a warehouse, four staff
users (their log-ins are kept in the ``demo_logins`` setting for the login screen), a catalog
with pictures, stock, customer accounts, loyalty points, gift cards, three coupon campaigns and
weeks of trading: sales, coupon redemptions, account payments and deposits, cancellations, click
and collect, returns, weekly deliveries and replenishment, and till sessions from opening float
to blind count.

Nothing is written by hand: every row comes from the use case a person would run (checkout,
returns, stock actions, account movements, campaigns, tills, users), each in its own unit of work
with the backend's clock set to the moment it happens (:mod:`posapp.demo.timeline`). The data is
therefore as true to the services' rules as a real shop's (the reliability invariants hold), and
the same seed gives the same shop. The random streams are seeded; what the services draw from
the operating system (customer account numbers, coupon codes) differs from load to load.

Loading is not one transaction: if it fails half-way, the database keeps what was made so far
and is no longer empty (load the demo into a new database instead).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from posapp.demo.catalog import add_catalog
from posapp.demo.coupons import schedule_coupons
from posapp.demo.history import schedule_days
from posapp.demo.loyalty import schedule_gift_cards, set_up_loyalty
from posapp.demo.people import (
    CUSTOMER_PIN,
    STAFF,
    add_stores_and_staff,
    schedule_customers,
    trading_days,
)
from posapp.demo.shop import Shop
from posapp.demo.stock import schedule_stock
from posapp.services.backend import Backend
from posapp.services.catalog import count_products
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.platform.settings import DEMO_LOGINS_KEY, put_setting
from posapp.services.staff import count_users

__all__ = ["CUSTOMER_PIN", "MAX_DAYS", "MAX_PRODUCTS", "NOT_EMPTY", "DemoSummary", "load_demo"]

NOT_EMPTY = "The database already has data; demo data goes only into an empty database."
MAX_DAYS, MAX_PRODUCTS = 366, 10_000


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """How many of each thing :func:`load_demo` created."""

    stores: int
    users: int
    products: int
    customers: int
    campaigns: int
    codes: int
    orders: int


def load_demo(
    backend: Backend,
    *,
    seed: int = 7,
    days: int = 21,
    product_count: int = 240,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with a realistic shop: ``days`` days of trading up to ``now``.

    Args:
        backend: The backend of the database to fill (its clock is the default ``now``).
        seed: The seed of every random choice: the same seed gives the same shop.
        days: Whole days of trading before today (today's trading runs up to ``now``).
        product_count: How many products the catalog has.
        now: The present moment; the demo's history ends there.

    Raises:
        ConflictError: the database already has a user, store or product.
        ValidationError: ``days`` or ``product_count`` is out of range.
    """
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError(f"Demo data covers 0 to {MAX_DAYS} days.")
    if not 1 <= product_count <= MAX_PRODUCTS:
        raise ValidationError(f"Demo data has 1 to {MAX_PRODUCTS} products.")
    if (
        count_users(backend.read_uow())
        or backend.staff.stores()
        or count_products(backend.read_uow())
    ):
        raise ConflictError(NOT_EMPTY)
    when = (now or backend.clock()).astimezone(UTC)
    database = _bulk_loading(backend.database)
    try:
        shop = Shop(database, backend.publisher, seed, when, days)
        add_stores_and_staff(shop)
        add_catalog(shop, product_count)
        calendar = trading_days(shop)
        schedule_customers(shop)
        set_up_loyalty(shop)
        schedule_gift_cards(shop, calendar)
        schedule_coupons(shop)
        schedule_stock(shop, calendar)
        schedule_days(shop, calendar)
        shop.timeline.run()
    finally:
        if database is not backend.database:
            database.dispose()
    summary = DemoSummary(
        stores=len(shop.storefronts) + 1,
        users=len(shop.staff),
        products=product_count,
        customers=len(shop.customers),
        campaigns=shop.coupons.campaigns,
        codes=shop.coupons.count,
        orders=shop.orders,
    )
    _remember_logins(backend, summary, seed)
    return summary


def _bulk_loading(database: Database) -> Database:
    """The same database opened for bulk loading (commits do not wait for the disk).

    An in-memory SQLite database cannot be opened twice: it is used as it is.
    """
    if database.is_sqlite and database.url.database in {None, "", ":memory:"}:
        return database
    return Database(database.url.render_as_string(hide_password=False), durable=False)


def _remember_logins(backend: Backend, summary: DemoSummary, seed: int) -> None:
    """Keep the demo log-ins for the login screen, and audit that demo data was loaded.

    A durable commit on the database: it makes every commit of the bulk load durable too.
    """
    logins = [{"username": u, "password": p, "role": r} for u, _, r, p in STAFF]
    with backend.uow() as uow:
        put_setting(uow, DEMO_LOGINS_KEY, logins)
        after = asdict(summary)
        uow.audit(AuditRecord("demo.load", None, "database", after=after, reason=f"seed {seed}"))
        uow.commit()
