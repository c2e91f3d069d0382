"""Stores and warehouses, per-location stock levels and the stock movement ledger."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin, utcnow


class StoreKind(enum.StrEnum):
    """A storefront sells; a warehouse only holds stock."""

    STORE = "store"
    WAREHOUSE = "warehouse"


class MovementKind(enum.StrEnum):
    """Why stock moved; every change of on-hand is one of these."""

    RECEIVE = "receive"
    ADJUST = "adjust"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"
    SALE = "sale"
    RETURN = "return"


STORE_KINDS = tuple(k.value for k in StoreKind)
MOVEMENT_KINDS = tuple(k.value for k in MovementKind)


class Store(IdMixin, CreatedAtMixin, Base):
    """A storefront or a warehouse."""

    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint(f"kind IN {STORE_KINDS!r}", name="kind_known"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default=StoreKind.STORE.value)
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)


class StockLevel(Base):
    """On-hand quantity of one product at one location, with its reorder settings.

    ``on_hand`` is a cache of the sum of the location's movements, updated in the same transaction
    by one conditional statement (``WHERE on_hand >= q``). Only a sale taken offline and placed
    later may take it below zero (#21, migration 0025 dropped the CHECK): each time it does, a
    ``sync_conflicts`` row tells the store's manager.
    ``value_minor`` is what those units cost in all (the moving average kept as value and
    quantity, see :mod:`posapp.services.stock.costing`); the unit cost is ``value / on_hand``.
    The server default gives rows written without it (and rows from before 0021) a value.
    ``name_key`` is the product's lowercased name, for the Stores tab's order, and ``sku_key`` its
    SKU key, for its search; triggers write them (migrations 0029, 0030), no code does.
    """

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
        CheckConstraint("reorder_qty >= 0", name="reorder_qty_not_negative"),
        CheckConstraint("value_minor >= 0", name="value_not_negative"),
        Index("ix_stock_levels_product_id", "product_id"),
    )

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reorder_point: Mapped[int] = mapped_column(BigInteger, default=0)
    reorder_qty: Mapped[int] = mapped_column(BigInteger, default=0)
    value_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


# The product's lowercased name, written by the database only (triggers, migration 0029), so not
# mapped: the ORM never sends it, nor needs it in an older schema (as migration tests build one).
# Queries read it as ``StockLevel.__table__.c.name_key``. A store's levels by name: the Stores
# tab's pages walk ``ix_stock_levels_store_name``.
# Beside it the product's SKU key (migration 0030), so a search checks names and SKUs in that
# index alone.
_name_key = Column("name_key", String(200))
_sku_key = Column("sku_key", String(64))
cast(Table, StockLevel.__table__).append_column(_name_key)
cast(Table, StockLevel.__table__).append_column(_sku_key)
Index(
    "ix_stock_levels_store_name",
    StockLevel.__table__.c.store_id,
    _name_key,
    StockLevel.__table__.c.product_id,
    _sku_key,
)


class StockMovement(IdMixin, CreatedAtMixin, Base):
    """One entry of the stock ledger: a signed quantity at one location, with who, why and what."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(f"kind IN {MOVEMENT_KINDS!r}", name="kind_known"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        # A product's ledger at a store in time order, with the quantities: a history page's
        # running balance is summed from the index alone.
        Index(
            "ix_stock_movements_store_product_at_qty",
            "store_id",
            "product_id",
            "created_at",
            "id",
            "quantity",
        ),
    )

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(BigInteger)
    # Idempotency and grouping: one user action (a transfer's two sides, a count) shares a batch.
    batch_uuid: Mapped[uuid.UUID] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The value the movement took in (positive) or out (negative) of the level; 0 before 0021.
    value_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
