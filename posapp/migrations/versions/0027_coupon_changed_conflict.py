"""sync_conflicts: a new kind, ``coupon_changed`` (a shared-code coupon taken offline, #21)

A register whose shop takes shared-code coupons offline (setting ``offline.coupons``) journals the
code and the discount the customer got; when the sale is replayed and the campaign has ended or
changed meanwhile, the sale is placed at the journal's discount and a ``coupon_changed`` conflict
tells the store's manager. The CHECK on ``sync_conflicts.kind`` learns the new kind.

SQLite: the CHECK is edited in the stored table text (the procedure SQLite documents for a
CHECK, https://www.sqlite.org/lang_altertable.html#otheralter, as 0025 did), no table rebuild.
PostgreSQL: the constraint is dropped and added again. A downgrade puts the old CHECK back (on
PostgreSQL it fails while a ``coupon_changed`` row exists: resolve and delete those first).

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None

_NAME = "ck_sync_conflicts_kind_known"
_OLD = "kind IN ('stock_shortfall', 'archived_product', 'price_changed')"
_NEW = "kind IN ('stock_shortfall', 'archived_product', 'price_changed', 'coupon_changed')"


def _swap(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE sync_conflicts DROP CONSTRAINT {_NAME}")
        op.execute(f"ALTER TABLE sync_conflicts ADD CONSTRAINT {_NAME} CHECK ({new})")
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sync_conflicts'"
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"sync_conflicts: the CHECK {_NAME} is not as expected")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'sync_conflicts'",
        (sql.replace(old, new),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _swap(_OLD, _NEW)


def downgrade() -> None:
    _swap(_NEW, _OLD)
