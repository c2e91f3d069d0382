"""The public coupon check: what a code takes off a basket, or the till's reason for refusing it.

No token. The basket is priced and the code judged by ``backend.sales.public_basket``, the
register's pricing and the very quote checkout makes (``services/sales/public.py``); nothing is
counted. A refusal is an answer, not an error: 200 with ``accepted: false`` and the till's
``reason``. Guessing codes is what a crook would use this for, so besides the per-address limit
of every request each address has a small bucket of coupon checks of its own
(``ApiConfig.coupon_rate``), shared with the storefront's coupon form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from posapp.api.auth import backend_of
from posapp.money import current_currency
from posapp.services.backend import Backend
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.ids import ID_MAX
from posapp.services.sales import BASKET_LINES_MAX, COUPON_CODE_MAX, QUANTITY_MAX, PublicBasket

router = APIRouter(prefix="/api/v1", tags=["coupons (public)"])

TOO_MANY_TRIES = "Too many coupon checks from this address: wait and try again."


class BasketItem(BaseModel):
    """One product of the basket and how many."""

    model_config = ConfigDict(extra="forbid")
    product_id: Annotated[int, Field(ge=1, le=ID_MAX)]
    quantity: Annotated[int, Field(ge=1, le=QUANTITY_MAX)]


class CouponCheck(BaseModel):
    """A code and the basket it would be used on, at a storefront (optional)."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=COUPON_CODE_MAX)]
    store_id: Annotated[int | None, Field(ge=1, le=ID_MAX)] = None
    lines: Annotated[list[BasketItem], Field(max_length=BASKET_LINES_MAX)]


class LineAnswer(BaseModel):
    """A basket line priced: before the coupon, the coupon's share, what it costs."""

    model_config = ConfigDict(from_attributes=True)
    product_id: int
    name: str
    quantity: int
    unit_price_minor: int
    amount_minor: int
    coupon_minor: int
    total_minor: int


class CouponAnswer(BaseModel):
    """The verdict: ``accepted`` with ``saving_minor``, or the till's ``reason`` and words.

    Amounts are integer minor units of ``currency`` (``digits`` decimals). ``unavailable``
    lists products left out of the basket (unknown or no longer sold).
    """

    accepted: bool
    code: str
    reason: str | None
    message: str
    campaign_name: str
    saving_minor: int
    subtotal_minor: int
    total_minor: int
    currency: str | None
    digits: int
    lines: list[LineAnswer]
    unavailable: list[int]


def take_coupon_try(request: Request) -> None:
    """Count one coupon check for the caller's address; 429 when its bucket is empty."""
    client = request.client
    wait = request.app.state.coupon_buckets.take(client.host if client else "unknown")
    if wait > 0:
        seconds = str(max(1, int(wait + 0.999)))
        raise HTTPException(429, TOO_MANY_TRIES, {"Retry-After": seconds})


def check_store(backend: Backend, store_id: int | None) -> None:
    """Refuse (404) a store that is not an open storefront."""
    if store_id is not None and store_id not in {s.id for s in backend.stock.public_stores()}:
        raise NotFoundError(f"No open store with id {store_id}.")


def answer(basket: PublicBasket) -> CouponAnswer:
    """The wire shape of a priced basket with its coupon's verdict."""
    coupon = basket.coupon
    assert coupon is not None
    currency = current_currency()
    return CouponAnswer(
        accepted=coupon.accepted,
        code=coupon.code,
        reason=coupon.reason,
        message=coupon.message,
        campaign_name=coupon.campaign_name,
        saving_minor=coupon.saving_minor,
        subtotal_minor=basket.subtotal_minor,
        total_minor=basket.total_minor,
        currency=currency.code or None,
        digits=currency.digits,
        lines=[LineAnswer.model_validate(line) for line in basket.lines],
        unavailable=list(basket.unavailable),
    )


@router.post(
    "/coupons/validate",
    summary="Check a coupon code against a basket",
    response_model=CouponAnswer,
    responses={429: {"description": "Too many coupon checks from this address"}},
)
def validate_coupon(request: Request, check: CouponCheck) -> CouponAnswer:
    """What ``code`` takes off the basket now, or why the till would refuse it (nothing counted).

    ``reason`` is one of: unknown, not_yet_valid, expired, disabled, used_up,
    already_used_by_customer, needs_customer, minimum_not_reached, nothing_applies,
    does_not_stack.
    """
    take_coupon_try(request)
    backend = backend_of(request)
    check_store(backend, check.store_id)
    items = [(line.product_id, line.quantity) for line in check.lines]
    return answer(backend.sales.public_basket(items, check.code))
