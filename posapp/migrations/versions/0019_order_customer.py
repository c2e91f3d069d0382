"""orders.customer_id: a sale records the customer (the person), with or without an account

Issue #19: at the register a customer is attached to a sale without needing an account; the
order keeps the customer (``orders.customer_id``, a foreign key to ``customers``) beside the
account it was charged to, if any. Orders charged to an account get the account's customer, so
a customer's purchase history reads one column.

The column is nullable (a walk-in sale has no customer) and indexed (the purchase history reads
a customer's orders). On SQLite the column is added with its REFERENCES clause, as 0015 did.

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_orders_customer_id_customers"
_INDEX = "ix_orders_customer_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE orders ADD COLUMN customer_id INTEGER CONSTRAINT {_FK} "
            "REFERENCES customers (id)"
        )
    else:
        op.add_column("orders", sa.Column("customer_id", _ID, nullable=True))
        op.create_foreign_key(_FK, "orders", "customers", ["customer_id"], ["id"])
    op.execute(
        "UPDATE orders SET customer_id = (SELECT a.customer_id FROM customer_accounts a "
        "WHERE a.id = orders.customer_account_id) WHERE customer_account_id IS NOT NULL"
    )
    op.create_index(_INDEX, "orders", ["customer_id"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("customer_id")
