"""Per-user notifications and the customer email outbox."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, BigIntId, CreatedAtMixin, IdMixin


class OutboxStatus(enum.StrEnum):
    """Where an outgoing email is: waiting, sent, or given up after its retries."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


OUTBOX_STATUSES = tuple(s.value for s in OutboxStatus)


class Notification(IdMixin, CreatedAtMixin, Base):
    """Something a staff user should know, with an optional link to the object it is about.

    ``dedup_key`` makes writing a notification idempotent: the same event (or the same condition,
    such as "campaign 7 is nearly used up") never notifies the same user twice, even when two
    registers process it at the same moment. NULL keys never collide.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("level IN ('info', 'warning', 'error')", name="level_known"),
        Index("ix_notifications_user_read", "user_id", "read_at", "created_at"),
        # The notification centre pages a user's notifications newest first by id.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        UniqueConstraint("user_id", "dedup_key", name="uq_notifications_user_id_dedup_key"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8), default="info")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link_kind: Mapped[str] = mapped_column(String(32), default="")
    link_id: Mapped[int | None] = mapped_column(BigIntId)
    read_at: Mapped[datetime | None]
    dedup_key: Mapped[str | None] = mapped_column(String(64))


class OutboxEmail(IdMixin, CreatedAtMixin, Base):
    """An email to a customer, written in the transaction of the event that caused it.

    A sender claims a due row by moving ``next_attempt_at`` forward in one conditional UPDATE, so
    two registers sending from one database never send the same row twice at once.
    ``coupon_code_id`` is unique: a promotion's code goes to exactly one customer.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_email_outbox_status_next", "status", "next_attempt_at"),
    )

    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    customer_account_id: Mapped[int | None] = mapped_column(ForeignKey("customer_accounts.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    coupon_code_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_codes.id"), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None]


class OutboxAttachment(IdMixin, Base):
    """A file sent with an outbox email (a purchase order's PDF), written with the email."""

    __tablename__ = "email_attachments"
    __table_args__ = (CheckConstraint("length(filename) > 0", name="filename_not_empty"),)

    email_id: Mapped[int] = mapped_column(ForeignKey("email_outbox.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
