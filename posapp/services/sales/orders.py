"""The order lifecycle after checkout: hand over, pickup, cancel, returns and refunds, voids.

States and the only moves between them (anything else is refused with a clear message)::

    draft ──► placed ──► paid ──► fulfilled ─────────────┐
                │          │ └──► ready ──► collected ───┤──► partly refunded ──► refunded
                │          └────────────────┬────────────┘        (returns)
                └──► cancelled ◄────────────┘ (from placed, paid or ready)

Every move writes a status-history row (who, when, approver, note) and an audit entry. Moves
the customer hears about (ready for pickup, collected, partly refunded, refunded) also write
their email to the outbox, in the same transaction (see
:mod:`posapp.services.notifications.outbox`).

Cancel gives the stock back, gives the coupon uses back and refunds every payment to its tender.
A return takes chosen quantities of chosen lines (never more than are left), restocks them or
writes them off, and refunds their share of what was paid, to the original tenders (card and
account first, then cash) or to the customer's account. A return without the receipt needs a
manager. Refund amounts are cumulative per line, ``round(total × returned / sold)`` half-even,
so however a line is returned in parts, the refunds add up to exactly what the line cost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from posapp.events import OrderStatusChanged, PaymentConfirmed
from posapp.models import (
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    User,
)
from posapp.models.orders import OrderReturn, OrderReturnLine
from posapp.money import format_money
from posapp.services.accounts import refund_to_account
from posapp.services.coupons import release_redemptions
from posapp.services.notifications import enqueue_order_status_email
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import ManagerApproval
from posapp.services.sales.guards import Granted, grant
from posapp.services.sales.order_dto import RefundTo, ReturnRequest, ReturnResult
from posapp.services.sales.pricing import check_quantity, line_refund
from posapp.services.sales.tills import require_open_session
from posapp.services.staff import ACTIONS, ROLE_PERMISSIONS, Permission, authorize
from posapp.services.stock import move_stock

__all__ = [
    "ACTION_LABELS",
    "STATUS_LABELS",
    "TRANSITIONS",
    "IllegalTransitionError",
    "advance_order",
    "allowed_actions",
    "cancel_order",
    "lock_order",
    "return_items",
    "void_sale",
]

S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PLACED}),
    S.PLACED: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED, S.READY, S.CANCELLED, S.PARTLY_REFUNDED, S.REFUNDED}),
    S.READY: frozenset({S.COLLECTED, S.CANCELLED}),
    S.FULFILLED: frozenset({S.PARTLY_REFUNDED, S.REFUNDED}),
    S.COLLECTED: frozenset({S.PARTLY_REFUNDED, S.REFUNDED}),
    S.PARTLY_REFUNDED: frozenset({S.PARTLY_REFUNDED, S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.PARKED: frozenset(),
}
"""Which status each status may move to."""

STATUS_LABELS: dict[str, str] = {
    S.DRAFT: "draft",
    S.PARKED: "parked",
    S.PLACED: "placed (awaiting payment)",
    S.PAID: "paid",
    S.READY: "ready for pickup",
    S.FULFILLED: "handed over",
    S.COLLECTED: "collected",
    S.CANCELLED: "cancelled",
    S.PARTLY_REFUNDED: "partly refunded",
    S.REFUNDED: "refunded",
}

ACTION_LABELS: dict[str, str] = {
    "pay": "Take payment",
    "fulfil": "Hand over",
    "ready": "Ready for pickup",
    "collect": "Mark collected",
    "cancel": "Cancel order",
    "return": "Return items",
}
_ACTION_TARGET = {"fulfil": S.FULFILLED, "ready": S.READY, "collect": S.COLLECTED}
_RETURNABLE = frozenset({S.PAID, S.FULFILLED, S.COLLECTED, S.PARTLY_REFUNDED})
REASON_MAX = 200

for _name in ("advance_order", "cancel_order", "void_sale", "record_line_removed"):
    ACTIONS[f"sales.orders.{_name}"] = Permission.SELL
ACTIONS["sales.orders.return_items"] = Permission.REFUND


class IllegalTransitionError(ServiceError):
    """The order cannot move from its status to the asked one."""

    def __init__(self, number: str, current: str, wanted: str) -> None:
        super().__init__(
            f"Order {number} is {STATUS_LABELS.get(current, current)}: it cannot become "
            f"{STATUS_LABELS.get(wanted, wanted)}."
        )
        self.current = current
        self.wanted = wanted


def allowed_actions(
    status: str, pickup: bool, permissions: frozenset[Permission]
) -> tuple[str, ...]:
    """The actions a user with ``permissions`` may offer on an order in ``status``.

    Cancel is offered to sellers even without VOID: the register then asks for a manager.
    """
    actions: list[str] = []
    sell = Permission.SELL in permissions
    if sell and status == S.PLACED:
        actions.append("pay")
    if sell and status == S.PAID:
        actions.append("ready" if pickup else "fulfil")
    if sell and status == S.READY:
        actions.append("collect")
    if sell and status in (S.PLACED, S.PAID, S.READY):
        actions.append("cancel")
    if Permission.REFUND in permissions and status in _RETURNABLE:
        actions.append("return")
    return tuple(actions)


def lock_order(uow: UnitOfWork, order_id: int) -> Order:
    """Load an order for change, locking its row (PostgreSQL) until the transaction ends.

    Raises:
        NotFoundError: no such order.
    """
    order = uow.session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFoundError(f"No order {order_id}.")
    return order


def _check_move(order: Order, new: OrderStatus) -> None:
    if new.value not in TRANSITIONS.get(order.status, frozenset()):
        raise IllegalTransitionError(order.number, order.status, new.value)


def _move(
    uow: UnitOfWork,
    order: Order,
    new: OrderStatus,
    user_id: int,
    *,
    approver_id: int | None = None,
    note: str = "",
) -> None:
    """Record a checked move: the status, its history row, its event and the customer's email.

    The email (for the statuses of ``outbox.ORDER_EMAIL_KINDS``, when the order has a customer
    with an address) is an outbox row in this same unit of work: it commits or rolls back with
    the move.
    """
    old = order.status
    now = uow.now()
    order.status = new.value
    if new in (S.FULFILLED, S.COLLECTED, S.CANCELLED, S.REFUNDED):
        order.closed_at = now
    uow.session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=old,
            to_status=new.value,
            user_id=user_id,
            approver_id=approver_id,
            at=now,
            note=note,
        )
    )
    uow.record(OrderStatusChanged(order.id, order.number, old, new.value, now))
    enqueue_order_status_email(uow, order.id, new.value)


def advance_order(
    uow: UnitOfWork, actor: UserDTO, order_id: int, action: str, note: str = ""
) -> str:
    """Hand over (``fulfil``), mark ``ready`` for pickup, or mark ``collect``-ed.

    Returns:
        The new status.

    Raises:
        IllegalTransitionError: the order is not in a state that allows it.
    """
    target = _ACTION_TARGET.get(action)
    if target is None:
        raise ValidationError(f"Unknown order action {action!r}.")
    text = clean_text(note, "note", limit=REASON_MAX)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = lock_order(uow, order_id)
        _check_move(order, target)
        _move(uow, order, target, user.id, note=text)
        uow.audit(
            AuditRecord(
                f"order.{target.value}",
                user.id,
                "order",
                order.id,
                before={"status": order.status},
                after={"status": target.value},
            )
        )
        uow.commit()
        return target.value


# --- money back -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Refunder:
    """Writes refund payments for one order, in one transaction."""

    uow: UnitOfWork
    order: Order
    user_id: int
    key: uuid.UUID
    card_reference: str
    now: datetime
    till_id: int | None = None

    def till(self) -> int:
        if self.till_id is None:
            self.till_id = require_open_session(self.uow).id
        return self.till_id

    def _write(self, method: str, amount: int, source: Payment | None, **extra: object) -> None:
        now = self.now
        till_id = self.till() if method == "cash" else self._open_till_or_none()
        payment = Payment(
            payment_uuid=uuid.uuid5(self.key, f"{method}:{source.id if source else 0}"),
            order_id=self.order.id,
            method=method,
            amount_minor=-amount,
            tendered_minor=0,
            change_minor=0,
            refund_of_id=source.id if source else None,
            till_session_id=till_id,
            user_id=self.user_id,
            created_at=now,
            **extra,
        )
        self.uow.session.add(payment)
        self.uow.flush()
        self.uow.record(PaymentConfirmed(self.order.id, payment.id, method, -amount, now))

    def _open_till_or_none(self) -> int | None:
        if self.till_id is not None:
            return self.till_id
        try:
            return self.till()
        except ServiceError:
            return None

    def to_account(self, account_id: int, amount: int, source: Payment | None) -> None:
        ledger_id = refund_to_account(
            self.uow,
            customer_account_id=account_id,
            amount_minor=amount,
            order_id=self.order.id,
            user_id=self.user_id,
            key=uuid.uuid5(self.key, f"account:{source.id if source else 0}"),
        )
        self._write(
            "account",
            amount,
            source,
            customer_account_id=account_id,
            ledger_transaction_id=ledger_id,
        )

    def to_original(self, amount: int) -> list[tuple[str, int]]:
        """Share ``amount`` over the order's payments: card and account first, cash last."""
        payments = self.uow.session.scalars(
            select(Payment).where(Payment.order_id == self.order.id).order_by(Payment.id)
        ).all()
        refunded: dict[int, int] = {}
        for p in payments:
            if p.refund_of_id is not None:
                refunded[p.refund_of_id] = refunded.get(p.refund_of_id, 0) - p.amount_minor
        sources = sorted(
            (p for p in payments if p.amount_minor > 0),
            key=lambda p: (p.method == "cash", p.id),
        )
        done: list[tuple[str, int]] = []
        left = amount
        for source in sources:
            room = source.amount_minor - refunded.get(source.id, 0)
            share = min(room, left)
            if share <= 0:
                continue
            if source.method == "account" and source.customer_account_id is not None:
                self.to_account(source.customer_account_id, share, source)
            elif source.method == "card":
                reference = self.card_reference or f"REFUND {source.card_reference or ''}".strip()
                self._write(
                    "card",
                    share,
                    source,
                    card_reference=reference[:64],
                    card_last4=source.card_last4,
                )
            else:
                self._write("cash", share, source)
            done.append((source.method, share))
            left -= share
        if left > 0:
            raise ConflictError(
                f"Only {format_money(amount - left)} of {format_money(amount)} was paid on order "
                f"{self.order.number}: refund the rest to the customer's account."
            )
        return done


