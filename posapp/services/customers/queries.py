"""Reads of customers: the search (register and Customers view) and the purchase history.

Both are keyset pages (``WHERE (key) > :last LIMIT n``, never OFFSET): the search in name
order, the history newest first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from posapp.models import (
    AccountStatus,
    CouponCode,
    CouponRedemption,
    Customer,
    CustomerAccount,
    Order,
    PointMovement,
)
from posapp.models.orders import OrderReturn
from posapp.services.accounts import display, phone_digits
from posapp.services.customers.dto import (
    CustomerCursor,
    CustomerRow,
    HistoryCursor,
    HistoryEntry,
)
from posapp.services.customers.manage import load, split_tags
from posapp.services.customers.validation import clean_search
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.like import contains
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, requires

PAGE_MAX: Final = 500


def _phone_column() -> ColumnElement[str]:
    column: ColumnElement[str] = Customer.phone.expression
    for char in " -()+":
        column = func.replace(column, char, "")
    return column


def _search_condition(term: str) -> ColumnElement[bool] | None:
    if not term:
        return None
    pattern = contains(term.lower())
    conditions: list[ColumnElement[bool]] = [
        func.lower(column).like(pattern, escape="\\")
        for column in (
            Customer.name,
            Customer.email,
            Customer.address,
            Customer.notes,
            Customer.tags,
        )
    ]
    digits = term.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        conditions.append(
            exists().where(
                CustomerAccount.customer_id == Customer.id,
                CustomerAccount.number.like(f"%{digits}%"),
            )
        )
    phone = phone_digits(term)
    if phone and len(phone) >= len(term.replace(" ", "")) - 3:  # mostly digits: a phone number
        conditions.append(_phone_column().like(f"%{phone}%"))
    return or_(*conditions)


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


@requires(Permission.VIEW_CUSTOMERS)
def search_customers(
    uow: UnitOfWork,
    actor: UserDTO,
    text: str,
    after: CustomerCursor | None = None,
    limit: int = 100,
) -> list[CustomerRow]:
    """One page of the customers matching ``text``, in name order (erased customers left out).

    ``text`` is looked for in the name, email, address, notes and tags (case-insensitive; on
    SQLite only ASCII letters fold case), in phone numbers by digits (``07700900123`` finds
    ``07700 900123``) and in the numbers of the customer's accounts. Empty: every customer.

    Raises:
        ValidationError: the text holds control or invisible characters.
    """
    term = clean_search(text)
    with uow:
        authorize(uow, actor, Permission.VIEW_CUSTOMERS)
        folded = func.lower(Customer.name)
        query = select(Customer.id, Customer.name, Customer.phone, Customer.email, Customer.tags)
        query = query.where(Customer.erased_at.is_(None))
        condition = _search_condition(term)
        if condition is not None:
            query = query.where(condition)
        if after is not None:
            query = query.where(
                or_(folded > after[0], and_(folded == after[0], Customer.id > after[1]))
            )
        rows = uow.session.execute(query.order_by(folded, Customer.id).limit(_limit(limit))).all()
        accounts = _open_accounts(uow, [int(r.id) for r in rows])
        return [
            CustomerRow(
                id=int(r.id),
                name=r.name,
                phone=r.phone,
                email=r.email,
                tags=split_tags(r.tags),
                account_id=accounts[int(r.id)][0] if int(r.id) in accounts else None,
                account_number=accounts[int(r.id)][1] if int(r.id) in accounts else "",
            )
            for r in rows
        ]


def customer_cursor(row: CustomerRow) -> CustomerCursor:
    """Where the page after ``row`` starts (for :func:`search_customers`)."""
    return (row.name.lower(), row.id)


def _open_accounts(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    if not ids:
        return {}
    rows = uow.session.execute(
        select(CustomerAccount.customer_id, CustomerAccount.id, CustomerAccount.number)
        .where(
            CustomerAccount.customer_id.in_(list(ids)),
            CustomerAccount.status == AccountStatus.OPEN.value,
        )
        .order_by(CustomerAccount.id.desc())
    ).all()
    return {int(r.customer_id): (int(r.id), display(r.number)) for r in rows}


def history_rows(
    uow: UnitOfWork, customer_id: int, before: HistoryCursor | None, limit: int | None
) -> list[HistoryEntry]:
    """The customer's orders newest first, after ``before`` (all of them when ``limit`` is None).

    An order is the customer's when it records them (``orders.customer_id``: attached at the
    register with or without an account) or was charged to one of their accounts.
    """
    account_ids = select(CustomerAccount.id).where(CustomerAccount.customer_id == customer_id)
    query = (
        select(
            Order.id,
            Order.number,
            Order.placed_at,
            Order.status,
            Order.total_minor,
            CustomerAccount.number.label("account_number"),
        )
        .outerjoin(CustomerAccount, CustomerAccount.id == Order.customer_account_id)
        .where(
            or_(Order.customer_id == customer_id, Order.customer_account_id.in_(account_ids)),
            Order.placed_at.is_not(None),
        )
    )
    if before is not None:
        at, order_id = before
        query = query.where(
            or_(Order.placed_at < at, and_(Order.placed_at == at, Order.id < order_id))
        )
    query = query.order_by(Order.placed_at.desc(), Order.id.desc())
    if limit is not None:
        query = query.limit(_limit(limit))
    orders = uow.session.execute(query).all()
    order_ids = [int(o.id) for o in orders]
    returned: dict[int, tuple[int, int]] = {}
    codes: dict[int, list[str]] = defaultdict(list)
    points: dict[int, int] = {}
    if order_ids:
        moved = uow.session.execute(
            select(PointMovement.order_id, func.sum(PointMovement.points))
            .where(PointMovement.order_id.in_(order_ids), PointMovement.customer_id == customer_id)
            .group_by(PointMovement.order_id)
        )
        points = {int(order_id): int(total or 0) for order_id, total in moved if order_id}
        for r in uow.session.execute(
            select(OrderReturn.order_id, func.count(), func.sum(OrderReturn.amount_minor))
            .where(OrderReturn.order_id.in_(order_ids))
            .group_by(OrderReturn.order_id)
        ):
            returned[int(r[0])] = (int(r[1]), int(r[2] or 0))
        for c in uow.session.execute(
            select(CouponRedemption.order_id, CouponCode.code)
            .join(CouponCode, CouponCode.id == CouponRedemption.code_id)
            .where(CouponRedemption.order_id.in_(order_ids))
            .order_by(CouponRedemption.id)
        ):
            codes[int(c.order_id)].append(c.code)
    return [
        HistoryEntry(
            order_id=int(o.id),
            number=o.number,
            at=o.placed_at,
            status=o.status,
            total_minor=int(o.total_minor),
            returned_minor=returned.get(int(o.id), (0, 0))[1],
            returns=returned.get(int(o.id), (0, 0))[0],
            coupon_codes=tuple(codes.get(int(o.id), ())),
            account_number=display(o.account_number) if o.account_number else "",
            points=points.get(int(o.id), 0),
        )
        for o in orders
    ]


@requires(Permission.VIEW_CUSTOMERS)
def purchase_history(
    uow: UnitOfWork,
    actor: UserDTO,
    customer_id: int,
    before: HistoryCursor | None = None,
    limit: int = 100,
) -> list[HistoryEntry]:
    """One page of a customer's purchase history, newest first.

    The orders placed on any of the customer's accounts, with the returns taken on each and
    the coupon codes used.

    Raises:
        NotFoundError: there is no such customer.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_CUSTOMERS)
        load(uow, customer_id)
        return history_rows(uow, customer_id, before, limit)


def history_cursor(entry: HistoryEntry) -> HistoryCursor:
    """Where the page after ``entry`` starts (for :func:`purchase_history`)."""
    return (entry.at, entry.order_id)
