"""Points expire: oldest first, after the shop's period, by an idempotent background job.

A customer's points are spent oldest first. Points earned (or given back) on a day expire
``expiry_days`` later if they have not been spent by then, so at any moment the points that must
have expired are ``credits up to the cut-off − every debit so far`` (debits: spent, taken back,
expired, adjusted down), when that is above zero. The job writes exactly that difference as an
``expire`` movement; the movement is itself a debit, so running the job again at the same moment
(or twice at once on two registers: each customer's row is locked) finds nothing more to expire.
That makes it safe to run from every register's background runner, at start-up and then every
hour (``app_services``): a day's points expire within the hour after their day, without anyone
having to open a day, and a register that was off catches up when it starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from posapp.models import Customer, PointKind, PointMovement
from posapp.services.customers.loyalty.points import move_points
from posapp.services.customers.loyalty.rules import loyalty_rules
from posapp.services.platform.uow import UnitOfWork

__all__ = ["due_expiry", "expire_due_points"]


def due_expiry(uow: UnitOfWork, cutoff: datetime) -> dict[int, int]:
    """Per customer, the points that must have expired by ``cutoff`` and have not (> 0 only)."""
    credits = func.coalesce(
        func.sum(
            case(
                (
                    (PointMovement.points > 0) & (PointMovement.created_at <= cutoff),
                    PointMovement.points,
                ),
                else_=0,
            )
        ),
        0,
    )
    debits = func.coalesce(
        func.sum(case((PointMovement.points < 0, -PointMovement.points), else_=0)), 0
    )
    due = credits - debits
    rows = uow.session.execute(
        select(PointMovement.customer_id, due)
        .join(Customer, Customer.id == PointMovement.customer_id)
        .where(Customer.points_balance > 0)
        .group_by(PointMovement.customer_id)
        .having(due > 0)
    ).all()
    return {int(customer_id): int(points) for customer_id, points in rows}


def expire_due_points(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Expire every customer's points older than the shop's period (a system job, no actor).

    Idempotent: a second run at the same moment expires nothing. Each customer's row is locked
    while its due points are counted again, so two registers running it at once expire once.

    Returns:
        How many points expired (0 when the shop's points never expire).
    """
    with uow:
        at = now or uow.now()
        rules = loyalty_rules(uow)
        if rules.expiry_days <= 0:
            return 0
        cutoff = at - timedelta(days=rules.expiry_days)
        expired = 0
        for customer_id in sorted(due_expiry(uow, cutoff)):
            uow.session.execute(
                select(Customer.id).where(Customer.id == customer_id).with_for_update()
            )
            points = due_expiry(uow, cutoff).get(customer_id, 0)
            if points > 0:
                move_points(uow, customer_id, PointKind.EXPIRE, -points, reason="expired")
                expired += points
        uow.commit()
        return expired
