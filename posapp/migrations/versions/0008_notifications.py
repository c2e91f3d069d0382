"""notifications: idempotent notification rows (dedup key), paging index; outbox recipient name,
links to the order and to the coupon code a promotion hands out

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_notifications_user_id_dedup_key", ["user_id", "dedup_key"])
        batch_op.create_index("ix_notifications_user_id_id", ["user_id", "id"], unique=False)

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        # Existing rows get an empty name; the default is dropped below to match the model.
        batch_op.add_column(sa.Column("to_name", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("order_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("coupon_code_id", _ID, nullable=True))
        batch_op.create_foreign_key("fk_email_outbox_order_id_orders", "orders", ["order_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_email_outbox_coupon_code_id_coupon_codes", "coupon_codes", ["coupon_code_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_email_outbox_coupon_code_id", ["coupon_code_id"])
        batch_op.create_index("ix_email_outbox_order_id", ["order_id"], unique=False)

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.alter_column("to_name", existing_type=sa.String(length=200), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_email_outbox_order_id")
        batch_op.drop_constraint("uq_email_outbox_coupon_code_id", type_="unique")
        batch_op.drop_constraint("fk_email_outbox_coupon_code_id_coupon_codes", type_="foreignkey")
        batch_op.drop_constraint("fk_email_outbox_order_id_orders", type_="foreignkey")
        batch_op.drop_column("coupon_code_id")
        batch_op.drop_column("order_id")
        batch_op.drop_column("to_name")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_id")
        batch_op.drop_constraint("uq_notifications_user_id_dedup_key", type_="unique")
        batch_op.drop_column("dedup_key")
