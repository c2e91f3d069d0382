"""users: a home store (NULL = all stores), so store notices reach that store's staff

Revision ID: 0009
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_users_store_id_stores"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.add_column(sa.Column("store_id", _ID, nullable=True))
            batch_op.create_foreign_key(_FK, "stores", ["store_id"], ["id"])
        return
    # SQLite: in place, ALTER TABLE … ADD COLUMN with the named foreign key inline. Batch mode
    # would rebuild ``users`` (copy, DROP, rename), and with foreign_keys=ON (which cannot be
    # switched off inside the migration's transaction) SQLite refuses to drop a table that other
    # rows point at, as they do in every database in use. A downgrade may have left the column.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}
    if "store_id" not in columns:
        op.execute(
            f"ALTER TABLE users ADD COLUMN store_id INTEGER CONSTRAINT {_FK} REFERENCES stores (id)"
        )


def downgrade() -> None:
    if not _sqlite():
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.drop_constraint(_FK, type_="foreignkey")
            batch_op.drop_column("store_id")
        return
    # SQLite cannot drop a column a foreign key uses without rebuilding ``users`` (refused, as
    # above): every user goes back to all stores and the unmapped column stays, empty.
    op.execute("UPDATE users SET store_id = NULL")
