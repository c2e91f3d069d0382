"""Suppliers and the products they supply (name, contact, lead time, codes and costs).

Managers keep them (``ADJUST_STOCK``, the permission of booking deliveries: purchasing is the
other half of receiving). Every change is one unit of work, audited.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

from sqlalchemy import func, select

from posapp.i18n import _
from posapp.models import Product, Supplier, SupplierProduct
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.purchasing.dto import (
    SupplierInput,
    SupplierItem,
    SupplierItemInput,
    SupplierSummary,
)
from posapp.services.staff import Permission, authorize, requires

PURCHASING: Final = Permission.ADJUST_STOCK
"""Who keeps suppliers and purchase orders: managers and admins (as receiving stock)."""
LEAD_TIME_MAX: Final = 365
COST_MAX: Final = 10**12
"""A cost above ten billion major units is a typing mistake."""
EMAIL_MAX: Final = 254


def clean_email(text: str) -> str:
    """The supplier's address to store, or ``""``; refuses what cannot be an address."""
    email = unicodedata.normalize("NFKC", text).strip()
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in email):
        raise ValidationError(_("Enter an email address like orders@example.com."))
    if len(email) > EMAIL_MAX or any(not c.isprintable() for c in email):
        raise ValidationError(
            _("An email address is one line of at most {email_max} characters.").format(
                email_max=EMAIL_MAX
            )
        )
    return email


def check_cost(cost: object) -> int:
    """``cost`` if it is a whole number of minor units from 0 to :data:`COST_MAX`."""
    if isinstance(cost, bool) or not isinstance(cost, int):
        raise ValidationError(_("A cost is a whole number of cents."))
    if not 0 <= cost <= COST_MAX:
        raise ValidationError(_("A cost is zero or more, and not absurdly large."))
    return cost


def _clean(data: SupplierInput) -> dict[str, object]:
    lead: object = data.lead_time_days
    if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= LEAD_TIME_MAX:
        raise ValidationError(
            _("The lead time is a whole number of days from 0 to {lead_time_max}.").format(
                lead_time_max=LEAD_TIME_MAX
            )
        )
    return {
        "name": clean_text(data.name, _("supplier's name"), limit=100, required=True, form="NFKC"),
        "contact": clean_text(data.contact, _("contact"), limit=100),
        "email": clean_email(data.email),
        "phone": clean_text(data.phone, _("phone number"), limit=40),
        "lead_time_days": lead,
    }


def _summary(uow: UnitOfWork, supplier: Supplier) -> SupplierSummary:
    count = uow.session.scalar(
        select(func.count())
        .select_from(SupplierProduct)
        .where(SupplierProduct.supplier_id == supplier.id)
    )
    return SupplierSummary(
        supplier.id,
        supplier.name,
        supplier.contact,
        supplier.email,
        supplier.phone,
        supplier.lead_time_days,
        supplier.active,
        int(count or 0),
    )


def load_supplier(uow: UnitOfWork, supplier_id: int) -> Supplier:
    """The supplier row, or :class:`NotFoundError`."""
    supplier = uow.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFoundError(_("No supplier with id {supplier_id}.").format(supplier_id=supplier_id))
    return supplier


def supplier_summary(uow: UnitOfWork, supplier_id: int) -> SupplierSummary:
    """The supplier as listed (inside a running unit of work)."""
    return _summary(uow, load_supplier(uow, supplier_id))


@requires(PURCHASING)
def list_suppliers(
    uow: UnitOfWork, actor: UserDTO, *, include_inactive: bool = False
) -> list[SupplierSummary]:
    """The suppliers by name (active ones only unless asked)."""
    with uow:
        query = select(Supplier).order_by(func.lower(Supplier.name), Supplier.id)
        if not include_inactive:
            query = query.where(Supplier.active.is_(True))
        return [_summary(uow, s) for s in uow.session.scalars(query)]


@requires(PURCHASING)
def save_supplier(
    uow: UnitOfWork, actor: UserDTO, supplier_id: int | None, data: SupplierInput
) -> SupplierSummary:
    """Create (``supplier_id`` None) or change a supplier.

    Raises:
        ValidationError: an empty name, a bad email, a lead time out of range.
        ConflictError: another supplier has that name.
        NotFoundError: no such supplier.
    """
    values = _clean(data)
    with uow:
        user = authorize(uow, actor, PURCHASING)
        clash = uow.session.scalar(
            select(Supplier.id).where(func.lower(Supplier.name) == str(values["name"]).lower())
        )
        if clash is not None and clash != supplier_id:
            raise ConflictError(
                _("There is already a supplier called {values}.").format(values=values["name"])
            )
        if supplier_id is None:
            supplier = Supplier(**values, active=True, created_at=uow.now())
            uow.session.add(supplier)
            uow.flush()
            before = None
        else:
            supplier = load_supplier(uow, supplier_id)
            before = {k: getattr(supplier, k) for k in values}
            for key, value in values.items():
                setattr(supplier, key, value)
            uow.flush()
        action = "supplier.create" if before is None else "supplier.update"
        uow.audit(AuditRecord(action, user.id, "supplier", supplier.id, before, dict(values)))
        result = _summary(uow, supplier)
        uow.commit()
        return result


