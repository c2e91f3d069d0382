"""Loyalty points: point_movements, customers.points_balance, order_lines.points_earned, 'points'

Loyalty (issue #19): a customer's points balance (``customers.points_balance``, never negative),
every movement of it with its reason (``point_movements``), what each order line earned
(``order_lines.points_earned``, which a return takes back in proportion) and the points tender
(``payments.method`` allows ``points``). The CHECK is widened as 0018 widened it: on SQLite by
editing the stored CREATE TABLE text (SQLite's documented procedure for changing constraints),
on PostgreSQL by dropping and adding the constraint.

It needs the customers (0015) and the payments' CHECK as 0018 left it, so it revises both
(0018_gift_cards and 0015), and nothing else: a database may take 0019 (orders.customer_id,
which the code, not this schema, needs) before or after it.

Revision ID: 0026
Revises: 0018_gift_cards, 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0026"
down_revision = ("0018_gift_cards", "0015")
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = posapp.models.base.UTCDateTime(timezone=True)

_NARROW = "method IN ('cash', 'card', 'account', 'gift_card')"
_WIDE = "method IN ('cash', 'card', 'account', 'gift_card', 'points')"
_BALANCE_CHECK = "ck_customers_points_balance_not_negative"


def _replace_check(*, widen: bool) -> None:
    bind = op.get_bind()
    old, new = (_NARROW, _WIDE) if widen else (_WIDE, _NARROW)
    name = "ck_payments_method_known"
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE payments DROP CONSTRAINT {name}")
        op.execute(f"ALTER TABLE payments ADD CONSTRAINT {name} CHECK ({new})")
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payments'"
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"payments: the CHECK {name} is not the expected {old!r}")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'payments'",
        (sql.replace(old, new),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _replace_check(widen=True)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.add_column(
            "customers",
            sa.Column("points_balance", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        )
        op.create_check_constraint(_BALANCE_CHECK, "customers", "points_balance >= 0")
    else:  # SQLite adds a column with its CHECK in place (no rebuild of a referenced table)
        op.execute(
            "ALTER TABLE customers ADD COLUMN points_balance BIGINT DEFAULT '0' NOT NULL "
            f"CONSTRAINT {_BALANCE_CHECK} CHECK (points_balance >= 0)"
        )
    op.add_column(
        "order_lines",
        sa.Column("points_earned", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "point_movements",
        sa.Column("id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=True),
        sa.Column("payment_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.CheckConstraint("kind IN ('earn', 'redeem', 'expire', 'return', 'adjust')", name=op.f("ck_point_movements_kind_known")),
        sa.CheckConstraint("points <> 0", name=op.f("ck_point_movements_points_not_zero")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_point_movements_balance_after_not_negative")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_point_movements_customer_id_customers")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_point_movements_order_id_orders")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_point_movements_payment_id_payments")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_point_movements_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_movements")),
    )  # fmt: skip
    op.create_index("ix_point_movements_customer_id_id", "point_movements", ["customer_id", "id"])
    op.create_index(op.f("ix_point_movements_order_id"), "point_movements", ["order_id"])
    op.create_index(op.f("ix_point_movements_payment_id"), "point_movements", ["payment_id"])


def downgrade() -> None:
    op.drop_table("point_movements")
    # SQLite 3.35+ drops a column in place; a column with a CHECK cannot be dropped there, so
    # the CHECK goes with the stored table text first (as the method's CHECK is narrowed).
    op.execute("ALTER TABLE order_lines DROP COLUMN points_earned")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint(_BALANCE_CHECK, "customers", type_="check")
        op.execute("ALTER TABLE customers DROP COLUMN points_balance")
    else:
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'customers'"
        ).scalar_one()
        clause = f" CONSTRAINT {_BALANCE_CHECK} CHECK (points_balance >= 0)"
        version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'customers'",
            (sql.replace(clause, ""),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
        op.execute("ALTER TABLE customers DROP COLUMN points_balance")
    _replace_check(widen=False)
