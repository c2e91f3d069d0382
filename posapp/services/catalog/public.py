"""The customers' view of the catalog: active products and categories, public fields only.

A customer is nobody the staff tables know, so these reads take no acting user; what keeps them
safe is what they return, not who asks: active products only (an archived one is "not found",
exactly like an unknown id), and DTOs without cost, version or timestamps. They run the same
search as the Catalog tab (:func:`~posapp.services.catalog.search.search_ids`, the trigram
index) and the same browse order (name, id); no second implementation of either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Final

from sqlalchemy import select

from posapp.models import Product, ProductImage
from posapp.services.catalog.dto import ProductDTO
from posapp.services.catalog.images import MAX_BYTES, sniff
from posapp.services.catalog.search import browse_page, category_tree, product_dto, search_ids
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork

PUBLIC_PAGE_MAX: Final = 100
IMAGE_TYPES: Final = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
STALE: Final = "The cursor 'after' names no product of this listing: start again without it."


@dataclass(frozen=True, slots=True)
class PublicImage:
    """One image of a product, as a customer may see it (no stored file name)."""

    id: int
    content_type: str
    width: int
    height: int
    position: int


@dataclass(frozen=True, slots=True)
class PublicProduct:
    """A product as a customer may see it: never its cost, version or stock."""

    id: int
    sku: str
    name: str
    description: str
    category_id: int | None
    category_path: str
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    unit: str = "pc"
    """What a quantity counts and the price is per (:mod:`posapp.units`: pc, g, kg, m, l)."""
    images: tuple[PublicImage, ...] = ()


@dataclass(frozen=True, slots=True)
class PublicCategory:
    """An active category and its path (``Food > Fruit``)."""

    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int


@dataclass(frozen=True, slots=True)
class PublicPage:
    """One page of a listing; ``next_after`` is the cursor of the next one (None: the last).

    ``truncated``: a search stops at ``SEARCH_LIMIT`` matches (as in the Catalog tab); a longer
    text narrows it.
    """

    items: tuple[PublicProduct, ...]
    next_after: int | None
    truncated: bool = False


def _public(dto: ProductDTO) -> PublicProduct:
    """The public fields of ``dto`` (by name: PublicProduct's are a subset of ProductDTO's)."""
    shown = {f.name: getattr(dto, f.name) for f in fields(PublicProduct) if f.name != "images"}
    images = tuple(
        PublicImage(i.id, i.content_type, i.width, i.height, i.position) for i in dto.images
    )
    return PublicProduct(**shown, images=images)


def _subtree(uow: UnitOfWork, category_id: int) -> set[int]:
    tree = category_tree(uow.session)
    active = {c.id for c in tree if c.active}
    if category_id not in active:
        raise NotFoundError(f"No category with id {category_id}.")
    found = {category_id}
    for category in tree:  # parents come before their children
        if category.parent_id in found and category.id in active:
            found.add(category.id)
    return found


def _in_categories(uow: UnitOfWork, ids: Sequence[int], categories: set[int]) -> list[int]:
    rows = uow.session.execute(
        select(Product.id).where(Product.category_id.in_(sorted(categories)))
    ).scalars()
    inside = set(rows)
    return [product_id for product_id in ids if product_id in inside]


def public_products(
    uow: UnitOfWork,
    text: str = "",
    *,
    category_id: int | None = None,
    after: int | None = None,
    limit: int = 20,
) -> PublicPage:
    """A page of active products: the catalog search's matches, or every one by name.

    ``after`` is the id that ended the previous page (its ``next_after``): the page goes on
    from it in the listing's order, so walking the pages returns each product once. Browsing
    is a keyset read on (name, id), so a cursor stays good when its product is archived; a
    search's cursor is its place in the search's (at most ``SEARCH_LIMIT``) matches.

    Raises:
        NotFoundError: ``category_id`` names no active category.
        ValidationError: ``limit`` out of 1..100, or ``after`` is not in this listing (no
            such product; for a search, one that no longer matches).
    """
    if not 1 <= limit <= PUBLIC_PAGE_MAX:
        raise ValidationError(f"limit must be between 1 and {PUBLIC_PAGE_MAX}.")
    with uow:
        categories = None if category_id is None else _subtree(uow, category_id)
        if text.strip():
            return _search_page(uow, text, categories, after, limit)
        ids = browse_page(
            uow.session,
            after=after,
            limit=limit + 1,
            category_ids=None if categories is None else sorted(categories),
        )
        if ids is None:
            raise ValidationError(STALE)
        chosen = ids[:limit]
        items = _products(uow, chosen)
        return PublicPage(items, chosen[-1] if len(ids) > limit else None)


def _search_page(
    uow: UnitOfWork, text: str, categories: set[int] | None, after: int | None, limit: int
) -> PublicPage:
    # A search returns at most SEARCH_LIMIT ids in its own order (the exact code first, then by
    # name), which no SQL keyset reproduces: the page goes on after the cursor's place in it.
    result = search_ids(uow.session, text)
    ids: Sequence[int] = result.ids
    if categories is not None:
        ids = _in_categories(uow, ids, categories)
    start = 0
    if after is not None:
        try:
            start = list(ids).index(after) + 1
        except ValueError:
            raise ValidationError(STALE) from None
    chosen = ids[start : start + limit]
    more = start + limit < len(ids)
    return PublicPage(_products(uow, chosen), chosen[-1] if more else None, result.truncated)


def _products(uow: UnitOfWork, ids: Sequence[int]) -> tuple[PublicProduct, ...]:
    items: list[PublicProduct] = []
    for product_id in ids:
        found = product_dto(uow.session, product_id)
        if found is not None and found.active:
            items.append(_public(found))
    return tuple(items)


def public_product(uow: UnitOfWork, product_id: int) -> PublicProduct:
    """One active product with its images' descriptions.

    Raises:
        NotFoundError: no such product, or it is archived (the same words: nothing leaks).
    """
    with uow:
        found = product_dto(uow.session, product_id) if storable_id(product_id) else None
        if found is None or not found.active:
            raise NotFoundError(f"No product with id {product_id}.")
        return _public(found)


def public_categories(uow: UnitOfWork) -> list[PublicCategory]:
    """The active categories whose parents are active too, depth-first by name."""
    with uow:
        tree = category_tree(uow.session)
    shown: set[int | None] = {None}
    result: list[PublicCategory] = []
    for category in tree:
        if category.active and category.parent_id in shown:
            shown.add(category.id)
            result.append(
                PublicCategory(
                    category.id, category.name, category.parent_id, category.path, category.depth
                )
            )
    return result


@dataclass(frozen=True, slots=True)
class PublicImageData:
    """The bytes of a product image (or its thumbnail) and their type, read from the bytes."""

    content_type: str
    data: bytes


def public_image(uow: UnitOfWork, image_id: int, *, thumbnail: bool = False) -> PublicImageData:
    """The stored bytes of an image of an active product (its thumbnail when asked).

    The content type is read from the bytes themselves (PNG, JPEG or WebP, what uploads are
    re-encoded to), never from a stored name; anything else, or bytes above the upload limit
    (5 MB), is not served.

    Raises:
        NotFoundError: no such image, its product is archived, or its bytes are not servable
            (the same words: nothing leaks).
    """
    column = ProductImage.thumbnail if thumbnail else ProductImage.data
    with uow:
        data = None
        if storable_id(image_id):
            data = uow.session.scalar(
                select(column)
                .join(Product, Product.id == ProductImage.product_id)
                .where(ProductImage.id == image_id, Product.active.is_(True))
            )
    kind = None if data is None or len(data) > MAX_BYTES else sniff(bytes(data[:16]))
    if data is None or kind is None:
        raise NotFoundError(f"No image with id {image_id}.")
    return PublicImageData(IMAGE_TYPES[kind], bytes(data))
