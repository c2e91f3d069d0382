"""Checkout: place (and pay) a sale in one transaction, idempotently; pay a placed order later.

One call of :func:`place_order` writes, in one transaction: the order and its lines, one stock
decrement per product (conditional, never below zero), the coupon redemptions, the payments
(an account payment through the accounts service), the status history and the audit entries.
Events (``OrderPlaced``, ``PaymentConfirmed``, ``OrderStatusChanged``, ``CouponRedeemed``,
``StockLow``…) are published only after it commits.

Idempotency: the register makes the sale's UUID when the sale starts and each payment's UUID when
the tender is taken. Sending the same draft again (Enter pressed twice, a lost connection) finds
the order by its ``sale_uuid`` and returns it without writing anything; two attempts racing each
other collide on the unique ``sale_uuid`` and the loser returns the winner's order.

Completion: a sale is either placed unpaid (no payments, e.g. an order for pickup) or paid in
full in the same transaction; partial payment is refused, so no order is ever half paid.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter

from posapp.events import OrderPlaced, OrderStatusChanged, PaymentConfirmed
from posapp.models import (
    CustomerAccount,
    LedgerEntry,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Product,
    User,
)
from posapp.models.orders import OrderCounter
from posapp.money import BP_PER_UNIT, apply_rate_bp, format_money
from posapp.services.accounts import pay_from_account
from posapp.services.coupons import BasketLine, CouponQuote, code_key, quote_coupon, redeem_coupon
from posapp.services.notifications import enqueue_order_status_email
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.settings import get_setting
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import (
    DraftLine,
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    PlacedOrder,
    SaleDraft,
)
from posapp.services.sales.guards import Granted, clean_last4, grant
from posapp.services.sales.pricing import PricedCart, PriceLine, Tender, price_cart, settle
from posapp.services.sales.tills import require_open_session
from posapp.services.staff import ACTIONS, Actor, Permission, authorize, authorize_actor
from posapp.services.stock import take_stock

__all__ = [
    "DISCOUNT_CAP_KEY",
    "PaymentIncompleteError",
    "PriceChangedError",
    "discount_cap_bp",
    "pay_order",
    "place_order",
    "verify_approval",
]

DISCOUNT_CAP_KEY = "orders.discount_cap_bp"
"""Setting: the largest discount (basis points) a cashier may give without a manager."""
DEFAULT_DISCOUNT_CAP_BP = 1000
NOTE_MAX = 500
REFERENCE_MAX = 64
MAX_COUPONS = 5

ACTIONS["sales.checkout.place_order"] = Permission.SELL
ACTIONS["sales.checkout.pay_order"] = Permission.SELL
ACTIONS["sales.checkout.verify_approval"] = Permission.SELL


class PriceChangedError(ConflictError):
    """The total differs from what the customer was shown (a price changed meanwhile)."""

    def __init__(self, shown_minor: int, now_minor: int) -> None:
        super().__init__(
            f"Prices changed since the items were scanned: the total is now "
            f"{format_money(now_minor)}, not {format_money(shown_minor)}. Check the sale and "
            "take payment again."
        )
        self.now_minor = now_minor


class PaymentIncompleteError(ValidationError):
    """Payments given, but they do not cover the total."""


@dataclass(frozen=True, slots=True)
class _Priced:
    """A draft priced against the stored products, with coupons and approvals settled."""

    cart: PricedCart
    lines: tuple[DraftLine, ...]
    products: dict[int, _Product]
    overrides: dict[int, Granted]
    discount_grant: Granted | None
    coupons: tuple[CouponQuote, ...]
    baskets: tuple[tuple[BasketLine, ...], ...]


def discount_cap_bp(uow: UnitOfWork) -> int:
    """The cashiers' discount cap in basis points (setting, default 10 %)."""
    value = get_setting(uow, DISCOUNT_CAP_KEY, DEFAULT_DISCOUNT_CAP_BP)
    return int(value) if isinstance(value, int) and 0 <= value <= BP_PER_UNIT else 1000


# --- validating the draft (no database) ---------------------------------------------------------


