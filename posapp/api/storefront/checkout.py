"""The storefront's checkout and order pages: place a pickup order, then follow it.

The checkout form posts here (a browser form without script cannot send the JSON API's body), and
the route calls the very use case ``POST /api/v1/orders`` calls, ``backend.sales.place_web_order``:
the till's pricing, stock, coupon and order writing in one transaction. Idempotency as in the API:
the form carries a UUID made when the page was drawn (the sale's UUID), so a double click or a
re-sent form returns the same order instead of a second one. The form also carries the total the
customer saw: if a price changed meanwhile the order is refused and the page shows the new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from posapp.api.auth import backend_of
from posapp.api.problems import status_of
from posapp.api.storefront.basket import Basket
from posapp.api.storefront.web import basket_of, checked_basket, form_of, page, see_other
from posapp.services.coupons import CouponRefused
from posapp.services.platform.errors import DatabaseError, NotFoundError, ServiceError
from posapp.services.sales import CUSTOMER_WORDS, PublicBasket, WebLine, WebOrderDraft

router = APIRouter(include_in_schema=False)

Form = Annotated[dict[str, str], Depends(form_of)]
FIELDS: Final = ("name", "email", "phone", "store_id", "order_key")
TEXT_MAX: Final = 300
UNAVAILABLE: Final = "The shop cannot take orders right now: please try again in a few minutes."


def _priced(request: Request, basket: Basket) -> PublicBasket:
    return backend_of(request).sales.public_basket(list(basket.lines), basket.code)


def _form(
    request: Request,
    basket: Basket,
    entered: Mapping[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The checkout page: the order's summary and the form, with what was typed and why not."""
    backend = backend_of(request)
    priced = _priced(request, basket)
    stores = backend.stock.public_stores()
    stock = backend.stock.public_availability([line.product_id for line in priced.lines])
    has = {
        store.id: all(
            sum(a.on_hand for a in stock[line.product_id] if a.store_id == store.id)
            >= line.quantity
            for line in priced.lines
        )
        for store in stores
    }
    return page(
        request,
        "checkout.html",
        basket,
        status,
        title="Checkout",
        priced=priced,
        stores=stores,
        has_all=has,
        entered=dict(entered),
        error=error,
        order_key=entered.get("order_key") or str(uuid.uuid4()),
    )


@router.get("/checkout")
def checkout(request: Request) -> Response:
    """The order's summary and the pickup form."""
    return _form(request, basket_of(request), {})


def _words(error: ServiceError) -> str:
    if isinstance(error, CouponRefused):
        return f"Your coupon: {CUSTOMER_WORDS[error.reason]} Remove it in your basket to order."
    return UNAVAILABLE if isinstance(error, DatabaseError) else str(error)


@router.post("/checkout")
def place(request: Request, form: Form) -> Response:
    """Place the basket as a pickup order; show it, or the form again with the reason."""
    basket = checked_basket(request, form)
    entered = {name: form.get(name, "")[:TEXT_MAX] for name in FIELDS}
    priced = _priced(request, basket)
    if not priced.lines:
        return see_other(request, "/basket", basket)
    try:
        sale_uuid = uuid.UUID(entered["order_key"])
        store_id = int(entered["store_id"]) if entered["store_id"].isdecimal() else 0
        expected = int(form.get("expected_total_minor", "-1"))
    except ValueError:
        return _form(request, basket, {}, "The form was damaged: please fill it in again.", 422)
    if not store_id:
        return _form(request, basket, entered, "Choose the store you will collect from.", 422)
    draft = WebOrderDraft(
        sale_uuid=sale_uuid,
        store_id=store_id,
        lines=tuple(WebLine(line.product_id, line.quantity) for line in priced.lines),
        customer_name=entered["name"],
        email=entered["email"],
        phone=entered["phone"],
        # The basket's code as it is, even refused (the order then says why): a form sent
        # twice must be the same request, and a used-up code would drop out the second time.
        coupon_code=basket.code or "",
        expected_total_minor=expected if expected >= 0 else None,
    )
    try:
        placed = backend_of(request).sales.place_web_order(draft)
    except ServiceError as refused:
        return _form(request, basket, entered, _words(refused), status_of(refused))
    return page(
        request, "order.html", basket.emptied(), title=f"Order {placed.number}", order=placed
    )


@router.get("/order")
def track(request: Request) -> Response:
    """The form to follow an order by its number and email."""
    return page(request, "track.html", basket_of(request), title="Your order", entered={})


@router.post("/order")
def order_status(request: Request, form: Form) -> Response:
    """An order's status, for its number and the email it was placed with."""
    basket = checked_basket(request, form)
    entered = {name: form.get(name, "")[:TEXT_MAX] for name in ("number", "email")}
    backend = backend_of(request)
    try:
        found = backend.sales.web_order_status(entered["number"], entered["email"])
    except (NotFoundError, ServiceError) as refused:
        return page(
            request,
            "track.html",
            basket,
            status_of(refused),
            title="Your order",
            entered=entered,
            error=_words(refused),
        )
    return page(request, "order.html", basket, title=f"Order {found.number}", order=found)