@requires(PURCHASING)
def set_supplier_active(
    uow: UnitOfWork, actor: UserDTO, supplier_id: int, active: bool
) -> SupplierSummary:
    """Archive (no new orders) or restore a supplier; its orders stay as they are."""
    with uow:
        user = authorize(uow, actor, PURCHASING)
        supplier = load_supplier(uow, supplier_id)
        if supplier.active != active:
            supplier.active = active
            uow.audit(
                AuditRecord(
                    "supplier.active", user.id, "supplier", supplier.id, None, {"active": active}
                )
            )
        result = _summary(uow, supplier)
        uow.commit()
        return result


def _items(uow: UnitOfWork, supplier_id: int) -> list[SupplierItem]:
    rows = uow.session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            SupplierProduct.supplier_code,
            SupplierProduct.cost_minor,
            Product.sold_by_weight,
        )
        .join(SupplierProduct, SupplierProduct.product_id == Product.id)
        .where(SupplierProduct.supplier_id == supplier_id)
        .order_by(func.lower(Product.name), Product.id)
    )
    return [SupplierItem(int(p), s, n, c, int(m), bool(w)) for p, s, n, c, m, w in rows]


@requires(PURCHASING)
def supplier_items(uow: UnitOfWork, actor: UserDTO, supplier_id: int) -> list[SupplierItem]:
    """The products a supplier supplies, by name, with their codes and costs."""
    with uow:
        load_supplier(uow, supplier_id)
        return _items(uow, supplier_id)


@requires(PURCHASING)
def set_supplier_items(
    uow: UnitOfWork, actor: UserDTO, supplier_id: int, items: Sequence[SupplierItemInput]
) -> list[SupplierItem]:
    """Add or change products the supplier supplies (code and cost); others stay as they are.

    Raises:
        ValidationError: a negative or fractional cost, a code too long, a product twice.
        NotFoundError: no such supplier or product.
    """
    cleaned: dict[int, tuple[str, int]] = {}
    for item in items:
        if item.product_id in cleaned:
            raise ValidationError(_("A product is listed twice."))
        code = clean_text(item.supplier_code, _("supplier's code"), limit=64, form="NFKC")
        cleaned[item.product_id] = (code, check_cost(item.cost_minor))
    with uow:
        user = authorize(uow, actor, PURCHASING)
        load_supplier(uow, supplier_id)
        for product_id, (code, cost) in sorted(cleaned.items()):
            if uow.session.get(Product, product_id) is None:
                raise NotFoundError(
                    _("No product with id {product_id}.").format(product_id=product_id)
                )
            row = uow.session.get(SupplierProduct, (supplier_id, product_id))
            before = None if row is None else {"code": row.supplier_code, "cost": row.cost_minor}
            if row is None:
                row = SupplierProduct(supplier_id=supplier_id, product_id=product_id)
                uow.session.add(row)
            row.supplier_code, row.cost_minor = code, cost
            uow.audit(
                AuditRecord(
                    "supplier.item",
                    user.id,
                    "supplier",
                    supplier_id,
                    before,
                    {"product_id": product_id, "code": code, "cost": cost},
                )
            )
        uow.flush()
        result = _items(uow, supplier_id)
        uow.commit()
        return result


@requires(PURCHASING)
def remove_supplier_item(
    uow: UnitOfWork, actor: UserDTO, supplier_id: int, product_id: int
) -> list[SupplierItem]:
    """Stop listing a product for the supplier (its past orders keep their lines)."""
    with uow:
        user = authorize(uow, actor, PURCHASING)
        row = uow.session.get(SupplierProduct, (supplier_id, product_id))
        if row is None:
            raise NotFoundError(_("The supplier does not list that product."))
        uow.session.delete(row)
        uow.audit(
            AuditRecord(
                "supplier.item_removed",
                user.id,
                "supplier",
                supplier_id,
                {"product_id": product_id},
                None,
            )
        )
        uow.flush()
        result = _items(uow, supplier_id)
        uow.commit()
        return result