# --- cancel -----------------------------------------------------------------------------------


def cancel_order(
    uow: UnitOfWork,
    actor: UserDTO,
    order_id: int,
    reason: str,
    approval: ManagerApproval | None = None,
    card_refund_reference: str = "",
) -> str:
    """Cancel a placed, paid or ready order: stock, coupon uses and payments go back.

    Needs the VOID permission or a manager's approval.

    Raises:
        IllegalTransitionError: the order is handed over, refunded or cancelled already.
        ApprovalRequiredError: a cashier without approval.
    """
    text = clean_text(reason, "reason", limit=REASON_MAX, required=True)
    reference = clean_text(card_refund_reference, "card refund reference", limit=64)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = lock_order(uow, order_id)
        _check_move(order, S.CANCELLED)
        granted = grant(
            uow, actor, user, Permission.VOID, approval, "Cancelling an order needs a manager."
        )
        batch = uuid.uuid4()
        lines = uow.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.product_id)
        ).all()
        for line in lines:
            left = line.quantity - line.returned_qty
            if left > 0:
                move_stock(
                    uow,
                    store_id=order.store_id,
                    product_id=line.product_id,
                    quantity=left,
                    kind=MovementKind.RETURN,
                    batch_uuid=batch,
                    user_id=user.id,
                    order_id=order.id,
                    reason="Order cancelled",
                    reference=order.number,
                )
        release_redemptions(uow, order_id=order.id, user_id=user.id)
        refunds: list[tuple[str, int]] = []
        due = order.paid_minor - order.refunded_minor
        if due > 0:
            refunder = _Refunder(uow, order, user.id, batch, reference, uow.now())
            refunds = refunder.to_original(due)
            order.refunded_minor += due
        _move(uow, order, S.CANCELLED, user.id, approver_id=granted.approver_id, note=text)
        uow.audit(
            AuditRecord(
                "order.cancelled",
                user.id,
                "order",
                order.id,
                before={"status": order.status, "paid_minor": order.paid_minor},
                after={"status": S.CANCELLED.value, "refunds": refunds},
                approver_id=granted.approver_id,
                reason=text,
            )
        )
        uow.commit()
        return S.CANCELLED.value


