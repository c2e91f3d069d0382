"""The public (customer) catalog: browse and search products, a product, categories, stores.

No token: a customer is nobody the staff tables know. Each endpoint calls the catalog's and the
stock's public read use cases (``backend.catalog.public_*``, ``backend.stock.public_*``), which
return active products and open storefronts with public fields only (docs/API.md, "Public
endpoints"). The per-address rate limit holds them back like every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from posapp.api.auth import backend_of
from posapp.money import current_currency
from posapp.services.catalog import PUBLIC_PAGE_MAX, PublicCategory, PublicProduct
from posapp.services.stock import Availability, PublicStore

router = APIRouter(prefix="/api/v1", tags=["catalog (public)"])

ID_MAX = 2**63 - 1
QUERY_MAX = 200
Id = Annotated[int, Query(ge=1, le=ID_MAX)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=PUBLIC_PAGE_MAX)]


class Price(BaseModel):
    """An amount in integer minor units of the shop's currency (``digits`` decimals)."""

    amount_minor: int
    currency: str | None
    digits: int
    tax_rate_bp: int
    tax_included: bool


class Stock(BaseModel):
    """Units on hand at one open storefront."""

    store_id: int
    on_hand: int


class Image(BaseModel):
    """An image of a product (its description; the bytes are not served yet)."""

    id: int
    content_type: str
    width: int
    height: int
    position: int


class Product(BaseModel):
    """A product as a customer sees it: never its cost."""

    id: int
    sku: str
    name: str
    description: str
    category_id: int | None
    category_path: str
    price: Price
    availability: list[Stock]
    images: list[Image]


class ProductPage(BaseModel):
    """A page of products; pass ``next_after`` as ``after`` for the next (null: the last)."""

    items: list[Product]
    next_after: int | None
    truncated: bool


class Category(BaseModel):
    """An active category."""

    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int


class Store(BaseModel):
    """An open storefront."""

    id: int
    code: str
    name: str
    address: str
    phone: str


def _product(product: PublicProduct, stock: list[Availability]) -> Product:
    currency = current_currency()
    return Product(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        category_id=product.category_id,
        category_path=product.category_path,
        price=Price(
            amount_minor=product.price_minor,
            currency=currency.code or None,
            digits=currency.digits,
            tax_rate_bp=product.tax_rate_bp,
            tax_included=product.tax_included,
        ),
        availability=[Stock(store_id=a.store_id, on_hand=a.on_hand) for a in stock],
        images=[
            Image(
                id=i.id,
                content_type=i.content_type,
                width=i.width,
                height=i.height,
                position=i.position,
            )
            for i in product.images
        ],
    )


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


class CategoryPage(BaseModel):
    """One page of categories, depth-first by name; ``next_offset`` is null on the last."""

    items: list[Category]
    total: int
    offset: int
    limit: int
    next_offset: int | None


class StorePage(BaseModel):
    """One page of storefronts, by name; ``next_offset`` is null on the last."""

    items: list[Store]
    total: int
    offset: int
    limit: int
    next_offset: int | None


def _window(total: int, offset: int, limit: int) -> tuple[slice, int | None]:
    end = min(total, offset + limit)
    return slice(offset, end), end if end < total else None


@router.get("/catalog/categories", summary="Categories", response_model=CategoryPage)
def list_categories(request: Request, offset: Offset = 0, limit: Limit = 100) -> CategoryPage:
    """The active categories, depth-first by name (a shop has tens: paged at the edge)."""
    found: list[PublicCategory] = backend_of(request).catalog.public_categories()
    window, next_offset = _window(len(found), offset, limit)
    return CategoryPage(
        items=[
            Category(id=c.id, name=c.name, parent_id=c.parent_id, path=c.path, depth=c.depth)
            for c in found[window]
        ],
        total=len(found),
        offset=offset,
        limit=limit,
        next_offset=next_offset,
    )


@router.get("/stores", summary="Storefronts", response_model=StorePage)
def list_stores(request: Request, offset: Offset = 0, limit: Limit = 100) -> StorePage:
    """The open storefronts, by name (a chain has tens: paged at the edge)."""
    found: list[PublicStore] = backend_of(request).stock.public_stores()
    window, next_offset = _window(len(found), offset, limit)
    return StorePage(
        items=[
            Store(id=s.id, code=s.code, name=s.name, address=s.address, phone=s.phone)
            for s in found[window]
        ],
        total=len(found),
        offset=offset,
        limit=limit,
        next_offset=next_offset,
    )
