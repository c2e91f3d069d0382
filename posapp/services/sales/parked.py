"""Parked sales: put the current sale aside, serve the next customer, resume it later.

A parked sale is a row of ``parked_sales`` holding the cart as JSON, so it survives a restart
and any register of the store can resume it. Resuming deletes the row in the same statement
that reads it (``DELETE … RETURNING``), so two tills cannot both resume one sale. Prices are
refreshed on resume; products archived meanwhile are left out and named. Manager approvals are
never stored: an override or a large discount is approved again at payment.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, select

from posapp.i18n import _
from posapp.models import Customer, CustomerAccount, Product, User
from posapp.models.orders import ParkedSale
from posapp.money import MAX_MINOR
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import (
    CustomerDTO,
    ParkedCart,
    ParkedLine,
    ParkedSaleDTO,
    ProductDTO,
    SaleCustomerDTO,
)
from posapp.services.sales.lookup import customer_dto, product_dto
from posapp.services.sales.pricing import MAX_LINES, Discount, DiscountKind, check_quantity
from posapp.services.sales.tills import require_open_session
from posapp.services.staff import ACTIONS, Permission, authorize
from posapp.units import items_of

__all__ = ["discard_parked", "park_sale", "parked_sales", "resume_sale"]

LABEL_MAX = 100
FORMAT = 1

for _name in ("park_sale", "parked_sales", "resume_sale", "discard_parked"):
    ACTIONS[f"sales.parked.{_name}"] = Permission.SELL


def _discount(value: Discount | None) -> list[object] | None:
    return None if value is None else [value.kind.value, value.value]


def _undiscount(value: Any) -> Discount | None:
    if value is None:
        return None
    kind, amount = value
    return Discount(DiscountKind(kind), int(amount))


def _encode(cart: ParkedCart) -> str:
    payload = {
        "v": FORMAT,
        "lines": [
            {
                "product": line.product.id,
                "quantity": line.quantity,
                "price": line.unit_price_minor,
                "discount": _discount(line.discount),
            }
            for line in cart.lines
        ],
        "customer": cart.customer.id if cart.customer else None,
        "person": cart.person.id if cart.person else None,
        "order_discount": _discount(cart.order_discount),
        "codes": list(cart.coupon_codes),
        "note": cart.note,
    }
    return json.dumps(payload, separators=(",", ":"))


def _check(cart: ParkedCart) -> None:
    if not cart.lines:
        raise ValidationError(_("There is nothing to park: the sale is empty."))
    if len(cart.lines) > MAX_LINES:
        raise ValidationError(
            _("A sale has at most {max_lines} lines.").format(max_lines=MAX_LINES)
        )
    for line in cart.lines:
        check_quantity(line.quantity, line.product.unit)
        if line.unit_price_minor is not None and not 0 <= line.unit_price_minor <= MAX_MINOR:
            raise ValidationError(_("A price must be between 0 and the largest amount."))
    for code in cart.coupon_codes:
        clean_text(code, _("coupon code"), limit=64, required=True)
    clean_text(cart.note, _("note"), limit=500)


def _person(
    uow: UnitOfWork, customer_id: object, account: CustomerDTO | None
) -> SaleCustomerDTO | None:
    """The parked sale's customer again, unless they were erased meanwhile (issue #19)."""
    if not isinstance(customer_id, int):
        return None
    customer = uow.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        return None
    owned = uow.session.get(CustomerAccount, account.id) if account is not None else None
    theirs = account if owned is not None and owned.customer_id == customer.id else None
    return SaleCustomerDTO(
        customer.id, customer.name, customer.phone, customer.email, theirs, customer.points_balance
    )


def park_sale(
    uow: UnitOfWork,
    actor: UserDTO,
    cart: ParkedCart,
    total_minor: int,
    label: str = "",
) -> ParkedSaleDTO:
    """Store the register's sale so it can be resumed later (at any till of the store).

    Parking the same sale again (same ``sale_uuid``) replaces the stored cart.
    """
    _check(cart)
    text = clean_text(label, _("label"), limit=LABEL_MAX)
    if not 0 <= total_minor <= MAX_MINOR:
        raise ValidationError(_("The sale's total is out of range."))
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        till = require_open_session(uow)
        uow.session.execute(delete(ParkedSale).where(ParkedSale.sale_uuid == cart.sale_uuid))
        now = uow.now()
        row = ParkedSale(
            sale_uuid=cart.sale_uuid,
            store_id=till.store_id,
            register=uow.register,
            cashier_id=user.id,
            customer_account_id=cart.customer.id if cart.customer else None,
            label=text,
            item_count=sum(items_of(line.quantity, line.product.unit) for line in cart.lines),
            total_minor=total_minor,
            cart=_encode(cart),
            parked_at=now,
        )
        uow.session.add(row)
        uow.flush()
        dto = ParkedSaleDTO(
            row.id,
            row.sale_uuid,
            row.label,
            row.item_count,
            row.total_minor,
            now,
            user.full_name or user.username,
            cart.customer.holder_name if cart.customer else cart.person.name if cart.person else "",
            uow.register,
        )
        uow.commit()
        return dto


