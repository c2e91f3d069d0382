"""Product templates and their variants: save a whole matrix in one transaction; read it back.

A variant is a product (its own SKU, barcode, price and stock per store) with ``template_id``
and one value per attribute (``variant_values``); stock, checkout, returns and reports treat it
as any product. The matrix editor sends the template, its attributes and every row it shows;
:func:`save_template` checks every cell first (:mod:`~posapp.services.catalog.variant_rules`,
then the SKUs and barcodes against the other products), raises one
:class:`~posapp.services.catalog.variant_dto.MatrixError` listing every bad cell, or writes
everything: template, attributes and values, new variants, changed ones, and archives the
variants the matrix no longer lists (they keep their sales). One audit row per template and
per product changed, one ``ProductsImported`` event after the commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from posapp.events import ProductsImported
from posapp.i18n import _
from posapp.models import (
    AttributeValue,
    Category,
    Product,
    ProductTemplate,
    TaxRate,
    TemplateAttribute,
    VariantValue,
)
from posapp.services.catalog.rules import barcode_variants
from posapp.services.catalog.variant_dto import (
    AttributeDraft,
    CellError,
    MatrixError,
    TemplateDraft,
    TemplateDTO,
    TemplateSummary,
    VariantDTO,
)
from posapp.services.catalog.variant_rules import (
    CleanTemplate,
    CleanVariant,
    clean_template,
    search_keys,
    variant_name,
)
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, requires

__all__ = ["get_template", "list_templates", "save_template", "template_of"]

_AUDITED = ("sku", "barcode", "name", "price_minor", "active", "template_id")
_TEMPLATE_AUDITED = ("code", "name", "category_id", "price_minor", "tax_rate_bp", "tax_included")


def _holders(
    session: Session, clean: CleanTemplate
) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """Who holds each SKU key and barcode of the matrix now: (id, name) by key and by code."""
    keys = [row.sku_key for row in clean.variants]
    codes = [
        code for row in clean.variants if row.barcode for code in barcode_variants(row.barcode)
    ]
    by_key: dict[str, tuple[int, str]] = {}
    by_code: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), 400):
        rows = session.execute(
            select(Product.sku_key, Product.id, Product.name).where(
                Product.sku_key.in_(keys[start : start + 400])
            )
        )
        by_key.update({str(key): (int(pid), str(name)) for key, pid, name in rows})
    for start in range(0, len(codes), 400):
        rows = session.execute(
            select(Product.barcode, Product.id, Product.name).where(
                Product.barcode.in_(codes[start : start + 400])
            )
        )
        by_code.update({str(code): (int(pid), str(name)) for code, pid, name in rows})
    return by_key, by_code


def _database_errors(
    session: Session, clean: CleanTemplate, template_id: int | None, existing: set[int]
) -> list[CellError]:
    """The cells the other products or templates make unacceptable (taken codes)."""
    errors: list[CellError] = []
    taken = session.execute(
        select(ProductTemplate.id, ProductTemplate.name).where(
            ProductTemplate.code_key == clean.code_key
        )
    ).first()
    if clean.code_key and taken is not None and int(taken[0]) != template_id:
        errors.append(
            CellError(
                None,
                "code",
                _("The code {code} is used by “{taken}”.").format(code=clean.code, taken=taken[1]),
            )
        )
    if clean.category_id is not None and session.get(Category, clean.category_id) is None:
        errors.append(CellError(None, "category", _("That category no longer exists.")))
    by_key, by_code = _holders(session, clean)
    for row in clean.variants:
        if row.product_id is not None and row.product_id not in existing:
            message = _("This row names a product that is not a variant of this template.")
            errors.append(CellError(row.row, "values", message))
        holder = by_key.get(row.sku_key)
        if holder is not None and holder[0] != row.product_id:
            message = _("The SKU {sku} is already used by “{holder}”.").format(
                sku=row.sku, holder=holder[1]
            )
            errors.append(CellError(row.row, "sku", message))
        for code in barcode_variants(row.barcode) if row.barcode else ():
            holder = by_code.get(code)
            if holder is not None and holder[0] != row.product_id:
                message = _("The barcode {barcode} is already used by “{holder}”.").format(
                    barcode=row.barcode, holder=holder[1]
                )
                errors.append(CellError(row.row, "barcode", message))
                break
    return errors


def _sync_attributes(
    uow: UnitOfWork, template: ProductTemplate, clean: CleanTemplate, has_variants: bool
) -> list[tuple[TemplateAttribute, dict[str, AttributeValue]]]:
    """The template's attributes in order, each with its values by folded value (stored)."""
    session = uow.session
    stored = list(
        session.scalars(
            select(TemplateAttribute).where(TemplateAttribute.template_id == template.id)
        )
    )
    by_name = {attribute.name.casefold(): attribute for attribute in stored}
    wanted = [name.casefold() for name, _unused in clean.attributes]
    if has_variants and sorted(wanted) != sorted(by_name):
        message = _("The attributes of a template with variants stay the same; add values instead.")
        raise MatrixError((CellError(None, "attributes", message),))
    used = set(
        session.scalars(
            select(VariantValue.value_id).where(
                VariantValue.attribute_id.in_([attribute.id for attribute in stored])
            )
        )
    )
    for attribute in stored:
        if attribute.name.casefold() not in wanted:  # no variant uses it (checked above)
            for orphan in session.scalars(
                select(AttributeValue).where(AttributeValue.attribute_id == attribute.id)
            ):
                session.delete(orphan)
            uow.flush()
            session.delete(attribute)
    result: list[tuple[TemplateAttribute, dict[str, AttributeValue]]] = []
    for position, (name, values) in enumerate(clean.attributes):
        found = by_name.get(name.casefold())
        attribute = found or TemplateAttribute(template_id=template.id, name=name)
        if found is None:
            session.add(attribute)
            uow.flush()
        attribute.name, attribute.position = name, position
        old = {
            value.value.casefold(): value
            for value in session.scalars(
                select(AttributeValue).where(AttributeValue.attribute_id == attribute.id)
            )
        }
        listed = {text.casefold() for text in values}
        for folded, gone in list(old.items()):
            if folded not in listed and gone.id not in used:  # taken out, and never sold
                session.delete(gone)
                del old[folded]
        for index, text in enumerate(values):
            value = old.get(text.casefold())
            if value is None:
                value = AttributeValue(attribute_id=attribute.id, value=text)
                session.add(value)
                old[text.casefold()] = value
            value.value, value.position = text, index
        result.append((attribute, old))
    uow.flush()
    return result


