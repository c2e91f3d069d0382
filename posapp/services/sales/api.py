"""The sales system as one object for the register, the order list and the till page.

Each method opens its own unit of work from the :class:`ServiceContext`, takes and returns only
DTOs, retries PostgreSQL's transient conflicts, and turns a lost database connection into a
:class:`posapp.services.platform.errors.DatabaseError` with a message for the cashier. The UI
reaches it as ``backend.sales`` (:class:`posapp.services.backend.Backend`).

Receipts and reports come back as DTOs; the UI draws them with ``posapp.reports`` (the layers
let services never import reports).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.retry import with_retry
from posapp.services.platform.settings import get_setting
from posapp.services.platform.zone import shop_zone
from posapp.services.sales import checkout, orders, parked, returns, tills
from posapp.services.sales import lookup as checkout_lookup
from posapp.services.sales import queries as orders_queries
from posapp.services.sales import report as orders_sales
from posapp.services.sales.checkout_pricing import discount_cap_bp
from posapp.services.sales.dto import (
    BasketItem,
    CategoryDTO,
    CouponQuoteDTO,
    CustomerDTO,
    ManagerApproval,
    ParkedCart,
    ParkedSaleDTO,
    PaymentDraft,
    PlacedOrder,
    ProductDTO,
    SaleDraft,
)
from posapp.services.sales.escpos import open_printer, print_receipt
from posapp.services.sales.order_dto import (
    OrderDetail,
    OrderFilter,
    OrderRow,
    ReturnRequest,
    ReturnResult,
)
from posapp.services.sales.receipt import receipt_model
from posapp.services.sales.till_dto import CashMovementDTO, SalesReport, TillReport, TillSessionDTO
from posapp.services.staff import Permission, active_stores

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext

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


class SalesApi:
    """The register's, the order list's and the till's use cases over one context."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # --- the catalogue and customers ---------------------------------------------------------

    def stores(self) -> list[StoreDTO]:
        """Active stores and warehouses."""
        return _guard(lambda: active_stores(self._context.read_uow()))

    def lookup_code(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product with this barcode or SKU."""
        return _guard(lambda: checkout_lookup.lookup_code(self._context.read_uow(), actor, code))

    def search_products(self, actor: UserDTO, text: str) -> list[ProductDTO]:
        """Products matching a name, SKU or barcode."""
        return _guard(
            lambda: checkout_lookup.search_products(self._context.read_uow(), actor, text)
        )

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """Categories with products, for the grid."""
        return _guard(lambda: checkout_lookup.categories(self._context.read_uow(), actor))

    def category_products(self, actor: UserDTO, category_id: int) -> list[ProductDTO]:
        """A category's products, for the grid."""
        return _guard(
            lambda: checkout_lookup.category_products(self._context.read_uow(), actor, category_id)
        )

    def search_customers(self, actor: UserDTO, text: str) -> list[CustomerDTO]:
        """Customer accounts matching name, phone, email or number."""
        return _guard(
            lambda: checkout_lookup.search_customers(self._context.read_uow(), actor, text)
        )

    def quote_coupon(
        self,
        actor: UserDTO,
        code: str,
        basket: Sequence[BasketItem],
        customer_account_id: int | None,
        other_codes: Sequence[str] = (),
    ) -> CouponQuoteDTO:
        """What a coupon would take off the basket (raises ``CouponRefused`` with the reason)."""
        return _guard(
            lambda: checkout_lookup.quote_sale_coupon(
                self._context.read_uow(),
                actor,
                code,
                basket,
                customer_account_id=customer_account_id,
                other_codes=other_codes,
            )
        )

    def discount_cap_bp(self) -> int:
        """The cashiers' discount cap (basis points)."""

        def read() -> int:
            with self._context.read_uow() as uow:
                return discount_cap_bp(uow)

        return _guard(read)

    def verify_approval(self, actor: UserDTO, approval: ManagerApproval, permission: str) -> str:
        """Check a manager's approval now; return the approver's name."""
        return _guard(
            lambda: checkout.verify_approval(
                self._context.uow(), actor, approval, Permission(permission)
            )
        )

    # --- the sale ---------------------------------------------------------------------------

    def place_order(self, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
        """Place and pay a sale (idempotent by ``sale_uuid``)."""
        return _guard(lambda: checkout.place_order(self._context.uow(), actor, draft))

    def void_sale(
        self, actor: UserDTO, sale_uuid: uuid.UUID, lines: int, total_minor: int, reason: str = ""
    ) -> None:
        """Record that a sale was thrown away before it was placed."""
        _guard(
            lambda: orders.void_sale(
                self._context.uow(), actor, sale_uuid, lines, total_minor, reason
            )
        )

    def record_line_removed(
        self,
        actor: UserDTO,
        sale_uuid: uuid.UUID,
        product_id: int,
        quantity: int,
        total_minor: int,
    ) -> None:
        """Record that a line was taken off the sale."""
        _guard(
            lambda: orders.record_line_removed(
                self._context.uow(), actor, sale_uuid, product_id, quantity, total_minor
            )
        )

    def park(
        self, actor: UserDTO, cart: ParkedCart, total_minor: int, label: str = ""
    ) -> ParkedSaleDTO:
        """Park the sale."""
        return _guard(
            lambda: parked.park_sale(
                self._context.uow(), actor, cart, total_minor=total_minor, label=label
            )
        )

    def parked(self, actor: UserDTO) -> list[ParkedSaleDTO]:
        """Parked sales of this store."""
        return _guard(lambda: parked.parked_sales(self._context.read_uow(), actor))

    def resume(self, actor: UserDTO, parked_id: int) -> ParkedCart:
        """Take a parked sale back."""
        return _guard(lambda: parked.resume_sale(self._context.uow(), actor, parked_id))

    def discard_parked(self, actor: UserDTO, parked_id: int, reason: str = "") -> None:
        """Throw a parked sale away."""
        _guard(lambda: parked.discard_parked(self._context.uow(), actor, parked_id, reason))

    # --- orders -----------------------------------------------------------------------------

    def order_page(
        self,
        actor: UserDTO,
        filt: OrderFilter,
        after: tuple[datetime, int] | None = None,
        limit: int = orders_queries.PAGE_SIZE,
    ) -> list[OrderRow]:
        """One keyset page of the order list."""
        return _guard(
            lambda: orders_queries.order_page(
                self._context.read_uow(),
                actor,
                filt,
                after,
                limit,
            )
        )

    def order_detail(self, actor: UserDTO, order_id: int) -> OrderDetail:
        """One order in full."""
        return _guard(
            lambda: orders_queries.order_detail(self._context.read_uow(), actor, order_id)
        )

    def find_order(self, actor: UserDTO, number: str) -> OrderDetail:
        """The order with this number."""
        return _guard(lambda: orders_queries.find_order(self._context.read_uow(), actor, number))

    def pay_order(
        self, actor: UserDTO, order_id: int, payments: Sequence[PaymentDraft]
    ) -> PlacedOrder:
        """Pay a placed order in full."""
        return _guard(lambda: checkout.pay_order(self._context.uow(), actor, order_id, payments))

    def advance_order(self, actor: UserDTO, order_id: int, action: str, note: str = "") -> str:
        """Hand over, mark ready or collected."""
        return _guard(
            lambda: orders.advance_order(self._context.uow(), actor, order_id, action, note)
        )

    def cancel_order(
        self,
        actor: UserDTO,
        order_id: int,
        reason: str,
        approval: ManagerApproval | None = None,
        card_refund_reference: str = "",
    ) -> str:
        """Cancel an order (stock, coupons and payments go back)."""
        return _guard(
            lambda: orders.cancel_order(
                self._context.uow(), actor, order_id, reason, approval, card_refund_reference
            )
        )

    def return_items(self, actor: UserDTO, request: ReturnRequest) -> ReturnResult:
        """Take goods back and refund them (idempotent by ``return_uuid``)."""
        return _guard(lambda: returns.return_items(self._context.uow(), actor, request))

    def shop_zone(self) -> tzinfo:
        """The shop's time zone (receipts and reports show local times in it)."""

        def read() -> tzinfo:
            with self._context.read_uow() as uow:
                return shop_zone(uow)

        return _guard(read)

    def print_receipt(self, actor: UserDTO, order_id: int, *, copy: bool = False) -> bool:
        """Print the receipt on the ESC/POS printer of the setting; False when none is set."""

        def send() -> bool:
            with self._context.read_uow() as uow:
                url = get_setting(uow, RECEIPT_PRINTER_KEY, "")
                zone = shop_zone(uow)
            if not url:
                return False
            detail = orders_queries.order_detail(self._context.read_uow(), actor, order_id)
            print_receipt(open_printer(str(url)), receipt_model(detail, zone=zone, copy=copy))
            return True

        return _guard(send)

    # --- tills ------------------------------------------------------------------------------

    def current_till(self, actor: UserDTO) -> TillSessionDTO | None:
        """This register's open till."""
        return _guard(lambda: tills.current_till(self._context.read_uow(), actor))

    def denominations(self, actor: UserDTO) -> tuple[int, ...]:
        """Notes and coins to count."""
        return _guard(lambda: tills.till_denominations(self._context.read_uow(), actor))

    def open_till(
        self,
        actor: UserDTO,
        store_id: int,
        float_minor: int,
        pieces: Mapping[int, int] | None = None,
    ) -> TillSessionDTO:
        """Open the till with a counted float."""
        return _guard(
            lambda: tills.open_till(self._context.uow(), actor, store_id, float_minor, pieces)
        )

    def cash_movement(self, actor: UserDTO, amount_minor: int, reason: str) -> CashMovementDTO:
        """Cash in (+) or out (-) with a reason."""
        return _guard(lambda: tills.cash_movement(self._context.uow(), actor, amount_minor, reason))

    def close_till(
        self,
        actor: UserDTO,
        counted_minor: int | None = None,
        pieces: Mapping[int, int] | None = None,
    ) -> TillReport:
        """Close with a blind count; the Z report."""
        return _guard(lambda: tills.close_till(self._context.uow(), actor, counted_minor, pieces))

    def recent_sessions(self, actor: UserDTO) -> list[TillSessionDTO]:
        """Latest till sessions."""
        return _guard(lambda: tills.recent_sessions(self._context.read_uow(), actor))

    def x_report(self, actor: UserDTO) -> TillReport:
        """The X report of the open till."""
        return _guard(lambda: tills.x_report(self._context.read_uow(), actor))

    def z_report(self, actor: UserDTO, session_id: int) -> TillReport:
        """A closed session's Z report."""
        return _guard(lambda: tills.z_report(self._context.read_uow(), actor, session_id))

    def sales_summary(self, actor: UserDTO, date_from: date, date_to: date) -> SalesReport:
        """Sales for a date range (may take a while: call it off the GUI thread)."""
        return _guard(
            lambda: orders_sales.sales_summary(self._context.read_uow(), actor, date_from, date_to)
        )
