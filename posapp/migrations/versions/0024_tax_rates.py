"""tax_rates: the rates products pick from; users.locale: each user's own locale (issue #18)

Products carried their tax as two numbers of their own (``tax_rate_bp``, ``tax_included``).
They now pick a row of ``tax_rates`` (name, rate in basis points, included or added, one of
them the default) through ``products.tax_rate_id``. Each distinct (rate, included) pair found
among the products becomes a rate named after it (``20% incl.``, ``5.5% added``) and its
products point at it; the most used pair is the default. The products keep their two columns as
the copy the register prices from (the tax rates service rewrites them when a rate changes);
order lines keep the copy they took at the sale, so a changed rate applies to future sales only.

``users.locale`` holds a user's own locale for their screens (``""``: the shop's).

Revision ID: 0024
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0024"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_products_tax_rate_id_tax_rates"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _name(rate_bp: int, included: bool) -> str:
    whole, rest = divmod(rate_bp, 100)
    shown = f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return f"{shown}% {'incl.' if included else 'added'}"


def upgrade() -> None:
    op.create_table(
        "tax_rates",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_tax_rates_rate_range")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_tax_rates_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint("name_key", name=op.f("uq_tax_rates_name_key")),
    )
    if _sqlite():
        # In place, ALTER TABLE … ADD COLUMN with the named foreign key inline (see 0009): batch
        # mode would rebuild ``products``, which rows point at (and which FTS triggers follow).
        op.execute(
            f"ALTER TABLE products ADD COLUMN tax_rate_id INTEGER CONSTRAINT {_FK} "
            "REFERENCES tax_rates (id)"
        )
    else:
        op.add_column("products", sa.Column("tax_rate_id", _ID, nullable=True))
        op.create_foreign_key(_FK, "products", "tax_rates", ["tax_rate_id"], ["id"])
    op.create_index(op.f("ix_products_tax_rate_id"), "products", ["tax_rate_id"])
    op.add_column(
        "users", sa.Column("locale", sa.String(length=16), nullable=False, server_default=sa.text("''"))
    )

    conn = op.get_bind()
    pairs = conn.execute(
        sa.text(
            "SELECT tax_rate_bp, tax_included, count(*) FROM products "
            "GROUP BY tax_rate_bp, tax_included ORDER BY count(*) DESC, tax_rate_bp, tax_included"
        )
    ).all()
    now = datetime.now(UTC)
    rates = sa.table(
        "tax_rates",
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
        sa.column("rate_bp", sa.Integer),
        sa.column("included", sa.Boolean),
        sa.column("is_default", sa.Boolean),
        sa.column("active", sa.Boolean),
        sa.column("changed_at", posapp.models.base.UTCDateTime(timezone=True)),
        sa.column("created_at", posapp.models.base.UTCDateTime(timezone=True)),
    )
    for index, (rate_bp, included, _count) in enumerate(pairs):
        name = _name(int(rate_bp), bool(included))
        conn.execute(
            rates.insert().values(
                name=name,
                name_key=name.casefold(),
                rate_bp=int(rate_bp),
                included=bool(included),
                is_default=index == 0,
                active=True,
                changed_at=now,
                created_at=now,
            )
        )
        conn.execute(
            sa.text(
                "UPDATE products SET tax_rate_id = (SELECT id FROM tax_rates WHERE name_key = :key) "
                "WHERE tax_rate_bp = :rate AND tax_included = :included"
            ),
            {"key": name.casefold(), "rate": int(rate_bp), "included": bool(included)},
        )


def downgrade() -> None:
    op.drop_column("users", "locale")
    op.drop_index(op.f("ix_products_tax_rate_id"), table_name="products")
    if _sqlite():
        # SQLite cannot drop a column a foreign key uses without rebuilding ``products`` (see
        # 0009): the column stays, unmapped and empty, and the rates stay with it.
        op.execute("UPDATE products SET tax_rate_id = NULL")
        return
    op.drop_constraint(_FK, "products", type_="foreignkey")
    op.drop_column("products", "tax_rate_id")
    op.drop_table("tax_rates")