def parked_sales(uow: UnitOfWork, actor: UserDTO) -> list[ParkedSaleDTO]:
    """The sales parked at this register's store, oldest first."""
    with uow:
        authorize(uow, actor, Permission.SELL)
        till = require_open_session(uow)
        rows = uow.session.execute(
            select(ParkedSale, User.full_name, User.username, CustomerAccount.holder_name)
            .join(User, User.id == ParkedSale.cashier_id)
            .outerjoin(CustomerAccount, CustomerAccount.id == ParkedSale.customer_account_id)
            .where(ParkedSale.store_id == till.store_id)
            .order_by(ParkedSale.parked_at, ParkedSale.id)
        ).all()
        people = _person_names(uow, [p.cart for p, *_ in rows])
        return [
            ParkedSaleDTO(
                p.id,
                p.sale_uuid,
                p.label,
                p.item_count,
                p.total_minor,
                p.parked_at,
                full or name,
                holder or people.get(p.cart, ""),
                p.register,
            )
            for p, full, name, holder in rows
        ]


def _person_names(uow: UnitOfWork, carts: list[str]) -> dict[str, str]:
    """The name of each parked cart's customer (with or without an account; erased: none)."""
    wanted: dict[str, int] = {}
    for cart in carts:
        try:
            person = json.loads(cart).get("person")
        except (ValueError, AttributeError):
            continue
        if isinstance(person, int):
            wanted[cart] = person
    if not wanted:
        return {}
    names = dict(
        uow.session.execute(
            select(Customer.id, Customer.name).where(
                Customer.id.in_(set(wanted.values())), Customer.erased_at.is_(None)
            )
        ).all()
    )
    return {cart: names[i] for cart, i in wanted.items() if i in names}


def _take(uow: UnitOfWork, parked_id: int) -> ParkedSale:
    """Delete and return a parked sale of this register's store (an id is checked to be ours).

    Raises:
        TillClosedError: no till is open on this register.
        NotFoundError: it is gone, or it was parked at another store.
    """
    store_id = require_open_session(uow).store_id
    row = uow.session.execute(
        delete(ParkedSale)
        .where(ParkedSale.id == parked_id, ParkedSale.store_id == store_id)
        .returning(ParkedSale)
    ).scalar_one_or_none()
    if row is None:
        if uow.session.get(ParkedSale, parked_id) is not None:
            raise NotFoundError(_("That sale was parked at another store: resume it there."))
        raise NotFoundError(
            _("That parked sale is gone: it was resumed or discarded (maybe at another till).")
        )
    return row


def resume_sale(uow: UnitOfWork, actor: UserDTO, parked_id: int) -> ParkedCart:
    """Take a parked sale back into the register, with today's prices.

    Raises:
        NotFoundError: it was resumed or discarded already, or parked at another store.
        TillClosedError: no till is open on this register.
    """
    with uow:
        authorize(uow, actor, Permission.SELL)
        row = _take(uow, parked_id)
        payload = json.loads(row.cart)
        ids = {line["product"] for line in payload["lines"]}
        products: dict[int, ProductDTO] = {}
        for found in uow.session.scalars(select(Product).where(Product.id.in_(ids))):
            if found.active:
                products[found.id] = product_dto(
                    (
                        found.id,
                        found.sku,
                        found.barcode,
                        found.name,
                        found.category_id,
                        found.price_minor,
                        found.tax_rate_bp,
                        found.tax_included,
                    )
                )
        lines = []
        dropped = []
        for line in payload["lines"]:
            product = products.get(line["product"])
            if product is None:
                dropped.append(f"product #{line['product']}")
                continue
            lines.append(
                ParkedLine(
                    product, int(line["quantity"]), line["price"], _undiscount(line["discount"])
                )
            )
        customer = None
        if payload["customer"] is not None:
            account = uow.session.get(CustomerAccount, payload["customer"])
            customer = customer_dto(account) if account is not None else None
        person = _person(uow, payload.get("person"), customer)
        cart = ParkedCart(
            sale_uuid=row.sale_uuid,
            lines=tuple(lines),
            customer=customer,
            order_discount=_undiscount(payload["order_discount"]),
            coupon_codes=tuple(payload["codes"]),
            note=payload["note"],
            dropped=tuple(dropped),
            person=person,
        )
        uow.commit()
        return cart


def discard_parked(uow: UnitOfWork, actor: UserDTO, parked_id: int, reason: str = "") -> None:
    """Throw a parked sale away (recorded in the audit log as a void).

    Raises:
        NotFoundError: it was resumed or discarded already, or parked at another store.
        TillClosedError: no till is open on this register.
    """
    text = clean_text(reason, _("reason"), limit=200)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        row = _take(uow, parked_id)
        uow.audit(
            AuditRecord(
                "sale.voided",
                user.id,
                "parked_sale",
                row.id,
                before={
                    "sale_uuid": row.sale_uuid.hex,
                    "items": row.item_count,
                    "total_minor": row.total_minor,
                },
                reason=text or "Parked sale discarded",
            )
        )
        uow.commit()


def new_sale_uuid() -> uuid.UUID:
    """A fresh sale id (the register makes one when a sale starts)."""
    return uuid.uuid4()
