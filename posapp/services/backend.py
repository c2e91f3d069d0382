"""The one seam: every feature's facade as a typed attribute, for the edges (UI and CLI).

``Backend`` is a :class:`~posapp.services.platform.context.ServiceContext` (database,
publisher, register, clock) with one facade per feature built on it: :attr:`Backend.sales`,
:attr:`~Backend.stock`, :attr:`~Backend.catalog`, :attr:`~Backend.coupons`,
:attr:`~Backend.accounts`, :attr:`~Backend.customers`, :attr:`~Backend.giftcards`,
:attr:`~Backend.loyalty`, :attr:`~Backend.staff`, :attr:`~Backend.notifications` and
:attr:`~Backend.shop`. A facade
receives it typed as the context, never as the backend, so no feature depends on this top floor.
Each facade is built on first use (its feature's modules load then), which keeps start-up light.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from posapp.services.platform.context import ServiceContext

if TYPE_CHECKING:
    from posapp.services.accounts import AccountsApi
    from posapp.services.catalog import CatalogApi
    from posapp.services.coupons import CouponsApi
    from posapp.services.customers import CustomersApi, GiftCardsApi, LoyaltyApi
    from posapp.services.notifications import NotificationsApi
    from posapp.services.purchasing import PurchasingApi
    from posapp.services.sales import OfflineSales, OfflineStaff, SalesApi
    from posapp.services.shop import ShopApi
    from posapp.services.staff import StaffApi
    from posapp.services.stock import StockApi

# The facades are imported where they are built (PLC0415): importing this module stays cheap.


class Backend(ServiceContext):
    """Everything an edge needs to run use cases, built once by the composition root.

    It is the :class:`ServiceContext` (database, publisher, register, clock, units of work) with
    one facade per feature on top; each facade is given it as a plain ``ServiceContext``.
    """

    offline_sales: OfflineSales | None = None
    """On PostgreSQL, the register's sales facade that keeps selling while the server is gone
    (#21, docs/OFFLINE.md); set by the composition root
    (:func:`posapp.app_services.start_services`), None on SQLite and in tests that do not."""

    offline_staff: OfflineStaff | None = None
    """On PostgreSQL, the staff facade that signs people in against the register's cache while
    the server is gone (#21); set with :attr:`offline_sales`, None on SQLite."""

    @property
    def register_sales(self) -> SalesApi:
        """The sales facade the register sells through: the offline-capable one if there is one."""
        return self.offline_sales or self.sales

    @property
    def register_staff(self) -> StaffApi:
        """The staff facade the login window and the lock screen use: offline-capable if it can."""
        return self.offline_staff or self.staff

    @property
    def database_description(self) -> str:
        """The SQLite path or the PostgreSQL host, for the status bar."""
        return self.database.info().description

    # ---- the facades ------------------------------------------------------------------------

    @functools.cached_property
    def sales(self) -> SalesApi:
        """The register, the order list and the tills."""
        from posapp.services.sales import SalesApi  # noqa: PLC0415

        return SalesApi(self)

    @functools.cached_property
    def stock(self) -> StockApi:
        """Stores and stock."""
        from posapp.services.stock import StockApi  # noqa: PLC0415

        return StockApi(self)

    @functools.cached_property
    def catalog(self) -> CatalogApi:
        """Products and categories."""
        from posapp.services.catalog import CatalogApi  # noqa: PLC0415

        return CatalogApi(self)

    @functools.cached_property
    def coupons(self) -> CouponsApi:
        """Coupon campaigns, codes, redemptions and their reports."""
        from posapp.services.coupons import CouponsApi  # noqa: PLC0415

        return CouponsApi(self)

    @functools.cached_property
    def accounts(self) -> AccountsApi:
        """Customer accounts and their money."""
        from posapp.services.accounts import AccountsApi  # noqa: PLC0415

        return AccountsApi(self)

    @functools.cached_property
    def customers(self) -> CustomersApi:
        """Customer records, their search and purchase history, export and erasure."""
        from posapp.services.customers import CustomersApi  # noqa: PLC0415

        return CustomersApi(self)

    @functools.cached_property
    def giftcards(self) -> GiftCardsApi:
        """Gift card balances and the shop's limits (selling and spending are in ``sales``)."""
        from posapp.services.customers import GiftCardsApi  # noqa: PLC0415

        return GiftCardsApi(self)

    @functools.cached_property
    def loyalty(self) -> LoyaltyApi:
        """Customers' points and the shop's rules (earning and spending are in ``sales``)."""
        from posapp.services.customers import LoyaltyApi  # noqa: PLC0415

        return LoyaltyApi(self)

    @functools.cached_property
    def staff(self) -> StaffApi:
        """Log-in, staff users, home stores, the audit log, the idle lock and approvals."""
        from posapp.services.staff import StaffApi  # noqa: PLC0415

        return StaffApi(self)

    @functools.cached_property
    def notifications(self) -> NotificationsApi:
        """Staff notifications, their rules, the email outbox and mail settings.

        Built on first use without a sender: the composition root
        (:func:`posapp.app_services.start_services`) sets ``notifications.sender`` to the
        running outbox sender, so that queuing an email wakes it. Tests may use it as is.
        """
        from posapp.services.notifications import NotificationsApi  # noqa: PLC0415

        return NotificationsApi(self)

    @functools.cached_property
    def shop(self) -> ShopApi:
        """The shop's own setup: its settings and its profile on documents."""
        from posapp.services.shop import ShopApi  # noqa: PLC0415

        return ShopApi(self)

    @functools.cached_property
    def purchasing(self) -> PurchasingApi:
        """Suppliers and purchase orders (sending, receiving)."""
        from posapp.services.purchasing import PurchasingApi  # noqa: PLC0415

        return PurchasingApi(self)