def _check_draft(draft: SaleDraft) -> SaleDraft:
    """Return the draft with cleaned texts; refuse malformed input before touching the database."""
    if not draft.lines:
        raise ValidationError("The sale has no items.")
    numbers = [line.line_no for line in draft.lines]
    if len(set(numbers)) != len(numbers):
        raise ValidationError("Two lines of the sale have the same number.")
    uuids = {p.payment_uuid for p in draft.payments}
    if len(uuids) != len(draft.payments) or draft.sale_uuid in uuids:
        raise ValidationError("Each payment needs its own id.")
    if len(draft.coupon_codes) > MAX_COUPONS:
        raise ValidationError(f"At most {MAX_COUPONS} coupons on one sale.")
    note = clean_text(draft.note, "note", limit=NOTE_MAX)
    codes = tuple(
        clean_text(code, "coupon code", limit=64, required=True) for code in draft.coupon_codes
    )
    payments = tuple(_check_payment(p) for p in draft.payments)
    return SaleDraft(
        sale_uuid=draft.sale_uuid,
        lines=draft.lines,
        payments=payments,
        order_discount=draft.order_discount,
        order_discount_approval=draft.order_discount_approval,
        coupon_codes=codes,
        customer_account_id=draft.customer_account_id,
        expected_total_minor=draft.expected_total_minor,
        note=note,
        pickup=draft.pickup,
    )


def _check_payment(payment: PaymentDraft) -> PaymentDraft:
    method = PaymentKind(payment.method)
    if method is PaymentKind.CARD:
        reference = clean_text(
            payment.card_reference, "card terminal reference", limit=REFERENCE_MAX, required=True
        )
        return PaymentDraft(
            payment.payment_uuid,
            method,
            payment.amount_minor,
            0,
            card_reference=reference,
            card_last4=clean_last4(payment.card_last4),
        )
    if method is PaymentKind.ACCOUNT:
        if not payment.account_number.strip():
            raise ValidationError("Enter the customer's account number.")
        if not payment.pin:
            raise ValidationError("The account holder must enter their PIN.")
        return PaymentDraft(
            payment.payment_uuid,
            method,
            payment.amount_minor,
            0,
            account_number=payment.account_number,
            pin=payment.pin,
        )
    if payment.card_reference or payment.card_last4:
        raise ValidationError("A cash payment has no card details.")
    return PaymentDraft(payment.payment_uuid, method, payment.amount_minor, payment.tendered_minor)


def _tenders(payments: Sequence[PaymentDraft]) -> list[Tender]:
    return [
        Tender(
            str(p.method), p.amount_minor, p.tendered_minor if p.method is PaymentKind.CASH else 0
        )
        for p in payments
    ]


# --- pricing inside the transaction ---------------------------------------------------------------

_ORDERS = cast(Table, Order.__table__)
_LINES = cast(Table, OrderLine.__table__)
_PAYMENTS = cast(Table, Payment.__table__)
_HISTORY = cast(Table, OrderStatusChange.__table__)

# Statements built once: checkout runs them on the session's connection (Core), which skips the
# ORM's per-statement work; the session's transaction is the same.
_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.category_id,
    Product.price_minor,
    Product.tax_rate_bp,
    Product.tax_included,
    Product.active,
)
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
_SELECT_CUSTOMER = Prepared(
    select(CustomerAccount.id).where(CustomerAccount.id == bindparam("account_id"))
)
_INSERT_ORDER = Prepared(insert(_ORDERS).returning(_ORDERS.c.id))
_INSERT_LINES = Prepared(insert(_LINES))
_INSERT_PAYMENT = Prepared(insert(_PAYMENTS).returning(_PAYMENTS.c.id))
_INSERT_HISTORY = Prepared(insert(_HISTORY))
_SELECT_PRODUCTS: dict[int, Prepared] = {}


def _select_products(count: int) -> Prepared:
    """The products of a sale with ``count`` distinct products (one statement per count)."""
    stmt = _SELECT_PRODUCTS.get(count)
    if stmt is None:
        ids: list[BindParameter[int]] = [bindparam(f"p{n}") for n in range(count)]
        stmt = _SELECT_PRODUCTS[count] = Prepared(
            select(*_PRODUCT_COLUMNS).where(Product.id.in_(ids))
        )
    return stmt


