"""Products: create, edit, archive and restore them with their images; read them for screens.

Every action follows the service conventions: one unit of work, ``authorize`` first
(VIEW_CATALOG to look, MANAGE_PRODUCTS to change), an audit record for every change (before and
after, prices included), a ``ProductChanged`` event published after the commit.

Concurrent edits: the editor keeps the ``version`` it loaded and passes it back as
``expected_version``. A different stored version means someone saved in between: the save is
refused with a ``ConflictError`` naming who, and nothing is written. Two saves racing past that
check are caught by the version column itself (SQLAlchemy's ``version_id_col``: the second
UPDATE matches no row, which the unit of work turns into the same ConflictError).

Field rules are in :mod:`posapp.services.catalog.rules`; search in
:mod:`posapp.services.catalog.search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from posapp.events import ProductChanged
from posapp.i18n import _
from posapp.models import (
    AuditEntry,
    Category,
    OrderLine,
    Product,
    ProductImage,
    StockMovement,
    User,
)
from posapp.services.catalog.dto import (
    LabelDTO,
    PreparedImage,
    ProductDraft,
    ProductDTO,
    ProductRow,
    SearchResult,
)
from posapp.services.catalog.images import storage_name
from posapp.services.catalog.product_fields import CleanProduct, clean_draft
from posapp.services.catalog.rules import (
    FieldError,
    barcode_variants,
)
from posapp.services.catalog.search import (
    SEARCH_LIMIT,
    browse_ids,
    find_by_code,
    product_dto,
    product_rows,
    search_ids,
)
from posapp.services.catalog.taxes import pick_tax_rate
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, authorize_actor, requires
from posapp.units import is_measured, scale_of, unit_of

__all__ = [
    "MAX_IMAGES",
    "PAGE_MAX",
    "FieldError",
    "archive_product",
    "clean_draft",
    "count_products",
    "create_product",
    "get_product",
    "image_data",
    "lookup_code",
    "lookup_product",
    "product_labels",
    "product_page",
    "restore_product",
    "search_products",
    "update_product",
]

MAX_IMAGES: Final = 8
PAGE_MAX: Final = 1_000
"""Most rows one page read returns."""


def _check_unit_change(uow: UnitOfWork, product: Product, unit: str) -> None:
    """Refuse a change between pieces and thousandths once stock or sales count the old one.

    Stock, sales and purchase lines store steps of the unit (:mod:`posapp.units`): turning
    pieces into kilograms would read 12 pieces on the shelf as 0.012 kg.
    """
    if scale_of(product.unit) == scale_of(unit):
        return
    moved = uow.session.scalar(
        select(StockMovement.id).where(StockMovement.product_id == product.id).limit(1)
    ) or uow.session.scalar(select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1))
    if moved is not None:
        raise FieldError(
            "unit",
            _(
                "“{product_name}” already has stock or sales counted in "
                "{label}; its unit can change only to one counted the same "
                "way. Archive it and create a new product instead."
            ).format(product_name=product.name, label=unit_of(product.unit).label),
        )


def _holder(product_id: int, sku: str, name: str, active: bool) -> str:
    state = "" if active else ", archived"
    return f"“{name}” (SKU {sku}{state})"


def _check_unique(uow: UnitOfWork, values: CleanProduct, own_id: int | None) -> None:
    mine = () if own_id is None else (Product.id != own_id,)
    columns = (Product.id, Product.sku, Product.name, Product.active)
    taken = uow.session.execute(
        select(*columns).where(Product.sku_key == values.sku_key, *mine).limit(1)
    ).first()
    if taken is not None:
        raise FieldError(
            "sku",
            _(
                "The SKU {sku} is already used by {value}; SKUs are compared "
                "ignoring case and surrounding spaces."
            ).format(sku=values.sku, value=_holder(*taken)),
        )
    if values.barcode is not None:
        variants = barcode_variants(values.barcode)
        taken = uow.session.execute(
            select(*columns).where(Product.barcode.in_(variants), *mine).limit(1)
        ).first()
        if taken is not None:
            raise FieldError(
                "barcode",
                _("The barcode {barcode} is already used by {value}.").format(
                    barcode=values.barcode, value=_holder(*taken)
                ),
            )


def _check_category(uow: UnitOfWork, category_id: int | None) -> None:
    if category_id is not None and uow.session.get(Category, category_id) is None:
        raise FieldError("category", _("That category no longer exists: choose another one."))


def _unique_violation(exc: IntegrityError) -> FieldError:
    text = str(exc.orig).lower()
    field = "barcode" if "barcode" in text else "sku"
    return FieldError(
        field,
        _("Another product has just taken this {field}: check it.").format(field=field.upper()),
    )


def _load(uow: UnitOfWork, product_id: int) -> Product:
    product = uow.session.scalar(
        select(Product).where(Product.id == product_id).options(selectinload(Product.images))
    )
    if product is None:
        raise NotFoundError(_("No product with id {product_id}.").format(product_id=product_id))
    return product


_AUDITED: Final = (
    "sku",
    "barcode",
    "name",
    "category_id",
    "price_minor",
    "cost_minor",
    "tax_rate_id",
    "tax_rate_bp",
    "tax_included",
    "unit",
    "active",
)
"""What the audit log keeps of a product (with its number of images)."""


def _snapshot(product: Product, images: int) -> dict[str, object]:
    return values_of(product, _AUDITED) | {"images": images}


def _who_changed(uow: UnitOfWork, product_id: int) -> str:
    user_id = uow.session.scalar(
        select(AuditEntry.user_id)
        .where(AuditEntry.object_kind == "product", AuditEntry.object_id == product_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    user = None if user_id is None else uow.session.get(User, user_id)
    return "Someone else" if user is None else (user.full_name or user.username)


def _check_version(uow: UnitOfWork, product: Product, expected_version: int | None) -> None:
    if expected_version is not None and product.version != expected_version:
        who = _who_changed(uow, product.id)
        raise ConflictError(
            _(
                "{who} changed “{product_name}” after you opened it: reload "
                "it and make your changes again (nothing was saved)."
            ).format(who=who, product_name=product.name)
        )


def _add_images(
    uow: UnitOfWork, product: Product, images: Sequence[PreparedImage], start: int
) -> list[ProductImage]:
    rows = [
        ProductImage(
            product_id=product.id,
            storage_name=storage_name(image),
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            byte_size=len(image.data),
            position=start + offset,
            data=image.data,
            thumbnail=image.thumbnail,
            created_at=uow.now(),
        )
        for offset, image in enumerate(images)
    ]
    uow.session.add_all(rows)
    return rows


def _with_rate(uow: UnitOfWork, actor_id: int, values: CleanProduct) -> CleanProduct:
    """``values`` with the rate of the tax rates table they name (or whose figures they have)."""
    rate = pick_tax_rate(uow, actor_id, values.tax_rate_id, values.tax_rate_bp, values.tax_included)
    bp, inc = rate.rate_bp, rate.included
    return replace(values, tax_rate_id=rate.id, tax_rate_bp=bp, tax_included=inc)


def _apply(product: Product, values: CleanProduct) -> None:
    product.sku = values.sku
    product.sku_key = values.sku_key
    product.barcode = values.barcode
    product.name = values.name
    product.description = values.description
    product.category_id = values.category_id
    product.price_minor = values.price_minor
    product.cost_minor = values.cost_minor
    product.tax_rate_id = values.tax_rate_id
    product.tax_rate_bp = values.tax_rate_bp
    product.tax_included = values.tax_included
    product.unit = values.unit
    product.sold_by_weight = is_measured(values.unit)  # kept in step: quantities in thousandths


def _too_many_images(count: int) -> ValidationError:
    return FieldError(
        "images",
        _("A product has at most {max_images} images (this would be {count}).").format(
            max_images=MAX_IMAGES, count=count
        ),
    )


@requires(Permission.MANAGE_PRODUCTS)
def create_product(
    uow: UnitOfWork, actor: UserDTO, draft: ProductDraft, images: Sequence[PreparedImage] = ()
) -> ProductDTO:
    """Add a product with its images.

    Raises:
        FieldError: a field is not acceptable, or the SKU or barcode is taken.
    """
    values = clean_draft(draft)
    if len(images) > MAX_IMAGES:
        raise _too_many_images(len(images))
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        _check_category(uow, values.category_id)
        _check_unique(uow, values, None)
        values = _with_rate(uow, actor.id, values)
        now = uow.now()
        product = Product(created_at=now, changed_at=now, active=True, sold_by_weight=False)
        _apply(product, values)
        uow.session.add(product)
        try:
            uow.flush()
            rows = _add_images(uow, product, images, 0)
            uow.flush()
        except IntegrityError as exc:
            raise _unique_violation(exc) from exc
        return _saved(uow, actor, product, "product.create", None, len(rows), "created")


@requires(Permission.MANAGE_PRODUCTS)
def update_product(
    uow: UnitOfWork,
    actor: UserDTO,
    product_id: int,
    draft: ProductDraft,
    *,
    expected_version: int,
    images: Sequence[int | PreparedImage] | None = None,
) -> ProductDTO:
    """Save an edited product and its images, if nobody saved it since it was loaded.

    ``images``: None leaves the images as they are; otherwise the product's images in their
    new order: the id of an image to keep, or a new image. Images left out are removed.

    Raises:
        FieldError: a field is not acceptable, or the SKU or barcode is taken.
        ConflictError: the product changed since ``expected_version`` (nothing is written).
        NotFoundError: no such product, or an image id that is not the product's.
    """
    values = clean_draft(draft)
    if images is not None and len(images) > MAX_IMAGES:
        raise _too_many_images(len(images))
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        product = _load(uow, product_id)
        _check_version(uow, product, expected_version)
        _check_category(uow, values.category_id)
        _check_unique(uow, values, product.id)
        values = _with_rate(uow, actor.id, values)
        _check_unit_change(uow, product, values.unit)
        current = sorted(product.images, key=lambda image: (image.position, image.id))
        before = _snapshot(product, len(current))
        _apply(product, values)
        product.changed_at = uow.now()  # always an UPDATE: the version moves on every save
        try:
            uow.flush()
            final = current if images is None else _arrange_images(uow, product, current, images)
            uow.flush()
        except IntegrityError as exc:
            raise _unique_violation(exc) from exc
        return _saved(uow, actor, product, "product.edit", before, len(final), "edited")


def _arrange_images(
    uow: UnitOfWork,
    product: Product,
    current: list[ProductImage],
    wanted: Sequence[int | PreparedImage],
) -> list[ProductImage]:
    by_id = {image.id: image for image in current}
    kept_ids = {item for item in wanted if isinstance(item, int)}
    unknown = kept_ids - set(by_id)
    if unknown:
        raise NotFoundError(_("An image to keep is not one of this product's images."))
    for image in current:
        if image.id not in kept_ids:
            uow.session.delete(image)
    uow.flush()  # free the positions before renumbering
    final: list[ProductImage] = []
    for position, item in enumerate(wanted):
        if isinstance(item, int):
            image = by_id[item]
            image.position = position
            final.append(image)
        else:
            final.extend(_add_images(uow, product, [item], position))
    return final


def _set_active(
    uow: UnitOfWork, actor: UserDTO, product_id: int, active: bool, expected_version: int | None
) -> ProductDTO:
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        product = _load(uow, product_id)
        _check_version(uow, product, expected_version)
        if product.active == active:
            return _read(uow, product.id)
        images = len(product.images)
        before = _snapshot(product, images)
        product.active = active
        product.changed_at = uow.now()
        uow.flush()
        if active:
            return _saved(uow, actor, product, "product.restore", before, images, "restored")
        return _saved(uow, actor, product, "product.archive", before, images, "archived")


def _saved(
    uow: UnitOfWork,
    actor: UserDTO,
    product: Product,
    action: str,
    before: dict[str, object] | None,
    images: int,
    change: str,
) -> ProductDTO:
    """Audit and announce a flushed change to ``product``, commit, and return it as now stored."""
    after = _snapshot(product, images)
    uow.audit(AuditRecord(action, actor.id, "product", product.id, before, after))
    uow.record(ProductChanged(product.id, change, product.changed_at))
    dto = _read(uow, product.id)
    uow.commit()
    return dto


def _read(uow: UnitOfWork, product_id: int) -> ProductDTO:
    found = product_dto(uow.session, product_id)
    if found is None:
        raise NotFoundError(_("No product with id {product_id}.").format(product_id=product_id))
    return found


@requires(Permission.MANAGE_PRODUCTS)
def archive_product(
    uow: UnitOfWork, actor: UserDTO, product_id: int, *, expected_version: int | None = None
) -> ProductDTO:
    """Archive a product: it leaves the catalog and the register but keeps its history."""
    return _set_active(uow, actor, product_id, False, expected_version)


@requires(Permission.MANAGE_PRODUCTS)
def restore_product(
    uow: UnitOfWork, actor: UserDTO, product_id: int, *, expected_version: int | None = None
) -> ProductDTO:
    """Bring an archived product back."""
    return _set_active(uow, actor, product_id, True, expected_version)


# --- reads -----------------------------------------------------------------------------------


@requires(Permission.VIEW_CATALOG)
def get_product(uow: UnitOfWork, actor: UserDTO, product_id: int) -> ProductDTO:
    """One product with its images' thumbnails.

    Raises:
        NotFoundError: no such product.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        return _read(uow, product_id)


