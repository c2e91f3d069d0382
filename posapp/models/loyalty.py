"""Loyalty points: every movement of a customer's points, with its reason (issue #19).

``customers.points_balance`` is the balance; each row here is one change of it, made in the same
transaction (a sale earns or spends, a return takes back or gives back, the expiry job expires, an
admin adjusts). The sum of a customer's rows equals the balance (a reliability invariant). Points
are whole numbers; a balance never goes below zero (CHECKs here and on ``customers``).
"""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin


class PointKind(enum.StrEnum):
    """Why points moved."""

    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    RETURN = "return"
    ADJUST = "adjust"


POINT_KINDS = tuple(k.value for k in PointKind)


class PointMovement(IdMixin, CreatedAtMixin, Base):
    """One change of a customer's points: + earned or given back, - spent, expired or taken back."""

    __tablename__ = "point_movements"
    __table_args__ = (
        CheckConstraint(f"kind IN {POINT_KINDS!r}", name="kind_known"),
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index("ix_point_movements_customer_id_id", "customer_id", "id"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    # The points payment a redemption made (or a refund gave back): returns find it by this.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
