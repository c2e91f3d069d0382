"""The order lifecycle after checkout: hand over, pickup, cancel, and the audit of voided sales.

States and the only moves between them (anything else is refused with a clear message)::

    draft ──► placed ──► paid ──► fulfilled ─────────────┐
                │ │        │ └──► ready ──► collected ───┤──► partly refunded ──► refunded
                │ └────────│────► ready (unpaid)        │        (returns)
                │          └────────────────┬────────────┘
                └──► cancelled ◄────────────┘ (from placed, paid or ready)

A pickup order paid at the counter (a web order to pay at pickup) may be made ready while
unpaid; it is then paid (``pay_order``) and only then collected.

Every move writes a status-history row (who, when, approver, note) and an audit entry. Moves
the customer hears about (ready for pickup, collected, partly refunded, refunded) also write
their email to the outbox, in the same transaction (see
:mod:`posapp.services.notifications.outbox`).

Cancel gives the stock back, gives the coupon uses back and refunds every payment to its tender
(:mod:`posapp.services.sales.refunds`). Returns are in :mod:`posapp.services.sales.returns`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from posapp.events import OrderStatusChanged
from posapp.i18n import N_, _
from posapp.models import MovementKind, Order, OrderLine, OrderStatus, OrderStatusChange
from posapp.services.coupons import release_redemptions
from posapp.services.customers import take_back_points
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
from posapp.services.sales.guards import grant
from posapp.services.sales.pricing import line_refund
from posapp.services.sales.refunds import Refunder
from posapp.services.staff import ACTIONS, Permission, authorize
from posapp.services.stock import move_stock

__all__ = [
    "ACTION_LABELS",
    "RETURNABLE",
    "STATUS_LABELS",
    "TRANSITIONS",
    "IllegalTransitionError",
    "advance_order",
    "allowed_actions",
    "cancel_order",
    "check_move",
    "lock_order",
    "move_order",
    "ready_unpaid",
    "void_sale",
]


S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PLACED}),
    S.PLACED: frozenset({S.PAID, S.READY, S.CANCELLED}),
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
    S.DRAFT: N_("draft"),
    S.PARKED: N_("parked"),
    S.PLACED: N_("placed (awaiting payment)"),
    S.PAID: N_("paid"),
    S.READY: N_("ready for pickup"),
    S.FULFILLED: N_("handed over"),
    S.COLLECTED: N_("collected"),
    S.CANCELLED: N_("cancelled"),
    S.PARTLY_REFUNDED: N_("partly refunded"),
    S.REFUNDED: N_("refunded"),
}

ACTION_LABELS: dict[str, str] = {
    "pay": N_("Take payment"),
    "fulfil": N_("Hand over"),
    "ready": N_("Ready for pickup"),
    "collect": N_("Mark collected"),
    "cancel": N_("Cancel order"),
    "return": N_("Return items"),
}
_ACTION_TARGET = {"fulfil": S.FULFILLED, "ready": S.READY, "collect": S.COLLECTED}
RETURNABLE = frozenset({S.PAID, S.FULFILLED, S.COLLECTED, S.PARTLY_REFUNDED})
REASON_MAX = 200

for _name in ("advance_order", "cancel_order", "void_sale", "record_line_removed"):
    ACTIONS[f"sales.orders.{_name}"] = Permission.SELL


class IllegalTransitionError(ServiceError):
    """The order cannot move from its status to the asked one."""

    def __init__(self, number: str, current: str, wanted: str) -> None:
        super().__init__(
            _("Order {number} is {current}: it cannot become {wanted}.").format(
                number=number,
                current=_(STATUS_LABELS.get(current, current)),
                wanted=_(STATUS_LABELS.get(wanted, wanted)),
            )
        )
        self.current = current
        self.wanted = wanted


def allowed_actions(
    status: str, pickup: bool, permissions: frozenset[Permission], *, unpaid: bool = False
) -> tuple[str, ...]:
    """The actions a user with ``permissions`` may offer on an order in ``status``.

    Cancel is offered to sellers even without VOID: the register then asks for a manager.
    A pickup order not paid yet may be made ready first; it is paid before it is collected.
    """
    actions: list[str] = []
    sell = Permission.SELL in permissions
    if sell and (status == S.PLACED or (status == S.READY and unpaid)):
        actions.append("pay")
    if sell and status == S.PLACED and pickup:
        actions.append("ready")
    if sell and status == S.PAID:
        actions.append("ready" if pickup else "fulfil")
    if sell and status == S.READY and not unpaid:
        actions.append("collect")
    if sell and status in (S.PLACED, S.PAID, S.READY):
        actions.append("cancel")
    if Permission.REFUND in permissions and status in RETURNABLE:
        actions.append("return")
    return tuple(actions)


def lock_order(uow: UnitOfWork, order_id: int) -> Order:
    """Load an order for change, locking its row (PostgreSQL) until the transaction ends.

    Raises:
        NotFoundError: no such order.
    """
    order = uow.session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFoundError(_("No order {order_id}.").format(order_id=order_id))
    return order


def ready_unpaid(uow: UnitOfWork, order: Order) -> bool:
    """Whether ``order`` was made ready for pickup before it was paid, and is not paid yet.

    Known by its history (a move from placed straight to ready), not by amounts: an order of
    nothing to pay is paid all the same once ``pay_order`` records it (``paid_at``).
    """
    if order.status != S.READY or order.paid_at is not None:
        return False
    moved = uow.session.scalar(
        select(OrderStatusChange.id)
        .where(
            OrderStatusChange.order_id == order.id,
            OrderStatusChange.from_status == S.PLACED.value,
            OrderStatusChange.to_status == S.READY.value,
        )
        .limit(1)
    )
    return moved is not None


def check_move(order: Order, new: OrderStatus) -> None:
    """Refuse a move the order's status does not allow.

    Raises:
        IllegalTransitionError: ``new`` is not among :data:`TRANSITIONS` of the order's status.
    """
    if new.value not in TRANSITIONS.get(order.status, frozenset()):
        raise IllegalTransitionError(order.number, order.status, new.value)


def move_order(
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
        raise ValidationError(_("Unknown order action {action!r}.").format(action=action))
    text = clean_text(note, _("note"), limit=REASON_MAX)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = lock_order(uow, order_id)
        check_move(order, target)
        if order.status == S.PLACED and not order.pickup:
            raise IllegalTransitionError(order.number, order.status, target.value)
        if target is S.COLLECTED and ready_unpaid(uow, order):
            raise ValidationError(
                _("Order {number} is not paid: take payment first.").format(number=order.number)
            )
        before = {"status": order.status}  # read before the move, which changes it
        move_order(uow, order, target, user.id, note=text)
        uow.audit(
            AuditRecord(
                f"order.{target.value}",
                user.id,
                "order",
                order.id,
                before=before,
                after={"status": target.value},
            )
        )
        uow.commit()
        return target.value


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
    text = clean_text(reason, _("reason"), limit=REASON_MAX, required=True)
    reference = clean_text(card_refund_reference, _("card refund reference"), limit=64)
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = lock_order(uow, order_id)
        check_move(order, S.CANCELLED)
        if order.gift_card_minor:
            # The card sold may be spent already, at another till: goods are returned instead.
            raise ConflictError(
                _(
                    "Order {number} sold a gift card, so it cannot be cancelled: "
                    "return its goods instead (the card keeps its balance)."
                ).format(number=order.number)
            )
        granted = grant(
            uow, actor, user, Permission.VOID, approval, _("Cancelling an order needs a manager.")
        )
        # What the order was, read before stock, payments and status move.
        before = {"status": order.status, "paid_minor": order.paid_minor}
        batch = uuid.uuid4()
        lines = uow.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.product_id)
        ).all()
        points = 0
        for line in lines:
            left = line.quantity - line.returned_qty
            points += line_refund(line.points_earned, line.quantity, line.returned_qty, left)
            if left > 0:
                # The units not returned yet go back with their share of the line's cost.
                cost = line_refund(line.cost_minor, line.quantity, line.returned_qty, left)
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
                    value_minor=cost,
                )
        release_redemptions(uow, order_id=order.id, user_id=user.id)
        refunds: list[tuple[str, int]] = []
        due = order.paid_minor - order.refunded_minor
        if due > 0:
            refunder = Refunder(uow, order, user.id, batch, reference, uow.now())
            refunds = refunder.to_original(due)
            order.refunded_minor += due
        take_back_points(uow, order_id=order.id, points=points, user_id=user.id)
        move_order(uow, order, S.CANCELLED, user.id, approver_id=granted.approver_id, note=text)
        uow.audit(
            AuditRecord(
                "order.cancelled",
                user.id,
                "order",
                order.id,
                before=before,
                after={"status": S.CANCELLED.value, "refunds": refunds},
                approver_id=granted.approver_id,
                reason=text,
            )
        )
        uow.commit()
        return S.CANCELLED.value


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
    text = clean_text(reason, _("reason"), limit=REASON_MAX)
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
