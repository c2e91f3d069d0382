"""Purchase orders: draft (by hand or from the replenishment list) → sent → received, cancelled.

Each action is one unit of work: the order row is locked (``FOR UPDATE`` on PostgreSQL) before
its status is checked, the change is audited, and :class:`PurchaseOrderChanged` is published
after the commit. Sending renders the PDF inside the transaction, with the renderer the edge
passes (services never import ``reports``), and queues it to the supplier through the outbox.
Receiving is in :mod:`posapp.services.purchasing.receiving`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import select

from posapp.events import PurchaseOrderChanged
from posapp.i18n import N_, _
from posapp.models import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseStatus,
    Store,
    SupplierProduct,
)
from posapp.services.notifications import Attachment, enqueue_email
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.registry import shop_profile
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.purchasing.dto import (
    STATUS_LABELS,
    PurchaseLine,
    PurchaseLineInput,
    PurchaseOrderDTO,
)
from posapp.services.purchasing.suppliers import (
    PURCHASING,
    check_cost,
    load_supplier,
    supplier_summary,
)
from posapp.services.staff import authorize, requires
from posapp.services.stock import MAX_QUANTITY, replenishment_list

MAX_LINES = 1_000
Renderer = Callable[[PurchaseOrderDTO], bytes]
"""Turns a purchase order into its PDF (``posapp.reports.purchase_order_pdf``)."""


def check_units(quantity: object, what: str = "quantity") -> int:
    """A whole number of units (grams for weighed goods) from 1 to the stock maximum."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(_("Quantities are whole numbers of units (grams for weighed goods)."))
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValidationError(
            _("Enter a {what} from 1 to {max_quantity:,}.").format(
                what=what, max_quantity=MAX_QUANTITY
            )
        )
    return quantity


def lock_order(uow: UnitOfWork, order_id: int) -> PurchaseOrder:
    """The order row, locked for the rest of the transaction (or :class:`NotFoundError`)."""
    order = uow.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.id == order_id).with_for_update()
    ).one_or_none()
    if order is None:
        raise NotFoundError(_("No purchase order with id {order_id}.").format(order_id=order_id))
    return order


def order_dto(uow: UnitOfWork, order: PurchaseOrder) -> PurchaseOrderDTO:
    """The order in full, read inside the running unit of work."""
    store = uow.session.get(Store, order.store_id)
    if store is None:
        raise NotFoundError(_("No store with id {store_id}.").format(store_id=order.store_id))
    rows = uow.session.execute(
        select(PurchaseOrderLine, Product.sku, Product.name, Product.sold_by_weight)
        .join(Product, Product.id == PurchaseOrderLine.product_id)
        .where(PurchaseOrderLine.order_id == order.id)
        .order_by(PurchaseOrderLine.id)
    ).all()
    lines = tuple(
        PurchaseLine(
            line.id,
            line.product_id,
            sku,
            name,
            line.supplier_code,
            line.quantity_ordered,
            line.quantity_received,
            line.cost_minor,
            bool(weighed),
        )
        for line, sku, name, weighed in rows
    )
    return PurchaseOrderDTO(
        id=order.id,
        number=order.number,
        status=order.status,
        supplier=supplier_summary(uow, order.supplier_id),
        store_id=store.id,
        store_code=store.code,
        store_name=store.name,
        store_address=store.address,
        note=order.note,
        created_at=order.created_at,
        sent_at=order.sent_at,
        closed_at=order.closed_at,
        email_id=order.email_id,
        lines=lines,
        shop=shop_profile(uow),
    )


def changed(
    uow: UnitOfWork, order: PurchaseOrder, action: str, user_id: int, **after: object
) -> None:
    """Audit ``action`` on the order and announce its status after the commit."""
    uow.audit(
        AuditRecord(
            f"purchase.{action}",
            user_id,
            "purchase_order",
            order.id,
            None,
            {"number": order.number, "status": order.status, **after},
        )
    )
    uow.record(PurchaseOrderChanged(order.id, order.status, uow.now()))


