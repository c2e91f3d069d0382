"""Sales for a date range: totals, by day, product, cashier and payment method, and margins."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import GiftCardMovement, Order, OrderLine, Payment, Store, User
from posapp.money import div_round
from posapp.services.customers import card_figures
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import day_bounds, shop_zone
from posapp.services.sales.figures import LIVE, method_totals, order_totals
from posapp.services.sales.margin import sales_margin
from posapp.services.sales.till_dto import (
    SalesCashier,
    SalesDay,
    SalesProduct,
    SalesReport,
)
from posapp.services.staff import ACTIONS, Permission, authorize

__all__ = ["MAX_DAYS", "sales_summary"]

MAX_DAYS = 3660
"""Longest range a sales report covers (about ten years)."""

ACTIONS["sales.report.sales_summary"] = Permission.VIEW_REPORTS


def _check_range(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise ValidationError(_("The report's end date is before its start date."))
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(_("A sales report covers at most ten years."))


def sales_summary(
    uow: UnitOfWork,
    actor: UserDTO | None,
    date_from: date,
    date_to: date,
    *,
    store_code: str | None = None,
) -> SalesReport:
    """Sales placed from ``date_from`` to ``date_to`` (inclusive, shop's time zone).

    ``actor`` None is the trusted local command line. Cancelled orders count only as cancelled;
    refunds count on the day the money went back.

    Raises:
        ValidationError: the range is reversed or too long.
        NotFoundError: no store has ``store_code``.
    """
    _check_range(date_from, date_to)
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_REPORTS)
        store_name = _("All stores")
        store_filter: list[ColumnElement[bool]] = []
        if store_code:
            store = uow.session.scalar(
                select(Store).where(Store.code == store_code.strip().upper())
            )
            if store is None:
                raise NotFoundError(
                    _("No store with code {store_code!r}.").format(store_code=store_code)
                )
            store_name = store.name
            store_filter = [Order.store_id == store.id]
        zone = shop_zone(uow)
        start, end = day_bounds(date_from, date_to, zone)
        in_range = [Order.placed_at >= start, Order.placed_at < end, *store_filter]
        totals = order_totals(uow, *in_range)
        days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
        for placed_at, total in uow.session.execute(
            select(
                func.coalesce(Order.placed_at, Order.created_at),
                Order.total_minor - Order.gift_card_minor,
            )
            .where(*in_range, LIVE)
            .execution_options(yield_per=2000)
        ):
            bucket = days[placed_at.astimezone(zone).date()]
            bucket[0] += 1
            bucket[1] += total
        paid_range = [Payment.created_at >= start, Payment.created_at < end]
        pay_join = select(Payment.created_at, Payment.amount_minor).join(
            Order, Order.id == Payment.order_id
        )
        for at, amount in uow.session.execute(
            pay_join.where(*paid_range, Payment.amount_minor < 0, *store_filter)
        ):
            days[at.astimezone(zone).date()][2] += -amount
        methods = method_totals(uow, *paid_range, *store_filter, join_orders=True)
        products = uow.session.execute(
            select(
                OrderLine.sku,
                OrderLine.name,
                func.sum(OrderLine.quantity),
                func.sum(OrderLine.returned_qty),
                func.sum(OrderLine.total_minor),
                OrderLine.unit,
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(*in_range, LIVE)
            .group_by(OrderLine.product_id, OrderLine.sku, OrderLine.name, OrderLine.unit)
            .order_by(func.sum(OrderLine.total_minor).desc(), OrderLine.sku)
        ).all()
        cashier = aliased(User)
        cashiers = uow.session.execute(
            select(
                cashier.full_name,
                cashier.username,
                func.count(Order.id),
                func.sum(Order.total_minor - Order.gift_card_minor),
            )
            .join(cashier, cashier.id == Order.cashier_id)
            .where(*in_range, LIVE)
            .group_by(cashier.id, cashier.full_name, cashier.username)
            .order_by(func.sum(Order.total_minor - Order.gift_card_minor).desc())
        ).all()
        refunds = sum(method.refunds_minor for method in methods)
        card_where = [GiftCardMovement.created_at >= start, GiftCardMovement.created_at < end]
        if store_filter:
            card_where.append(GiftCardMovement.order_id.in_(select(Order.id).where(*store_filter)))
        cards = card_figures(uow, *card_where)
        all_days = []
        day = date_from
        while day <= date_to:
            orders, sales, refunded = days.get(day, [0, 0, 0])
            all_days.append(SalesDay(day, orders, sales, refunded))
            day += timedelta(days=1)
        return SalesReport(
            date_from=date_from,
            date_to=date_to,
            store_name=store_name,
            generated_at=uow.now(),
            orders=totals[0],
            cancelled=totals[1],
            gross_minor=totals[2],
            discount_minor=totals[3],
            coupon_minor=totals[4],
            tax_minor=totals[5],
            sales_minor=totals[6],
            refunds_minor=refunds,
            days=tuple(all_days),
            products=tuple(
                SalesProduct(sku, name, int(q), int(r or 0), int(t), str(unit))
                for sku, name, q, r, t, unit in products
            ),
            cashiers=tuple(
                SalesCashier(full or user, int(n), int(t), div_round(int(t), max(1, int(n))))
                for full, user, n, t in cashiers
            ),
            methods=tuple(methods),
            gift_cards_sold_count=cards.sold_count,
            gift_cards_sold_minor=cards.sold_minor,
            gift_cards_redeemed_minor=cards.redeemed_minor - cards.refunded_to_cards_minor,
            margin=sales_margin(uow, in_range, zone),
        )
