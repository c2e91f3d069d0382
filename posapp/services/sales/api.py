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

from posapp.i18n import N_, _
from posapp.services.customers import card_balance, card_limits, customer_points
from posapp.services.platform import registry, zone
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.facade import Facade, in_unit_of_work, reads, writes
from posapp.services.platform.printer import PrinterError, connected, kick_drawer
from posapp.services.platform.printer_address import PrinterAddress
from posapp.services.platform.retry import with_retry
from posapp.services.sales import card_rules as cards
from posapp.services.sales import (
    checkout,
    checkout_pricing,
    drawer,
    lookup,
    orders,
    public,
    queries,
    receipt_email,
    report,
    returns,
    sale_customers,
    tills,
    web_orders,
)
from posapp.services.sales import parked as parking
from posapp.services.sales.dto import ManagerApproval
from posapp.services.sales.escpos import print_receipt
from posapp.services.sales.offline import conflicts as offline_conflicts
from posapp.services.sales.offline import server as offline_server
from posapp.services.sales.offline import settle as offline_settle
from posapp.services.sales.receipt import ReceiptModel, receipt_model
from posapp.services.staff import Permission, active_stores

__all__ = ["RECEIPT_PRINTER_KEY", "SalesApi"]

R = TypeVar("R")
RECEIPT_PRINTER_KEY = registry.RECEIPT_PRINTER.key
"""Setting: the ESC/POS receipt printer (``network:HOST[:PORT]``, ``file:/dev/usb/lp0``, …)."""
LOST = N_("The database cannot be reached right now ({}). Nothing was lost: try again.")


def _guard(action: Callable[[], R]) -> R:
    """Run one action: retry transient conflicts; report a lost connection in words."""
    try:
        return with_retry(action)
    except OperationalError as exc:
        raise DatabaseError(_(LOST).format(str(exc.orig).strip().splitlines()[0][:120])) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseError(_(LOST).format(_("the connection was lost"))) from exc
        raise


