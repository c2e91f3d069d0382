"""The one seam: every feature's facade as a typed attribute, for the edges (UI and CLI).

``Backend`` holds a :class:`~posapp.services.platform.context.ServiceContext` (database,
publisher, register, clock) and one facade per feature built on it: :attr:`Backend.sales`,
:attr:`~Backend.stock`, :attr:`~Backend.catalog`, :attr:`~Backend.coupons`,
:attr:`~Backend.accounts`, :attr:`~Backend.staff` and :attr:`~Backend.notifications`. A facade
receives the context, never the backend, so no feature depends on this top floor. Each facade is
built on first use (its feature's modules load then), which keeps start-up light.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from posapp.events import Publisher, null_publisher
from posapp.models.base import utcnow
from posapp.services.platform.context import ServiceContext
from posapp.services.platform.uow import Clock, UnitOfWork

if TYPE_CHECKING:
    from posapp.services.accounts import AccountsApi
    from posapp.services.catalog import CatalogApi
    from posapp.services.coupons import CouponsApi
    from posapp.services.notifications import NotificationsApi
    from posapp.services.platform.db import Database
    from posapp.services.sales import SalesApi
    from posapp.services.staff import StaffApi
    from posapp.services.stock import StockApi

# The facades are imported where they are built (PLC0415): importing this module stays cheap.


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
        self.context = ServiceContext(database, publisher, register=register, clock=clock)

    # ---- the context ------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        """The open database."""
        return self.context.database

    @property
    def publisher(self) -> Publisher:
        """Where committed events go."""
        return self.context.publisher

    @property
    def register(self) -> str:
        """This register's name."""
        return self.context.register

    @property
    def clock(self) -> Clock:
        """The time source of every unit of work."""
        return self.context.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.context.clock = clock

    def uow(self) -> UnitOfWork:
        """A unit of work for a user action that writes (BEGIN IMMEDIATE on SQLite)."""
        return self.context.uow()

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads (never takes SQLite's write lock)."""
        return self.context.read_uow()

    @property
    def database_description(self) -> str:
        """The SQLite path or the PostgreSQL host, for the status bar."""
        return self.database.info().description

    # ---- the facades ------------------------------------------------------------------------

    @functools.cached_property
    def sales(self) -> SalesApi:
        """The register, the order list and the tills."""
        from posapp.services.sales import SalesApi  # noqa: PLC0415

        return SalesApi(self.context)

    @functools.cached_property
    def stock(self) -> StockApi:
        """Stores and stock."""
        from posapp.services.stock import StockApi  # noqa: PLC0415

        return StockApi(self.context)

    @functools.cached_property
    def catalog(self) -> CatalogApi:
        """Products and categories."""
        from posapp.services.catalog import CatalogApi  # noqa: PLC0415

        return CatalogApi(self.context)

    @functools.cached_property
    def coupons(self) -> CouponsApi:
        """Coupon campaigns, codes, redemptions and their reports."""
        from posapp.services.coupons import CouponsApi  # noqa: PLC0415

        return CouponsApi(self.context)

    @functools.cached_property
    def accounts(self) -> AccountsApi:
        """Customer accounts and their money."""
        from posapp.services.accounts import AccountsApi  # noqa: PLC0415

        return AccountsApi(self.context)

    @functools.cached_property
    def staff(self) -> StaffApi:
        """Log-in, staff users, home stores, the audit log, the idle lock and approvals."""
        from posapp.services.staff import StaffApi  # noqa: PLC0415

        return StaffApi(self.context)

    @functools.cached_property
    def notifications(self) -> NotificationsApi:
        """Staff notifications, their rules, the email outbox and mail settings.

        Built on first use without a sender: the composition root
        (:func:`posapp.app_services.start_services`) sets ``notifications.sender`` to the
        running outbox sender, so that queuing an email wakes it. Tests may use it as is.
        """
        from posapp.services.notifications import NotificationsApi  # noqa: PLC0415

        return NotificationsApi(self.context)