# --- returns ----------------------------------------------------------------------------------


def _check_return_lines(request: ReturnRequest) -> None:
    if not request.lines:
        raise ValidationError("Choose at least one line to return.")
    ids = [line.order_line_id for line in request.lines]
    if len(set(ids)) != len(ids):
        raise ValidationError("A line appears twice in the return.")
    for line in request.lines:
        try:
            check_quantity(line.quantity)
        except ValidationError as exc:
            raise ValidationError(f"Return quantity: {exc}") from exc


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
    reason = clean_text(request.reason, "reason", limit=REASON_MAX)
    reference = clean_text(request.card_refund_reference, "card refund reference", limit=64)
    refund_to = RefundTo(request.refund_to)
    with uow:
        user = authorize(uow, actor, Permission.REFUND)
        replay = _replay_return(uow, request)
        if replay is not None:
            return replay
        order = lock_order(uow, request.order_id)
        if order.status not in _RETURNABLE:
            raise IllegalTransitionError(order.number, order.status, S.PARTLY_REFUNDED.value)
        granted = Granted(None)
        if not request.with_receipt:
            granted = grant(
                uow,
                actor,
                user,
                Permission.REFUND_WITHOUT_RECEIPT,
                request.approval,
                "A return without the receipt needs a manager.",
            )
        result = _do_return(uow, order, user, request, refund_to, granted, reason, reference)
        uow.commit()
        return result