@dataclass(frozen=True, slots=True)
class _Product:
    """The columns of a product that a sale copies."""

    id: int
    sku: str
    name: str
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    active: bool


def _load_products(uow: UnitOfWork, lines: Sequence[DraftLine]) -> dict[int, _Product]:
    ids = sorted({line.product_id for line in lines})
    rows = _select_products(len(ids)).all(
        uow.session.connection(), {f"p{n}": product_id for n, product_id in enumerate(ids)}
    )
    products = {row[0]: _Product(*row) for row in rows}
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            raise NotFoundError(f"Line {line.line_no}: the product no longer exists.")
        if not product.active:
            raise ValidationError(f"{product.name} is no longer sold (archived).")
    return products


def _price(uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft) -> _Priced:
    products = _load_products(uow, draft.lines)
    overrides: dict[int, Granted] = {}
    price_lines = []
    for line in draft.lines:
        product = products[line.product_id]
        price = product.price_minor if line.unit_price_minor is None else line.unit_price_minor
        if price != product.price_minor:
            overrides[line.line_no] = grant(
                uow,
                actor,
                user,
                Permission.OVERRIDE_PRICE,
                line.override_approval,
                f"Changing the price of {product.name} needs a manager's approval.",
                line_no=line.line_no,
            )
        price_lines.append(
            PriceLine(
                line.line_no,
                line.quantity,
                price,
                product.tax_rate_bp,
                product.tax_included,
                line.discount,
            )
        )
    plain = price_cart(price_lines, order_discount=draft.order_discount)
    discount_grant = _discount_grant(uow, actor, user, draft, plain)
    coupons: list[CouponQuote] = []
    baskets: list[tuple[BasketLine, ...]] = []
    cart = plain
    if draft.coupon_codes:
        shares, coupons, baskets = _quote_coupons(uow, draft, products, plain)
        cart = price_cart(price_lines, order_discount=draft.order_discount, coupon_shares=shares)
    return _Priced(
        cart, draft.lines, products, overrides, discount_grant, tuple(coupons), tuple(baskets)
    )


def _discount_grant(
    uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft, cart: PricedCart
) -> Granted | None:
    """Check manual discounts against the cashiers' cap; above it a manager must approve.

    The cap is compared with amounts rounded the same way (10 % of 12.99 is 1.30, allowed).
    """
    if cart.discount_minor == 0:
        return None
    cap = discount_cap_bp(uow)
    approvals = {line.line_no: line.discount_approval for line in draft.lines}
    granted: Granted | None = None
    for line in cart.lines:
        if line.line_discount_minor > apply_rate_bp(line.gross_minor, cap):
            granted = grant(
                uow,
                actor,
                user,
                Permission.DISCOUNT_ABOVE_CAP,
                approvals.get(line.line_no) or draft.order_discount_approval,
                f"A discount above {cap / 100:g} % needs a manager's approval.",
                line_no=line.line_no,
            )
    base = cart.subtotal_minor - cart.line_discount_minor
    if cart.order_discount_minor > apply_rate_bp(base, cap):
        granted = grant(
            uow,
            actor,
            user,
            Permission.DISCOUNT_ABOVE_CAP,
            draft.order_discount_approval,
            f"An order discount above {cap / 100:g} % needs a manager's approval.",
        )
    return granted or Granted(None)


