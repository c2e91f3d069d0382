"""Reads of points: a customer's balance and movements, an order's points, the rules."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select

from posapp.i18n import _
from posapp.models import Customer, Order, PointKind, PointMovement
from posapp.services.customers.loyalty.dto import (
    CustomerPoints,
    LoyaltyRules,
    OrderPoints,
    PointMovementDTO,
    PointsFigures,
    PointsRefused,
)
from posapp.services.customers.loyalty.points import REASON_MAX, move_points
from posapp.services.customers.loyalty.rules import loyalty_rules
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize

__all__ = ["adjust_points", "customer_points", "order_points", "points_figures", "points_rules"]

ACTIONS["customers.loyalty.queries.customer_points"] = Permission.SELL
ACTIONS["customers.loyalty.queries.points_rules"] = Permission.SELL
ACTIONS["customers.loyalty.queries.adjust_points"] = Permission.MANAGE_CUSTOMERS
MOVEMENTS_SHOWN = 20


def customer_points(uow: UnitOfWork, actor: UserDTO, customer_id: int) -> CustomerPoints:
    """A customer's points, what they pay at the till and the latest movements (register, view).

    Raises:
        NotFoundError: there is no such customer.
    """
    with uow:
        authorize(uow, actor, Permission.SELL)
        balance = uow.session.scalar(
            select(Customer.points_balance).where(Customer.id == customer_id)
        )
        if balance is None:
            raise NotFoundError(_("There is no such customer."))
        rules = loyalty_rules(uow)
        rows = uow.session.execute(
            select(
                PointMovement.kind,
                PointMovement.points,
                PointMovement.balance_after,
                PointMovement.reason,
                Order.number,
                PointMovement.created_at,
            )
            .outerjoin(Order, Order.id == PointMovement.order_id)
            .where(PointMovement.customer_id == customer_id)
            .order_by(PointMovement.id.desc())
            .limit(MOVEMENTS_SHOWN)
        ).all()
        return CustomerPoints(
            customer_id,
            int(balance),
            rules.value_minor(int(balance)),
            rules.points_per_unit,
            tuple(PointMovementDTO(*row) for row in rows),
        )


def points_rules(uow: UnitOfWork, actor: UserDTO) -> LoyaltyRules:
    """The shop's loyalty rules (settings), for the register's points tender."""
    with uow:
        authorize(uow, actor, Permission.SELL)
        return loyalty_rules(uow)


def order_points(uow: UnitOfWork, order_id: int) -> OrderPoints | None:
    """An order's points for its receipt, inside the caller's unit of work (None: no customer).

    ``balance`` is the customer's balance right after the sale's own movements.
    """
    customer_id = uow.session.scalar(select(Order.customer_id).where(Order.id == order_id))
    if customer_id is None:
        return None
    sale_kinds = (PointKind.EARN.value, PointKind.REDEEM.value)
    row = uow.session.execute(
        select(
            func.coalesce(func.sum(PointMovement.points).filter(PointMovement.kind == "earn"), 0),
            func.coalesce(
                func.sum(-PointMovement.points).filter(PointMovement.kind == "redeem"), 0
            ),
            func.max(PointMovement.id),
        ).where(PointMovement.order_id == order_id, PointMovement.kind.in_(sale_kinds))
    ).one()
    earned, redeemed = int(row[0]), int(row[1])
    last_id: int | None = row[2]
    if last_id is None:
        balance = uow.session.scalar(
            select(Customer.points_balance).where(Customer.id == customer_id)
        )
        return OrderPoints(0, 0, int(balance or 0))
    after = uow.session.scalar(
        select(PointMovement.balance_after).where(PointMovement.id == last_id)
    )
    return OrderPoints(earned, redeemed, int(after or 0))


def points_figures(uow: UnitOfWork, *where: ColumnElement[bool]) -> PointsFigures:
    """Points earned, spent and moved by returns over the movements of orders matching ``where``.

    Inside the caller's unit of work (the X/Z report's): ``where`` speaks of ``Order``.
    """
    m = PointMovement
    back = m.kind == PointKind.RETURN.value

    def total(
        condition: ColumnElement[bool], value: SQLColumnExpression[int]
    ) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    row = uow.session.execute(
        select(
            total(m.kind == PointKind.EARN.value, m.points),
            total(m.kind == PointKind.REDEEM.value, -m.points),
            total(back & (m.points > 0), m.points),
            total(back & (m.points < 0), -m.points),
        )
        .join(Order, Order.id == m.order_id)
        .where(*where)
    ).one()
    return PointsFigures(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def adjust_points(
    uow: UnitOfWork, actor: UserDTO | None, customer_id: int, points: int, reason: str
) -> int:
    """Add or take points by hand (a goodwill gesture, a correction), with a reason; audited.

    ``actor`` None is the trusted command line or the demo.

    Returns:
        The balance after.

    Raises:
        PointsRefused: zero or a non-whole number, no reason, or more points taken than held.
        PermissionDeniedError: the actor may not manage customers.
    """
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise PointsRefused(_("Say why the points are adjusted."))
    with uow:
        user_id = None
        if actor is not None:
            user_id = authorize(uow, actor, Permission.MANAGE_CUSTOMERS).id
        balance = move_points(
            uow, customer_id, PointKind.ADJUST, points, user_id=user_id, reason=reason
        )
        uow.audit(
            AuditRecord(
                "customer.points_adjusted",
                user_id,
                "customer",
                customer_id,
                after={"points": points, "balance": balance},
                reason=reason,
            )
        )
        uow.commit()
        return balance
