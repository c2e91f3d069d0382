"""What the sales of a period earned: revenue, cost of goods sold and margin (issue #20).

Read inside :func:`posapp.services.sales.report.sales_summary`'s unit of work, over the same
orders (placed in the range, not cancelled, one store or all).

Per order line, for the units the customer kept (``returned_qty`` taken off at the line's own
cumulative shares, the ones its refunds were paid with, so the figures add up to the money):

* ``sales``   = ``total_minor`` less the returned share: what was paid, tax included, after
  the line's discount, its share of the order discount and of the coupons;
* ``tax``     = ``tax_minor`` less the returned share;
* ``revenue`` = sales − tax;
* ``cost``    = ``cost_minor`` (fixed when the stock gave the goods up) less what restocked
  returns took back (``order_return_lines.cost_minor``; goods written off keep their cost);
* ``margin``  = revenue − cost, and margin % of revenue.

So Σ sales = the orders' totals − what their returns refunded, to the minor unit. A line's
category is its product's category today (lines do not copy it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from posapp import formats, units
from posapp.models import Category, Order, OrderLine, Product, User
from posapp.models.orders import OrderReturnLine
from posapp.money import div_round
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.figures import LIVE
from posapp.services.sales.till_dto import MarginRow, SalesMargin

__all__ = ["UNCATEGORISED", "sales_margin"]

UNCATEGORISED = "Uncategorised"

# [quantity, sales, tax, cost] accumulated per group (a day, category, cashier or product id)
_Sums = dict[Any, list[int]]


def _kept(amount: int, quantity: int, returned: int) -> int:
    """``amount`` less the share of ``returned`` of ``quantity`` units (as refunds take it)."""
    return amount - div_round(amount * returned, quantity) if returned else amount


def _row(key: str, label: str, sums: list[int], unit: str = "pc") -> MarginRow:
    quantity, sales, tax, cost = sums
    return MarginRow(key, label, quantity, sales, tax, cost, unit)


def sales_margin(uow: UnitOfWork, in_range: list[ColumnElement[bool]], zone: tzinfo) -> SalesMargin:
    """The margin of the live orders matching ``in_range``, in all and by four groupings."""
    returned_cost = (
        select(
            OrderReturnLine.order_line_id.label("line_id"),
            func.sum(OrderReturnLine.cost_minor).label("cost"),
        )
        .group_by(OrderReturnLine.order_line_id)
        .subquery()
    )
    cashier = aliased(User)
    rows = uow.session.execute(
        select(
            func.coalesce(Order.placed_at, Order.created_at),
            Order.cashier_id,
            func.coalesce(cashier.full_name, ""),
            cashier.username,
            OrderLine.product_id,
            OrderLine.sku,
            OrderLine.name,
            Product.category_id,
            Category.name,
            Product.sold_by_weight,
            OrderLine.unit,
            OrderLine.quantity,
            OrderLine.returned_qty,
            OrderLine.total_minor,
            OrderLine.tax_minor,
            OrderLine.cost_minor,
            func.coalesce(returned_cost.c.cost, 0),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(cashier, cashier.id == Order.cashier_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .outerjoin(returned_cost, returned_cost.c.line_id == OrderLine.id)
        .where(*in_range, LIVE)
        .execution_options(yield_per=2000)
    )
    total: list[int] = [0, 0, 0, 0]
    days: dict[date, list[int]] = {}
    categories: _Sums = {}
    cashiers: _Sums = {}
    products: _Sums = {}
    labels: dict[tuple[str, Any], str] = {}
    unit_of_line: dict[int, str] = {}
    for (
        at,
        cashier_id,
        full_name,
        username,
        product_id,
        sku,
        name,
        category_id,
        category,
        weighed,
        line_unit,
        quantity,
        returned,
        line_total,
        line_tax,
        line_cost,
        cost_back,
    ) in rows:
        kept = quantity - returned
        figures = (
            kept,
            _kept(line_total, quantity, returned),
            _kept(line_tax, quantity, returned),
            line_cost - int(cost_back),
        )
        day = at.astimezone(zone).date()
        labels["c", category_id] = category or UNCATEGORISED
        labels["u", cashier_id] = full_name or username
        labels["p", product_id] = f"{sku}\t{name}"
        unit_of_line[product_id] = units.unit_or_weight(line_unit, sold_by_weight=bool(weighed))
        groups: tuple[tuple[_Sums, Any], ...] = (
            (days, day),
            (categories, category_id),
            (cashiers, cashier_id),
            (products, product_id),
        )
        for sums, key in groups:
            bucket = sums.setdefault(key, [0, 0, 0, 0])
            for i, value in enumerate(figures):
                bucket[i] += value
        for i, value in enumerate(figures):
            total[i] += value

    def grouped(
        sums: _Sums, label: Callable[[Any], tuple[str, str]], unit: Mapping[Any, str] | None = None
    ) -> tuple[MarginRow, ...]:
        made = [_row(*label(k), v, (unit or {}).get(k, "pc")) for k, v in sums.items()]
        return tuple(sorted(made, key=lambda r: (-r.margin_minor, r.label, r.key)))

    def product_label(key: Any) -> tuple[str, str]:
        sku, _, name = labels["p", key].partition("\t")
        return sku, name

    by_day = tuple(
        _row(d.isoformat(), formats.date_text(d, long=True), days[d]) for d in sorted(days)
    )
    return SalesMargin(
        total=_row("", "Total", total),
        days=by_day,
        categories=grouped(categories, lambda k: (str(k or ""), labels["c", k])),
        cashiers=grouped(cashiers, lambda k: (str(k), labels["u", k])),
        products=grouped(products, product_label, unit_of_line),
    )