def _quote_coupons(
    uow: UnitOfWork, draft: SaleDraft, products: dict[int, _Product], cart: PricedCart
) -> tuple[dict[int, int], list[CouponQuote], list[tuple[BasketLine, ...]]]:
    keys = [code_key(code) for code in draft.coupon_codes]
    if len(set(keys)) != len(keys):
        raise ValidationError("The same coupon is on the sale twice.")
    by_no = {line.line_no: line for line in draft.lines}
    remaining = {line.line_no: line.before_coupon_minor for line in cart.lines}
    shares: dict[int, int] = defaultdict(int)
    quotes: list[CouponQuote] = []
    baskets: list[tuple[BasketLine, ...]] = []
    for index, code in enumerate(draft.coupon_codes):
        basket = tuple(
            BasketLine(
                line_no,
                by_no[line_no].product_id,
                products[by_no[line_no].product_id].category_id,
                by_no[line_no].quantity,
                amount,
            )
            for line_no, amount in remaining.items()
        )
        quote = quote_coupon(
            uow,
            code,
            basket,
            customer_account_id=draft.customer_account_id,
            other_codes=draft.coupon_codes[:index],
        )
        for line_no, share in quote.line_discounts.items():
            shares[line_no] += share
            remaining[line_no] -= share
        quotes.append(quote)
        baskets.append(basket)
    return dict(shares), quotes, baskets


# --- placing -----------------------------------------------------------------------------------


def _replay(uow: UnitOfWork, sale_uuid: uuid.UUID) -> PlacedOrder | None:
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


def _next_number(uow: UnitOfWork, store_id: int, store_code: str) -> str:
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
class _Context:
    """What one placing or paying step needs to write rows."""

    order_id: int
    number: str
    store_id: int
    till_id: int
    user_id: int
    now: datetime


def place_order(uow: UnitOfWork, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
    """Place a sale, and pay it when payments are given, in one transaction.

    Returns:
        The order; ``replayed`` is True when this ``sale_uuid`` had been placed already.

    Raises:
        ValidationError: bad lines, discounts, payments or texts (a card number anywhere).
        ApprovalRequiredError: a price override or a discount above the cap without approval.
        InsufficientStockError: a product is short; the message names it and what is left.
        CouponRefused: a coupon cannot be used (the reason says why).
        PriceChangedError: the total differs from ``expected_total_minor``.
        PaymentIncompleteError: payments given that do not cover the total.
        TillClosedError: no till is open on this register.
    """
    draft = _check_draft(draft)
    try:
        with uow:
            user = authorize_actor(uow, actor, Permission.SELL)
            replay = _replay(uow, draft.sale_uuid)
            if replay is not None:
                return replay
            placed = _place(uow, actor, user, draft)
            uow.commit()
            return placed
    except IntegrityError as exc:
        # A concurrent attempt with the same sale (or a reused payment id) committed first.
        with uow:
            replay = _replay(uow, draft.sale_uuid)
        if replay is not None:
            return replay
        raise ConflictError("This payment was already used on another sale.") from exc


def _place(uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft) -> PlacedOrder:
    till = require_open_session(uow)
    till_id, store_id = till.id, till.store_id
    if (
        draft.customer_account_id is not None
        and _SELECT_CUSTOMER.one(
            uow.session.connection(), {"account_id": draft.customer_account_id}
        )
        is None
    ):
        raise NotFoundError("The customer's account no longer exists.")
    priced = _price(uow, actor, user, draft)
    cart = priced.cart
    if draft.expected_total_minor is not None and draft.expected_total_minor != cart.total_minor:
        raise PriceChangedError(draft.expected_total_minor, cart.total_minor)
    tenders = _tenders(draft.payments)
    settlement = settle(cart.total_minor, tenders)
    if draft.payments and not settlement.complete:
        raise PaymentIncompleteError(
            f"The payments cover {format_money(settlement.paid_minor)} of "
            f"{format_money(cart.total_minor)}: take the rest before completing the sale."
        )
    now = uow.now()
    paid = bool(draft.payments)
    status = OrderStatus.PLACED
    if paid:
        status = OrderStatus.READY if draft.pickup else OrderStatus.FULFILLED
    number = _next_number(uow, store_id, till.store_code)
    conn = uow.session.connection()
    inserted = _INSERT_ORDER.one(
        conn,
        {
            "sale_uuid": draft.sale_uuid,
            "number": number,
            "store_id": store_id,
            "register": uow.register,
            "cashier_id": user.id,
            "customer_account_id": draft.customer_account_id,
            "till_session_id": till_id,
            "status": status.value,
            "pickup": draft.pickup,
            "subtotal_minor": cart.subtotal_minor,
            "discount_minor": cart.discount_minor,
            "coupon_minor": cart.coupon_minor,
            "tax_minor": cart.tax_minor,
            "total_minor": cart.total_minor,
            "paid_minor": cart.total_minor if paid else 0,
            "refunded_minor": 0,
            "note": draft.note,
            "placed_at": now,
            "paid_at": now if paid else None,
            "closed_at": now if status is OrderStatus.FULFILLED else None,
            "created_at": now,
        },
    )
    assert inserted is not None  # RETURNING gives the new row's id
    order_id = int(inserted[0])
    ctx = _Context(order_id, number, store_id, till_id, user.id, now)
    _insert_lines(uow, ctx, priced)
    _take_stock(uow, ctx, draft)
    _redeem(uow, ctx, draft, priced)
    uow.record(OrderPlaced(order_id, number, store_id, cart.total_minor, now))
    changes = [(OrderStatus.DRAFT, OrderStatus.PLACED)]
    change = 0
    if paid:
        change = _pay(uow, ctx, draft.payments)
        changes += [(OrderStatus.PLACED, OrderStatus.PAID), (OrderStatus.PAID, status)]
    _history(uow, ctx, changes)
    if draft.customer_account_id is not None:
        # The customer's emails are written in the sale's transaction (sent once it commits).
        enqueue_order_status_email(uow, order_id, OrderStatus.PLACED.value)
        if status is OrderStatus.READY:  # paid for pickup: ready at once
            enqueue_order_status_email(uow, order_id, OrderStatus.READY.value)
    _audit_placed(uow, ctx, draft, priced, status, change)
    return PlacedOrder(
        order_id, number, status.value, cart.total_minor, cart.total_minor if paid else 0, change
    )


def _insert_lines(uow: UnitOfWork, ctx: _Context, priced: _Priced) -> None:
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
                "list_price_minor": product.price_minor,
                "unit_price_minor": price,
                "discount_minor": p.line_discount_minor,
                "order_discount_minor": p.order_discount_minor,
                "coupon_discount_minor": p.coupon_minor,
                "tax_rate_bp": p.tax_rate_bp,
                "tax_included": p.tax_included,
                "tax_minor": p.tax_minor,
                "total_minor": p.total_minor,
                "override_approved_by_id": override.approver_id if override else None,
                "discount_approved_by_id": (
                    priced.discount_grant.approver_id
                    if priced.discount_grant and p.discount_minor
                    else None
                ),
            }
        )
    _INSERT_LINES.many(uow.session.connection(), rows)