def _matching_rate(session: Session, rate_bp: int, included: bool) -> int | None:
    """The tax rate of the table with these figures (the default first), or None.

    Linking the variants to it makes a later change of the rate reach them too
    (:func:`~posapp.services.catalog.taxes.change_tax_rate`); a typed rate that is in no row of
    the table links nothing.
    """
    return session.scalar(
        select(TaxRate.id)
        .where(TaxRate.active, TaxRate.rate_bp == rate_bp, TaxRate.included == included)
        .order_by(TaxRate.is_default.desc(), TaxRate.id)
        .limit(1)
    )


def _write_variant(
    uow: UnitOfWork,
    actor: UserDTO,
    template: ProductTemplate,
    row: CleanVariant,
    product: Product | None,
    axes: list[tuple[TemplateAttribute, dict[str, AttributeValue]]],
    tax_rate_id: int | None,
) -> str | None:
    """Create or update one variant: "created", "updated", or None when nothing changed."""
    now = uow.now()
    before = None if product is None else values_of(product, _AUDITED)
    if product is None:
        product = Product(created_at=now, active=True, sold_by_weight=False, description="")
        product.cost_minor = 0
        uow.session.add(product)
    product.template_id = template.id
    product.sku, product.sku_key, product.barcode = row.sku, row.sku_key, row.barcode
    product.price_minor = row.price_minor
    product.name = variant_name(template.name, row.values)
    product.search_keys = search_keys(template.name, row.values)
    product.category_id = template.category_id
    product.tax_rate_bp, product.tax_included = template.tax_rate_bp, template.tax_included
    product.tax_rate_id = tax_rate_id
    product.active = True
    after = values_of(product, _AUDITED)
    if before == after and not uow.session.is_modified(product):
        return None
    product.changed_at = now
    uow.flush()
    chosen = {
        attribute.id: values[value.casefold()].id
        for (attribute, values), value in zip(axes, row.values, strict=True)
    }
    stored = {
        link.attribute_id: link
        for link in uow.session.scalars(
            select(VariantValue).where(VariantValue.product_id == product.id)
        )
    }
    for attribute_id, value_id in chosen.items():
        link = stored.get(attribute_id)
        if link is None:
            uow.session.add(
                VariantValue(product_id=product.id, attribute_id=attribute_id, value_id=value_id)
            )
        else:
            link.value_id = value_id
    action = "product.create" if before is None else "product.edit"
    uow.audit(AuditRecord(action, actor.id, "product", product.id, before, after))
    return "created" if before is None else "updated"


