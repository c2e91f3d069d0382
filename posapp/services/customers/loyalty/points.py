"""Point movements inside the caller's unit of work: earn, spend, take back, give back, adjust.

These run *inside the checkout's or the return's transaction* (they never open, commit or roll
back the unit of work): points move with the sale or return that moves them, or not at all.
Each change is one guarded UPDATE of ``customers.points_balance`` (``>= n`` when points leave),
so two registers spending the same points cannot take more than the customer has, and one
``point_movements`` row with the balance after it: the rows of a customer always sum to the
balance (the reliability invariant).

Decisions (docs/loyalty.md):

* A sale earns on its goods (line totals after every discount; gift card lines are no goods),
  whatever the tender; the points are shared over the eligible lines in proportion to their
  totals (:func:`posapp.money.allocate`), kept on each line.
* A return takes back the returned units' cumulative share of their line's points, but never
  more than the customer still has: points already spent are not clawed back below zero (the
  movement's reason says how many could not be taken back).
* Points spent on a refunded sale come back in the proportion the points tender was refunded:
  ``round(spent × refunded / paid)``, cumulative, so a sale returned in parts gives back exactly
  what was spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from posapp.i18n import _
from posapp.models import Customer, Order, OrderLine, PointKind, PointMovement
from posapp.money import allocate, div_round, format_money
from posapp.services.customers.loyalty.dto import LoyaltyRules, PointsRefused
from posapp.services.platform.uow import UnitOfWork

__all__ = [
    "EarningLine",
    "earn_points",
    "give_back_points",
    "move_points",
    "redeem_points",
    "take_back_points",
]

REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class EarningLine:
    """An order line as the points see it: its id, its product's category and its total."""

    line_id: int
    category_id: int | None
    total_minor: int