@requires(Permission.VIEW_CATALOG)
def image_data(uow: UnitOfWork, actor: UserDTO, image_id: int) -> bytes:
    """The stored (re-encoded) bytes of one product image.

    Raises:
        NotFoundError: no such image.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        data = uow.session.scalar(select(ProductImage.data).where(ProductImage.id == image_id))
        if data is None:
            raise NotFoundError(_("No image with id {image_id}.").format(image_id=image_id))
        return bytes(data)


# The two hot paths of the catalog table (every keystroke, every page) authorise once, inside
# their unit of work, instead of also through @requires' separate pre-check transaction.
ACTIONS["catalog.products.search_products"] = Permission.VIEW_CATALOG
ACTIONS["catalog.products.product_page"] = Permission.VIEW_CATALOG


def search_products(
    uow: UnitOfWork,
    actor: UserDTO,
    text: str,
    *,
    include_archived: bool = False,
    limit: int | None = None,
) -> SearchResult:
    """Ordered ids for the catalog table (see :mod:`posapp.services.catalog.search`).

    Empty ``text`` lists every product by name (the first ``limit`` when given); otherwise at
    most ``SEARCH_LIMIT`` matches come back.
    """
    with uow:
        authorize_actor(uow, actor, Permission.VIEW_CATALOG)  # Core: no ORM user per keystroke
        if not text.strip():
            ids = browse_ids(uow.session, include_archived=include_archived, limit=limit)
            return SearchResult(tuple(ids), truncated=limit is not None and len(ids) >= limit)
        cap = SEARCH_LIMIT if limit is None else max(1, min(limit, SEARCH_LIMIT))
        return search_ids(uow.session, text, include_archived=include_archived, limit=cap)


def product_page(uow: UnitOfWork, actor: UserDTO, ids: Sequence[int]) -> list[ProductRow]:
    """The table rows of up to ``PAGE_MAX`` ids, in their order (one query)."""
    if len(ids) > PAGE_MAX:
        raise ValidationError(
            _("At most {page_max} rows are read at a time.").format(page_max=PAGE_MAX)
        )
    with uow:
        authorize_actor(uow, actor, Permission.VIEW_CATALOG)
        return product_rows(uow.session, ids)


@requires(Permission.VIEW_CATALOG)
def product_labels(uow: UnitOfWork, actor: UserDTO, ids: Sequence[int]) -> list[LabelDTO]:
    """What the barcode labels of ``ids`` show, in their order."""
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        rows = uow.session.execute(
            select(
                Product.id, Product.sku, Product.name, Product.barcode, Product.price_minor
            ).where(Product.id.in_(list(ids)))
        ).all()
        by_id = {
            int(row[0]): LabelDTO(int(row[0]), row[1], row[2], row[3], int(row[4])) for row in rows
        }
        return [by_id[product_id] for product_id in ids if product_id in by_id]


@requires(Permission.VIEW_CATALOG)
def lookup_product(
    uow: UnitOfWork, actor: UserDTO, code: str, *, include_archived: bool = False
) -> ProductDTO | None:
    """The product whose barcode or SKU is exactly ``code``, or None."""
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        return _by_code(uow, code, include_archived=include_archived)


def lookup_code(uow: UnitOfWork, code: str) -> ProductDTO | None:
    """The scanner path: the active product whose barcode or SKU is exactly ``code``, or None.

    Two unique-index reads (see :func:`posapp.services.catalog.search.find_by_code`); no
    acting user, because the register calls it inside its own authorised action.
    """
    with uow:
        return _by_code(uow, code, include_archived=False)


def _by_code(uow: UnitOfWork, code: str, *, include_archived: bool) -> ProductDTO | None:
    product_id = find_by_code(uow.session, code, include_archived=include_archived)
    return None if product_id is None else product_dto(uow.session, product_id)


def count_products(uow: UnitOfWork, *, include_archived: bool = True) -> int:
    """How many products exist (for the CLI and the benchmark)."""
    with uow:
        query = select(func.count(Product.id))
        if not include_archived:
            query = query.where(Product.active.is_(True))
        return int(uow.session.scalar(query) or 0)
