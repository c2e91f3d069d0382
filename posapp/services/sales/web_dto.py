"""Frozen inputs and outcomes of an order placed online (``POST /api/v1/orders``).

This module imports neither SQLAlchemy nor the models, so the edges may use it directly.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime


class WebPayment(enum.StrEnum):
    """How a web customer pays: at the counter, from a prepaid account (PIN), or by gift card.

    :func:`posapp.services.sales.web_orders.web_tenders` turns each into the checkout's
    ``PaymentDraft``; a gift card pays the whole total (the checkout redeems it, as at the till).
    """

    AT_PICKUP = "pickup"
    ACCOUNT = "account"
    GIFT_CARD = "gift_card"


@dataclass(frozen=True, slots=True)
class WebLine:
    """A product and how many units of it the customer wants."""

    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class WebOrderDraft:
    """A pickup order as the web customer sends it.

    ``sale_uuid`` is the ``Idempotency-Key``: sending the same draft again returns the first
    order; the same key with another draft is refused. ``expected_total_minor``, when given, is
    the total the customer was shown: if prices changed meanwhile the order is refused.
    """

    sale_uuid: uuid.UUID
    store_id: int
    lines: tuple[WebLine, ...]
    customer_name: str
    email: str
    phone: str = ""
    coupon_code: str = ""
    payment: WebPayment = WebPayment.AT_PICKUP
    account_number: str = ""
    pin: str = field(default="", repr=False)
    expected_total_minor: int | None = None
    gift_card_code: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class WebOrderLine:
    """A line of a web order as its customer sees it."""

    line_no: int
    product_id: int
    name: str
    quantity: int
    unit_price_minor: int
    coupon_minor: int
    total_minor: int


@dataclass(frozen=True, slots=True)
class WebOrderStatus:
    """A web order as its customer may see it (by number and email): never staff names.

    ``order_id`` is for the staff's screens and tests; the public API does not send it.
    """

    order_id: int
    number: str
    status: str
    store_id: int
    store_name: str
    pickup: bool
    payment: str
    placed_at: datetime
    subtotal_minor: int
    coupon_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    refunded_minor: int
    lines: tuple[WebOrderLine, ...]
    replayed: bool = False
    """True when this ``Idempotency-Key`` had placed the order already (nothing new written)."""
