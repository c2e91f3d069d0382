"""Web orders (public): place a pickup order, and read its status by number and email.

No token: the customer is nobody the staff tables know. ``POST /api/v1/orders`` needs an
``Idempotency-Key`` header holding the sale's UUID (made by the client when the basket is
checked out): the same key with the same body returns the same order, never a second one; the
same key with another body is a 409. The order is priced, its stock taken, its coupon used and
its account payment made by the sales facade's web use case, which writes through the till's own
checkout (docs/API.md, "Web orders").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from posapp.api.auth import backend_of
from posapp.api.problems import problem, status_of
from posapp.money import current_currency
from posapp.services.coupons import CouponRefused
from posapp.services.customers import GiftCardRefused
from posapp.services.platform.errors import (
    AuthenticationError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.ids import ID_MAX
from posapp.services.sales import (
    MAX_LINE_QUANTITY,
    MAX_WEB_LINES,
    WebLine,
    WebOrderDraft,
    WebOrderStatus,
    WebPayment,
)
from posapp.services.stock import InsufficientStockError

router = APIRouter(prefix="/api/v1", tags=["orders (public)"])

_Strict = ConfigDict(extra="forbid")
TEXT_MAX = 1000
PROBLEMS: dict[int | str, dict[str, object]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in [
        (403, "The account's PIN is wrong, or the account is locked."),
        (404, "No open store, product or order with that id or number and email."),
        (409, "Sold out, the key used for another order, not enough money, or prices changed."),
        (422, "The request is not valid, or the coupon cannot be used (see reason)."),
    ]
}


class OrderLineIn(BaseModel):
    """A product and a number of units."""

    model_config = _Strict
    product_id: int = Field(ge=1, le=ID_MAX)
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class Customer(BaseModel):
    """Who collects the order; the email receives the order's news."""

    model_config = _Strict
    name: str = Field(min_length=1, max_length=TEXT_MAX)
    email: str = Field(min_length=1, max_length=TEXT_MAX)
    phone: str = Field(default="", max_length=TEXT_MAX)


class Payment(BaseModel):
    """How the customer pays.

    ``pickup``: at the counter. ``account``: a prepaid customer account and its PIN.
    ``gift_card``: the whole total from a gift card (its code as printed).
    """

    model_config = _Strict
    method: Literal["pickup", "account", "gift_card"] = "pickup"
    account_number: str = Field(default="", max_length=64)
    pin: str = Field(default="", max_length=64)
    gift_card_code: str = Field(default="", max_length=64)


class NewOrder(BaseModel):
    """A pickup order: the store (``/api/v1/stores``), the basket, the customer, how they pay."""

    model_config = _Strict
    store_id: int = Field(ge=1, le=ID_MAX)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_WEB_LINES)
    customer: Customer
    coupon_code: str = Field(default="", max_length=TEXT_MAX)
    payment: Payment = Field(default_factory=Payment)
    expected_total_minor: int | None = Field(default=None, ge=0, le=2**62)


class OrderLineOut(BaseModel):
    """A line of the order as priced."""

    line_no: int
    product_id: int
    name: str
    quantity: int
    unit_price_minor: int
    coupon_minor: int
    total_minor: int


class WebOrder(BaseModel):
    """A web order as its customer sees it; amounts in minor units of ``currency``."""

    number: str
    status: str
    store_id: int
    store_name: str
    payment: str
    placed_at: datetime
    currency: str | None
    digits: int
    subtotal_minor: int
    coupon_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    refunded_minor: int
    lines: list[OrderLineOut]
    replayed: bool

    @classmethod
    def of(cls, order: WebOrderStatus) -> WebOrder:
        """The wire shape of the service's DTO."""
        currency = current_currency()
        return cls(
            number=order.number,
            status=order.status,
            store_id=order.store_id,
            store_name=order.store_name,
            payment=order.payment,
            placed_at=order.placed_at,
            currency=currency.code or None,
            digits=currency.digits,
            subtotal_minor=order.subtotal_minor,
            coupon_minor=order.coupon_minor,
            tax_minor=order.tax_minor,
            total_minor=order.total_minor,
            paid_minor=order.paid_minor,
            refunded_minor=order.refunded_minor,
            lines=[OrderLineOut.model_validate(line, from_attributes=True) for line in order.lines],
            replayed=order.replayed,
        )


def _refusal(exc: ServiceError) -> JSONResponse:
    """A refusal of the web order as problem+json, with the status a shop's client expects."""
    if isinstance(exc, InsufficientStockError):
        return problem(409, str(exc))
    if isinstance(exc, CouponRefused):
        return problem(422, str(exc), reason=exc.reason)
    if isinstance(exc, GiftCardRefused):  # an empty or expired card is the state of things
        status = 409 if exc.reason in ("insufficient", "expired") else 422
        return problem(status, str(exc), reason=exc.reason)
    if isinstance(exc, AuthenticationError):  # the account's PIN (no token is involved here)
        return problem(403, str(exc))
    status = status_of(exc)
    # Not enough money, a frozen account: the state of things, not a malformed request.
    return problem(409 if status == 400 else status, str(exc))  # noqa: PLR2004


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=64,
        description="The sale's UUID, made once per basket: a retry sends the same one.",
    ),
]


@router.post(
    "/orders",
    status_code=201,
    summary="Place a pickup order",
    response_model=WebOrder,
    responses={200: {"description": "The order this key placed before (replayed)."}, **PROBLEMS},
)
def place_order(
    request: Request, response: Response, order: NewOrder, idempotency_key: IdempotencyKey
) -> WebOrder | JSONResponse:
    """Place a pickup order at a store, paid at pickup or from a prepaid account (with PIN).

    201 with the order; 200 with the same order when the key was used before with this body.
    """
    try:
        sale_uuid = uuid.UUID(idempotency_key.strip())
    except ValueError:
        return problem(422, "The Idempotency-Key header must be a UUID.")
    draft = WebOrderDraft(
        sale_uuid=sale_uuid,
        store_id=order.store_id,
        lines=tuple(WebLine(line.product_id, line.quantity) for line in order.lines),
        customer_name=order.customer.name,
        email=order.customer.email,
        phone=order.customer.phone,
        coupon_code=order.coupon_code,
        payment=WebPayment(order.payment.method),
        account_number=order.payment.account_number,
        pin=order.payment.pin,
        expected_total_minor=order.expected_total_minor,
        gift_card_code=order.payment.gift_card_code,
    )
    try:
        placed = backend_of(request).sales.place_web_order(draft)
    except ValidationError as exc:
        return problem(422, str(exc))
    except ServiceError as exc:
        return _refusal(exc)
    if placed.replayed:
        response.status_code = 200
    return WebOrder.of(placed)


@router.get(
    "/orders/{number}",
    summary="A web order's status",
    response_model=WebOrder,
    responses={404: PROBLEMS[404], 422: PROBLEMS[422]},
)
def order_status(
    request: Request,
    number: Annotated[str, Path(min_length=1, max_length=64)],
    email: Annotated[str, Query(min_length=1, max_length=TEXT_MAX)],
) -> WebOrder:
    """The order with this number placed with this email (404 for either being wrong)."""
    return WebOrder.of(backend_of(request).sales.web_order_status(number, email))
