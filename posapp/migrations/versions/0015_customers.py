"""customers of their own: every account gets a customer, who holds the marketing consent

A customer used to exist only as a customer account (a ledger account with a PIN). The new
``customers`` table holds the person (name, phone, email, address, marketing consent, notes,
tags); an account belongs to one (``customer_accounts.customer_id``) and a customer may have
none. Each existing account gets a customer of its own, made from its holder's details, with
the customer's id equal to the account's (the table is new, so the ids are free) and the
sequence moved past them on PostgreSQL.

The marketing consent moves to the customer: ``customer_accounts.marketing_opt_in`` and
``opt_changed_at`` are copied, then dropped, so the outbox and the forms read one column.

``customer_id`` stays nullable in the database: adding a NOT NULL column to SQLite means
rebuilding the table, which every order points at. The services give every new account a
customer.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = posapp.models.base.UTCDateTime(timezone=True)
_FK = "fk_customer_accounts_customer_id_customers"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "customers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("marketing_opt_in", sa.Boolean(), nullable=False),
        sa.Column("opt_changed_at", _AT, nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("erased_at", _AT, nullable=True),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_customers_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_phone", "customers", ["phone"])
    if sqlite:  # SQLite adds a column with its REFERENCES clause, never a constraint after
        op.execute(
            f"ALTER TABLE customer_accounts ADD COLUMN customer_id INTEGER CONSTRAINT {_FK} "
            "REFERENCES customers (id)"
        )
    else:
        op.add_column("customer_accounts", sa.Column("customer_id", _ID, nullable=True))
        op.create_foreign_key(_FK, "customer_accounts", "customers", ["customer_id"], ["id"])
    op.create_index(op.f("ix_customer_accounts_customer_id"), "customer_accounts", ["customer_id"])
    op.execute(
        "INSERT INTO customers (id, name, phone, email, address, marketing_opt_in, "
        "opt_changed_at, notes, tags, erased_at, changed_at, version, created_at) "
        "SELECT id, holder_name, phone, email, '', marketing_opt_in, opt_changed_at, '', '', "
        "NULL, changed_at, 1, created_at FROM customer_accounts"
    )
    op.execute("UPDATE customer_accounts SET customer_id = id")
    if not sqlite:
        op.execute(
            "SELECT setval(pg_get_serial_sequence('customers', 'id'), "
            "coalesce(max(id), 1), max(id) IS NOT NULL) FROM customers"
        )
    op.execute("ALTER TABLE customer_accounts DROP COLUMN marketing_opt_in")
    op.execute("ALTER TABLE customer_accounts DROP COLUMN opt_changed_at")


def downgrade() -> None:
    op.add_column(
        "customer_accounts",
        sa.Column("marketing_opt_in", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("customer_accounts", sa.Column("opt_changed_at", _AT, nullable=True))
    op.execute(
        "UPDATE customer_accounts SET "
        "marketing_opt_in = (SELECT c.marketing_opt_in FROM customers c "
        "WHERE c.id = customer_accounts.customer_id), "
        "opt_changed_at = (SELECT c.opt_changed_at FROM customers c "
        "WHERE c.id = customer_accounts.customer_id) WHERE customer_id IS NOT NULL"
    )
    op.drop_index(op.f("ix_customer_accounts_customer_id"), table_name="customer_accounts")
    with op.batch_alter_table("customer_accounts") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("customer_id")
    op.drop_table("customers")
