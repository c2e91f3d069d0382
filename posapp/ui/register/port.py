"""What the Orders tab needs from the services, as a protocol (``backend.orders``).

``posapp.services.sales.api.OrdersDesk`` implements it; the UI never imports it (that would
bring SQLAlchemy in), it receives it from the backend. Tests may pass a fake.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Protocol, cast

from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.sales.dto import (
    BasketItem,
    CashMovementDTO,
    CategoryDTO,
    CouponQuoteDTO,
    CustomerDTO,
    ManagerApproval,
    OrderDetail,
    OrderFilter,
    OrderRow,
    ParkedCart,
    ParkedSaleDTO,
    PaymentDraft,
    PlacedOrder,
    ProductDTO,
    ReturnRequest,
    ReturnResult,
    SaleDraft,
    SalesReport,
    TillReport,
    TillSessionDTO,
)


class OrdersPort(Protocol):
    """The order system's use cases; each call runs in its own unit of work."""

    def stores(self) -> list[StoreDTO]:
        """Active stores and warehouses."""
        ...

    def shop_zone(self) -> tzinfo:
        """The shop's time zone."""
        ...

    def lookup_code(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product with this barcode or SKU, or None."""
        ...

    def search_products(self, actor: UserDTO, text: str) -> list[ProductDTO]:
        """Products matching a name, SKU or barcode."""
        ...

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """Categories with products."""
        ...

    def category_products(self, actor: UserDTO, category_id: int) -> list[ProductDTO]:
        """A category's products."""
        ...

    def search_customers(self, actor: UserDTO, text: str) -> list[CustomerDTO]:
        """Customer accounts matching a name, phone, email or number."""
        ...

    def quote_coupon(
        self,
        actor: UserDTO,
        code: str,
        basket: Sequence[BasketItem],
        customer_account_id: int | None,
        other_codes: Sequence[str] = (),
    ) -> CouponQuoteDTO:
        """What a coupon takes off the basket."""
        ...

    def discount_cap_bp(self) -> int:
        """The cashiers' discount cap in basis points."""
        ...

    def verify_approval(self, actor: UserDTO, approval: ManagerApproval, permission: str) -> str:
        """Check a manager's approval; the approver's name."""
        ...

    def place_order(self, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
        """Place and pay a sale."""
        ...

    def void_sale(
        self, actor: UserDTO, sale_uuid: uuid.UUID, lines: int, total_minor: int, reason: str = ""
    ) -> None:
        """Record a thrown-away sale."""
        ...

    def record_line_removed(
        self,
        actor: UserDTO,
        sale_uuid: uuid.UUID,
        product_id: int,
        quantity: int,
        total_minor: int,
    ) -> None:
        """Record a line taken off the sale."""
        ...

    def park(
        self, actor: UserDTO, cart: ParkedCart, total_minor: int, label: str = ""
    ) -> ParkedSaleDTO:
        """Park the sale."""
        ...

    def parked(self, actor: UserDTO) -> list[ParkedSaleDTO]:
        """Parked sales of the store."""
        ...

    def resume(self, actor: UserDTO, parked_id: int) -> ParkedCart:
        """Resume a parked sale."""
        ...

    def discard_parked(self, actor: UserDTO, parked_id: int, reason: str = "") -> None:
        """Throw a parked sale away."""
        ...

    def order_page(
        self,
        actor: UserDTO,
        filt: OrderFilter,
        after: tuple[datetime, int] | None = None,
        limit: int = 200,
    ) -> list[OrderRow]:
        """A keyset page of orders."""
        ...

    def order_detail(self, actor: UserDTO, order_id: int) -> OrderDetail:
        """One order."""
        ...

    def find_order(self, actor: UserDTO, number: str) -> OrderDetail:
        """The order with this number."""
        ...

    def pay_order(
        self, actor: UserDTO, order_id: int, payments: Sequence[PaymentDraft]
    ) -> PlacedOrder:
        """Pay a placed order."""
        ...

    def advance_order(self, actor: UserDTO, order_id: int, action: str, note: str = "") -> str:
        """Fulfil, ready or collect."""
        ...

    def cancel_order(
        self,
        actor: UserDTO,
        order_id: int,
        reason: str,
        approval: ManagerApproval | None = None,
        card_refund_reference: str = "",
    ) -> str:
        """Cancel an order."""
        ...

    def return_items(self, actor: UserDTO, request: ReturnRequest) -> ReturnResult:
        """Return goods."""
        ...

    def print_receipt(self, actor: UserDTO, order_id: int, *, copy: bool = False) -> bool:
        """Print on the ESC/POS printer if one is set."""
        ...

    def current_till(self, actor: UserDTO) -> TillSessionDTO | None:
        """This register's open till."""
        ...

    def denominations(self, actor: UserDTO) -> tuple[int, ...]:
        """Notes and coins."""
        ...

    def open_till(
        self,
        actor: UserDTO,
        store_id: int,
        float_minor: int,
        pieces: Mapping[int, int] | None = None,
    ) -> TillSessionDTO:
        """Open the till."""
        ...

    def cash_movement(self, actor: UserDTO, amount_minor: int, reason: str) -> CashMovementDTO:
        """Cash in or out."""
        ...

    def close_till(
        self,
        actor: UserDTO,
        counted_minor: int | None = None,
        pieces: Mapping[int, int] | None = None,
    ) -> TillReport:
        """Close with a blind count."""
        ...

    def recent_sessions(self, actor: UserDTO) -> list[TillSessionDTO]:
        """Latest till sessions."""
        ...

    def x_report(self, actor: UserDTO) -> TillReport:
        """X report."""
        ...

    def z_report(self, actor: UserDTO, session_id: int) -> TillReport:
        """Z report of a closed session."""
        ...

    def sales_summary(self, actor: UserDTO, date_from: date, date_to: date) -> SalesReport:
        """Sales for a range."""
        ...


def orders_of(backend: object) -> OrdersPort | None:
    """The backend's order services, or None when the composition root has not wired them."""
    return cast("OrdersPort | None", getattr(backend, "orders", None))
