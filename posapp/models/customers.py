"""Customers: the people a shop sells to, with or without a prepaid/credit account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin, utcnow


class Customer(IdMixin, CreatedAtMixin, Base):
    """A customer record: contact details, marketing consent, notes and tags.

    The one place the marketing consent lives: a customer account shows its customer's
    (``CustomerAccount.marketing_opt_in`` reads this row) and the outbox honours it. An erased
    customer keeps the row (orders and accounts point at it) with every personal field blanked
    and ``erased_at`` set.
    """

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("points_balance >= 0", name="points_balance_not_negative"),
        Index("ix_customers_name", "name"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_phone", "phone"),
    )

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    marketing_opt_in: Mapped[bool] = mapped_column(default=False)
    opt_changed_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(String(2000), default="")
    # Lower-case tags joined by ", " (kept sorted): searched with the other fields.
    tags: Mapped[str] = mapped_column(String(500), default="")
    erased_at: Mapped[datetime | None]
    # Loyalty points held (migration 0026): always the sum of the customer's point_movements,
    # moved only by one guarded UPDATE inside a sale's or return's transaction.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