class SalesApi(Facade):
    """The register's, the order list's and the till's use cases over one context.

    Every call, declared or written out, runs under :func:`_guard` (its :attr:`~Facade.policy`).
    """

    policy = staticmethod(_guard)

    # --- the catalogue and customers ---------------------------------------------------------

    stores = reads(active_stores)
    lookup_code = reads(lookup.lookup_code)
    scan_code = reads(lookup.scan_code)
    search_products = reads(lookup.search_products)
    categories = reads(lookup.categories)
    category_products = reads(lookup.category_products)
    search_customers = reads(lookup.search_customers)
    find_customers = reads(sale_customers.find_sale_customers)
    add_customer = writes(sale_customers.add_sale_customer)
    quote_coupon = reads(lookup.quote_sale_coupon)
    # the web shop's basket (no acting user: active products, public fields only)
    public_basket = reads(public.price_basket)

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
    # Gift cards as the register asks about them (the balance key, the tender, the amount's
    # limits); selling and spending them is part of place_order. The same use cases are
    # ``Backend.giftcards`` for the other edges.
    gift_card = reads(card_balance)
    customer_points = reads(customer_points)  # the points tender (F5) and the customer's chip
    gift_card_limits = reads(card_limits)

    # --- orders -----------------------------------------------------------------------------

    order_page = reads(queries.order_page)
    order_detail = reads(queries.order_detail)
    find_order = reads(queries.find_order)
    pay_order = writes(checkout.pay_order)
    advance_order = writes(orders.advance_order)
    cancel_order = writes(orders.cancel_order)
    return_items = writes(returns.return_items)

    email_receipt = writes(receipt_email.email_receipt)
    # --- sales taken offline (#21, docs/OFFLINE.md) -------------------------------------------

    # The register's replay: a journalled sale placed as the customer paid it (or found by its
    # UUID); SaleRefusedError for a person to look at, DatabaseError when the server is away.
    place_offline_sale = writes(offline_server.place_offline_sale)
    sync_conflicts = reads(offline_conflicts.sync_conflicts)
    resolve_sync_conflict = writes(offline_conflicts.resolve_sync_conflict)
    # A refused sale in this register's journal, settled by a manager so the Z can close.
    refused_offline_sales = reads(offline_settle.refused_offline_sales)
    settle_offline_sale = writes(offline_settle.settle_offline_sale)

    # --- orders placed online (the public API) -----------------------------------------------

    place_web_order = writes(web_orders.place_web_order)
    web_order_status = reads(web_orders.web_order_status)

    shop_zone = reads(in_unit_of_work(zone.shop_zone))
    shop_profile = reads(in_unit_of_work(registry.shop_profile))
    printer_address = reads(in_unit_of_work(drawer.printer_address))

    def print_receipt(self, actor: UserDTO, order_id: int, *, copy: bool = False) -> bool:
        """Print the receipt on the ESC/POS printer of the setting; False when none is set.

        Raises:
            PrinterError: the printer cannot be reached; the message says why.
        """
        address = self.printer_address()
        if address.kind == "none":
            return False
        self._print(actor, order_id, address, copy=copy, kick=False)
        return True

    def after_sale(self, actor: UserDTO, order_id: int) -> drawer.PrintedDTO:
        """After a sale has been placed: open the drawer if paid in cash, print the receipt.

        The drawer's opening is recorded (and committed) first; then the printer works, outside
        any transaction. A printer failure leaves the sale as it is.

        Raises:
            PrinterError: the printer cannot be reached; the message says why.
        """
        job = _guard(lambda: drawer.sale_print_job(self._context.uow(), actor, order_id))
        if job.address.kind == "none":
            return drawer.PrintedDTO(printed=False, drawer_opened=False)
        self._print(actor, order_id, job.address, kick=job.kick)
        return drawer.PrintedDTO(printed=True, drawer_opened=job.kick)

    def open_drawer(self, actor: UserDTO, approval: ManagerApproval | None = None) -> str:
        """No sale: record the opening (a manager, or a manager's approval), then open the drawer.

        Returns:
            The approver's username (``""`` when the actor's own role allowed it).

        Raises:
            ApprovalRequiredError: a cashier needs a manager's approval.
            PrinterError: no printer is set up, or the drawer's pulse could not be sent (the
                opening is recorded all the same).
        """
        done = _guard(lambda: drawer.no_sale(self._context.uow(), actor, approval))
        try:
            with connected(done.address) as printer:
                kick_drawer(printer)
        except PrinterError as exc:
            message = _("The drawer did not open: {exc} (the no-sale is recorded).").format(exc=exc)
            raise PrinterError(message) from exc
        return done.approver

    def _print(
        self,
        actor: UserDTO,
        order_id: int,
        address: PrinterAddress,
        *,
        kick: bool,
        copy: bool = False,
    ) -> None:
        def read() -> ReceiptModel:
            with self._context.read_uow() as uow:
                local = zone.shop_zone(uow)
                shop = registry.shop_profile(uow)
            detail = queries.order_detail(self._context.read_uow(), actor, order_id)
            return receipt_model(detail, zone=local, copy=copy, shop=shop)

        model = _guard(read)
        with connected(address) as printer:
            if kick:
                kick_drawer(printer)  # first: the cashier gives change while the receipt prints
            print_receipt(printer, model)

    # --- tills ------------------------------------------------------------------------------

    current_till = reads(tills.current_till)
    denominations = reads(tills.till_denominations)
    open_till = writes(tills.open_till)
    cash_movement = writes(tills.cash_movement)
    check_close_till = reads(tills.check_close_till)
    close_till = writes(tills.close_till)
    recent_sessions = reads(tills.recent_sessions)
    x_report = reads(tills.x_report)
    z_report = reads(tills.z_report)
    sales_summary = reads(report.sales_summary)
