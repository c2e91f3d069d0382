"""The sums a till report and the sales report are both made of: order totals, takings by method.

An X or Z report (:mod:`posapp.services.sales.tills`) sums one till session, the sales report
(:mod:`posapp.services.sales.report`) a date range of one or every store: the same two queries
under different conditions.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select

from posapp.models import Order, OrderStatus, Payment
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.till_dto import MethodTotal

LIVE = Order.status != OrderStatus.CANCELLED.value
"""Orders that count as sales (not cancelled)."""


def order_totals(uow: UnitOfWork, *where: ColumnElement[bool]) -> tuple[int, ...]:
    """Count and sum the orders matching ``where`` (cancelled ones only counted).

    Gift cards sold on the orders are in their subtotal and total but are no sale (a liability
    until spent): gross and sales leave them out.

    Returns:
        Orders sold, orders cancelled, then the sold ones' gross, discount, coupon, tax and
        sales, in minor units.
    """
    row = uow.session.execute(
        select(
            func.count(Order.id).filter(LIVE),
            func.count(Order.id).filter(~LIVE),
            func.coalesce(func.sum(Order.subtotal_minor - Order.gift_card_minor).filter(LIVE), 0),
            func.coalesce(func.sum(Order.discount_minor).filter(LIVE), 0),
            func.coalesce(func.sum(Order.coupon_minor).filter(LIVE), 0),
            func.coalesce(func.sum(Order.tax_minor).filter(LIVE), 0),
            func.coalesce(func.sum(Order.total_minor - Order.gift_card_minor).filter(LIVE), 0),
        ).where(*where)
    ).one()
    return tuple(int(value) for value in row)


def method_totals(
    uow: UnitOfWork, *where: ColumnElement[bool], join_orders: bool = False
) -> list[MethodTotal]:
    """Sales and refunds per payment method of the payments matching ``where``, by method name.

    ``join_orders`` joins each payment's order, for conditions on the orders (their store).
    """
    query = select(
        Payment.method,
        func.count(Payment.id).filter(Payment.amount_minor > 0),
        func.coalesce(func.sum(case((Payment.amount_minor > 0, Payment.amount_minor), else_=0)), 0),
        func.coalesce(
            func.sum(case((Payment.amount_minor < 0, -Payment.amount_minor), else_=0)), 0
        ),
    )
    if join_orders:
        query = query.join(Order, Order.id == Payment.order_id)
    rows = uow.session.execute(
        query.where(*where).group_by(Payment.method).order_by(Payment.method)
    ).all()
    return [MethodTotal(str(m), int(c), int(s), int(r)) for m, c, s, r in rows]
