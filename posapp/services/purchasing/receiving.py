"""Receiving a delivery against a purchase order: stock in, the cost taken into the product's.

One unit of work, retried whole on PostgreSQL's conflicts: the order row is locked, the units
go into the store through the stock ledger's bulk path (:func:`posapp.services.stock.put_stock`,
``receive`` movements whose batch is the receipt's), each line's received count grows (more
than ordered is an over-delivery, kept as such; a short one stays outstanding until the order
is closed short), and one :class:`~posapp.models.PurchaseReceipt` row per line keeps the units
and their unit cost.

Cost:
    ``products.cost_minor`` becomes the moving average of the stock on hand (every store) and
    the units received: ``(old × on_hand + cost × units) / (on_hand + units)``, rounded half to
    even once. The store's stock value takes the units at the line's cost in the same
    transaction (``put_stock(values=…)``): the moving average per product *and store* of
    :mod:`posapp.services.stock.costing`, which the valuation and the margins read. The
    receipt rows stay the record of what each delivery cost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from posapp.events import ProductChanged
from posapp.i18n import _
from posapp.models import (
    MovementKind,
    Product,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseStatus,
    StockLevel,
    Store,
)
from posapp.money import div_round
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.retry import with_retry
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.purchasing.dto import (
    OPEN_STATUSES,
    ReceiptResult,
    ReceiveLine,
    line_cost_minor,
)
from posapp.services.purchasing.orders import changed, check_units, lock_order, order_dto
from posapp.services.purchasing.suppliers import PURCHASING
from posapp.services.staff import authorize, requires
from posapp.services.stock import put_stock


def moving_average(old_cost: int, on_hand: int, cost: int, units: int) -> int:
    """The unit cost after ``units`` at ``cost`` join ``on_hand`` units at ``old_cost``."""
    held = max(on_hand, 0)
    return div_round(old_cost * held + cost * units, held + units)


def _merge(lines: Sequence[ReceiveLine]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.line_id] = merged.get(line.line_id, 0) + check_units(line.quantity)
        check_units(merged[line.line_id])
    if not merged:
        raise ValidationError(_("Enter the units that arrived on at least one line."))
    return merged


def _take_cost(uow: UnitOfWork, user_id: int, line: PurchaseOrderLine, units: int) -> int:
    """Average the line's cost into the product's; return what the units cost in all."""
    on_hand = uow.session.scalar(
        select(func.coalesce(func.sum(StockLevel.on_hand), 0)).where(
            StockLevel.product_id == line.product_id
        )
    )
    product = uow.session.get(Product, line.product_id, with_for_update=True)
    if product is None:
        raise NotFoundError(
            _("No product with id {product_id}.").format(product_id=line.product_id)
        )
    new_cost = moving_average(product.cost_minor, int(on_hand or 0), line.cost_minor, units)
    if new_cost != product.cost_minor:
        uow.audit(
            AuditRecord(
                "product.cost",
                user_id,
                "product",
                product.id,
                {"cost_minor": product.cost_minor},
                {"cost_minor": new_cost, "purchase_line": line.id},
            )
        )
        product.cost_minor = new_cost
        uow.record(ProductChanged(product.id, "cost", uow.now()))
    return line_cost_minor(line.cost_minor, units, product.sold_by_weight)


@requires(PURCHASING)
def receive_purchase_order(
    uow: UnitOfWork,
    actor: UserDTO,
    order_id: int,
    lines: Sequence[ReceiveLine],
    *,
    reference: str = "",
    request_id: uuid.UUID | None = None,
) -> ReceiptResult:
    """Book what arrived of a sent order into its store (all of it, part, or more).

    Args:
        uow: The unit of work.
        actor: Who receives (a manager).
        order_id: The purchase order.
        lines: Units that arrived per order line (lines not named got nothing this time).
        reference: The supplier's delivery note; the order number when empty.
        request_id: Idempotency key: the same delivery submitted again books nothing.

    Raises:
        ValidationError: the order is not sent or partly received, a bad quantity, the store
            is inactive, no lines.
        NotFoundError: no such order, or a line that is not on this order.
    """
    merged = _merge(lines)
    ref = clean_text(reference, _("delivery reference"), limit=100)
    batch = request_id or uuid.uuid4()

    def once() -> ReceiptResult:
        with uow:
            user = authorize(uow, actor, PURCHASING)
            done = uow.session.scalar(
                select(PurchaseReceipt.order_id).where(PurchaseReceipt.batch_uuid == batch).limit(1)
            )
            if done is not None:
                if done != order_id:
                    raise ValidationError(_("That delivery was booked on another order."))
                order = lock_order(uow, order_id)
                return ReceiptResult(order_dto(uow, order), batch.hex, 0, replayed=True)
            order = lock_order(uow, order_id)
            if order.status not in OPEN_STATUSES:
                raise ValidationError(
                    _("{number} is {status}: only a sent order can be received.").format(
                        number=order.number, status=order.status.replace("_", " ")
                    )
                )
            store = uow.session.get(Store, order.store_id)
            if store is None or not store.active:
                raise ValidationError(_("The order's store is inactive: it cannot take stock in."))
            found = {
                line.id: line
                for line in uow.session.scalars(
                    select(PurchaseOrderLine).where(
                        PurchaseOrderLine.order_id == order.id,
                        PurchaseOrderLine.id.in_(sorted(merged)),
                    )
                )
            }
            missing = sorted(set(merged) - set(found))
            if missing:
                raise NotFoundError(
                    _("Line {missing} is not on {number}.").format(
                        missing=missing[0], number=order.number
                    )
                )
            by_product = {found[lid].product_id: units for lid, units in merged.items()}
            values: dict[int, int] = {}  # what the units cost, into the store's stock value
            # The cost first (it reads on-hand before the units); products are locked in id
            # order, as put_stock locks levels, so two deliveries never deadlock on them.
            for line_id in sorted(merged, key=lambda lid: found[lid].product_id):
                line = found[line_id]
                values[line.product_id] = _take_cost(uow, user.id, line, merged[line_id])
            put_stock(
                uow,
                store_id=order.store_id,
                quantities=by_product,
                kind=MovementKind.RECEIVE,
                batch_uuid=batch,
                user_id=user.id,
                reason=order.number,
                reference=ref or order.number,
                values=values,
            )
            now = uow.now()
            for line_id in sorted(merged):
                line = found[line_id]
                line.quantity_received += merged[line_id]
                uow.session.add(
                    PurchaseReceipt(
                        order_id=order.id,
                        line_id=line.id,
                        store_id=order.store_id,
                        product_id=line.product_id,
                        quantity=merged[line_id],
                        cost_minor=line.cost_minor,
                        batch_uuid=batch,
                        reference=ref or order.number,
                        user_id=user.id,
                        created_at=now,
                    )
                )
            uow.flush()
            outstanding = uow.session.scalar(
                select(func.count())
                .select_from(PurchaseOrderLine)
                .where(
                    PurchaseOrderLine.order_id == order.id,
                    PurchaseOrderLine.quantity_received < PurchaseOrderLine.quantity_ordered,
                )
            )
            if outstanding:
                order.status = PurchaseStatus.PARTLY_RECEIVED.value
            else:
                order.status = PurchaseStatus.RECEIVED.value
                order.closed_at = now
            over = {
                str(line.id): line.quantity_received - line.quantity_ordered
                for line in found.values()
                if line.quantity_received > line.quantity_ordered
            }
            changed(
                uow,
                order,
                "receive",
                user.id,
                received={str(k): v for k, v in merged.items()},
                over=over,
                reference=ref,
            )
            result = ReceiptResult(order_dto(uow, order), batch.hex, sum(merged.values()))
            uow.commit()
            return result

    return with_retry(once)
