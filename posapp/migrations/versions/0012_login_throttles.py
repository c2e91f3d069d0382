"""login_throttles: wrong passwords for unknown user names, locked out like real users

The log-in lock-out told which user names exist: only a real user was ever "locked" (issue #16,
defect 10). Unknown names now count their failures here (by a SHA-256 of the name's key) and
lock after the same number of tries.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "failed_attempts >= 0",
            name=op.f("ck_login_throttles_failed_attempts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("name_hash", name=op.f("pk_login_throttles")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")