def _do_return(
    uow: UnitOfWork,
    order: Order,
    user: User,
    request: ReturnRequest,
    refund_to: RefundTo,
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
        raise ValidationError("A returned line is not on this order.")
    total = 0
    for wanted in sorted(request.lines, key=lambda w: lines[w.order_line_id].product_id):
        line = lines[wanted.order_line_id]
        left = line.quantity - line.returned_qty
        if wanted.quantity > left:
            raise ValidationError(
                f"Only {left} of {line.name} can still be returned (sold {line.quantity})."
            )
        amount = line_refund(line.total_minor, line.quantity, line.returned_qty, wanted.quantity)
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
            raise ConflictError(f"{line.name} was returned at another till meanwhile: try again.")
        line.returned_qty += wanted.quantity
        if wanted.restock:
            move_stock(
                uow,
                store_id=order.store_id,
                product_id=line.product_id,
                quantity=wanted.quantity,
                kind=MovementKind.RETURN,
                batch_uuid=request.return_uuid,
                user_id=user.id,
                order_id=order.id,
                reason="Customer return",
                reference=order.number,
            )
        uow.session.add(
            OrderReturnLine(
                return_id=record.id,
                order_line_id=line.id,
                quantity=wanted.quantity,
                amount_minor=amount,
                restock=wanted.restock,
            )
        )
        total += amount
    record.amount_minor = total
    everything = all(line.returned_qty == line.quantity for line in lines.values())
    new = S.REFUNDED if everything else S.PARTLY_REFUNDED
    if everything:  # coupons before the ledger: the order a sale takes its locks in
        release_redemptions(uow, order_id=order.id, user_id=user.id)
    refunds = _refund(uow, order, user, request, refund_to, total, reference, now)
    order.refunded_minor += total
    old = order.status
    _move(uow, order, new, user.id, approver_id=granted.approver_id, note=reason or "Return")
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
                "refunds": refunds,
            },
            approver_id=granted.approver_id,
            reason=granted.reason or reason,
        )
    )
    return ReturnResult(record.id, order.id, total, new.value, tuple(refunds))


def _refund(
    uow: UnitOfWork,
    order: Order,
    user: User,
    request: ReturnRequest,
    refund_to: RefundTo,
    total: int,
    reference: str,
    now: datetime,
) -> list[tuple[str, int]]:
    if total == 0:
        return []
    refunder = _Refunder(uow, order, user.id, request.return_uuid, reference, now)
    if refund_to is RefundTo.ACCOUNT:
        account_id = request.account_id or order.customer_account_id
        if account_id is None:
            raise ValidationError("Attach the customer's account to refund to it.")
        refunder.to_account(account_id, total, None)
        return [("account", total)]
    return refunder.to_original(total)


# --- voiding a sale that was never placed ---------------------------------------------------


def void_sale(
    uow: UnitOfWork,
    actor: UserDTO,
    sale_uuid: uuid.UUID,
    lines: int,
    total_minor: int,
    reason: str = "",
) -> None:
    """Record in the audit log that the cashier threw away a sale before it was placed."""
    text = clean_text(reason, "reason", limit=REASON_MAX)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        uow.audit(
            AuditRecord(
                "sale.voided",
                user.id,
                "sale",
                None,
                before={"sale_uuid": sale_uuid.hex, "lines": lines, "total_minor": total_minor},
                reason=text,
            )
        )
        uow.commit()


def record_line_removed(
    uow: UnitOfWork,
    actor: UserDTO,
    sale_uuid: uuid.UUID,
    product_id: int,
    quantity: int,
    total_minor: int,
) -> None:
    """Record in the audit log that the cashier took units off a sale before it was placed.

    A whole line (Del) or some of its units (a lower quantity): ``quantity`` units of the
    product, worth ``total_minor``. Loss prevention reads these next to ``sale.voided``: who
    removed what, from which sale.
    """
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        uow.audit(
            AuditRecord(
                "sale.line_removed",
                user.id,
                "product",
                product_id,
                before={
                    "sale_uuid": sale_uuid.hex,
                    "quantity": quantity,
                    "total_minor": total_minor,
                },
            )
        )
        uow.commit()


def permissions_of(role: str) -> frozenset[Permission]:
    """The permissions of a role (for :func:`allowed_actions`)."""
    return ROLE_PERMISSIONS.get(role, frozenset())
