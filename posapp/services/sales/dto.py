"""Frozen inputs and read models of the register, orders, returns and tills.

This module imports neither SQLAlchemy nor the models, so the UI may use it directly.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.sales.pricing import Discount, TaxRow


class ApprovalRequiredError(PermissionDeniedError):
    """The action needs a manager's approval; ``permission`` says which, ``line_no`` where.

    Defined here, with the DTOs, so the register can catch it and ask for the approval.
    """

    def __init__(self, permission: str, message: str, line_no: int | None = None) -> None:
        super().__init__(message)
        self.permission = permission
        self.line_no = line_no


# --- catalogue and customers as the register sees them ----------------------------------------


@dataclass(frozen=True, slots=True)
class ProductDTO:
    """A sellable product with what the register needs to price it."""

    id: int
    sku: str
    barcode: str | None
    name: str
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool


@dataclass(frozen=True, slots=True)
class CategoryDTO:
    """A category for the register's product grid."""

    id: int
    name: str
    parent_id: int | None
    product_count: int = 0


@dataclass(frozen=True, slots=True)
class CustomerDTO:
    """A customer account, as attached to a sale."""

    id: int
    number: str
    holder_name: str
    email: str
    phone: str
    status: str


@dataclass(frozen=True, slots=True)
class StoreHeader:
    """What a receipt says about the store."""

    id: int
    code: str
    name: str
    address: str
    phone: str


# --- the sale being rung up -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManagerApproval:
    """A manager's credentials and reason, typed at the register for one action."""

    username: str
    password: str
    reason: str


class PaymentKind(enum.StrEnum):
    """How a customer pays (mirrors ``posapp.models.PaymentMethod``)."""

    CASH = "cash"
    CARD = "card"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class DraftLine:
    """One line of a sale being placed.

    ``unit_price_minor`` None means the product's list price; another price is an override and
    needs ``override_approval`` unless the cashier may override prices.
    """

    line_no: int
    product_id: int
    quantity: int
    unit_price_minor: int | None = None
    discount: Discount | None = None
    override_approval: ManagerApproval | None = None
    discount_approval: ManagerApproval | None = None


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """A payment of a sale. ``payment_uuid`` is fixed when the tender is taken, for retries.

    Card: only the terminal's approval reference and the last four digits. Account: the account
    number and the holder's PIN (never stored).
    """

    payment_uuid: uuid.UUID
    method: PaymentKind
    amount_minor: int
    tendered_minor: int = 0
    card_reference: str = ""
    card_last4: str = ""
    account_number: str = ""
    pin: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class SaleDraft:
    """Everything the register sends to place (and usually pay) a sale in one transaction.

    ``sale_uuid`` is made when the sale starts; sending the same draft again returns the order
    the first attempt made. ``expected_total_minor`` is the total the customer was shown: if the
    prices changed meanwhile the sale is refused rather than charged differently.
    """

    sale_uuid: uuid.UUID
    lines: tuple[DraftLine, ...]
    payments: tuple[PaymentDraft, ...] = ()
    order_discount: Discount | None = None
    order_discount_approval: ManagerApproval | None = None
    coupon_codes: tuple[str, ...] = ()
    customer_account_id: int | None = None
    expected_total_minor: int | None = None
    note: str = ""
    pickup: bool = False


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The outcome of placing (and paying) a sale."""

    order_id: int
    number: str
    status: str
    total_minor: int
    paid_minor: int
    change_minor: int
    replayed: bool = False
    """True when this sale had already been placed (a retry): nothing new was written."""


@dataclass(frozen=True, slots=True)
class CouponQuoteDTO:
    """What a coupon code takes off the current basket."""

    code: str
    campaign_name: str
    discount_minor: int
    line_discounts: tuple[tuple[int, int], ...]
    stacks: bool

    def shares(self) -> dict[int, int]:
        """The discount per line number."""
        return dict(self.line_discounts)


@dataclass(frozen=True, slots=True)
class BasketItem:
    """A line as the coupon rules see it (for quoting from the register)."""

    line_no: int
    product_id: int
    category_id: int | None
    quantity: int
    amount_minor: int


# --- parked sales -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParkedLine:
    """A line of a parked sale, with the product as it was scanned."""

    product: ProductDTO
    quantity: int
    unit_price_minor: int | None = None
    discount: Discount | None = None


@dataclass(frozen=True, slots=True)
class ParkedCart:
    """A sale put aside: enough to rebuild the register's cart (approvals are not kept)."""

    sale_uuid: uuid.UUID
    lines: tuple[ParkedLine, ...]
    customer: CustomerDTO | None = None
    order_discount: Discount | None = None
    coupon_codes: tuple[str, ...] = ()
    note: str = ""
    dropped: tuple[str, ...] = ()
    """Names of products no longer sold, left out when the sale was resumed."""


