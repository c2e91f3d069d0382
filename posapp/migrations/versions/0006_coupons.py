"""coupons: indexes for the effectiveness report's date range and the per-customer limit

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.create_index("ix_coupon_redemptions_redeemed_at", ["redeemed_at"], unique=False)
        batch_op.create_index(
            "ix_coupon_redemptions_campaign_customer",
            ["campaign_id", "customer_account_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_coupon_redemptions_campaign_customer")
        batch_op.drop_index("ix_coupon_redemptions_redeemed_at")
