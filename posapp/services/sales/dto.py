"""Frozen inputs and outcomes of the register: the sale being rung up, its lookups, parked sales.

Orders and returns are in :mod:`posapp.services.sales.order_dto`, tills and the sales report in
:mod:`posapp.services.sales.till_dto`. This module imports neither SQLAlchemy nor the models, so the
UI may use it directly.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.sales.pricing import Discount


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
    unit: str = "pc"
    """What a quantity counts (:mod:`posapp.units`); ``price_minor`` is per that unit."""


@dataclass(frozen=True, slots=True)
class ScannedItem:
    """What a scanned code adds: the product and, from a scale barcode, its quantity.

    ``quantity`` is in the product's steps (:mod:`posapp.units`: 455 is 0.455 kg), or None when
    the code named the product alone (its barcode or SKU).
    """

    product: ProductDTO
    quantity: int | None = None


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
class SaleCustomerDTO:
    """A customer (the person) as attached to a sale at the register (F4; issue #19).

    ``account`` is the customer's open account, if any: what an account payment is charged to
    and what the sale records beside the customer.
    """

    id: int
    name: str
    phone: str = ""
    email: str = ""
    account: CustomerDTO | None = None
    points: int = 0
    """The customer's loyalty points when they were found (the register's F4 and its chip)."""


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
    GIFT_CARD = "gift_card"
    POINTS = "points"  # the attached customer's loyalty points (no details: the sale's customer)


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
    number and the holder's PIN (never stored). Gift card: the card's code as typed or scanned.
    """

    payment_uuid: uuid.UUID
    method: PaymentKind
    amount_minor: int
    tendered_minor: int = 0
    card_reference: str = ""
    card_last4: str = ""
    account_number: str = ""
    pin: str = field(default="", repr=False)
    gift_card_code: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class GiftCardLine:
    """A gift card sold on the sale (``reload_code`` empty) or an existing card reloaded.

    Not a product line: it has no stock, tax, discount or coupon; its amount is in the order's
    total (the customer pays it) and never in its sales (a liability until the card is spent).
    """

    amount_minor: int
    reload_code: str = field(default="", repr=False)


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
    customer_id: int | None = None
    """The customer (the person) the sale is made to; with an account, the account's customer."""
    gift_cards: tuple[GiftCardLine, ...] = ()


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
    person: SaleCustomerDTO | None = None
    """The customer attached without (or with) an account (issue #19)."""


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
