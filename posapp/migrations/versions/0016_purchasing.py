"""purchasing: suppliers, their products, purchase orders, receipts; email attachments

Issue #20. Suppliers with the products they supply (their codes and costs), purchase orders per
supplier and store with their lines, and one receipt row per line per delivery (units and unit
cost: the cost layers a stock valuation builds on). The email outbox gains attachments (a
purchase order's PDF goes to the supplier).

Numbered 0016: 0015 was left to the customers work (#19) landing at the same time. It follows
0014 (the catalog's products) and 0008 (the outbox), joining the two branches.

Revision ID: 0016
Revises: 0014, 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0016"
down_revision = ("0014", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_suppliers_lead_time_not_negative")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_suppliers_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("name", name=op.f("uq_suppliers_name")),
    )
    op.create_table(
        "supplier_products",
        sa.Column(
            "supplier_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("cost_minor >= 0", name=op.f("ck_supplier_products_cost_not_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_supplier_products_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_products_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("supplier_id", "product_id", name=op.f("pk_supplier_products")),
    )
    with op.batch_alter_table("supplier_products", schema=None) as batch_op:
        batch_op.create_index("ix_supplier_products_product_id", ["product_id"], unique=False)

    op.create_table(
        "email_attachments",
        sa.Column("email_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "length(filename) > 0", name=op.f("ck_email_attachments_filename_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["email_outbox.id"],
            name=op.f("fk_email_attachments_email_id_email_outbox"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_attachments")),
    )
    with op.batch_alter_table("email_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_attachments_email_id"), ["email_id"], unique=False
        )

    op.create_table(
        "purchase_orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column(
            "supplier_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("sent_at", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'partly_received', 'received', 'cancelled')",
            name=op.f("ck_purchase_orders_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_purchase_orders_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["email_id"], ["email_outbox.id"], name=op.f("fk_purchase_orders_email_id_email_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_purchase_orders_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_orders_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_orders_store_id"), ["store_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_orders_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "purchase_order_lines",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("quantity_ordered", sa.BigInteger(), nullable=False),
        sa.Column("quantity_received", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "cost_minor >= 0", name=op.f("ck_purchase_order_lines_cost_not_negative")
        ),
        sa.CheckConstraint(
            "quantity_ordered > 0", name=op.f("ck_purchase_order_lines_ordered_positive")
        ),
        sa.CheckConstraint(
            "quantity_received >= 0", name=op.f("ck_purchase_order_lines_received_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_purchase_order_lines_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("order_id", "product_id", name="uq_purchase_order_lines_order_product"),
    )
    op.create_table(
        "purchase_receipts",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("batch_uuid", posapp.models.base.GUID(length=32), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cost_minor >= 0", name=op.f("ck_purchase_receipts_cost_not_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_receipts_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_purchase_receipts_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_receipts_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_purchase_receipts_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_purchase_receipts_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_purchase_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipts")),
    )
    with op.batch_alter_table("purchase_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_receipts_batch_uuid"), ["batch_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_receipts_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            "ix_purchase_receipts_store_product",
            ["store_id", "product_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_receipts_store_product")
        batch_op.drop_index(batch_op.f("ix_purchase_receipts_order_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_receipts_batch_uuid"))

    op.drop_table("purchase_receipts")
    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_orders_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_orders_store_id"))
        batch_op.drop_index("ix_purchase_orders_created_at")

    op.drop_table("purchase_orders")
    with op.batch_alter_table("email_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_attachments_email_id"))

    op.drop_table("email_attachments")
    with op.batch_alter_table("supplier_products", schema=None) as batch_op:
        batch_op.drop_index("ix_supplier_products_product_id")

    op.drop_table("supplier_products")
    op.drop_table("suppliers")
