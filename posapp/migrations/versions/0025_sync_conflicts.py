"""sync_conflicts: what an offline sale found changed on the server; stock may go below zero (#21)

A register that lost its server keeps selling into its journal; when the server is back, each
sale is placed as the customer paid it (``sales.place_offline_sale``). What it finds different —
fewer units in stock than it sold, a product archived meanwhile, a price changed meanwhile — is a
``sync_conflicts`` row for the store's manager (the order, the product, the quantities and the
two prices; who resolved it, when, and how).

``stock_levels.on_hand`` loses its CHECK (``on_hand >= 0``): a sale the customer has already
carried out of the shop is recorded even when the server's stock says it could not have been.
Every other movement keeps its own guard (the decrement's ``WHERE on_hand >= q``), so only a
replayed offline sale takes a level below zero, and each time it does a conflict says so.

Dropping a CHECK on SQLite without rebuilding the table: the procedure SQLite documents
(https://www.sqlite.org/lang_altertable.html#otheralter, "removing CHECK constraints"), as 0018
widened two: the stored CREATE TABLE text is edited under ``writable_schema`` and the schema
version bumped. PostgreSQL drops the constraint. A downgrade puts the CHECK back on PostgreSQL
(it fails while a level is below zero: count that stock first); on SQLite the CHECK stays off.

Built on 0021 (the stock's value, the last change to ``stock_levels``; the orders are below it).

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0025"
down_revision = "0021"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = posapp.models.base.UTCDateTime(timezone=True)
_CHECK = "ck_stock_levels_on_hand_not_negative"
_CLAUSE = f", \n\tCONSTRAINT {_CHECK} CHECK (on_hand >= 0)"
KINDS = "kind IN ('stock_shortfall', 'archived_product', 'price_changed')"


def _drop_on_hand_check() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE stock_levels DROP CONSTRAINT IF EXISTS {_CHECK}")
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_levels'"
    ).scalar_one()
    if _CHECK not in sql:  # already gone (a SQLite downgrade keeps it off)
        return
    if _CLAUSE not in sql:
        raise RuntimeError(f"stock_levels: the CHECK {_CHECK} is not as expected")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'stock_levels'",
        (sql.replace(_CLAUSE, ""),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _drop_on_hand_check()
    op.create_table(
        "sync_conflicts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("store_id", _ID, nullable=False),
        sa.Column("product_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("register", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("short_quantity", sa.BigInteger(), nullable=False),
        sa.Column("on_hand_after", sa.BigInteger(), nullable=False),
        sa.Column("paid_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("sold_at", _AT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("resolved_by_id", _ID, nullable=True),
        sa.Column("resolved_at", _AT, nullable=True),
        sa.Column("resolution", sa.String(length=200), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_sync_conflicts_kind_known")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_sync_conflicts_quantity_positive")),
        sa.CheckConstraint(
            "short_quantity >= 0", name=op.f("ck_sync_conflicts_short_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_sync_conflicts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_sync_conflicts_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_sync_conflicts_resolved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_sync_conflicts_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
        sa.UniqueConstraint(
            "order_id",
            "product_id",
            "kind",
            name=op.f("uq_sync_conflicts_order_id_product_id_kind"),
        ),
    )
    op.create_index(
        "ix_sync_conflicts_store_created", "sync_conflicts", ["store_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sync_conflicts_store_created", table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE stock_levels ADD CONSTRAINT {_CHECK} CHECK (on_hand >= 0)")
