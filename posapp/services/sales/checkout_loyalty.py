"""Loyalty points inside a sale: the points its goods earn, in the checkout's transaction.

A points payment is spent in :func:`posapp.services.sales.checkout_rows.write_payments` (before
this, so points earned on a sale cannot pay for it); the points system itself is
:mod:`posapp.services.customers.loyalty` (docs/loyalty.md).
"""

from __future__ import annotations

from sqlalchemy import select

from posapp.models import OrderLine, Product
from posapp.services.customers import EarningLine, earn_points, loyalty_rules
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.checkout_rows import SaleContext

__all__ = ["earn_on_sale"]


def earn_on_sale(uow: UnitOfWork, ctx: SaleContext, customer_id: int | None) -> int:
    """Give the sale's customer the points its goods earn (none without a customer).

    Returns:
        The points earned.
    """
    if customer_id is None:
        return 0
    rules = loyalty_rules(uow)
    if rules.earn_per_unit <= 0:
        return 0
    rows = uow.session.execute(
        select(OrderLine.id, Product.category_id, OrderLine.total_minor)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == ctx.order_id)
        .order_by(OrderLine.line_no)
    ).all()
    lines = [EarningLine(int(i), None if c is None else int(c), int(t)) for i, c, t in rows]
    return earn_points(
        uow, rules, customer_id=customer_id, order_id=ctx.order_id, lines=lines,
        user_id=ctx.user_id,
    )  # fmt: skip
