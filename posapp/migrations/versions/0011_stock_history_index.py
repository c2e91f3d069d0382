"""stock_movements: the per-product index carries id and quantity, so balances sum from it

A movement history page shows the running balance after each movement. It was a window sum over
every movement of the product at the store, sorted for each page (0.3 s at 100,000 movements).
The page now reads its rows by keyset and sums the older quantities from
``(store_id, product_id, created_at, id, quantity)`` alone. It replaces
``(store_id, product_id, created_at)``: a sale maintains as many indexes as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = ["store_id", "product_id", "created_at", "id", "quantity"]


def upgrade() -> None:
    op.create_index("ix_stock_movements_store_product_at_qty", "stock_movements", _COLUMNS)
    op.drop_index("ix_stock_movements_store_product_at", table_name="stock_movements")


def downgrade() -> None:
    op.create_index(
        "ix_stock_movements_store_product_at",
        "stock_movements",
        ["store_id", "product_id", "created_at"],
    )
    op.drop_index("ix_stock_movements_store_product_at_qty", table_name="stock_movements")
