"""api_tokens: per-user tokens for the HTTP API (``posapp serve``), stored as SHA-256 hashes

A token acts as its staff user within its scopes (``users:read``, ``users:write``, …) until it
expires or is revoked (issue #22). Only the token's SHA-256 is kept (a 32-byte random secret
needs no slow hash: nobody can guess one to test against the hash) and its first characters, so
a listing can name it. Revoked tokens stay, as the audit log refers to their users.

0017, not 0015: other work of the same day takes 0015 and 0016.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("expires_at", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", posapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", _ID, nullable=True),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