@dataclass(frozen=True, slots=True)
class ParkedSaleDTO:
    """A row of the parked sales list."""

    id: int
    sale_uuid: uuid.UUID
    label: str
    item_count: int
    total_minor: int
    parked_at: datetime
    cashier_name: str
    customer_name: str
    register: str


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

    @property
    def returnable_qty(self) -> int:
        """Units still returnable."""
        return self.quantity - self.returned_qty

    @property
    def gross_minor(self) -> int:
        """Price times quantity, before discounts."""
        return self.unit_price_minor * self.quantity


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


# --- tills -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TillSessionDTO:
    """A till session, open or closed."""

    id: int
    store_id: int
    store_name: str
    register: str
    cashier_id: int
    cashier_name: str
    opened_at: datetime
    float_minor: int
    closed_at: datetime | None
    expected_minor: int | None
    counted_minor: int | None
    denominations: tuple[tuple[int, int], ...] = ()

    @property
    def is_open(self) -> bool:
        """Whether the session is still open."""
        return self.closed_at is None

    @property
    def over_short_minor(self) -> int | None:
        """Counted minus expected: positive is over, negative is short."""
        if self.counted_minor is None or self.expected_minor is None:
            return None
        return self.counted_minor - self.expected_minor


@dataclass(frozen=True, slots=True)
class CashMovementDTO:
    """Cash put in (+) or taken out (-) of a till with its reason."""

    id: int
    amount_minor: int
    reason: str
    user_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MethodTotal:
    """Takings of one payment method."""

    method: str
    count: int
    sales_minor: int
    refunds_minor: int

    @property
    def net_minor(self) -> int:
        """Sales less refunds."""
        return self.sales_minor - self.refunds_minor


@dataclass(frozen=True, slots=True)
class TillReport:
    """The one calculation behind the X report (mid-session) and the Z report (at close)."""

    kind: str
    """``X`` or ``Z``."""
    session: TillSessionDTO
    generated_at: datetime
    orders_count: int
    items_sold: int
    cancelled_count: int
    gross_minor: int
    discount_minor: int
    coupon_minor: int
    tax_minor: int
    sales_minor: int
    refunds_minor: int
    methods: tuple[MethodTotal, ...]
    taxes: tuple[TaxRow, ...]
    cash_sales_minor: int
    cash_refunds_minor: int
    cash_in_minor: int
    cash_out_minor: int
    account_cash_minor: int
    expected_cash_minor: int
    movements: tuple[CashMovementDTO, ...]

    @property
    def counted_minor(self) -> int | None:
        """The blind count (Z only)."""
        return self.session.counted_minor

    @property
    def over_short_minor(self) -> int | None:
        """Counted minus expected (Z only)."""
        if self.session.counted_minor is None:
            return None
        return self.session.counted_minor - self.expected_cash_minor


@dataclass(frozen=True, slots=True)
class OverShortRow:
    """Over/short of one cashier over closed sessions."""

    cashier_id: int
    cashier_name: str
    sessions: int
    expected_minor: int
    counted_minor: int

    @property
    def over_short_minor(self) -> int:
        """Counted minus expected."""
        return self.counted_minor - self.expected_minor


# --- sales report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SalesDay:
    """One day of the sales report."""

    day: date
    orders: int
    sales_minor: int
    refunds_minor: int


@dataclass(frozen=True, slots=True)
class SalesProduct:
    """One product of the sales report."""

    sku: str
    name: str
    quantity: int
    returned: int
    sales_minor: int


@dataclass(frozen=True, slots=True)
class SalesCashier:
    """One cashier of the sales report."""

    name: str
    orders: int
    sales_minor: int
    average_minor: int


@dataclass(frozen=True, slots=True)
class SalesReport:
    """Sales for a date range by day, product, cashier and payment method."""

    date_from: date
    date_to: date
    store_name: str
    generated_at: datetime
    orders: int
    cancelled: int
    gross_minor: int
    discount_minor: int
    coupon_minor: int
    tax_minor: int
    sales_minor: int
    refunds_minor: int
    days: tuple[SalesDay, ...]
    products: tuple[SalesProduct, ...]
    cashiers: tuple[SalesCashier, ...]
    methods: tuple[MethodTotal, ...]

    @property
    def net_minor(self) -> int:
        """Sales less refunds."""
        return self.sales_minor - self.refunds_minor
