"""What the demo's builders share: its clock, backends, random streams and what exists so far.

That is the backends per register (all on the demo's clock), the seeded random streams, and what
has been made so far: staff, stores, products, customers, coupon codes and the stock on hand.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from posapp.demo.timeline import DemoClock, Timeline
from posapp.events import Publisher
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDTO
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import shop_zone

OFFICE = "back-office"
"""The register the back office works on (stores, catalog, stock, coupons, accounts)."""
SETUP_DAYS_BEFORE = 90
"""The shop was set up (stores, staff, catalog) this many days before the first day of sales."""


@dataclass(frozen=True, slots=True)
class Storefront:
    """A store that sells, the register its till is on and the cashier who usually works it."""

    id: int
    code: str
    name: str
    register: str
    cashier: str


@dataclass(frozen=True, slots=True)
class Item:
    """A product on sale and how popular it is (a few best sellers and a long tail)."""

    product: ProductDTO
    weight: float
    tracked: bool
    """Whether its stock is watched with reorder points (the best sellers)."""


@dataclass(slots=True)
class Customer:
    """A customer account as the demo knows it: the number and PIN the holder gives at a till."""

    id: int
    number: str
    name: str
    pin: str
    welcomed: bool = False
    """Whether the welcome coupon was used on one of their baskets."""


@dataclass(slots=True)
class Coupons:
    """The codes customers bring to the tills, by campaign, in the order they are handed out."""

    welcome: str = ""
    spring: list[str] = field(default_factory=list)
    winter: list[str] = field(default_factory=list)
    count: int = 0
    campaigns: int = 0


class Shop:
    """The demo being built: one per :func:`posapp.demo.load_demo` call."""

    def __init__(
        self, database: Database, publisher: Publisher, seed: int, now: datetime, days: int
    ) -> None:
        self.database = database
        self.publisher = publisher
        self.now = now
        with Backend(database).read_uow() as uow:
            self.zone: tzinfo = shop_zone(uow)
        self.today = now.astimezone(self.zone).date()
        self.first_day = self.today - timedelta(days=days)
        self.setup_day = self.first_day - timedelta(days=SETUP_DAYS_BEFORE)
        self.clock = DemoClock(self.local(self.setup_day, 8))
        self.timeline = Timeline(self.clock, until=now)
        self.rng = random.Random(seed)
        # UUIDs come from their own seeded stream, so the data is reproducible down to the keys.
        self._uuids = random.Random(f"posapp-demo-uuids-{seed}")
        self._backends: dict[str, Backend] = {}
        self.staff: dict[str, UserDTO] = {}
        self.storefronts: list[Storefront] = []
        self.warehouse_id = 0
        self.items: list[Item] = []
        self.cum_weights: list[float] = []
        self.on_hand: dict[tuple[int, int], int] = {}
        self.customers: list[Customer] = []
        self.coupons = Coupons()
        self.orders = 0

    # -- where and when ----------------------------------------------------------------------

    def backend(self, register: str = OFFICE) -> Backend:
        """The backend of ``register``, on the demo's clock."""
        found = self._backends.get(register)
        if found is None:
            found = self._backends[register] = Backend(
                self.database, self.publisher, register=register, clock=self.clock
            )
        return found

    def uow(self, register: str = OFFICE) -> UnitOfWork:
        """A unit of work for a use case that writes, on ``register``."""
        return self.backend(register).uow()

    def read_uow(self, register: str = OFFICE) -> UnitOfWork:
        """A unit of work for a use case that only reads."""
        return self.backend(register).read_uow()

    def local(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """The moment ``hour:minute:second`` of ``day`` in the shop's time zone, in UTC.

        Minutes and seconds may run over (``local(day, 7, 90)`` is 08:30).
        """
        midnight = datetime.combine(day, time(), tzinfo=self.zone)
        return (midnight + timedelta(hours=hour, minutes=minute, seconds=second)).astimezone(UTC)

    def later(self, seconds: int) -> datetime:
        """The clock's time plus ``seconds``."""
        return self.clock.at + timedelta(seconds=seconds)

    def new_uuid(self) -> uuid.UUID:
        """A random-looking version-4 UUID drawn from the seeded stream."""
        return uuid.UUID(int=self._uuids.getrandbits(128), version=4)

    # -- who ---------------------------------------------------------------------------------

    @property
    def admin(self) -> UserDTO:
        """The shop's admin (sets up stores, staff and the catalog)."""
        return self.staff["admin"]

    @property
    def manager(self) -> UserDTO:
        """The manager (stock, coupons, accounts, cancellations, till reports)."""
        return self.staff["manager"]

    def cashier(self, store: Storefront) -> UserDTO:
        """The cashier who works ``store``'s till."""
        return self.staff[store.cashier]