def _locked(
    session: Session, template_id: int | None, expected_changed_at: datetime | None
) -> ProductTemplate | None:
    """The template to edit, locked for this save (None: a new one)."""
    if template_id is None:
        return None
    template = session.get(ProductTemplate, template_id, with_for_update=True)
    if template is None:
        raise NotFoundError(_("No template with id {template_id}.").format(template_id=template_id))
    if expected_changed_at is not None and template.changed_at != expected_changed_at:
        raise ConflictError(
            _(
                "Someone saved “{template_name}” after you opened it: close "
                "it and open it again to see their changes (nothing was "
                "saved)."
            ).format(template_name=template.name)
        )
    return template


def _cell_order(cell: CellError) -> tuple[int, str]:
    return (-1 if cell.row is None else cell.row, cell.field)


@requires(Permission.MANAGE_PRODUCTS)
def save_template(
    uow: UnitOfWork,
    actor: UserDTO,
    draft: TemplateDraft,
    *,
    template_id: int | None = None,
    expected_changed_at: datetime | None = None,
) -> TemplateDTO:
    """Save a template with its attributes and variants, all or nothing (one transaction).

    ``expected_changed_at``: the template's ``changed_at`` when the editor loaded it; another
    value means someone saved it since, and nothing is written. The template's row is locked
    for the save (PostgreSQL), so two saves cannot both pass that check.

    Raises:
        MatrixError: every cell that is not acceptable (nothing is written).
        ConflictError: the template changed since ``expected_changed_at``.
        NotFoundError: no template ``template_id``.
    """
    clean, early = clean_template(draft)
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        session = uow.session
        template = _locked(session, template_id, expected_changed_at)
        variants = {}
        if template is not None:
            variants = {
                product.id: product
                for product in session.scalars(
                    select(Product).where(Product.template_id == template.id)
                )
            }
        errors = [*early, *_database_errors(session, clean, template_id, set(variants))]
        if errors:
            raise MatrixError(tuple(sorted(errors, key=_cell_order)))
        now = uow.now()
        before = None if template is None else values_of(template, _TEMPLATE_AUDITED)
        if template is None:
            template = ProductTemplate(created_at=now)
            session.add(template)
        template.code, template.code_key, template.name = clean.code, clean.code_key, clean.name
        template.category_id, template.price_minor = clean.category_id, clean.price_minor
        template.tax_rate_bp, template.tax_included = clean.tax_rate_bp, clean.tax_included
        template.changed_at = now
        try:
            uow.flush()
            axes = _sync_attributes(uow, template, clean, bool(variants))
            created = updated = 0
            kept = {row.product_id for row in clean.variants}
            for old in variants.values():
                if old.id not in kept and old.active:
                    snapshot = values_of(old, _AUDITED)
                    old.active, old.changed_at = False, now
                    after = values_of(old, _AUDITED)
                    uow.audit(
                        AuditRecord("product.archive", actor.id, "product", old.id, snapshot, after)
                    )
                    updated += 1
            uow.flush()
            rate_id = _matching_rate(session, template.tax_rate_bp, template.tax_included)
            for row in clean.variants:
                product = None if row.product_id is None else variants[row.product_id]
                done = _write_variant(uow, actor, template, row, product, axes, rate_id)
                created += done == "created"
                updated += done == "updated"
            uow.flush()
        except IntegrityError as exc:
            message = _(
                "Another product has just taken one of these codes: save again to see which."
            )
            raise MatrixError((CellError(None, "code", message),)) from exc
        after = values_of(template, _TEMPLATE_AUDITED) | {"variants": len(clean.variants)}
        action = "template.create" if before is None else "template.edit"
        uow.audit(AuditRecord(action, actor.id, "product_template", template.id, before, after))
        uow.record(ProductsImported(created, updated, now))
        dto = _template_dto(session, template.id)
        uow.commit()
        return dto


