"""The public (customer) catalog: browse and search products, a product, categories, stores.

No token: a customer is nobody the staff tables know. Each endpoint calls the catalog's and the
stock's public read use cases (``backend.catalog.public_*``, ``backend.stock.public_*``), which
return active products and open storefronts with public fields only (docs/API.md, "Public
endpoints"). The per-address rate limit holds them back like every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Generic, Literal, Self, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from posapp.api.auth import backend_of
from posapp.money import current_currency
from posapp.services.catalog import PUBLIC_PAGE_MAX, PublicCategory, PublicImage, PublicProduct
from posapp.services.platform.ids import ID_MAX
from posapp.services.stock import Availability, PublicStore

router = APIRouter(prefix="/api/v1", tags=["catalog (public)"])

QUERY_MAX = 200
Id = Annotated[int, Query(ge=1, le=ID_MAX)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=PUBLIC_PAGE_MAX)]
T = TypeVar("T")
_FromDto = ConfigDict(from_attributes=True)


class Price(BaseModel):
    """An amount in integer minor units of the shop's currency (``digits`` decimals)."""

    amount_minor: int
    currency: str | None
    digits: int
    tax_rate_bp: int
    tax_included: bool


class Product(BaseModel):
    """A product as a customer sees it: never its cost."""

    model_config = _FromDto
    id: int
    sku: str
    name: str
    description: str
    category_id: int | None
    category_path: str
    price: Price
    availability: list[Availability]
    images: list[PublicImage]


class ProductPage(BaseModel):
    """A page of products; pass ``next_after`` as ``after`` for the next (null: the last)."""

    items: list[Product]
    next_after: int | None
    truncated: bool


class Page(BaseModel, Generic[T]):
    """One page of a short list read whole; ``next_offset`` is null on the last."""

    items: list[T]
    total: int
    offset: int
    limit: int
    next_offset: int | None

    @classmethod
    def of(cls, found: Sequence[object], offset: int, limit: int) -> Self:
        """The page of ``found`` (DTOs, read by attribute) from ``offset``."""
        end = min(len(found), offset + limit)
        return cls.model_validate(
            {
                "items": found[offset:end],
                "total": len(found),
                "offset": offset,
                "limit": limit,
                "next_offset": end if end < len(found) else None,
            },
            from_attributes=True,
        )


def _product(product: PublicProduct, stock: list[Availability]) -> Product:
    currency = current_currency()
    price = Price(
        amount_minor=product.price_minor,
        currency=currency.code or None,
        digits=currency.digits,
        tax_rate_bp=product.tax_rate_bp,
        tax_included=product.tax_included,
    )
    added = {"price": price, "availability": stock}
    fields = {name: getattr(product, name) for name in Product.model_fields if name not in added}
    return Product.model_validate(fields | added)


@router.get("/catalog/products", summary="Browse or search products", response_model=ProductPage)
def list_products(
    request: Request,
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    category: Id | None = None,
    store: Id | None = None,
    limit: Limit = 20,
    after: Id | None = None,
) -> ProductPage:
    """Active products matching ``q`` (the catalog's search) or all by name, a page at a time.

    ``category`` keeps its subtree; ``store`` lists the availability at that storefront only.
    """
    backend = backend_of(request)
    page = backend.catalog.public_products(q, category_id=category, after=after, limit=limit)
    stock = backend.stock.public_availability([p.id for p in page.items], store)
    return ProductPage(
        items=[_product(p, stock[p.id]) for p in page.items],
        next_after=page.next_after,
        truncated=page.truncated,
    )


@router.get("/catalog/products/{product_id}", summary="One product", response_model=Product)
def get_product(request: Request, product_id: int, store: Id | None = None) -> Product:
    """An active product with its price, availability and images (404 otherwise)."""
    backend = backend_of(request)
    product = backend.catalog.public_product(product_id)
    stock = backend.stock.public_availability([product.id], store)
    return _product(product, stock[product.id])


@router.get("/catalog/categories", summary="Categories", response_model=Page[PublicCategory])
def list_categories(
    request: Request, offset: Offset = 0, limit: Limit = 100
) -> Page[PublicCategory]:
    """The active categories, depth-first by name (a shop has tens: paged at the edge)."""
    return Page[PublicCategory].of(backend_of(request).catalog.public_categories(), offset, limit)


@router.get("/stores", summary="Storefronts", response_model=Page[PublicStore])
def list_stores(request: Request, offset: Offset = 0, limit: Limit = 100) -> Page[PublicStore]:
    """The open storefronts, by name (a chain has tens: paged at the edge)."""
    return Page[PublicStore].of(backend_of(request).stock.public_stores(), offset, limit)


IMAGE_MAX_AGE = 3600
"""Seconds a browser or proxy may keep an image without asking again (then: If-None-Match)."""
_IMAGE_TYPES: dict[str, dict[str, object]] = {"image/png": {}, "image/jpeg": {}, "image/webp": {}}


@router.get(
    "/catalog/images/{image_id}",
    summary="An image of a product (its bytes)",
    response_class=Response,
    responses={
        200: {"content": _IMAGE_TYPES, "description": "The image (PNG, JPEG or WebP)"},
        304: {"description": "Not modified (the If-None-Match tag still holds)"},
        404: {"description": "No such image, or its product is not sold"},
    },
)
def get_image(request: Request, image_id: int, size: Literal["full", "thumb"] = "full") -> Response:
    """The stored bytes of an image of an active product, or its thumbnail (``size=thumb``).

    Public and cacheable for an hour, with an ``ETag`` for revalidation; the type comes from
    the bytes. An archived product's images answer 404 like unknown ones.
    """
    image = backend_of(request).catalog.public_image(image_id, thumbnail=size == "thumb")
    tag = '"' + hashlib.sha256(image.data).hexdigest()[:32] + '"'
    headers = {
        "Cache-Control": f"public, max-age={IMAGE_MAX_AGE}",
        "ETag": tag,
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": "inline",
    }
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)
