"""Frozen read models and requests of stored orders: the list, the detail, returns.

This module imports neither SQLAlchemy nor the models, so the UI may use it directly.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from posapp.services.sales.dto import CustomerDTO, ManagerApproval, StoreHeader
from posapp.services.sales.pricing import TaxRow
from posapp.units import line_amount

if TYPE_CHECKING:
    from posapp.services.customers import IssuedCard, OrderPoints

# --- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """What the order list shows: every field narrows it; empty means everything."""

    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    store_id: int | None = None
    cashier_id: int | None = None
    customer_account_id: int | None = None
    number: str = ""
    pickup_only: bool = False
    """Only orders to be collected (the till's and the web shop's)."""
    customer_id: int | None = None
    """The customer's orders, with or without an account (issue #19)."""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One row of the order list."""

    id: int
    number: str
    created_at: datetime
    status: str
    store_name: str
    cashier_name: str
    customer_name: str
    item_count: int
    total_minor: int
    paid_minor: int
    refunded_minor: int
    pickup: bool = False
    web: bool = False
    """Placed on the web shop (``customer_name`` is then the name the customer gave)."""

    @property
    def key(self) -> tuple[datetime, int]:
        """The keyset position of this row (newest first)."""
        return (self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class OrderLineDTO:
    """A line of a stored order."""

    id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    returned_qty: int
    list_price_minor: int
    unit_price_minor: int
    discount_minor: int
    order_discount_minor: int
    coupon_minor: int
    tax_rate_bp: int
    tax_included: bool
    tax_minor: int
    total_minor: int
    override_approver: str = ""
    unit: str = "pc"
    """What ``quantity`` and ``returned_qty`` count (:mod:`posapp.units`)."""

    @property
    def returnable_qty(self) -> int:
        """Units still returnable."""
        return self.quantity - self.returned_qty

    @property
    def gross_minor(self) -> int:
        """Price times quantity, before discounts (rounded once for a weighed line)."""
        return line_amount(self.unit_price_minor, self.quantity, self.unit)


@dataclass(frozen=True, slots=True)
class PaymentDTO:
    """A payment (positive) or a refund (negative) of an order."""

    id: int
    method: str
    amount_minor: int
    tendered_minor: int
    change_minor: int
    card_reference: str
    card_last4: str
    account_number: str
    created_at: datetime
    user_name: str
    refund_of_id: int | None = None


@dataclass(frozen=True, slots=True)
class StatusChangeDTO:
    """One step of an order's history."""

    from_status: str | None
    to_status: str
    at: datetime
    user_name: str
    approver_name: str
    note: str


@dataclass(frozen=True, slots=True)
class AppliedCouponDTO:
    """A coupon used on an order."""

    code: str
    campaign_name: str
    discount_minor: int
    reversed: bool


@dataclass(frozen=True, slots=True)
class ReturnLineDTO:
    """One returned line."""

    line_no: int
    name: str
    quantity: int
    amount_minor: int
    restock: bool


@dataclass(frozen=True, slots=True)
class ReturnDTO:
    """A return of goods on an order."""

    id: int
    created_at: datetime
    amount_minor: int
    with_receipt: bool
    refund_to: str
    user_name: str
    approver_name: str
    reason: str
    lines: tuple[ReturnLineDTO, ...]


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """Everything about one order: for the detail pane, the receipt and returns."""

    id: int
    number: str
    sale_uuid: uuid.UUID
    status: str
    store: StoreHeader
    register: str
    cashier_name: str
    customer: CustomerDTO | None
    created_at: datetime
    placed_at: datetime | None
    paid_at: datetime | None
    closed_at: datetime | None
    pickup: bool
    subtotal_minor: int
    discount_minor: int
    coupon_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    refunded_minor: int
    note: str
    lines: tuple[OrderLineDTO, ...]
    payments: tuple[PaymentDTO, ...]
    history: tuple[StatusChangeDTO, ...]
    coupons: tuple[AppliedCouponDTO, ...]
    returns: tuple[ReturnDTO, ...]
    taxes: tuple[TaxRow, ...]
    gift_card_minor: int = 0
    """Gift cards sold or reloaded on the order (in the total, not in sales)."""
    gift_cards: tuple[IssuedCard, ...] = ()
    """The cards sold or reloaded: whole codes for the cashier who sold them and for staff who
    manage coupons, masked like coupon codes for everyone else (a reprint must not hand a
    card's code to another cashier)."""
    customer_name: str = ""
    """The order's customer's name (a customer with or without an account; "" for none)."""
    points: OrderPoints | None = None
    """The points the sale earned and spent and the customer's balance after (None: no
    customer)."""
    web_contact: str = ""
    """For a web order: the customer's name, email and phone as they gave them."""
    actions: tuple[str, ...] = ()
    """What the asking user may do next: ``pay``, ``fulfil``, ``ready``, ``collect``, ``cancel``,
    ``return`` (see ``posapp.services.sales.orders.ACTION_LABELS``)."""

    @property
    def change_minor(self) -> int:
        """Change handed back when the order was paid."""
        return sum(p.change_minor for p in self.payments if p.amount_minor > 0)

    @property
    def tax_added_minor(self) -> int:
        """Tax added on top of net prices."""
        return sum(line.tax_minor for line in self.lines if not line.tax_included)


# --- returns and cancellations -----------------------------------------------------------------


class RefundTo(enum.StrEnum):
    """Where a refund goes."""

    ORIGINAL = "original"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class ReturnLineRequest:
    """Units of one order line brought back; ``restock`` False writes them off."""

    order_line_id: int
    quantity: int
    restock: bool = True


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """A return: which lines, where the money goes, and whether the receipt was shown.

    ``return_uuid`` is made when the return dialog opens, so a retry returns nothing twice.
    Without the receipt a manager's approval is needed (unless the cashier is a manager).
    """

    return_uuid: uuid.UUID
    order_id: int
    lines: tuple[ReturnLineRequest, ...]
    with_receipt: bool = True
    refund_to: RefundTo = RefundTo.ORIGINAL
    account_id: int | None = None
    approval: ManagerApproval | None = None
    reason: str = ""
    card_refund_reference: str = ""


@dataclass(frozen=True, slots=True)
class ReturnResult:
    """What a return did."""

    return_id: int
    order_id: int
    amount_minor: int
    status: str
    refunds: tuple[tuple[str, int], ...]
    """(method, amount) of each refund payment, amounts positive."""
    replayed: bool = False
