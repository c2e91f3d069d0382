"""web_orders: the customer's contact and tender of an order placed online (issue #22)

``POST /api/v1/orders`` places an ordinary pickup order through checkout; this table holds what
the till's orders do not have: the web customer's name, email (and its case-folded key for the
status page) and phone, how they pay (at pickup, or from a prepaid account), and the request's
fingerprint, so that one ``Idempotency-Key`` sent with a different basket is refused.

The staff user the web orders are written under ("web shop", inactive, no password: nobody
logs in as it) is made by the service on the first web order, not here, so a shop that never
sells online has no such user in its staff list.

Built on 0013 (the orders, 0005, are below it), a branch of its own: the migration tests of
0015, 0017 and 0020 upgrade to every head but their own, so a revision on top of any of them
would pull it in and break that test; a separate head pulls in none of them.

Revision ID: 0023
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0023"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_orders",
        sa.Column("id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("payment", sa.String(length=16), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_web_orders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_orders")),
        sa.UniqueConstraint("order_id", name=op.f("uq_web_orders_order_id")),
    )


def downgrade() -> None:
    op.drop_table("web_orders")
