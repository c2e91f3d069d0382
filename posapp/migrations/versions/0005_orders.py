"""orders: coupon totals, order-discount shares, payments per till, one open till per register,
order number counters, parked sales and returns

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_counters",
        sa.Column("store_id", _ID, nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_order_counters_last_number_not_negative")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_order_counters_store_id_stores")),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_order_counters")),
    )
    op.create_table(
        "parked_sales",
        sa.Column("sale_uuid", posapp.models.base.GUID(length=32), nullable=False),
        sa.Column("store_id", _ID, nullable=False),
        sa.Column("register", sa.String(length=64), nullable=False),
        sa.Column("cashier_id", _ID, nullable=False),
        sa.Column("customer_account_id", _ID, nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("cart", sa.Text(), nullable=False),
        sa.Column("parked_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.CheckConstraint("item_count >= 0", name=op.f("ck_parked_sales_item_count_not_negative")),
        sa.CheckConstraint("total_minor >= 0", name=op.f("ck_parked_sales_total_not_negative")),
        sa.ForeignKeyConstraint(["cashier_id"], ["users.id"], name=op.f("fk_parked_sales_cashier_id_users")),
        sa.ForeignKeyConstraint(
            ["customer_account_id"],
            ["customer_accounts.id"],
            name=op.f("fk_parked_sales_customer_account_id_customer_accounts"),
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_parked_sales_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_sales")),
        sa.UniqueConstraint("sale_uuid", name=op.f("uq_parked_sales_sale_uuid")),
    )
    with op.batch_alter_table("parked_sales", schema=None) as batch_op:
        batch_op.create_index("ix_parked_sales_store_id_parked_at", ["store_id", "parked_at"], unique=False)

    op.create_table(
        "order_returns",
        sa.Column("return_uuid", posapp.models.base.GUID(length=32), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("approver_id", _ID, nullable=True),
        sa.Column("with_receipt", sa.Boolean(), nullable=False),
        sa.Column("refund_to", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("till_session_id", _ID, nullable=True),
        sa.Column("id", _ID, nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "refund_to IN ('original', 'account')", name=op.f("ck_order_returns_refund_to_known")
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_order_returns_amount_not_negative")),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"], name=op.f("fk_order_returns_approver_id_users")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_returns_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["till_session_id"],
            ["till_sessions.id"],
            name=op.f("fk_order_returns_till_session_id_till_sessions"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_order_returns_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_returns")),
        sa.UniqueConstraint("return_uuid", name=op.f("uq_order_returns_return_uuid")),
    )
    with op.batch_alter_table("order_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_returns_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_return_lines",
        sa.Column("return_id", _ID, nullable=False),
        sa.Column("order_line_id", _ID, nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_order_return_lines_amount_not_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_return_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_return_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["order_returns.id"], name=op.f("fk_order_return_lines_return_id_order_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_return_lines")),
    )
    with op.batch_alter_table("order_return_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_return_lines_order_line_id"), ["order_line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_return_lines_return_id"), ["return_id"], unique=False)

    # New NOT NULL money columns: existing rows get 0 through a temporary server default.
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("order_discount_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("discount_approved_by_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_order_lines_discount_approved_by_id_users"), "users", ["discount_approved_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_order_lines_order_discount_not_negative"), "order_discount_minor >= 0"
        )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column("order_discount_minor", server_default=None)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_minor", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_check_constraint(op.f("ck_orders_coupon_not_negative"), "coupon_minor >= 0")
        batch_op.create_index("ix_orders_placed_at", ["placed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_till_session_id"), ["till_session_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("coupon_minor", server_default=None)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("till_session_id", _ID, nullable=True))
        batch_op.create_index(batch_op.f("ix_payments_till_session_id"), ["till_session_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_till_session_id_till_sessions"), "till_sessions", ["till_session_id"], ["id"]
        )

    with op.batch_alter_table("till_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("open_register", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_till_sessions_open_register"), ["open_register"])
        batch_op.create_foreign_key(
            batch_op.f("fk_till_sessions_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("till_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_till_sessions_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_till_sessions_open_register"), type_="unique")
        batch_op.drop_column("open_register")
        batch_op.drop_column("closed_by_id")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_till_session_id_till_sessions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payments_till_session_id"))
        batch_op.drop_column("till_session_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_till_session_id"))
        batch_op.drop_index("ix_orders_placed_at")
        batch_op.drop_constraint("ck_orders_coupon_not_negative", type_="check")
        batch_op.drop_column("coupon_minor")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint("ck_order_lines_order_discount_not_negative", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_order_lines_discount_approved_by_id_users"), type_="foreignkey")
        batch_op.drop_column("discount_approved_by_id")
        batch_op.drop_column("order_discount_minor")
    op.drop_table("order_return_lines")
    op.drop_table("order_returns")
    op.drop_table("parked_sales")
    op.drop_table("order_counters")