def _take_stock(uow: UnitOfWork, ctx: _Context, draft: SaleDraft) -> None:
    """One conditional decrement per product, in product order (no deadlocks between tills)."""
    wanted: dict[int, int] = defaultdict(int)
    for line in draft.lines:
        wanted[line.product_id] += line.quantity
    take_stock(
        uow,
        store_id=ctx.store_id,
        quantities=wanted,
        kind=MovementKind.SALE,
        batch_uuid=draft.sale_uuid,
        user_id=ctx.user_id,
        order_id=ctx.order_id,
        reference=ctx.number,
    )


def _redeem(uow: UnitOfWork, ctx: _Context, draft: SaleDraft, priced: _Priced) -> None:
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


def _pay(uow: UnitOfWork, ctx: _Context, payments: Sequence[PaymentDraft]) -> int:
    """Write the payments; an account payment goes through the accounts service first."""
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
            values["card_reference"] = payment.card_reference
            values["card_last4"] = payment.card_last4
        elif payment.method is PaymentKind.ACCOUNT:
            account_id, ledger_id = _pay_from_account(uow, ctx, payment)
            values["customer_account_id"] = account_id
            values["ledger_transaction_id"] = ledger_id
        inserted = _INSERT_PAYMENT.one(uow.session.connection(), values)
        assert inserted is not None  # RETURNING gives the new row's id
        payment_id = int(inserted[0])
        change_total += tender.change_minor
        uow.record(
            PaymentConfirmed(
                ctx.order_id, payment_id, str(payment.method), payment.amount_minor, ctx.now
            )
        )
    return change_total


