"""gift_cards and their movements; orders.gift_card_minor; the gift-card tender and ledger account

Gift cards (issue #19): a card sold at the register (``gift_cards``: code, balance, expiry) and
every change of its balance (``gift_card_movements``), each naming its ledger transaction. An
order's ``gift_card_minor`` is what it sold in gift cards (in its total, never in sales). Two
CHECKs are widened: ``payments.method`` allows ``gift_card`` and ``ledger_accounts.kind`` allows
``gift_cards`` (the shop's one liability account for every card).

Widening a CHECK on SQLite without rebuilding the table: the procedure SQLite documents for
changing constraints (https://www.sqlite.org/lang_altertable.html#otheralter, "removing CHECK
constraints"): the stored CREATE TABLE text is edited with ``writable_schema`` and the schema
version bumped, in the migration's transaction. Every existing row satisfies the wider CHECK,
so no row needs checking; a rebuild would instead copy the append-only ledger's parent table and
the payments under foreign keys that are on. PostgreSQL drops and adds the constraint.

It needs only the orders, payments and the ledger, so it revises 0013 (the ledger's last change)
rather than 0015: a database may take 0015 (customers) and this one in either order.

Revision ID: 0018_gift_cards
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0018_gift_cards"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = posapp.models.base.UTCDateTime(timezone=True)

_CHECKS = (
    (
        "payments",
        "ck_payments_method_known",
        "method IN ('cash', 'card', 'account')",
        "method IN ('cash', 'card', 'account', 'gift_card')",
    ),
    (
        "ledger_accounts",
        "ck_ledger_accounts_kind_known",
        "kind IN ('customer', 'cash_drawer', 'sales_clearing', 'card_clearing')",
        "kind IN ('customer', 'cash_drawer', 'sales_clearing', 'card_clearing', 'gift_cards')",
    ),
)


def _replace_checks(*, widen: bool) -> None:
    bind = op.get_bind()
    for table, name, narrow, wide in _CHECKS:
        old, new = (narrow, wide) if widen else (wide, narrow)
        if bind.dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({new})")
            continue
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar_one()
        if old not in sql:
            raise RuntimeError(f"{table}: the CHECK {name} is not the expected {old!r}")
        version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (sql.replace(old, new), table),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _replace_checks(widen=True)
    op.add_column(
        "orders",
        sa.Column("gift_card_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "gift_cards",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("store_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("loaded_minor", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.CheckConstraint("balance_minor >= 0", name=op.f("ck_gift_cards_balance_not_negative")),
        sa.CheckConstraint("loaded_minor > 0", name=op.f("ck_gift_cards_loaded_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_gift_cards_order_id_orders")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_gift_cards_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_cards")),
        sa.UniqueConstraint("code", name=op.f("uq_gift_cards_code")),
        sa.UniqueConstraint("code_key", name=op.f("uq_gift_cards_code_key")),
    )  # fmt: skip
    op.create_index(op.f("ix_gift_cards_order_id"), "gift_cards", ["order_id"])
    op.create_index(op.f("ix_gift_cards_store_id"), "gift_cards", ["store_id"])
    op.create_table(
        "gift_card_movements",
        sa.Column("id", _ID, nullable=False),
        sa.Column("card_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("payment_id", _ID, nullable=True),
        sa.Column("ledger_transaction_id", _ID, nullable=False),
        sa.Column("till_session_id", _ID, nullable=True),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.CheckConstraint("amount_minor <> 0", name=op.f("ck_gift_card_movements_amount_not_zero")),
        sa.CheckConstraint("balance_after_minor >= 0", name=op.f("ck_gift_card_movements_balance_after_not_negative")),
        sa.CheckConstraint("kind IN ('issue', 'reload', 'redeem', 'refund')", name=op.f("ck_gift_card_movements_kind_known")),
        sa.ForeignKeyConstraint(["card_id"], ["gift_cards.id"], name=op.f("fk_gift_card_movements_card_id_gift_cards")),
        sa.ForeignKeyConstraint(["ledger_transaction_id"], ["ledger_transactions.id"], name=op.f("fk_gift_card_movements_ledger_transaction_id_ledger_transactions")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_gift_card_movements_order_id_orders")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_gift_card_movements_payment_id_payments")),
        sa.ForeignKeyConstraint(["till_session_id"], ["till_sessions.id"], name=op.f("fk_gift_card_movements_till_session_id_till_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_gift_card_movements_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_card_movements")),
    )  # fmt: skip
    op.create_index("ix_gift_card_movements_card_id_id", "gift_card_movements", ["card_id", "id"])
    for column in ("order_id", "payment_id", "till_session_id"):
        op.create_index(op.f(f"ix_gift_card_movements_{column}"), "gift_card_movements", [column])


def downgrade() -> None:
    op.drop_table("gift_card_movements")
    op.drop_table("gift_cards")
    # SQLite 3.35+ drops a column in place (no rebuild of a table other tables point at).
    op.execute("ALTER TABLE orders DROP COLUMN gift_card_minor")
    _replace_checks(widen=False)
