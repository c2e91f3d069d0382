"""The rows one checkout writes, each step a function that :func:`checkout._place` calls.

Statements are built once and run on the session's connection (Core), which skips the ORM's
per-statement work; the session's transaction is the same. Every event is recorded on the unit
of work, so it is published only once the sale commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import BindParameter

from posapp.events import OrderStatusChanged, PaymentConfirmed
from posapp.i18n import _
from posapp.models import (
    CustomerAccount,
    LedgerEntry,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
)
from posapp.models.orders import OrderCounter
from posapp.money import allocate
from posapp.services.accounts import pay_from_account
from posapp.services.coupons import redeem_coupon
from posapp.services.customers import loyalty_rules, redeem_card, redeem_points
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.checkout_pricing import PricedSale
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, PlacedOrder, SaleDraft
from posapp.services.sales.pricing import Tender
from posapp.services.stock import take_stock

_ORDERS = cast(Table, Order.__table__)
_LINES = cast(Table, OrderLine.__table__)
_PAYMENTS = cast(Table, Payment.__table__)
_HISTORY = cast(Table, OrderStatusChange.__table__)
_SELECT_REPLAY = Prepared(
    select(
        _ORDERS.c.id,
        _ORDERS.c.number,
        _ORDERS.c.status,
        _ORDERS.c.total_minor,
        _ORDERS.c.paid_minor,
    ).where(_ORDERS.c.sale_uuid == bindparam("sale_uuid"))
)
_SELECT_CHANGE = Prepared(
    select(func.coalesce(func.sum(_PAYMENTS.c.change_minor), 0)).where(
        _PAYMENTS.c.order_id == bindparam("order_id"), _PAYMENTS.c.amount_minor > 0
    )
)
_INSERT_LINES = Prepared(insert(_LINES))
_INSERT_PAYMENT = Prepared(insert(_PAYMENTS).returning(_PAYMENTS.c.id))
_INSERT_HISTORY = Prepared(insert(_HISTORY))


def already_placed(uow: UnitOfWork, sale_uuid: uuid.UUID) -> PlacedOrder | None:
    """The order this sale already made (a retry), or None."""
    conn = uow.session.connection()
    row = _SELECT_REPLAY.one(conn, {"sale_uuid": sale_uuid})
    if row is None:
        return None
    order_id, number, status, total, paid = row
    change = _SELECT_CHANGE.one(conn, {"order_id": order_id})
    return PlacedOrder(
        order_id, number, status, total, paid, int(change[0] or 0) if change else 0, True
    )


_COUNTERS = cast(Table, OrderCounter.__table__)
_BUMP_COUNTER = Prepared(
    update(_COUNTERS)
    .where(_COUNTERS.c.store_id == bindparam("s_id"))
    .values(last_number=_COUNTERS.c.last_number + 1)
    .returning(_COUNTERS.c.last_number)
)
_COUNTER_UPSERTS: dict[str, Prepared] = {}


def _counter_upsert(dialect: str) -> Prepared:
    """The first sale's counter upsert for ``dialect``, built once.

    The store's first number follows the orders it already has; the count runs only here, once
    per store (in the VALUES of an upsert the database evaluates it even when the row exists,
    which would cost every sale a scan of the store's orders).
    """
    prepared = _COUNTER_UPSERTS.get(dialect)
    if prepared is None:
        store: BindParameter[int] = bindparam("store_id")
        first = select(func.count(Order.id) + 1).where(Order.store_id == store).scalar_subquery()
        values = {"store_id": store, "last_number": first}
        bump = {"last_number": OrderCounter.last_number + 1}
        if dialect == "postgresql":
            pg = pg_insert(OrderCounter).values(values)
            stmt = pg.on_conflict_do_update(index_elements=["store_id"], set_=bump).returning(
                OrderCounter.last_number
            )
        else:
            lite = sqlite_insert(OrderCounter).values(values)
            stmt = lite.on_conflict_do_update(index_elements=["store_id"], set_=bump).returning(
                OrderCounter.last_number
            )
        prepared = _COUNTER_UPSERTS[dialect] = Prepared(stmt)
    return prepared


def next_number(uow: UnitOfWork, store_id: int, store_code: str) -> str:
    """The store's next order number, from a counter row updated in this transaction.

    One guarded UPDATE (the upsert only for a store's first sale): the row lock it takes also
    serialises the store's checkouts, in the same order on every till (counter first, then stock
    by product id), so they cannot deadlock. The first sale of a store starts after the orders
    it already has (demo data, imports); two tills making a store's first sale at once meet in
    the upsert, and the second gets the next number.
    """
    conn = uow.session.connection()
    row = _BUMP_COUNTER.one(conn, {"s_id": store_id})
    if row is None:
        row = _counter_upsert(conn.dialect.name).one(conn, {"store_id": store_id})
    assert row is not None  # the upsert returns the counter
    number = int(row[0])
    return f"{store_code}-{number:06d}"


@dataclass(slots=True)
class SaleContext:
    """What one placing or paying step needs to write rows."""

    order_id: int
    number: str
    store_id: int
    till_id: int | None
    user_id: int
    now: datetime


def insert_lines(
    uow: UnitOfWork, ctx: SaleContext, priced: PricedSale, costs: Mapping[int, int]
) -> None:
    """Write the order's lines as priced, with who approved an override or a discount.

    ``costs`` is each line's cost of goods (by line number), from :func:`take_sale_stock`.
    """
    rows = []
    for line, p in zip(priced.lines, priced.cart.lines, strict=True):
        product = priced.products[line.product_id]
        override = priced.overrides.get(line.line_no)
        price = product.price_minor if line.unit_price_minor is None else line.unit_price_minor
        rows.append(
            {
                "order_id": ctx.order_id,
                "line_no": line.line_no,
                "product_id": product.id,
                "sku": product.sku,
                "name": product.name,
                "quantity": line.quantity,
                "returned_qty": 0,
                "unit": product.unit,
                "list_price_minor": product.price_minor,
                "unit_price_minor": price,
                "discount_minor": p.line_discount_minor,
                "order_discount_minor": p.order_discount_minor,
                "coupon_discount_minor": p.coupon_minor,
                "tax_rate_bp": p.tax_rate_bp,
                "tax_included": p.tax_included,
                "tax_minor": p.tax_minor,
                "total_minor": p.total_minor,
                "cost_minor": costs.get(line.line_no, 0),
                "override_approved_by_id": override.approver_id if override else None,
                "discount_approved_by_id": (
                    priced.discount_grant.approver_id
                    if priced.discount_grant and p.discount_minor
                    else None
                ),
            }
        )
    _INSERT_LINES.many(uow.session.connection(), rows)


def take_sale_stock(
    uow: UnitOfWork, ctx: SaleContext, draft: SaleDraft, *, below_zero: bool = False
) -> dict[int, int]:
    """Take the sale's products out of the store's stock (``stock.take_stock``), in product order.

    The levels are read locked in product order on every till (no deadlocks between tills),
    checked, and written in one batch with their value.

    ``below_zero``: a sale taken offline, whose goods are gone already (``stock.take_stock``).

    Returns:
        Each line's cost of goods by line number: the value the stock gave up for the product,
        shared among the product's lines by quantity (``allocate``: the shares add up).
    """
    wanted: dict[int, int] = defaultdict(int)
    for line in draft.lines:
        wanted[line.product_id] += line.quantity
    taken = take_stock(
        uow,
        store_id=ctx.store_id,
        quantities=wanted,
        kind=MovementKind.SALE,
        batch_uuid=draft.sale_uuid,
        user_id=ctx.user_id,
        order_id=ctx.order_id,
        reference=ctx.number,
        below_zero=below_zero,
    )
    by_product: dict[int, list[DraftLine]] = defaultdict(list)
    for line in draft.lines:
        by_product[line.product_id].append(line)
    costs: dict[int, int] = {}
    for product_id, value in taken.items():
        if not value:
            continue
        lines = by_product[product_id]
        if len(lines) == 1:  # the usual case: the whole value is the line's (allocate's answer)
            costs[lines[0].line_no] = value
            continue
        shares = allocate(value, [line.quantity for line in lines])
        costs.update((line.line_no, share) for line, share in zip(lines, shares, strict=True))
    return costs


def redeem_coupons(uow: UnitOfWork, ctx: SaleContext, draft: SaleDraft, priced: PricedSale) -> None:
    """Count the use of each coupon quoted on the sale."""
    if not priced.coupons:
        return
    # Quoted in the sale's order (a stacking code sees what the first took off), counted in
    # campaign order: each use locks its code's and its campaign's rows until commit, so two
    # tills selling the same two stacking codes in opposite orders cannot deadlock.
    pairs = zip(priced.coupons, priced.baskets, strict=True)
    for quote, basket in sorted(pairs, key=lambda pair: (pair[0].campaign_id, pair[0].code_id)):
        redeem_coupon(
            uow,
            quote,
            order_id=ctx.order_id,
            customer_account_id=draft.customer_account_id,
            cashier_id=ctx.user_id,
            lines=basket,
        )


def write_payments(uow: UnitOfWork, ctx: SaleContext, payments: Sequence[PaymentDraft]) -> int:
    """Write the payments (the account's and the gift card's through their own systems).

    An account payment goes through the accounts service first, a gift card payment through
    the gift cards system once its row is written.
    """
    change_total = 0
    for payment in payments:
        tender = Tender(str(payment.method), payment.amount_minor, payment.tendered_minor)
        values: dict[str, object] = {
            "payment_uuid": payment.payment_uuid,
            "card_reference": None,
            "card_last4": None,
            "customer_account_id": None,
            "ledger_transaction_id": None,
            "refund_of_id": None,
            "order_id": ctx.order_id,
            "method": str(payment.method),
            "amount_minor": payment.amount_minor,
            "tendered_minor": payment.tendered_minor if payment.method is PaymentKind.CASH else 0,
            "change_minor": tender.change_minor,
            "till_session_id": ctx.till_id,
            "user_id": ctx.user_id,
            "created_at": ctx.now,
        }
        if payment.method is PaymentKind.CARD:
            # A detail the shop does not require may be absent (card_rules): stored as NULL.
            values["card_reference"] = payment.card_reference or None
            values["card_last4"] = payment.card_last4 or None
        elif payment.method is PaymentKind.ACCOUNT:
            account_id, ledger_id = _pay_from_account(uow, ctx, payment)
            values["customer_account_id"] = account_id
            values["ledger_transaction_id"] = ledger_id
        inserted = _INSERT_PAYMENT.one(uow.session.connection(), values)
        assert inserted is not None  # RETURNING gives the new row's id
        payment_id = int(inserted[0])
        if payment.method is PaymentKind.GIFT_CARD:
            # The card's balance moves after the payment row exists (the movement names it).
            redeem_card(
                uow,
                code=payment.gift_card_code,
                amount_minor=payment.amount_minor,
                key=payment.payment_uuid,
                order_id=ctx.order_id,
                payment_id=payment_id,
                user_id=ctx.user_id,
                till_id=ctx.till_id,
            )
        elif payment.method is PaymentKind.POINTS:
            # The customer's points move after the payment row exists (the movement names it).
            redeem_points(
                uow,
                loyalty_rules(uow),
                order_id=ctx.order_id,
                payment_id=payment_id,
                amount_minor=payment.amount_minor,
                user_id=ctx.user_id,
            )
        change_total += tender.change_minor
        uow.record(
            PaymentConfirmed(
                ctx.order_id, payment_id, str(payment.method), payment.amount_minor, ctx.now
            )
        )
    return change_total


def _pay_from_account(uow: UnitOfWork, ctx: SaleContext, payment: PaymentDraft) -> tuple[int, int]:
    ledger_id = pay_from_account(
        uow,
        account_number=payment.account_number,
        pin=payment.pin,
        amount_minor=payment.amount_minor,
        order_id=ctx.order_id,
        user_id=ctx.user_id,
        key=payment.payment_uuid,
        store_id=ctx.store_id,
    )
    account_id = uow.session.scalar(
        select(CustomerAccount.id)
        .join(LedgerEntry, LedgerEntry.ledger_account_id == CustomerAccount.ledger_account_id)
        .where(LedgerEntry.transaction_id == ledger_id)
    )
    if account_id is None:
        raise NotFoundError(_("No customer account has this number."))
    return int(account_id), ledger_id


def write_history(
    uow: UnitOfWork,
    ctx: SaleContext,
    changes: Sequence[tuple[OrderStatus, OrderStatus]],
    *,
    approver_id: int | None = None,
    note: str = "",
) -> None:
    """Write the status history rows; record an event for each move past the draft."""
    _INSERT_HISTORY.many(
        uow.session.connection(),
        [
            {
                "order_id": ctx.order_id,
                "from_status": old.value,
                "to_status": new.value,
                "user_id": ctx.user_id,
                "approver_id": approver_id,
                "at": ctx.now,
                "note": note,
            }
            for old, new in changes
        ],
    )
    for old, new in changes[1:] if changes and changes[0][0] is OrderStatus.DRAFT else changes:
        uow.record(OrderStatusChanged(ctx.order_id, ctx.number, old.value, new.value, ctx.now))


def audit_placed(
    uow: UnitOfWork,
    ctx: SaleContext,
    draft: SaleDraft,
    priced: PricedSale,
    status: OrderStatus,
    change: int,
    cards_minor: int = 0,
) -> None:
    """Audit the sale, and each price override and discount with who approved it."""
    cart = priced.cart
    after: dict[str, object] = {
        "number": ctx.number,
        "status": status.value,
        "total_minor": cart.total_minor + cards_minor,
        "lines": len(draft.lines),
        "payments": [[str(p.method), p.amount_minor] for p in draft.payments],
    }
    if change:
        after["change_minor"] = change
    if cart.discount_minor:
        after["discount_minor"] = cart.discount_minor
    if cart.coupon_minor:
        after["coupon_minor"] = cart.coupon_minor
    if cards_minor:
        after["gift_card_minor"] = cards_minor
    uow.audit(AuditRecord("order.placed", ctx.user_id, "order", ctx.order_id, after=after))
    for line in draft.lines:
        granted = priced.overrides.get(line.line_no)
        if granted is None:
            continue
        product = priced.products[line.product_id]
        uow.audit(
            AuditRecord(
                "order.price_override",
                ctx.user_id,
                "order",
                ctx.order_id,
                before={
                    "line": line.line_no,
                    "product": product.sku,
                    "price_minor": product.price_minor,
                },
                after={
                    "line": line.line_no,
                    "product": product.sku,
                    "price_minor": line.unit_price_minor,
                },
                approver_id=granted.approver_id,
                reason=granted.reason,
            )
        )
    if cart.discount_minor and priced.discount_grant is not None:
        uow.audit(
            AuditRecord(
                "order.discount",
                ctx.user_id,
                "order",
                ctx.order_id,
                after={
                    "line_discount_minor": cart.line_discount_minor,
                    "order_discount_minor": cart.order_discount_minor,
                    "subtotal_minor": cart.subtotal_minor,
                },
                approver_id=priced.discount_grant.approver_id,
                reason=priced.discount_grant.reason,
            )
        )
