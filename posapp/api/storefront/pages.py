"""The storefront's pages: browse, search, a product, the basket, its coupon, checkout.

Each page reads through the same public use cases as the JSON API (``backend.catalog.public_*``,
``backend.stock.public_*``, ``backend.sales.public_basket``), so the shop's site shows exactly
what the API answers. Forms post back here and redirect (303) to a page, so a reload never
posts twice.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from posapp.api.auth import backend_of
from posapp.api.coupons import take_coupon_try
from posapp.api.storefront.web import (
    basket_of,
    checked_basket,
    form_of,
    number,
    page,
    see_other,
)
from posapp.services.backend import Backend
from posapp.services.catalog import PublicPage, PublicProduct
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.ids import ID_MAX
from posapp.services.sales import QUANTITY_MAX

router = APIRouter(include_in_schema=False)

PAGE_SIZE: Final = 12
QUERY_MAX: Final = 200
Form = Annotated[dict[str, str], Depends(form_of)]
After = Annotated[int | None, Query(ge=1, le=ID_MAX)]


def _cards(backend: Backend, found: PublicPage) -> list[dict[str, object]]:
    """What a product tile shows: the product, its first image and whether any store has it."""
    stock = backend.stock.public_availability([p.id for p in found.items], None)
    return [
        {
            "product": product,
            "image": product.images[0].id if product.images else None,
            "in_stock": any(a.on_hand > 0 for a in stock[product.id]),
        }
        for product in found.items
    ]


@router.get("/")
def home(request: Request, after: After = None) -> Response:
    """Every product by name, a page at a time."""
    backend = backend_of(request)
    found = backend.catalog.public_products("", after=after, limit=PAGE_SIZE)
    return page(
        request,
        "listing.html",
        basket_of(request),
        title="All products",
        cards=_cards(backend, found),
        more=None if found.next_after is None else f"/?after={found.next_after}",
        welcome=backend.stock.public_stores() if after is None else None,
    )


@router.get("/category/{category_id}")
def category(request: Request, category_id: int, after: After = None) -> Response:
    """A category's products (its subcategories' too)."""
    backend = backend_of(request)
    shown = {c.id: c for c in backend.catalog.public_categories()}.get(category_id)
    if shown is None:
        raise NotFoundError("There is no such category in the shop.")
    found = backend.catalog.public_products(
        "", category_id=category_id, after=after, limit=PAGE_SIZE
    )
    more = None
    if found.next_after is not None:
        more = f"/category/{category_id}?after={found.next_after}"
    return page(
        request,
        "listing.html",
        basket_of(request),
        title=shown.name,
        current_category=category_id,
        cards=_cards(backend, found),
        more=more,
    )


@router.get("/search")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    after: After = None,
) -> Response:
    """The catalog's search (the same as the till's and the API's)."""
    backend = backend_of(request)
    found = backend.catalog.public_products(q, after=after, limit=PAGE_SIZE)
    more = None
    if found.next_after is not None:
        more = request.url.include_query_params(after=found.next_after)
    return page(
        request,
        "listing.html",
        basket_of(request),
        title=f"Search: {q}" if q.strip() else "Search",
        query=q,
        cards=_cards(backend, found),
        more=None if more is None else f"/search?{more.query}",
        truncated=found.truncated,
    )


@router.get("/product/{product_id}")
def product(request: Request, product_id: int) -> Response:
    """A product: its images, price, description and what each store has."""
    backend = backend_of(request)
    shown: PublicProduct = backend.catalog.public_product(product_id)
    stock = {a.store_id: a.on_hand for a in backend.stock.public_availability([shown.id])[shown.id]}
    stores = [(store, stock.get(store.id, 0)) for store in backend.stock.public_stores()]
    basket = basket_of(request)
    return page(
        request,
        "product.html",
        basket,
        title=shown.name,
        product=shown,
        stores=stores,
        current_category=shown.category_id,
        in_basket=basket.quantity_of(shown.id),
        quantity_max=QUANTITY_MAX,
    )


@router.get("/basket")
def basket_page(request: Request) -> Response:
    """The basket priced now, with its coupon's verdict; products no longer sold are dropped."""
    basket = basket_of(request)
    priced = backend_of(request).sales.public_basket(list(basket.lines), basket.code)
    for product_id in priced.unavailable:
        basket = basket.with_quantity(product_id, 0)
    return page(
        request,
        "basket.html",
        basket,
        title="Your basket",
        priced=priced,
        dropped=len(priced.unavailable),
        quantity_max=QUANTITY_MAX,
    )


@router.post("/basket/add")
def add(request: Request, form: Form) -> Response:
    """Add units of a product (checked to be on sale) to the basket."""
    basket = checked_basket(request, form)
    product_id = number(form, "product_id", 1, ID_MAX, "The product")
    quantity = number(form, "quantity", 1, QUANTITY_MAX, "The quantity")
    shown = backend_of(request).catalog.public_product(product_id)  # 404 unless on sale
    if shown.unit != "pc":
        raise HTTPException(422, f"{shown.name} is sold by weight or length: buy it in the shop.")
    total = min(QUANTITY_MAX, basket.quantity_of(product_id) + quantity)
    return see_other(request, "/basket", basket.with_quantity(product_id, total))


@router.post("/basket/update")
def update(request: Request, form: Form) -> Response:
    """Change a line's quantity (0 removes it)."""
    basket = checked_basket(request, form)
    product_id = number(form, "product_id", 1, ID_MAX, "The product")
    quantity = number(form, "quantity", 0, QUANTITY_MAX, "The quantity")
    return see_other(request, "/basket", basket.with_quantity(product_id, quantity))


@router.post("/basket/coupon")
def coupon(request: Request, form: Form) -> Response:
    """Keep the code the visitor typed (the basket page judges it); one try of the address's."""
    basket = checked_basket(request, form)
    if "remove" in form:
        return see_other(request, "/basket", basket.with_code(None))
    code = form.get("code", "")
    if not code.strip():
        raise HTTPException(422, "Type the coupon code first.")
    take_coupon_try(request)
    return see_other(request, "/basket#coupon", basket.with_code(code))
