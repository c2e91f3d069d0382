"""The services as one object for the edges (UI and CLI): database, publisher, clock, register."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sqlalchemy import select

from posapp.events import Publisher, null_publisher
from posapp.models import Store
from posapp.models.base import utcnow
from posapp.services.platform import settings
from posapp.services.platform.db import Database
from posapp.services.platform.dto import DemoLogin, StoreDTO, UserDTO
from posapp.services.platform.uow import Clock, UnitOfWork
from posapp.services.staff import auth, users

if TYPE_CHECKING:
    from posapp.services.catalog.api import CatalogApi
    from posapp.services.coupons.api import CouponDesk
    from posapp.services.notifications.api import NotificationApi
    from posapp.services.sales.api import OrdersDesk
    from posapp.services.stock.api import StoresApi


class Backend:
    """Everything an edge needs to run use cases, built once by the composition root."""

    def __init__(
        self,
        database: Database,
        publisher: Publisher = null_publisher,
        *,
        register: str = "register",
        clock: Clock = utcnow,
    ) -> None:
        self.database = database
        self.publisher = publisher
        self.register = register
        self.clock = clock

    def uow(self) -> UnitOfWork:
        """A unit of work for a user action that writes (BEGIN IMMEDIATE on SQLite)."""
        return UnitOfWork(
            self.database.write_sessions, self.publisher, clock=self.clock, register=self.register
        )

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads (never takes SQLite's write lock)."""
        return UnitOfWork(
            self.database.read_sessions, self.publisher, clock=self.clock, register=self.register
        )

    @property
    def database_description(self) -> str:
        """The SQLite path or the PostgreSQL host, for the status bar."""
        return self.database.info().description

    def login(self, username: str, password: str) -> UserDTO:
        """Check credentials; see :func:`posapp.services.staff.auth.authenticate`."""
        return auth.authenticate(self.uow(), username, password)

    def demo_logins(self) -> list[DemoLogin]:
        """The demo log-ins to show on the login screen (empty unless demo data is loaded)."""
        return settings.demo_logins(self.read_uow())

    def user_count(self) -> int:
        """How many staff users exist."""
        return users.count_users(self.read_uow())

    def stores(self) -> list[StoreDTO]:
        """Every active store and warehouse, storefronts first."""
        with self.read_uow() as uow:
            rows = uow.session.scalars(
                select(Store).where(Store.active.is_(True)).order_by(Store.kind, Store.name)
            ).all()
            return [StoreDTO(s.id, s.code, s.name, s.kind, s.address, s.active) for s in rows]

    @functools.cached_property
    def coupons(self) -> CouponDesk:
        """The coupon system's facade for the UI (loaded on first use)."""
        from posapp.services.coupons.api import CouponDesk  # noqa: PLC0415 - lazy

        return CouponDesk(self)

    @functools.cached_property
    def stock(self) -> StoresApi:
        """Stores and stock use cases for the UI (loaded on first use)."""
        from posapp.services.stock.api import StoresApi  # noqa: PLC0415 - lazy

        return StoresApi(self)

    @functools.cached_property
    def catalog(self) -> CatalogApi:
        """Products and categories use cases for the UI (loaded on first use)."""
        from posapp.services.catalog.api import CatalogApi  # noqa: PLC0415 - lazy

        return CatalogApi(self)

    @functools.cached_property
    def orders(self) -> OrdersDesk:
        """The register's and order list's use cases for the UI (loaded on first use)."""
        from posapp.services.sales.api import OrdersDesk  # noqa: PLC0415 - lazy

        return OrdersDesk(self)

    @functools.cached_property
    def notifications(self) -> NotificationApi:
        """Staff notifications, their rules, the email outbox and mail settings for the UI.

        Built on first use without a sender: the composition root
        (:func:`posapp.app_services.start_services`) sets ``notifications.sender`` to the
        running outbox sender, so that queuing an email wakes it. Tests may use it as is.
        """
        from posapp.services.notifications.api import NotificationApi  # noqa: PLC0415 - lazy

        return NotificationApi(self)