def _lines(
    uow: UnitOfWork, supplier_id: int, lines: Sequence[PurchaseLineInput]
) -> list[PurchaseOrderLine]:
    if not lines:
        raise ValidationError(_("Add at least one product to the order."))
    if len(lines) > MAX_LINES:
        raise ValidationError(
            _("An order has at most {max_lines:,} lines.").format(max_lines=MAX_LINES)
        )
    seen: set[int] = set()
    made = []
    for line in lines:
        if line.product_id in seen:
            raise ValidationError(_("A product is on the order twice: add the quantities up."))
        seen.add(line.product_id)
        quantity = check_units(line.quantity)
        product = uow.session.get(Product, line.product_id)
        if product is None:
            raise NotFoundError(
                _("No product with id {product_id}.").format(product_id=line.product_id)
            )
        if not product.active:
            raise ValidationError(
                _("{product_name} is archived: restore it first.").format(product_name=product.name)
            )
        listed = uow.session.get(SupplierProduct, (supplier_id, product.id))
        cost = line.cost_minor
        if cost is None:
            cost = listed.cost_minor if listed is not None else product.cost_minor
        made.append(
            PurchaseOrderLine(
                product_id=product.id,
                supplier_code=listed.supplier_code if listed is not None else "",
                quantity_ordered=quantity,
                quantity_received=0,
                cost_minor=check_cost(cost),
            )
        )
    return made


def _new_order(
    uow: UnitOfWork,
    user_id: int,
    supplier_id: int,
    store_id: int,
    lines: Sequence[PurchaseLineInput],
    note: str,
) -> PurchaseOrderDTO:
    supplier = load_supplier(uow, supplier_id)
    if not supplier.active:
        raise ValidationError(
            _("{supplier_name} is archived: restore the supplier first.").format(
                supplier_name=supplier.name
            )
        )
    store = uow.session.get(Store, store_id)
    if store is None:
        raise NotFoundError(_("No store with id {store_id}.").format(store_id=store_id))
    if not store.active:
        raise ValidationError(
            _("{store_name} is inactive: it cannot order stock.").format(store_name=store.name)
        )
    made = _lines(uow, supplier_id, lines)
    order = PurchaseOrder(
        number=uuid.uuid4().hex[:20],
        supplier_id=supplier_id,
        store_id=store_id,
        status=PurchaseStatus.DRAFT.value,
        note=note,
        created_by=user_id,
        created_at=uow.now(),
    )
    uow.session.add(order)
    uow.flush()
    order.number = f"PO-{order.id:06d}"
    for line in made:
        line.order_id = order.id
        uow.session.add(line)
    uow.flush()
    changed(uow, order, "create", user_id, lines=len(made))
    return order_dto(uow, order)


@requires(PURCHASING)
def create_purchase_order(
    uow: UnitOfWork,
    actor: UserDTO,
    supplier_id: int,
    store_id: int,
    lines: Sequence[PurchaseLineInput],
    *,
    note: str = "",
) -> PurchaseOrderDTO:
    """Draft an order by hand: products and quantities, costs from the supplier's list.

    Raises:
        ValidationError: no lines, a product twice, a bad quantity or cost, an archived
            supplier or product, an inactive store.
        NotFoundError: no such supplier, store or product.
    """
    remark = clean_text(note, _("note"), limit=200)
    with uow:
        user = authorize(uow, actor, PURCHASING)
        result = _new_order(uow, user.id, supplier_id, store_id, lines, remark)
        uow.commit()
        return result


@requires(PURCHASING)
def order_from_replenishment(
    uow: UnitOfWork, actor: UserDTO, supplier_id: int, store_id: int
) -> PurchaseOrderDTO:
    """Draft an order of the store's low products this supplier supplies, at the suggested units.

    Raises:
        ValidationError: none of the store's low products is listed for the supplier.
    """
    plan = replenishment_list(uow, actor, store_id)
    with uow:
        user = authorize(uow, actor, PURCHASING)
        listed = set(
            uow.session.scalars(
                select(SupplierProduct.product_id).where(SupplierProduct.supplier_id == supplier_id)
            )
        )
        lines = [
            PurchaseLineInput(line.product_id, line.suggested)
            for line in plan.lines
            if line.product_id in listed
        ]
        if not lines:
            supplier = load_supplier(uow, supplier_id)
            raise ValidationError(
                _(
                    "Nothing on {store_name}'s replenishment list comes from {supplier_name}."
                ).format(store_name=plan.store.name, supplier_name=supplier.name)
            )
        result = _new_order(
            uow, user.id, supplier_id, store_id, lines, "From the replenishment list"
        )
        uow.commit()
        return result


