"""stock cost: what each store's stock is worth, and what each sale's goods cost

Issue #20 (what the stock is worth, and what sales earned). Four money columns, each NOT NULL
with a server default of 0 (the models keep it, so code that does not name them still writes a
value):

- ``stock_levels.value_minor``: what the units on hand cost in all (a moving average kept as
  value and quantity per product and store); filled from ``products.cost_minor × on_hand``.
- ``stock_movements.value_minor``: the value each movement took in or out (0 for the history
  before this revision: the levels' values start from the products' costs).
- ``order_lines.cost_minor``: the cost of the goods sold on the line, fixed at sale time;
  earlier lines get ``quantity × products.cost_minor`` (the best estimate there is).
- ``order_return_lines.cost_minor``: the cost taken back when returned goods are restocked;
  earlier restocked returns get ``quantity × products.cost_minor`` (the same estimate).

The columns are added in place (``ALTER TABLE … ADD COLUMN … CHECK``, the same statement on
SQLite and PostgreSQL): batch mode would rebuild tables that other rows point at.

It follows 0005 (the orders and returns), the newest revision it needs, and nothing later: a
migration test upgrades to every other head before its own revision, so a head that pulled in
0015 or 0016 would run them too early.

Revision ID: 0021
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, column, CHECK constraint name or None for a signed amount)
_COLUMNS = (
    ("stock_levels", "value_minor", "ck_stock_levels_value_not_negative"),
    ("stock_movements", "value_minor", None),
    ("order_lines", "cost_minor", "ck_order_lines_cost_not_negative"),
    ("order_return_lines", "cost_minor", "ck_order_return_lines_cost_not_negative"),
)
# What {quantity} units cost at the product's cost: weighed goods count grams and are costed
# per kilogram (rounded half up here: an estimate for rows made before costs were kept).
_COST = (
    "(SELECT CASE WHEN p.sold_by_weight THEN ({quantity} * p.cost_minor + 500) / 1000 "
    "ELSE {quantity} * p.cost_minor END FROM products p WHERE p.id = {product})"
)


def upgrade() -> None:
    bind = op.get_bind()
    for table, column, check in _COLUMNS:
        present = {c["name"] for c in sa.inspect(bind).get_columns(table)}
        if column in present:  # a SQLite downgrade leaves the column behind (see below)
            continue
        constraint = f" CONSTRAINT {check} CHECK ({column} >= 0)" if check else ""
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} BIGINT DEFAULT '0' NOT NULL{constraint}"
        )
    level = _COST.format(quantity="on_hand", product="stock_levels.product_id")
    op.execute(f"UPDATE stock_levels SET value_minor = {level}")
    line = _COST.format(quantity="quantity", product="order_lines.product_id")
    op.execute(f"UPDATE order_lines SET cost_minor = {line}")
    returned = _COST.format(
        quantity="order_return_lines.quantity",
        product="(SELECT l.product_id FROM order_lines l "
        "WHERE l.id = order_return_lines.order_line_id)",
    )
    op.execute(f"UPDATE order_return_lines SET cost_minor = {returned} WHERE restock")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column with a CHECK only by rebuilding the table (refused where other
        # rows point at it): the columns stay, unmapped by the older code, and are reused above.
        return
    for table, column, _check in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
