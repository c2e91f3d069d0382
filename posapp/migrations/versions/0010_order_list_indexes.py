"""orders: the list by store or cashier, newest first, reads an index instead of sorting

The single-column indexes on ``store_id`` and ``cashier_id`` become the leading columns of
``(store_id, created_at, id)`` and ``(cashier_id, created_at, id)``: the order list filtered by a
store or a cashier then reads a keyset page straight from the index (it sorted every order of the
store first: 0.6 s at 300,000 orders), and a sale still maintains the same number of indexes.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_store_id_created_at_id", "orders", ["store_id", "created_at", "id"])
    op.create_index(
        "ix_orders_cashier_id_created_at_id", "orders", ["cashier_id", "created_at", "id"]
    )
    op.drop_index("ix_orders_store_id", table_name="orders")
    op.drop_index("ix_orders_cashier_id", table_name="orders")


def downgrade() -> None:
    op.create_index("ix_orders_store_id", "orders", ["store_id"])
    op.create_index("ix_orders_cashier_id", "orders", ["cashier_id"])
    op.drop_index("ix_orders_cashier_id_created_at_id", table_name="orders")
    op.drop_index("ix_orders_store_id_created_at_id", table_name="orders")
