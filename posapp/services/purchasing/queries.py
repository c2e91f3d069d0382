"""Reads of purchasing: the order list and the purchases report of a period."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import ColumnElement, select

from posapp.i18n import _
from posapp.models import Product, PurchaseOrder, PurchaseOrderLine, PurchaseStatus, Store, Supplier
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.registry import shop_profile
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import day_bounds, shop_zone
from posapp.services.purchasing.dto import (
    STATUS_LABELS,
    PurchaseOrderRow,
    PurchasesReport,
    SupplierTotal,
    line_cost_minor,
)
from posapp.services.purchasing.suppliers import PURCHASING
from posapp.services.staff import Permission, authorize, requires

LIST_MAX = 500
REPORT_DAYS_MAX = 366 * 5


def _rows(
    uow: UnitOfWork, query_filter: list[ColumnElement[bool]], limit: int | None
) -> list[PurchaseOrderRow]:
    query = (
        select(PurchaseOrder, Supplier.name, Store.code)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Store, Store.id == PurchaseOrder.store_id)
        .where(*query_filter)
        .order_by(PurchaseOrder.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    orders = uow.session.execute(query).all()
    ids = [order.id for order, _unused, _unused in orders]
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        lines = uow.session.execute(
            select(
                PurchaseOrderLine.order_id,
                PurchaseOrderLine.quantity_ordered,
                PurchaseOrderLine.quantity_received,
                PurchaseOrderLine.cost_minor,
                Product.sold_by_weight,
            )
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(PurchaseOrderLine.order_id.in_(chunk))
        )
        for order_id, ordered, received, cost, weighed in lines:
            entry = totals[int(order_id)]
            entry[0] += 1
            entry[1] += line_cost_minor(int(cost), int(ordered), bool(weighed))
            entry[2] += line_cost_minor(int(cost), int(received), bool(weighed))
    return [
        PurchaseOrderRow(
            order.id,
            order.number,
            order.status,
            supplier,
            code,
            order.created_at,
            *totals[order.id],
        )
        for order, supplier, code in orders
    ]


@requires(PURCHASING)
def purchase_orders(
    uow: UnitOfWork,
    actor: UserDTO,
    *,
    store_id: int | None = None,
    status: str | None = None,
) -> list[PurchaseOrderRow]:
    """The newest orders (at most 500), of one store or status if asked."""
    if status is not None and status not in STATUS_LABELS:
        raise ValidationError(_("Unknown purchase order status {status!r}.").format(status=status))
    conditions: list[ColumnElement[bool]] = []
    if store_id is not None:
        conditions.append(PurchaseOrder.store_id == store_id)
    if status is not None:
        conditions.append(PurchaseOrder.status == status)
    with uow:
        return _rows(uow, conditions, LIST_MAX)


def purchases_report(
    uow: UnitOfWork, actor: UserDTO | None, date_from: date, date_to: date
) -> PurchasesReport:
    """Orders created from ``date_from`` to ``date_to`` (inclusive, shop's zone), by supplier.

    ``actor`` None is the trusted local command line; staff need ``VIEW_REPORTS``. Cancelled
    orders are listed but left out of the totals.

    Raises:
        ValidationError: the range is reversed or longer than five years.
    """
    if date_to < date_from:
        raise ValidationError(_("The first day is after the last day."))
    if (date_to - date_from).days > REPORT_DAYS_MAX:
        raise ValidationError(_("A purchases report covers at most five years."))
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_REPORTS)
        start, end = day_bounds(date_from, date_to, shop_zone(uow))
        rows = _rows(uow, [PurchaseOrder.created_at >= start, PurchaseOrder.created_at < end], None)
        rows.reverse()
        by_supplier: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for row in rows:
            if row.status == PurchaseStatus.CANCELLED.value:
                continue
            entry = by_supplier[row.supplier_name]
            entry[0] += 1
            entry[1] += row.total_minor
            entry[2] += row.received_minor
        suppliers = tuple(
            SupplierTotal(name, *by_supplier[name])
            for name in sorted(by_supplier, key=str.casefold)
        )
        return PurchasesReport(
            date_from, date_to, uow.now(), tuple(rows), suppliers, shop_profile(uow)
        )
