"""Suppliers, what they supply, purchase orders and what was received against them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin, money_column


class PurchaseStatus(enum.StrEnum):
    """Where a purchase order is: draft → sent → partly received → received, or cancelled."""

    DRAFT = "draft"
    SENT = "sent"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


PURCHASE_STATUSES = tuple(s.value for s in PurchaseStatus)


class Supplier(IdMixin, CreatedAtMixin, Base):
    """A company the shop buys from."""

    __tablename__ = "suppliers"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(100), unique=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    lead_time_days: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class SupplierProduct(Base):
    """A product a supplier supplies: its code in the supplier's list and its cost.

    ``cost_minor`` is per unit, or per kilogram for a product sold by weight (as
    ``products.cost_minor``).
    """

    __tablename__ = "supplier_products"
    __table_args__ = (
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
        Index("ix_supplier_products_product_id", "product_id"),
    )

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    supplier_code: Mapped[str] = mapped_column(String(64), default="")
    cost_minor: Mapped[int] = money_column()


class PurchaseOrder(IdMixin, CreatedAtMixin, Base):
    """An order to one supplier for one store."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(f"status IN {PURCHASE_STATUSES!r}", name="status_known"),
        Index("ix_purchase_orders_created_at", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PurchaseStatus.DRAFT.value)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_outbox.id"))


class PurchaseOrderLine(IdMixin, Base):
    """One product on a purchase order: ordered, received so far, and the agreed unit cost."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        CheckConstraint("quantity_ordered > 0", name="ordered_positive"),
        CheckConstraint("quantity_received >= 0", name="received_not_negative"),
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
        UniqueConstraint("order_id", "product_id", name="uq_purchase_order_lines_order_product"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    supplier_code: Mapped[str] = mapped_column(String(64), default="")
    quantity_ordered: Mapped[int] = mapped_column(BigInteger)
    quantity_received: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_minor: Mapped[int] = money_column()


class PurchaseReceipt(IdMixin, CreatedAtMixin, Base):
    """Units of one purchase order line booked into the store, at their unit cost.

    One row per line per delivery: the cost layer a valuation (moving average or FIFO) reads.
    ``batch_uuid`` is the stock movements' batch, so a receipt and its movements are one.
    """

    __tablename__ = "purchase_receipts"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
        Index("ix_purchase_receipts_store_product", "store_id", "product_id", "created_at"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    cost_minor: Mapped[int] = money_column()
    batch_uuid: Mapped[uuid.UUID] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
