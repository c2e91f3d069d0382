"""Checkout: place (and pay) a sale in one transaction, idempotently; pay a placed order later.

One call of :func:`place_order` writes, in one transaction: the order and its lines, the stock
taken for every product (``stock.take_stock``: the levels read locked, never below zero, one
batched write of quantity and value), the coupon redemptions, the payments
(an account payment through the accounts service), the status history and the audit entries.
Events (``OrderPlaced``, ``PaymentConfirmed``, ``OrderStatusChanged``, ``CouponRedeemed``,
``StockLow``…) are published only after it commits.

Idempotency: the register makes the sale's UUID when the sale starts and each payment's UUID when
the tender is taken. Sending the same draft again (Enter pressed twice, a lost connection) finds
the order by its ``sale_uuid`` and returns it without writing anything; two attempts racing each
other collide on the unique ``sale_uuid`` and the loser returns the winner's order.

Completion: a sale is either placed unpaid (no payments, e.g. an order for pickup) or paid in
full in the same transaction; partial payment is refused, so no order is ever half paid.

Here are the entry points and the checks of the draft; pricing inside the transaction is in
:mod:`posapp.services.sales.checkout_pricing`, the rows each step writes in
:mod:`posapp.services.sales.checkout_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from posapp.events import OrderPlaced
from posapp.i18n import _
from posapp.models import Order, OrderStatus, Payment, User
from posapp.money import format_money
from posapp.services.customers import card_key
from posapp.services.notifications import enqueue_order_status_email
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.card_rules import card_rules, require_card_details
from posapp.services.sales.checkout_giftcards import card_lines_minor, check_card_lines, sell_cards
from posapp.services.sales.checkout_loyalty import earn_on_sale
from posapp.services.sales.checkout_pricing import PricedSale, price_sale
from posapp.services.sales.checkout_rows import (
    SaleContext,
    already_placed,
    audit_placed,
    insert_lines,
    next_number,
    redeem_coupons,
    take_sale_stock,
    write_history,
    write_payments,
)
from posapp.services.sales.dto import (
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    PlacedOrder,
    SaleDraft,
)
from posapp.services.sales.guards import clean_last4, grant
from posapp.services.sales.orders import IllegalTransitionError, lock_order, ready_unpaid
from posapp.services.sales.pricing import Tender, settle
from posapp.services.sales.sale_customers import order_customer
from posapp.services.sales.tills import require_open_session
from posapp.services.staff import ACTIONS, Actor, Permission, authorize, authorize_actor

__all__ = [
    "PaymentIncompleteError",
    "PriceChangedError",
    "Seller",
    "check_draft",
    "pay_order",
    "place_order",
    "verify_approval",
    "write_sale",
]

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
            _(
                "Prices changed since the items were scanned: the total is now {now}, "
                "not {shown}. Check the sale and take payment again."
            ).format(now=format_money(now_minor), shown=format_money(shown_minor))
        )
        self.now_minor = now_minor


class PaymentIncompleteError(ValidationError):
    """Payments given, but they do not cover the total."""


# --- validating the draft (no database) ---------------------------------------------------------


def check_draft(draft: SaleDraft) -> SaleDraft:
    """Return the draft with cleaned texts; refuse malformed input before touching the database."""
    if not draft.lines and not draft.gift_cards:
        raise ValidationError(_("The sale has no items."))
    numbers = [line.line_no for line in draft.lines]
    if len(set(numbers)) != len(numbers):
        raise ValidationError(_("Two lines of the sale have the same number."))
    uuids = {p.payment_uuid for p in draft.payments}
    if len(uuids) != len(draft.payments) or draft.sale_uuid in uuids:
        raise ValidationError(_("Each payment needs its own id."))
    if len(draft.coupon_codes) > MAX_COUPONS:
        raise ValidationError(
            _("At most {max_coupons} coupons on one sale.").format(max_coupons=MAX_COUPONS)
        )
    note = clean_text(draft.note, _("note"), limit=NOTE_MAX)
    codes = tuple(
        clean_text(code, _("coupon code"), limit=64, required=True) for code in draft.coupon_codes
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
        customer_id=draft.customer_id,
        expected_total_minor=draft.expected_total_minor,
        note=note,
        pickup=draft.pickup,
        gift_cards=check_card_lines(draft),
    )


def _check_payment(payment: PaymentDraft) -> PaymentDraft:
    method = PaymentKind(payment.method)
    if method is PaymentKind.CARD:
        # Which details are required is the shop's setting (checked in the transaction,
        # card_rules.require_card_details); what is given is always checked here.
        reference = clean_text(
            payment.card_reference, _("card terminal reference"), limit=REFERENCE_MAX
        )
        last4 = payment.card_last4
        return PaymentDraft(
            payment.payment_uuid,
            method,
            payment.amount_minor,
            0,
            card_reference=reference,
            card_last4=clean_last4(last4) if last4.strip() else "",
        )
    if method is PaymentKind.ACCOUNT:
        if not payment.account_number.strip():
            raise ValidationError(_("Enter the customer's account number."))
        if not payment.pin:
            raise ValidationError(_("The account holder must enter their PIN."))
        return PaymentDraft(
            payment.payment_uuid,
            method,
            payment.amount_minor,
            0,
            account_number=payment.account_number,
            pin=payment.pin,
        )
    if method is PaymentKind.GIFT_CARD:
        return PaymentDraft(
            payment.payment_uuid,
            method,
            payment.amount_minor,
            0,
            gift_card_code=card_key(payment.gift_card_code),
        )
    if method is PaymentKind.POINTS:
        return PaymentDraft(payment.payment_uuid, method, payment.amount_minor, 0)
    if payment.card_reference or payment.card_last4:
        raise ValidationError(_("A cash payment has no card details."))
    return PaymentDraft(payment.payment_uuid, method, payment.amount_minor, payment.tendered_minor)


def _tenders(payments: Sequence[PaymentDraft]) -> list[Tender]:
    return [
        Tender(
            str(p.method), p.amount_minor, p.tendered_minor if p.method is PaymentKind.CASH else 0
        )
        for p in payments
    ]


# The order row and the customer check, run on the session's connection like the other rows of a
# sale (:mod:`posapp.services.sales.checkout_rows`).
_ORDERS = cast(Table, Order.__table__)
_INSERT_ORDER = Prepared(insert(_ORDERS).returning(_ORDERS.c.id))


# --- placing -----------------------------------------------------------------------------------


def place_order(uow: UnitOfWork, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
    """Place a sale, and pay it when payments are given, in one transaction.

    Returns:
        The order; ``replayed`` is True when this ``sale_uuid`` had been placed already.

    Raises:
        ValidationError: bad lines, discounts, payments or texts (a card number anywhere).
        ApprovalRequiredError: a price override or a discount above the cap without approval.
        InsufficientStockError: a product is short; the message names it and what is left.
        CouponRefused: a coupon cannot be used (the reason says why).
        GiftCardRefused: a gift card cannot be sold, reloaded or spent (the reason says why).
        PriceChangedError: the total differs from ``expected_total_minor``.
        PaymentIncompleteError: payments given that do not cover the total.
        TillClosedError: no till is open on this register.
    """
    draft = check_draft(draft)
    try:
        with uow:
            user = authorize_actor(uow, actor, Permission.SELL)
            replay = already_placed(uow, draft.sale_uuid)
            if replay is not None:
                return replay
            placed = _place(uow, actor, user, draft)
            uow.commit()
            return placed
    except IntegrityError as exc:
        # A concurrent attempt with the same sale (or a reused payment id) committed first.
        with uow:
            replay = already_placed(uow, draft.sale_uuid)
        if replay is not None:
            return replay
        raise ConflictError(_("This payment was already used on another sale.")) from exc


def _place(uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft) -> PlacedOrder:
    require_card_details(card_rules(uow), draft.payments)
    till = require_open_session(uow)
    priced = price_sale(uow, actor, user, draft)
    seller = Seller(user.id, till.store_id, till.store_code, till.id)
    return write_sale(uow, seller, draft, priced)


@dataclass(frozen=True, slots=True)
class Seller:
    """Who sells and where: the user the rows are written under, the store, the till (if any)."""

    user_id: int
    store_id: int
    store_code: str
    till_id: int | None
    register: str | None = None
    """The register named on the order (None: the unit of work's own)."""
    sold_at: datetime | None = None
    """When the sale was made (None: now); a sale taken offline keeps its own time (#21)."""
    below_zero: bool = False
    """Stock may go below zero: only a sale taken offline, whose goods have left the shop."""


def write_sale(
    uow: UnitOfWork,
    seller: Seller,
    draft: SaleDraft,
    priced: PricedSale,
    *,
    paid_status: OrderStatus | None = None,
) -> PlacedOrder:
    """Write a priced sale (order, lines, stock, coupons, payments, history, audit) in ``uow``.

    The one writer of a sale, for the till (:func:`place_order`) and for a web order
    (:mod:`posapp.services.sales.web_orders`). ``paid_status`` is where a paid sale ends (the
    till: ready for a pickup, else handed over; a paid web order waits as paid until the store
    has picked it). Neither opens ``with uow:`` nor commits: the caller does.

    Raises:
        PriceChangedError, PaymentIncompleteError, InsufficientStockError, CouponRefused,
        and the account payment's refusals (wrong PIN, locked, not enough money).
    """
    customer_id = order_customer(uow, draft.customer_account_id, draft.customer_id)
    cart = priced.cart
    cards = card_lines_minor(draft)  # gift cards sold: in the total, not in the cart's sales
    total = cart.total_minor + cards
    if draft.expected_total_minor is not None and draft.expected_total_minor != total:
        raise PriceChangedError(draft.expected_total_minor, total)
    if cards and not draft.payments:
        raise ValidationError(_("A gift card is sold only on a sale paid at once."))
    tenders = _tenders(draft.payments)
    settlement = settle(total, tenders)
    if draft.payments and not settlement.complete:
        raise PaymentIncompleteError(
            _(
                "The payments cover {paid_minor} of {total}: take the rest "
                "before completing the sale."
            ).format(paid_minor=format_money(settlement.paid_minor), total=format_money(total))
        )
    now = seller.sold_at or uow.now()
    paid = bool(draft.payments)
    status = OrderStatus.PLACED
    if paid:
        status = paid_status or (OrderStatus.READY if draft.pickup else OrderStatus.FULFILLED)
    store_id = seller.store_id
    number = next_number(uow, store_id, seller.store_code)
    conn = uow.session.connection()
    inserted = _INSERT_ORDER.one(
        conn,
        {
            "sale_uuid": draft.sale_uuid,
            "number": number,
            "store_id": store_id,
            "register": seller.register or uow.register,
            "cashier_id": seller.user_id,
            "customer_account_id": draft.customer_account_id,
            "customer_id": customer_id,
            "till_session_id": seller.till_id,
            "status": status.value,
            "pickup": draft.pickup,
            "subtotal_minor": cart.subtotal_minor + cards,
            "discount_minor": cart.discount_minor,
            "coupon_minor": cart.coupon_minor,
            "tax_minor": cart.tax_minor,
            "total_minor": total,
            "paid_minor": total if paid else 0,
            "refunded_minor": 0,
            "gift_card_minor": cards,
            "note": draft.note,
            "placed_at": now,
            "paid_at": now if paid else None,
            "closed_at": now if status is OrderStatus.FULFILLED else None,
            "created_at": now,
        },
    )
    assert inserted is not None  # RETURNING gives the new row's id
    order_id = int(inserted[0])
    ctx = SaleContext(order_id, number, store_id, seller.till_id, seller.user_id, now)
    # The stock first: the lines keep the cost of the goods the stock gave up.
    costs = take_sale_stock(uow, ctx, draft, below_zero=seller.below_zero)
    insert_lines(uow, ctx, priced, costs)
    redeem_coupons(uow, ctx, draft, priced)
    sell_cards(uow, ctx, draft.sale_uuid, draft)
    uow.record(OrderPlaced(order_id, number, store_id, total, now))
    changes = [(OrderStatus.DRAFT, OrderStatus.PLACED)]
    change = 0
    if paid:
        change = write_payments(uow, ctx, draft.payments)
        earn_on_sale(uow, ctx, customer_id)
        changes.append((OrderStatus.PLACED, OrderStatus.PAID))
        if status is not OrderStatus.PAID:
            changes.append((OrderStatus.PAID, status))
    write_history(uow, ctx, changes)
    if draft.customer_account_id is not None:
        # The customer's emails are written in the sale's transaction (sent once it commits).
        enqueue_order_status_email(uow, order_id, OrderStatus.PLACED.value)
        if status is OrderStatus.READY:  # paid for pickup: ready at once
            enqueue_order_status_email(uow, order_id, OrderStatus.READY.value)
    audit_placed(uow, ctx, draft, priced, status, change, cards)
    return PlacedOrder(order_id, number, status.value, total, total if paid else 0, change)


# --- paying a placed order later -----------------------------------------------------------------


def pay_order(
    uow: UnitOfWork, actor: UserDTO, order_id: int, payments: Sequence[PaymentDraft]
) -> PlacedOrder:
    """Pay a placed (unpaid) order in full; the same payments again return the paid order.

    Raises:
        PaymentIncompleteError: the payments do not cover what is due.
        IllegalTransitionError: the order is not waiting for payment.
    """
    checked = tuple(_check_payment(p) for p in payments)
    if not checked:
        raise ValidationError(_("Take a payment first."))
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        require_card_details(card_rules(uow), checked)
        order = lock_order(uow, order_id)
        first = checked[0].payment_uuid
        if uow.session.scalar(select(Payment.id).where(Payment.payment_uuid == first)) is not None:
            replay = already_placed(uow, order.sale_uuid)
            assert replay is not None
            return replay
        # A pickup order may have been made ready before it was paid (a web order to pay at
        # pickup): it is paid at the counter and stays ready, to be collected.
        unpaid_ready = ready_unpaid(uow, order)
        if order.status != OrderStatus.PLACED.value and not unpaid_ready:
            raise IllegalTransitionError(order.number, order.status, OrderStatus.PAID.value)
        settlement = settle(order.total_minor, _tenders(checked))
        if not settlement.complete:
            raise PaymentIncompleteError(
                _("The payments cover {paid_minor} of {total_minor}: take the rest first.").format(
                    paid_minor=format_money(settlement.paid_minor),
                    total_minor=format_money(order.total_minor),
                )
            )
        till = require_open_session(uow)
        ctx = SaleContext(order.id, order.number, order.store_id, till.id, user.id, uow.now())
        change = write_payments(uow, ctx, checked)
        earn_on_sale(uow, ctx, order.customer_id)
        status = OrderStatus.READY if order.pickup else OrderStatus.FULFILLED
        order.status, order.paid_minor, order.paid_at = status.value, order.total_minor, ctx.now
        if status is OrderStatus.FULFILLED:
            order.closed_at = ctx.now
        if not unpaid_ready:  # a ready order stays ready: its status does not move
            write_history(
                uow, ctx, [(OrderStatus.PLACED, OrderStatus.PAID), (OrderStatus.PAID, status)]
            )
            if status is OrderStatus.READY:
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
        granted = grant(
            uow, actor, user, permission, approval, _("A manager's approval is needed.")
        )
        if granted.approver_id is None:
            return user.full_name or user.username
        approver = uow.session.get(User, granted.approver_id)
        assert approver is not None
        return approver.full_name or approver.username
