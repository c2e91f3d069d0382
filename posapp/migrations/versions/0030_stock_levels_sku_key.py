"""A store's levels carry their product's SKU: the Stores tab's search walks its index alone

The Stores tab's stock table walks a store's levels in name order
(``ix_stock_levels_store_name``, 0029) and checks each level's product against the search text:
its name, its SKU, a variant's keys, its barcode (issue #23). Each check read the product's row:
1.3 µs a level, so a two-letter text few names hold (``Zu``) took 4-5 ms to find a page of 100
among a store's 30,000 levels, and a text many products match (``Kel``) could not afford to walk
far. Each level now carries its product's SKU key beside its name key, and the index holds both:
a catalog without variants is searched in the index alone (0.13 µs a level; ``Zu`` 0.4 ms).

Triggers keep it, as they keep the name key: a new level takes its product's SKU; changing a
product's SKU changes its levels. No code writes it.

The name key is widened to a product name's 200 characters: 0029 declared 100, so on PostgreSQL
stocking a product with a longer name failed in the level's trigger (SQLite does not check a
declared length; its declaration is rewritten in place, as 0025 did, so the schema matches the
models).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_INDEX = "ix_stock_levels_store_name"

_SQLITE = (
    "DROP TRIGGER IF EXISTS stock_levels_name_key",
    """
    CREATE TRIGGER stock_levels_name_key AFTER INSERT ON stock_levels
    FOR EACH ROW WHEN NEW.name_key IS NULL OR NEW.sku_key IS NULL BEGIN
        UPDATE stock_levels
        SET name_key = (SELECT lower(name) FROM products WHERE id = NEW.product_id),
            sku_key = (SELECT sku_key FROM products WHERE id = NEW.product_id)
        WHERE store_id = NEW.store_id AND product_id = NEW.product_id;
    END
    """,
    """
    CREATE TRIGGER products_sku_key AFTER UPDATE OF sku_key ON products
    FOR EACH ROW WHEN OLD.sku_key IS NOT NEW.sku_key BEGIN
        UPDATE stock_levels SET sku_key = NEW.sku_key WHERE product_id = NEW.id;
    END
    """,
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS products_sku_key",
    "DROP TRIGGER IF EXISTS stock_levels_name_key",
    """
    CREATE TRIGGER stock_levels_name_key AFTER INSERT ON stock_levels
    FOR EACH ROW WHEN NEW.name_key IS NULL BEGIN
        UPDATE stock_levels
        SET name_key = (SELECT lower(name) FROM products WHERE id = NEW.product_id)
        WHERE store_id = NEW.store_id AND product_id = NEW.product_id;
    END
    """,
)

_POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION stock_levels_name_key() RETURNS trigger AS $$
    BEGIN
        SELECT lower(name), sku_key INTO NEW.name_key, NEW.sku_key
        FROM products WHERE id = NEW.product_id;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION products_sku_key() RETURNS trigger AS $$
    BEGIN
        UPDATE stock_levels SET sku_key = NEW.sku_key WHERE product_id = NEW.id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER products_sku_key AFTER UPDATE OF sku_key ON products
    FOR EACH ROW WHEN (OLD.sku_key IS DISTINCT FROM NEW.sku_key)
    EXECUTE FUNCTION products_sku_key()
    """,
)
_POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS products_sku_key ON products",
    "DROP FUNCTION IF EXISTS products_sku_key()",
    """
    CREATE OR REPLACE FUNCTION stock_levels_name_key() RETURNS trigger AS $$
    BEGIN
        NEW.name_key := (SELECT lower(name) FROM products WHERE id = NEW.product_id);
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _name_key_length(length: int) -> None:
    """Declare ``stock_levels.name_key`` as ``VARCHAR(length)`` (was the other of 100 and 200)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE stock_levels ALTER COLUMN name_key TYPE VARCHAR({length}) "
            f"USING left(name_key, {length})"
        )
        return
    old = f"name_key VARCHAR({300 - length})"
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_levels'"
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"stock_levels: {old} is not as expected")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'stock_levels'",
        (sql.replace(old, f"name_key VARCHAR({length})"),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _name_key_length(200)
    op.add_column("stock_levels", sa.Column("sku_key", sa.String(64), nullable=True))
    op.execute(
        "UPDATE stock_levels SET sku_key = "
        "(SELECT products.sku_key FROM products WHERE products.id = stock_levels.product_id)"
    )
    op.drop_index(_INDEX, table_name="stock_levels")
    op.create_index(_INDEX, "stock_levels", ["store_id", "name_key", "product_id", "sku_key"])
    for statement in _SQLITE if _sqlite() else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    for statement in _SQLITE_DOWN if _sqlite() else _POSTGRES_DOWN:
        op.execute(statement)
    op.drop_index(_INDEX, table_name="stock_levels")
    op.create_index(_INDEX, "stock_levels", ["store_id", "name_key", "product_id"])
    op.drop_column("stock_levels", "sku_key")
    _name_key_length(100)
