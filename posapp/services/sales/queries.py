"""Reads of the order list and of one order: keyset pages, filters, the full detail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import (
    CouponCampaign,
    CouponCode,
    CouponRedemption,
    Customer,
    CustomerAccount,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Store,
    User,
    WebOrder,
)
from posapp.models.orders import OrderReturn, OrderReturnLine
from posapp.services.coupons import mask_code
from posapp.services.customers import IssuedCard, order_cards, order_points
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.like import LIKE_ESCAPE, after_prefix, starts_with
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import day_bounds, shop_zone
from posapp.services.sales.dto import StoreHeader
from posapp.services.sales.lookup import customer_dto
from posapp.services.sales.order_dto import (
    AppliedCouponDTO,
    OrderDetail,
    OrderFilter,
    OrderLineDTO,
    OrderRow,
    PaymentDTO,
    ReturnDTO,
    ReturnLineDTO,
    StatusChangeDTO,
)
from posapp.services.sales.orders import allowed_actions
from posapp.services.sales.pricing import TaxRow
from posapp.services.staff import ACTIONS, Permission, authorize, permissions_of

__all__ = ["PAGE_SIZE", "find_order", "order_detail", "order_page"]

PAGE_SIZE = 200
NUMBER_MAX = 32

for _name in ("order_page", "order_detail", "find_order"):
    ACTIONS[f"sales.queries.{_name}"] = Permission.VIEW_ORDERS


def _person(full: str | None, username: str | None) -> str:
    return full or username or ""


def _conditions(uow: UnitOfWork, filt: OrderFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filt.statuses:
        conditions.append(Order.status.in_(filt.statuses))
    if filt.date_from or filt.date_to:
        first, last = filt.date_from or date(1, 1, 2), filt.date_to or date(9999, 12, 30)
        start, end = day_bounds(first, last, shop_zone(uow))
        conditions += [Order.created_at >= start, Order.created_at < end]
    if filt.store_id is not None:
        conditions.append(Order.store_id == filt.store_id)
    if filt.cashier_id is not None:
        conditions.append(Order.cashier_id == filt.cashier_id)
    if filt.customer_account_id is not None:
        conditions.append(Order.customer_account_id == filt.customer_account_id)
    if filt.pickup_only:
        conditions.append(Order.pickup.is_(True))
    if filt.customer_id is not None:
        conditions.append(Order.customer_id == filt.customer_id)
    number = filt.number.strip().upper()[:NUMBER_MAX]
    if number:
        match = [Order.number == number, _starts_with(uow, number)]
        if number.isdigit():  # "42" finds MAIN-000042 in any store: one exact number per store
            codes = uow.session.scalars(select(Store.code)).all()
            match.append(Order.number.in_([f"{code}-{int(number):06d}" for code in codes]))
        conditions.append(or_(*match))
    return conditions


def _starts_with(uow: UnitOfWork, prefix: str) -> ColumnElement[bool]:
    """Order numbers starting with ``prefix`` (stored in upper case, as the prefix is).

    On SQLite an index range (its LIKE is case-insensitive, so the unique index on ``number``
    cannot answer it; the BINARY collation orders by code point, as Python does). PostgreSQL's
    collation may not order by code point, so there it stays LIKE.
    """
    above = after_prefix(prefix)
    if uow.session.get_bind().dialect.name == "sqlite" and above is not None:
        return and_(Order.number >= prefix, Order.number < above)
    return Order.number.like(starts_with(prefix), escape=LIKE_ESCAPE)


def order_page(
    uow: UnitOfWork,
    actor: UserDTO,
    filt: OrderFilter,
    after: tuple[datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[OrderRow]:
    """One keyset page of the order list, newest first, strictly after ``after``."""
    cashier = aliased(User)
    items = (
        # A weighed line counts as one item (posapp.units.items_of), not in grams.
        select(
            func.coalesce(func.sum(case((OrderLine.unit == "pc", OrderLine.quantity), else_=1)), 0)
        )
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    query = (
        select(
            Order.id,
            Order.number,
            Order.created_at,
            Order.status,
            Store.name,
            cashier.full_name,
            cashier.username,
            func.coalesce(Customer.name, CustomerAccount.holder_name, WebOrder.customer_name),
            items,
            Order.total_minor,
            Order.paid_minor,
            Order.refunded_minor,
            Order.pickup,
            WebOrder.id,
        )
        .join(Store, Store.id == Order.store_id)
        .join(cashier, cashier.id == Order.cashier_id)
        .outerjoin(CustomerAccount, CustomerAccount.id == Order.customer_account_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .outerjoin(WebOrder, WebOrder.order_id == Order.id)
    )
    with uow:
        authorize(uow, actor, Permission.VIEW_ORDERS)
        conditions = _conditions(uow, filt)
        if after is not None:
            conditions.append(tuple_(Order.created_at, Order.id) < tuple_(*after))
        rows = uow.session.execute(
            query.where(*conditions)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(max(1, min(limit, 1000)))
        ).all()
        return [
            OrderRow(
                id=r[0],
                number=r[1],
                created_at=r[2],
                status=r[3],
                store_name=r[4],
                cashier_name=_person(r[5], r[6]),
                customer_name=r[7] or "",
                item_count=int(r[8]),
                total_minor=r[9],
                paid_minor=r[10],
                refunded_minor=r[11],
                pickup=bool(r[12]),
                web=r[13] is not None,
            )
            for r in rows
        ]


def order_detail(uow: UnitOfWork, actor: UserDTO, order_id: int) -> OrderDetail:
    """Everything about one order, with the actions the asking user may take.

    Raises:
        NotFoundError: no such order.
    """
    with uow:
        user = authorize(uow, actor, Permission.VIEW_ORDERS)
        order = uow.session.get(Order, order_id)
        if order is None:
            raise NotFoundError(_("No order {order_id}.").format(order_id=order_id))
        return _detail(uow, order, permissions_of(user.role), user.id)


def find_order(uow: UnitOfWork, actor: UserDTO, number: str) -> OrderDetail:
    """The order with this number (typed, or scanned from the receipt's barcode).

    Raises:
        NotFoundError: no order has this number.
    """
    text = number.strip().upper()[:NUMBER_MAX]
    with uow:
        user = authorize(uow, actor, Permission.VIEW_ORDERS)
        order = uow.session.scalar(select(Order).where(Order.number == text))
        if order is None:
            raise NotFoundError(_("No order numbered {value}.").format(value=text or "(empty)"))
        return _detail(uow, order, permissions_of(user.role), user.id)


def _names(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(wanted))
    )
    return {int(i): _person(full, name) for i, full, name in rows}


def _customer_name(uow: UnitOfWork, order: Order, account: CustomerAccount | None) -> str:
    """The order's customer's name: the customer record's (account or not), else the holder's."""
    if order.customer_id is not None:
        name = uow.session.scalar(select(Customer.name).where(Customer.id == order.customer_id))
        if name:
            return name
    return account.holder_name if account is not None else ""


def _detail(
    uow: UnitOfWork, order: Order, permissions: frozenset[Permission], viewer_id: int
) -> OrderDetail:
    session = uow.session
    store = session.get(Store, order.store_id)
    assert store is not None  # a foreign key
    customer = (
        session.get(CustomerAccount, order.customer_account_id)
        if order.customer_account_id is not None
        else None
    )
    lines = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
    ).all()
    payments = session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
    ).all()
    history = session.scalars(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(OrderStatusChange.at, OrderStatusChange.id)
    ).all()
    returns = session.scalars(
        select(OrderReturn).where(OrderReturn.order_id == order.id).order_by(OrderReturn.id)
    ).all()
    names = _names(
        uow,
        [order.cashier_id]
        + [line.override_approved_by_id for line in lines]
        + [p.user_id for p in payments]
        + [h.user_id for h in history]
        + [h.approver_id for h in history]
        + [r.user_id for r in returns]
        + [r.approver_id for r in returns],
    )
    accounts = dict(
        session.execute(
            select(CustomerAccount.id, CustomerAccount.number).where(
                CustomerAccount.id.in_(
                    {p.customer_account_id for p in payments if p.customer_account_id}
                )
            )
        ).all()
    )
    return from_row(
        OrderDetail,
        order,
        store=StoreHeader(store.id, store.code, store.name, store.address, store.phone),
        cashier_name=names.get(order.cashier_id, ""),
        customer=customer_dto(customer) if customer is not None else None,
        lines=tuple(_line(line, names) for line in lines),
        payments=tuple(
            PaymentDTO(
                id=p.id,
                method=p.method,
                amount_minor=p.amount_minor,
                tendered_minor=p.tendered_minor,
                change_minor=p.change_minor,
                card_reference=p.card_reference or "",
                card_last4=p.card_last4 or "",
                account_number=accounts.get(p.customer_account_id, "")
                if p.customer_account_id
                else "",
                created_at=p.created_at,
                user_name=names.get(p.user_id, ""),
                refund_of_id=p.refund_of_id,
            )
            for p in payments
        ),
        history=tuple(
            StatusChangeDTO(
                h.from_status,
                h.to_status,
                h.at,
                names.get(h.user_id, ""),
                names.get(h.approver_id, "") if h.approver_id else "",
                h.note,
            )
            for h in history
        ),
        coupons=_coupons(uow, order.id, whole=Permission.MANAGE_COUPONS in permissions),
        returns=_returns(uow, returns, {line.id: line for line in lines}, names),
        taxes=_taxes(lines),
        gift_cards=_gift_cards(uow, order, permissions, viewer_id),
        web_contact=_web_contact(uow, order.id),
        customer_name=_customer_name(uow, order, customer),
        points=order_points(uow, order.id),
        actions=tuple(
            action
            for action in allowed_actions(
                order.status,
                order.pickup,
                permissions,
                unpaid=order.paid_at is None
                and any(
                    h.from_status == OrderStatus.PLACED and h.to_status == OrderStatus.READY
                    for h in history
                ),
            )
            # An order that sold a gift card is never cancelled (the card may be spent).
            if not (action == "cancel" and order.gift_card_minor)
        ),
    )


def _gift_cards(
    uow: UnitOfWork, order: Order, permissions: frozenset[Permission], viewer_id: int
) -> tuple[IssuedCard, ...]:
    """The cards sold on the order: whole for their seller and coupon managers, else masked."""
    cards = order_cards(uow, order.id)
    if order.cashier_id == viewer_id or Permission.MANAGE_COUPONS in permissions:
        return cards
    return tuple(replace(card, code=mask_code(card.code)) for card in cards)


def _web_contact(uow: UnitOfWork, order_id: int) -> str:
    row = uow.session.execute(
        select(WebOrder.customer_name, WebOrder.email, WebOrder.phone).where(
            WebOrder.order_id == order_id
        )
    ).one_or_none()
    return "" if row is None else " · ".join(part for part in row if part)


def _line(line: OrderLine, names: dict[int, str]) -> OrderLineDTO:
    approver = line.override_approved_by_id
    return from_row(
        OrderLineDTO,
        line,
        coupon_minor=line.coupon_discount_minor,
        override_approver=names.get(approver, "") if approver else "",
    )


def _taxes(lines: Sequence[OrderLine]) -> tuple[TaxRow, ...]:
    rows: dict[tuple[int, bool], tuple[int, int]] = {}
    for line in lines:
        key = (line.tax_rate_bp, line.tax_included)
        net, tax = rows.get(key, (0, 0))
        rows[key] = (net + line.total_minor - line.tax_minor, tax + line.tax_minor)
    return tuple(
        TaxRow(rate, included, net, tax)
        for (rate, included), (net, tax) in sorted(
            rows.items(), key=lambda kv: (-kv[0][0], kv[0][1])
        )
    )


def _coupons(uow: UnitOfWork, order_id: int, *, whole: bool) -> tuple[AppliedCouponDTO, ...]:
    """The coupons used on the order; their codes masked unless ``whole`` (MANAGE_COUPONS).

    A code given back by a cancel or refund can be used again: staff who may not read unused
    codes in the Coupons tab do not read it here either (nor on a receipt they reprint).
    """
    rows = uow.session.execute(
        select(
            CouponCode.code,
            CouponCampaign.name,
            CouponRedemption.discount_minor,
            CouponRedemption.reversed_at,
        )
        .join(CouponCode, CouponCode.id == CouponRedemption.code_id)
        .join(CouponCampaign, CouponCampaign.id == CouponRedemption.campaign_id)
        .where(CouponRedemption.order_id == order_id)
        .order_by(CouponRedemption.id)
    ).all()
    return tuple(
        AppliedCouponDTO(c if whole else mask_code(c), n, d, r is not None) for c, n, d, r in rows
    )


def _returns(
    uow: UnitOfWork,
    returns: Sequence[OrderReturn],
    lines: dict[int, OrderLine],
    names: dict[int, str],
) -> tuple[ReturnDTO, ...]:
    if not returns:
        return ()
    rows = uow.session.scalars(
        select(OrderReturnLine)
        .where(OrderReturnLine.return_id.in_([r.id for r in returns]))
        .order_by(OrderReturnLine.id)
    ).all()
    by_return: dict[int, list[ReturnLineDTO]] = {}
    for row in rows:
        line = lines[row.order_line_id]
        by_return.setdefault(row.return_id, []).append(
            ReturnLineDTO(line.line_no, line.name, row.quantity, row.amount_minor, row.restock)
        )
    return tuple(
        ReturnDTO(
            r.id,
            r.created_at,
            r.amount_minor,
            r.with_receipt,
            r.refund_to,
            names.get(r.user_id, ""),
            names.get(r.approver_id, "") if r.approver_id else "",
            r.reason,
            tuple(by_return.get(r.id, [])),
        )
        for r in returns
    )
