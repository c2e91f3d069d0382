"""Returns: take chosen quantities of an order's lines back, restock or write off, refund them.

A return takes chosen quantities of chosen lines (never more than are left), restocks them or
writes them off, and refunds their share of what was paid, to the original tenders (card and
account first, then cash) or to the customer's account. Refund amounts are cumulative per line,
``round(total × returned / sold)`` half-even, so however a line is returned in parts, the refunds
add up to exactly what the line cost.

Where the money may go: only where it came from. The order's own tenders, or the order's own
customer account (the one attached to the order, or one that paid for it). Any other account
needs a manager (REFUND_TO_OTHER_ACCOUNT: the acting manager, or a manager's approval), and the
approver and the account are in the audit row.

``with_receipt`` is the cashier's word that the customer showed the receipt; software cannot
check a paper receipt, which carries no secret. So it decides one thing only, whether a manager
must approve the return (a return without the receipt needs REFUND_WITHOUT_RECEIPT), and it
never widens where the money goes: with or without it, the destination rule above holds. The
claim is stored with the cashier's id on the return and in its audit row. One approval covers
every permission a return needs; the approver must hold all of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from posapp.i18n import _
from posapp.models import MovementKind, Order, OrderLine, OrderStatus, Payment, User
from posapp.models.orders import OrderReturn, OrderReturnLine
from posapp.services.coupons import release_redemptions
from posapp.services.customers import take_back_points
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.guards import Granted, grant_all
from posapp.services.sales.order_dto import RefundTo, ReturnRequest, ReturnResult
from posapp.services.sales.orders import (
    REASON_MAX,
    RETURNABLE,
    IllegalTransitionError,
    lock_order,
    move_order,
)
from posapp.services.sales.pricing import check_quantity, line_refund
from posapp.services.sales.refunds import Refunder
from posapp.services.sales.tills import TillClosedError, require_open_session
from posapp.services.staff import ACTIONS, Permission, authorize
from posapp.services.stock import move_stock
from posapp.units import format_quantity

__all__ = ["return_items"]

S = OrderStatus
ACTIONS["sales.returns.return_items"] = Permission.REFUND


def _check_return_lines(request: ReturnRequest) -> None:
    if not request.lines:
        raise ValidationError(_("Choose at least one line to return."))
    ids = [line.order_line_id for line in request.lines]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A line appears twice in the return."))
    for line in request.lines:
        try:
            check_quantity(line.quantity)
        except ValidationError as exc:
            raise ValidationError(_("Return quantity: {exc}").format(exc=exc)) from exc


def _replay_return(uow: UnitOfWork, request: ReturnRequest) -> ReturnResult | None:
    found = uow.session.scalar(
        select(OrderReturn).where(OrderReturn.return_uuid == request.return_uuid)
    )
    if found is None:
        return None
    status = uow.session.scalar(select(Order.status).where(Order.id == found.order_id)) or ""
    refunds = uow.session.execute(
        select(Payment.method, Payment.amount_minor).where(
            Payment.order_id == found.order_id,
            Payment.created_at == found.created_at,
            Payment.amount_minor < 0,
        )
    ).all()
    return ReturnResult(
        found.id,
        found.order_id,
        found.amount_minor,
        status,
        tuple((m, -a) for m, a in refunds),
        True,
    )


def return_items(uow: UnitOfWork, actor: UserDTO, request: ReturnRequest) -> ReturnResult:
    """Take goods back and refund them; see the module docstring for the rules.

    Raises:
        ValidationError: no lines, a quantity above what is left, a missing account.
        ApprovalRequiredError: no receipt and no manager's approval.
        IllegalTransitionError: the order is not paid (cancel it instead) or fully refunded.
    """
    _check_return_lines(request)
    reason = clean_text(request.reason, _("reason"), limit=REASON_MAX)
    reference = clean_text(request.card_refund_reference, _("card refund reference"), limit=64)
    refund_to = RefundTo(request.refund_to)
    with uow:
        user = authorize(uow, actor, Permission.REFUND)
        replay = _replay_return(uow, request)
        if replay is not None:
            return replay
        order = lock_order(uow, request.order_id)
        if order.status not in RETURNABLE:
            raise IllegalTransitionError(order.number, order.status, S.PARTLY_REFUNDED.value)
        account_id = _destination(uow, order, request, refund_to)
        needed = []
        if not request.with_receipt:
            needed.append(
                (Permission.REFUND_WITHOUT_RECEIPT, "A return without the receipt needs a manager.")
            )
        if account_id is not None and account_id not in _own_accounts(uow, order):
            needed.append(
                (
                    Permission.REFUND_TO_OTHER_ACCOUNT,
                    "A refund to an account that did not pay for this order needs a manager.",
                )
            )
        granted = grant_all(uow, actor, user, needed, request.approval)
        result = _do_return(
            uow, order, user, request, refund_to, account_id, granted, reason, reference
        )
        uow.commit()
        return result


def _do_return(
    uow: UnitOfWork,
    order: Order,
    user: User,
    request: ReturnRequest,
    refund_to: RefundTo,
    account_id: int | None,
    granted: Granted,
    reason: str,
    reference: str,
) -> ReturnResult:
    lines = {
        line.id: line
        for line in uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    now = uow.now()
    record = OrderReturn(
        return_uuid=request.return_uuid,
        order_id=order.id,
        user_id=user.id,
        approver_id=granted.approver_id,
        with_receipt=request.with_receipt,
        refund_to=refund_to.value,
        amount_minor=0,
        reason=reason,
        created_at=now,
    )
    uow.session.add(record)
    uow.flush()
    if any(wanted.order_line_id not in lines for wanted in request.lines):
        raise ValidationError(_("A returned line is not on this order."))
    total = points = 0
    restock_at = _where_goods_are(uow, order)
    for wanted in sorted(request.lines, key=lambda w: lines[w.order_line_id].product_id):
        line = lines[wanted.order_line_id]
        left = line.quantity - line.returned_qty
        if wanted.quantity > left:
            sold = format_quantity(line.quantity, line.unit)
            raise ValidationError(
                _("Only {left} of {line_name} can still be returned (sold {sold}).").format(
                    left=format_quantity(left, line.unit), line_name=line.name, sold=sold
                )
            )
        amount = line_refund(line.total_minor, line.quantity, line.returned_qty, wanted.quantity)
        # The returned units' share of the points the line earned (cumulative, like the money).
        points += line_refund(line.points_earned, line.quantity, line.returned_qty, wanted.quantity)
        # The restocked units' share of the line's cost goes back into stock (the same
        # cumulative share as the money); written-off goods keep their cost sold.
        cost = 0
        if wanted.restock:
            cost = line_refund(line.cost_minor, line.quantity, line.returned_qty, wanted.quantity)
        changed = uow.session.execute(
            update(OrderLine)
            .where(
                OrderLine.id == line.id,
                OrderLine.returned_qty + wanted.quantity <= OrderLine.quantity,
            )
            .values(returned_qty=OrderLine.returned_qty + wanted.quantity)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                _("{line_name} was returned at another till meanwhile: try again.").format(
                    line_name=line.name
                )
            )
        line.returned_qty += wanted.quantity
        if wanted.restock:
            move_stock(
                uow,
                store_id=restock_at,
                product_id=line.product_id,
                quantity=wanted.quantity,
                kind=MovementKind.RETURN,
                batch_uuid=request.return_uuid,
                user_id=user.id,
                order_id=order.id,
                reason="Customer return",
                reference=order.number,
                value_minor=cost,
            )
        uow.session.add(
            OrderReturnLine(
                return_id=record.id,
                order_line_id=line.id,
                quantity=wanted.quantity,
                amount_minor=amount,
                restock=wanted.restock,
                cost_minor=cost,
            )
        )
        total += amount
    record.amount_minor = total
    everything = all(line.returned_qty == line.quantity for line in lines.values())
    new = S.REFUNDED if everything else S.PARTLY_REFUNDED
    if everything:  # coupons before the ledger: the order a sale takes its locks in
        release_redemptions(uow, order_id=order.id, user_id=user.id)
    refunds = _refund(uow, order, user, request, account_id, total, reference, now)
    points_back = take_back_points(uow, order_id=order.id, points=points, user_id=user.id)
    order.refunded_minor += total
    old = order.status
    move_order(uow, order, new, user.id, approver_id=granted.approver_id, note=reason or "Return")
    uow.audit(
        AuditRecord(
            "order.return",
            user.id,
            "order",
            order.id,
            before={"status": old, "refunded_minor": order.refunded_minor - total},
            after={
                "status": new.value,
                "amount_minor": total,
                "lines": [[w.order_line_id, w.quantity, w.restock] for w in request.lines],
                "with_receipt": request.with_receipt,
                "refund_to": refund_to.value,
                "account_id": account_id,
                "refunds": refunds,
                "points_taken_back": points_back,
            },
            approver_id=granted.approver_id,
            reason=granted.reason or reason,
        )
    )
    return ReturnResult(record.id, order.id, total, new.value, tuple(refunds))


def _where_goods_are(uow: UnitOfWork, order: Order) -> int:
    """The store returned goods go back into: this register's (they are here), else the order's.

    An order of another store returned at this till restocks this store, not the order's (where
    the goods are not).
    """
    try:
        return require_open_session(uow).store_id
    except TillClosedError:
        return order.store_id


def _own_accounts(uow: UnitOfWork, order: Order) -> set[int]:
    """The customer accounts this order's money belongs to: its customer's and those that paid."""
    paid = uow.session.scalars(
        select(Payment.customer_account_id).where(
            Payment.order_id == order.id,
            Payment.amount_minor > 0,
            Payment.customer_account_id.is_not(None),
        )
    ).all()
    own = {int(a) for a in paid if a is not None}
    if order.customer_account_id is not None:
        own.add(order.customer_account_id)
    return own


def _destination(
    uow: UnitOfWork, order: Order, request: ReturnRequest, refund_to: RefundTo
) -> int | None:
    """The account a refund to an account goes to (None: to the original tenders).

    Without an account named, the order's customer's; else the one account that paid for it.

    Raises:
        ValidationError: an account refund with no account to go to.
    """
    if refund_to is not RefundTo.ACCOUNT:
        return None
    if request.account_id is not None:
        return request.account_id
    if order.customer_account_id is not None:
        return order.customer_account_id
    own = _own_accounts(uow, order)
    if len(own) == 1:
        return own.pop()
    raise ValidationError(_("Attach the customer's account to refund to it."))


def _refund(
    uow: UnitOfWork,
    order: Order,
    user: User,
    request: ReturnRequest,
    account_id: int | None,
    total: int,
    reference: str,
    now: datetime,
) -> list[tuple[str, int]]:
    if total == 0:
        return []
    refunder = Refunder(uow, order, user.id, request.return_uuid, reference, now)
    if account_id is not None:
        refunder.to_account(account_id, total, None)
        return [("account", total)]
    return refunder.to_original(total)
