"""measured goods: a unit per product (pc, g, kg, m, l) and per order line

Quantities stay integers in the same columns: a product counted in kg, m or l keeps thousandths
of its unit (``posapp.units``), which is what ``sold_by_weight`` products already did for stock
(grams). Every existing product sold by weight becomes ``kg``, every other ``pc``; order lines
copy the unit of their product at the time of sale, so a past line keeps its meaning if the
product's unit changes later (existing lines take their product's unit now).

Both columns keep ``server_default 'pc'`` (the models declare it too): on SQLite, dropping it
would rebuild ``products`` and lose its full-text triggers.

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "products", sa.Column("unit", sa.String(length=4), nullable=False, server_default="pc")
    )
    op.execute("UPDATE products SET unit = 'kg' WHERE sold_by_weight")
    op.add_column(
        "order_lines", sa.Column("unit", sa.String(length=4), nullable=False, server_default="pc")
    )
    op.execute(
        "UPDATE order_lines SET unit = (SELECT p.unit FROM products p"
        " WHERE p.id = order_lines.product_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_column("unit")
    # On SQLite the batch copy of ``products`` drops its triggers, the full-text search's among
    # them: keep their SQL (whatever columns a later branch gave the index) and make them again.
    bind = op.get_bind()
    triggers: list[str] = []
    if bind.dialect.name == "sqlite":
        found = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'products'"
        )
        triggers = [str(row[0]) for row in found]
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("unit")
    for statement in triggers:
        op.execute(statement)
    if triggers:
        op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")