@requires(PURCHASING)
def send_purchase_order(
    uow: UnitOfWork, actor: UserDTO, order_id: int, render: Renderer
) -> PurchaseOrderDTO:
    """Send a draft: render its PDF and queue it to the supplier's email in one transaction.

    A supplier without an email address gets the order another way (the PDF is printed from
    the screen); the order is sent all the same.

    Raises:
        ValidationError: the order is not a draft.
    """
    with uow:
        user = authorize(uow, actor, PURCHASING)
        order = lock_order(uow, order_id)
        if order.status != PurchaseStatus.DRAFT.value:
            raise ValidationError(
                _("{number} was already sent: only a draft can be sent.").format(
                    number=order.number
                )
            )
        order.status = PurchaseStatus.SENT.value
        order.sent_at = uow.now()
        uow.flush()
        dto = order_dto(uow, order)
        if dto.supplier.email:
            shop = dto.shop.legal_name or "our shop"
            order.email_id = enqueue_email(
                uow,
                to_address=dto.supplier.email,
                to_name=dto.supplier.contact or dto.supplier.name,
                subject=f"Purchase order {order.number} from {shop}",
                body=(
                    f"Hello,\n\nPlease find attached our purchase order {order.number} for "
                    f"delivery to {dto.store_name}.\n\nThank you."
                ),
                kind="purchase_order",
                attachments=(Attachment(f"{order.number}.pdf", "application/pdf", render(dto)),),
            )
            uow.flush()
        changed(uow, order, "send", user.id, email_id=order.email_id)
        result = order_dto(uow, order)
        uow.commit()
        return result


def _close(
    uow: UnitOfWork,
    actor: UserDTO,
    order_id: int,
    *,
    allowed: tuple[PurchaseStatus, ...],
    refusal: str,
    to: PurchaseStatus,
    action: str,
) -> PurchaseOrderDTO:
    """Move an order in one of the ``allowed`` statuses to the closed status ``to``, audited."""
    with uow:
        user = authorize(uow, actor, PURCHASING)
        order = lock_order(uow, order_id)
        if order.status not in {status.value for status in allowed}:
            status = _(STATUS_LABELS.get(order.status, order.status))
            raise ValidationError(_(refusal).format(number=order.number, status=status))
        short = {
            str(line.product_id): line.outstanding
            for line in order_dto(uow, order).lines
            if line.outstanding
        }
        order.status = to.value
        order.closed_at = uow.now()
        changed(uow, order, action, user.id, short=short)
        result = order_dto(uow, order)
        uow.commit()
        return result


@requires(PURCHASING)
def cancel_purchase_order(uow: UnitOfWork, actor: UserDTO, order_id: int) -> PurchaseOrderDTO:
    """Cancel a draft or sent order (nothing received against it yet).

    Raises:
        ValidationError: goods were received already (close it short instead) or it is closed.
    """
    return _close(
        uow,
        actor,
        order_id,
        allowed=(PurchaseStatus.DRAFT, PurchaseStatus.SENT),
        refusal=N_("{number} is {status}: it cannot be cancelled."),
        to=PurchaseStatus.CANCELLED,
        action="cancel",
    )


@requires(PURCHASING)
def close_purchase_order(uow: UnitOfWork, actor: UserDTO, order_id: int) -> PurchaseOrderDTO:
    """Close a partly received order: the missing units will not come (short delivery).

    The units short per product are kept in the audit entry; the lines keep what arrived.

    Raises:
        ValidationError: the order is not partly received.
    """
    return _close(
        uow,
        actor,
        order_id,
        allowed=(PurchaseStatus.PARTLY_RECEIVED,),
        refusal=N_("{number} is {status}: only a partly received order can be closed short."),
        to=PurchaseStatus.RECEIVED,
        action="close_short",
    )


@requires(PURCHASING)
def purchase_order(uow: UnitOfWork, actor: UserDTO, order_id: int) -> PurchaseOrderDTO:
    """One order in full."""
    with uow:
        order = uow.session.get(PurchaseOrder, order_id)
        if order is None:
            raise NotFoundError(
                _("No purchase order with id {order_id}.").format(order_id=order_id)
            )
        return order_dto(uow, order)
