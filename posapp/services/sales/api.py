"""The sales system as one object for the register, the order list and the till page.

Each method opens its own unit of work from the :class:`ServiceContext`, takes and returns only
DTOs, retries PostgreSQL's transient conflicts, and turns a lost database connection into a
:class:`posapp.services.platform.errors.DatabaseError` with a message for the cashier. The UI
reaches it as ``backend.sales`` (:class:`posapp.services.backend.Backend`). Most methods are
use cases declared with :func:`~posapp.services.platform.facade.writes` or
:func:`~posapp.services.platform.facade.reads`: their signatures and docstrings are the use
cases' own.

Receipts and reports come back as DTOs; the UI draws them with ``posapp.reports`` (the layers
let services never import reports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from posapp.services.platform import zone
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.facade import Facade, in_unit_of_work, reads, writes
from posapp.services.platform.retry import with_retry
from posapp.services.platform.settings import get_setting
from posapp.services.sales import card_rules as cards
from posapp.services.sales import (
    checkout,
    checkout_pricing,
    lookup,
    orders,
    queries,
    report,
    returns,
    tills,
)
from posapp.services.sales import parked as parking
from posapp.services.sales.dto import ManagerApproval
from posapp.services.sales.escpos import open_printer, print_receipt
from posapp.services.sales.receipt import receipt_model
from posapp.services.staff import Permission, active_stores

__all__ = ["RECEIPT_PRINTER_KEY", "SalesApi"]

R = TypeVar("R")
RECEIPT_PRINTER_KEY = "orders.receipt_printer"
"""Setting: an ESC/POS printer for receipts (``file:/dev/usb/lp0``, ``tcp:HOST[:PORT]``)."""
LOST = "The database cannot be reached right now ({}). Nothing was lost: try again."


def _guard(action: Callable[[], R]) -> R:
    """Run one action: retry transient conflicts; report a lost connection in words."""
    try:
        return with_retry(action)
    except OperationalError as exc:
        raise DatabaseError(LOST.format(str(exc.orig).strip().splitlines()[0][:120])) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseError(LOST.format("the connection was lost")) from exc
        raise


class SalesApi(Facade):
    """The register's, the order list's and the till's use cases over one context.

    Every call, declared or written out, runs under :func:`_guard` (its :attr:`~Facade.policy`).
    """

    policy = staticmethod(_guard)

    # --- the catalogue and customers ---------------------------------------------------------

    stores = reads(active_stores)
    lookup_code = reads(lookup.lookup_code)
    search_products = reads(lookup.search_products)
    categories = reads(lookup.categories)
    category_products = reads(lookup.category_products)
    search_customers = reads(lookup.search_customers)
    quote_coupon = reads(lookup.quote_sale_coupon)

    discount_cap_bp = reads(in_unit_of_work(checkout_pricing.discount_cap_bp))
    card_rules = reads(in_unit_of_work(cards.card_rules))

    def verify_approval(self, actor: UserDTO, approval: ManagerApproval, permission: str) -> str:
        """Check a manager's approval now; return the approver's name."""
        return _guard(
            lambda: checkout.verify_approval(
                self._context.uow(), actor, approval, Permission(permission)
            )
        )

    # --- the sale ---------------------------------------------------------------------------

    place_order = writes(checkout.place_order)
    void_sale = writes(orders.void_sale)
    record_line_removed = writes(orders.record_line_removed)
    park = writes(parking.park_sale)
    parked = reads(parking.parked_sales)
    resume = writes(parking.resume_sale)
    discard_parked = writes(parking.discard_parked)

    # --- orders -----------------------------------------------------------------------------

    order_page = reads(queries.order_page)
    order_detail = reads(queries.order_detail)
    find_order = reads(queries.find_order)
    pay_order = writes(checkout.pay_order)
    advance_order = writes(orders.advance_order)
    cancel_order = writes(orders.cancel_order)
    return_items = writes(returns.return_items)

    shop_zone = reads(in_unit_of_work(zone.shop_zone))

    def print_receipt(self, actor: UserDTO, order_id: int, *, copy: bool = False) -> bool:
        """Print the receipt on the ESC/POS printer of the setting; False when none is set."""

        def send() -> bool:
            with self._context.read_uow() as uow:
                url = get_setting(uow, RECEIPT_PRINTER_KEY, "")
                local = zone.shop_zone(uow)
            if not url:
                return False
            detail = queries.order_detail(self._context.read_uow(), actor, order_id)
            print_receipt(open_printer(str(url)), receipt_model(detail, zone=local, copy=copy))
            return True

        return _guard(send)

    # --- tills ------------------------------------------------------------------------------

    current_till = reads(tills.current_till)
    denominations = reads(tills.till_denominations)
    open_till = writes(tills.open_till)
    cash_movement = writes(tills.cash_movement)
    close_till = writes(tills.close_till)
    recent_sessions = reads(tills.recent_sessions)
    x_report = reads(tills.x_report)
    z_report = reads(tills.z_report)
    sales_summary = reads(report.sales_summary)