def _pay_from_account(uow: UnitOfWork, ctx: _Context, payment: PaymentDraft) -> tuple[int, int]:
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
        raise NotFoundError("No customer account has this number.")
    return int(account_id), ledger_id


def _history(
    uow: UnitOfWork,
    ctx: _Context,
    changes: Sequence[tuple[OrderStatus, OrderStatus]],
    *,
    approver_id: int | None = None,
    note: str = "",
) -> None:
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


def _audit_placed(
    uow: UnitOfWork,
    ctx: _Context,
    draft: SaleDraft,
    priced: _Priced,
    status: OrderStatus,
    change: int,
) -> None:
    cart = priced.cart
    after: dict[str, object] = {
        "number": ctx.number,
        "status": status.value,
        "total_minor": cart.total_minor,
        "lines": len(draft.lines),
        "payments": [[str(p.method), p.amount_minor] for p in draft.payments],
    }
    if change:
        after["change_minor"] = change
    if cart.discount_minor:
        after["discount_minor"] = cart.discount_minor
    if cart.coupon_minor:
        after["coupon_minor"] = cart.coupon_minor
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


# --- paying a placed order later -----------------------------------------------------------------


def pay_order(
    uow: UnitOfWork, actor: UserDTO, order_id: int, payments: Sequence[PaymentDraft]
) -> PlacedOrder:
    """Pay a placed (unpaid) order in full; the same payments again return the paid order.

    Raises:
        PaymentIncompleteError: the payments do not cover what is due.
        IllegalTransitionError: the order is not waiting for payment.
    """
    from posapp.services.sales.orders import IllegalTransitionError, lock_order  # noqa: PLC0415

    checked = tuple(_check_payment(p) for p in payments)
    if not checked:
        raise ValidationError("Take a payment first.")
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = lock_order(uow, order_id)
        first = checked[0].payment_uuid
        if uow.session.scalar(select(Payment.id).where(Payment.payment_uuid == first)) is not None:
            replay = _replay(uow, order.sale_uuid)
            assert replay is not None
            return replay
        if order.status != OrderStatus.PLACED.value:
            raise IllegalTransitionError(order.number, order.status, OrderStatus.PAID.value)
        settlement = settle(order.total_minor, _tenders(checked))
        if not settlement.complete:
            raise PaymentIncompleteError(
                f"The payments cover {format_money(settlement.paid_minor)} of "
                f"{format_money(order.total_minor)}: take the rest first."
            )
        till = require_open_session(uow)
        ctx = _Context(order.id, order.number, order.store_id, till.id, user.id, uow.now())
        change = _pay(uow, ctx, checked)
        status = OrderStatus.READY if order.pickup else OrderStatus.FULFILLED
        order.status, order.paid_minor, order.paid_at = status.value, order.total_minor, ctx.now
        if status is OrderStatus.FULFILLED:
            order.closed_at = ctx.now
        _history(uow, ctx, [(OrderStatus.PLACED, OrderStatus.PAID), (OrderStatus.PAID, status)])
        if status is OrderStatus.READY and order.customer_account_id is not None:
            enqueue_order_status_email(uow, order.id, OrderStatus.READY.value)
        uow.audit(
            AuditRecord(
                "order.paid",
                user.id,
                "order",
                order.id,
                after={"payments": [[str(p.method), p.amount_minor] for p in checked]},
            )
        )
        uow.commit()
        return PlacedOrder(
            order.id, order.number, status.value, order.total_minor, order.total_minor, change
        )


def verify_approval(
    uow: UnitOfWork, actor: UserDTO, approval: ManagerApproval, permission: Permission
) -> str:
    """Check a manager's approval as it is typed, for feedback before payment; nothing is stored.

    Checkout checks the approval again when the sale is placed.

    Returns:
        The approver's name.

    Raises:
        AuthenticationError, PermissionDeniedError, ValidationError: the approval is refused.
    """
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        granted = grant(uow, actor, user, permission, approval, "A manager's approval is needed.")
        if granted.approver_id is None:
            return user.full_name or user.username
        approver = uow.session.get(User, granted.approver_id)
        assert approver is not None
        return approver.full_name or approver.username