def move_points(
    uow: UnitOfWork,
    customer_id: int,
    kind: PointKind,
    points: int,
    *,
    order_id: int | None = None,
    payment_id: int | None = None,
    user_id: int | None = None,
    reason: str = "",
) -> int:
    """Add ``points`` (negative: take them) to the customer's balance and write the movement.

    Returns:
        The balance after the movement.

    Raises:
        PointsRefused: the customer has fewer points than are taken (nothing is written).
    """
    if isinstance(points, bool) or points == 0:
        raise PointsRefused(_("Points are a whole number other than zero."))
    table = Customer.__table__
    statement = update(Customer).where(Customer.id == customer_id)
    if points < 0:
        statement = statement.where(Customer.points_balance >= -points)
    row = uow.session.execute(
        statement.values(points_balance=Customer.points_balance + points)
        .returning(table.c.points_balance)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        have = uow.session.scalar(select(Customer.points_balance).where(Customer.id == customer_id))
        if have is None:
            raise PointsRefused(_("There is no such customer."))
        raise PointsRefused(
            _("The customer has {have} points; {needed} are needed.").format(
                have=have, needed=-points
            )
        )
    balance = int(row[0])
    uow.session.execute(
        insert(PointMovement).values(
            customer_id=customer_id,
            order_id=order_id,
            payment_id=payment_id,
            kind=kind.value,
            points=points,
            balance_after=balance,
            reason=reason[:REASON_MAX],
            user_id=user_id,
            created_at=uow.now(),
        )
    )
    return balance


def earn_points(
    uow: UnitOfWork,
    rules: LoyaltyRules,
    *,
    customer_id: int,
    order_id: int,
    lines: Sequence[EarningLine],
    user_id: int,
) -> int:
    """Give the customer the points a sale's goods earn; keep each line's share on the line.

    Returns:
        The points earned (0: none, and nothing is written).
    """
    eligible = [
        line for line in lines if line.total_minor > 0 and line.category_id not in rules.excluded
    ]
    earned = rules.earned(sum(line.total_minor for line in eligible))
    if earned <= 0:
        return 0
    shares = allocate(earned, [line.total_minor for line in eligible])
    for line, share in zip(eligible, shares, strict=True):
        if share:
            uow.session.execute(
                update(OrderLine)
                .where(OrderLine.id == line.line_id)
                .values(points_earned=share)
                .execution_options(synchronize_session=False)
            )
    move_points(
        uow, customer_id, PointKind.EARN, earned, order_id=order_id, user_id=user_id, reason="sale"
    )
    return earned


def _order_customer(uow: UnitOfWork, order_id: int) -> int | None:
    return uow.session.scalar(select(Order.customer_id).where(Order.id == order_id))


def redeem_points(
    uow: UnitOfWork,
    rules: LoyaltyRules,
    *,
    order_id: int,
    payment_id: int,
    amount_minor: int,
    user_id: int,
) -> int:
    """Spend the order's customer's points on a points payment of ``amount_minor``.

    The points are the fewest that pay the amount (:meth:`LoyaltyRules.points_for`).

    Returns:
        The points spent.

    Raises:
        PointsRefused: no customer on the sale, or too few points.
    """
    customer_id = _order_customer(uow, order_id)
    if customer_id is None:
        raise PointsRefused(_("Attach the customer (F4) before paying with points."))
    needed = rules.points_for(amount_minor)
    have = uow.session.scalar(select(Customer.points_balance).where(Customer.id == customer_id))
    if have is None or have < needed:
        raise PointsRefused(
            _("The customer has {have} points; {amount} needs {needed}.").format(
                have=have or 0, amount=format_money(amount_minor), needed=needed
            )
        )
    move_points(
        uow,
        customer_id,
        PointKind.REDEEM,
        -needed,
        order_id=order_id,
        payment_id=payment_id,
        user_id=user_id,
        reason="paid with points",
    )
    return needed


def take_back_points(uow: UnitOfWork, *, order_id: int, points: int, user_id: int) -> int:
    """Take back ``points`` a return's lines had earned, as far as the customer still has them.

    Returns:
        The points taken back (at most the balance; 0 writes nothing).
    """
    customer_id = _order_customer(uow, order_id)
    if customer_id is None or points <= 0:
        return 0
    have = uow.session.scalar(
        select(Customer.points_balance).where(Customer.id == customer_id).with_for_update()
    )
    taken = min(points, int(have or 0))
    if taken <= 0:
        return 0
    reason = "return"
    if taken < points:
        reason = f"return ({points - taken} already spent)"
    move_points(
        uow, customer_id, PointKind.RETURN, -taken, order_id=order_id, user_id=user_id,
        reason=reason,
    )  # fmt: skip
    return taken


def give_back_points(
    uow: UnitOfWork,
    *,
    source_payment_id: int,
    refund_payment_id: int,
    paid_minor: int,
    refunded_before_minor: int,
    refunding_minor: int,
    user_id: int,
) -> int:
    """Give back the points a refunded points payment spent, in proportion, cumulatively.

    Args:
        uow: The return's or cancellation's unit of work.
        source_payment_id: The points payment being refunded.
        refund_payment_id: The refund's own (negative) payment row.
        paid_minor: What the points payment paid.
        refunded_before_minor: What of it was refunded before this refund.
        refunding_minor: What this refund gives back of it.
        user_id: Who refunds.

    Returns:
        The points given back.
    """
    found = uow.session.execute(
        select(PointMovement.customer_id, PointMovement.points, PointMovement.order_id).where(
            PointMovement.payment_id == source_payment_id,
            PointMovement.kind == PointKind.REDEEM.value,
        )
    ).first()
    if found is None:
        return 0
    customer_id, spent, order_id = int(found[0]), -int(found[1]), found[2]
    after = div_round(spent * (refunded_before_minor + refunding_minor), paid_minor)
    points = after - div_round(spent * refunded_before_minor, paid_minor)
    if points <= 0:
        return 0
    move_points(
        uow,
        customer_id,
        PointKind.RETURN,
        points,
        order_id=order_id,
        payment_id=refund_payment_id,
        user_id=user_id,
        reason="refund of points paid",
    )
    return points