def _template_dto(session: Session, template_id: int) -> TemplateDTO:
    template = session.get(ProductTemplate, template_id)
    if template is None:
        raise NotFoundError(_("No template with id {template_id}.").format(template_id=template_id))
    attributes = list(
        session.scalars(
            select(TemplateAttribute)
            .where(TemplateAttribute.template_id == template_id)
            .order_by(TemplateAttribute.position, TemplateAttribute.id)
        )
    )
    values = {
        value.id: value
        for value in session.scalars(
            select(AttributeValue).where(
                AttributeValue.attribute_id.in_([a.id for a in attributes])
            )
        )
    }
    order = {attribute.id: index for index, attribute in enumerate(attributes)}
    links: dict[int, list[str]] = {}
    rows = session.execute(
        select(VariantValue.product_id, VariantValue.attribute_id, VariantValue.value_id)
        .join(Product, Product.id == VariantValue.product_id)
        .where(Product.template_id == template_id)
    ).all()
    for product_id, attribute_id, value_id in rows:
        chosen = links.setdefault(int(product_id), [""] * len(attributes))
        if attribute_id in order:
            chosen[order[attribute_id]] = values[value_id].value
    products = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.barcode,
            Product.name,
            Product.price_minor,
            Product.active,
        )
        .where(Product.template_id == template_id)
        .order_by(Product.id)
    ).all()
    # The values to offer: those of active variants, and those no variant has yet (a value
    # only archived variants have was taken out of the matrix).
    active = {int(row[0]) for row in products if row[5]}
    offered = {int(v) for p, _unused, v in rows if int(p) in active}
    used = {int(v) for _unused, _unused, v in rows}
    by_attribute: dict[int, list[AttributeValue]] = {}
    for value in values.values():
        if value.id in offered or value.id not in used:
            by_attribute.setdefault(value.attribute_id, []).append(value)
    return TemplateDTO(
        id=template.id,
        code=template.code,
        name=template.name,
        category_id=template.category_id,
        price_minor=template.price_minor,
        tax_rate_bp=template.tax_rate_bp,
        tax_included=template.tax_included,
        attributes=tuple(
            AttributeDraft(
                attribute.name,
                tuple(
                    v.value
                    for v in sorted(
                        by_attribute.get(attribute.id, []), key=lambda v: (v.position, v.id)
                    )
                ),
            )
            for attribute in attributes
        ),
        variants=tuple(
            VariantDTO(
                product_id=int(row[0]),
                values=tuple(links.get(int(row[0]), [""] * len(attributes))),
                sku=row[1],
                barcode=row[2],
                name=row[3],
                price_minor=int(row[4]),
                active=bool(row[5]),
            )
            for row in products
        ),
        changed_at=template.changed_at,
    )


@requires(Permission.VIEW_CATALOG)
def get_template(uow: UnitOfWork, actor: UserDTO, template_id: int) -> TemplateDTO:
    """One template with its attributes and every variant.

    Raises:
        NotFoundError: no such template.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        return _template_dto(uow.session, template_id)


@requires(Permission.VIEW_CATALOG)
def list_templates(uow: UnitOfWork, actor: UserDTO) -> list[TemplateSummary]:
    """Every template by name, with how many active variants it has."""
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        counts = dict(
            uow.session.execute(
                select(Product.template_id, func.count(Product.id))
                .where(Product.template_id.is_not(None), Product.active.is_(True))
                .group_by(Product.template_id)
            ).all()
        )
        rows = uow.session.execute(
            select(ProductTemplate.id, ProductTemplate.code, ProductTemplate.name).order_by(
                ProductTemplate.name, ProductTemplate.id
            )
        ).all()
        return [
            TemplateSummary(int(tid), code, name, int(counts.get(tid, 0)))
            for tid, code, name in rows
        ]


@requires(Permission.VIEW_CATALOG)
def template_of(uow: UnitOfWork, actor: UserDTO, product_id: int) -> int | None:
    """The template of product ``product_id``, or None when it is no variant (or no product)."""
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        found = uow.session.scalar(select(Product.template_id).where(Product.id == product_id))
        return None if found is None else int(found)
