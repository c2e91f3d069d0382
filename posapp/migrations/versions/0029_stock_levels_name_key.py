"""A store's stock levels in name order from an index: the Stores tab's pages read no sort

The Stores tab's stock table lists the products a store stocks by lowercased name, a page of
100 at a time (issue #23). No index gave that order: every page read every product the store
stocks, with its row, and kept the first 100 (17-40 ms for a store of 30,000 products; an
empty search, the tab's first look, too). Each level now carries its product's lowercased name
(``name_key``, as the database's own ``lower()`` writes it, so the order is the one the tab had),
and ``(store_id, name_key, product_id)`` is walked in order and stops at the page's end.

Triggers keep it: a new level takes its product's name; renaming a product renames its levels.
No code writes it. Filling it reads every level once (well under a second at 30,000 levels).

The tab's product grid lists every active product by the same lowercased name:
``ix_products_lower_name (lower(name), id)`` gives that order (an expression index, no model:
the schema comparison leaves it alone, see ``schema_filter``). About a second to build at
1,000,000 products.

It also joins every head of the migration tree (nothing else changes): the level's trigger
reads ``products``, so it must go before any downgrade that rebuilds that table (SQLite checks
every trigger when a table is renamed).

Revision ID: 0029
Revises: 0006, 0009, 0016, 0019, 0020, 0023, 0024, 0026, 0027, 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = ("0006", "0009", "0016", "0019", "0020", "0023", "0024", "0026", "0027", "0028")
branch_labels = None
depends_on = None

_INDEX = "ix_stock_levels_store_name"
_PRODUCTS_INDEX = "ix_products_lower_name"

_SQLITE = (
    """
    CREATE TRIGGER stock_levels_name_key AFTER INSERT ON stock_levels
    FOR EACH ROW WHEN NEW.name_key IS NULL BEGIN
        UPDATE stock_levels
        SET name_key = (SELECT lower(name) FROM products WHERE id = NEW.product_id)
        WHERE store_id = NEW.store_id AND product_id = NEW.product_id;
    END
    """,
    """
    CREATE TRIGGER products_name_key AFTER UPDATE OF name ON products
    FOR EACH ROW WHEN OLD.name IS NOT NEW.name BEGIN
        UPDATE stock_levels SET name_key = lower(NEW.name) WHERE product_id = NEW.id;
    END
    """,
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS stock_levels_name_key",
    "DROP TRIGGER IF EXISTS products_name_key",
)

_POSTGRES = (
    """
    CREATE FUNCTION stock_levels_name_key() RETURNS trigger AS $$
    BEGIN
        NEW.name_key := (SELECT lower(name) FROM products WHERE id = NEW.product_id);
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER stock_levels_name_key BEFORE INSERT ON stock_levels
    FOR EACH ROW EXECUTE FUNCTION stock_levels_name_key()
    """,
    """
    CREATE FUNCTION products_name_key() RETURNS trigger AS $$
    BEGIN
        UPDATE stock_levels SET name_key = lower(NEW.name) WHERE product_id = NEW.id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER products_name_key AFTER UPDATE OF name ON products
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION products_name_key()
    """,
)
_POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS products_name_key ON products",
    "DROP FUNCTION IF EXISTS products_name_key()",
    "DROP TRIGGER IF EXISTS stock_levels_name_key ON stock_levels",
    "DROP FUNCTION IF EXISTS stock_levels_name_key()",
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column("stock_levels", sa.Column("name_key", sa.String(100), nullable=True))
    op.execute(
        "UPDATE stock_levels SET name_key = "
        "(SELECT lower(products.name) FROM products WHERE products.id = stock_levels.product_id)"
    )
    op.create_index(_INDEX, "stock_levels", ["store_id", "name_key", "product_id"])
    op.execute(f"CREATE INDEX {_PRODUCTS_INDEX} ON products (lower(name), id)")
    for statement in _SQLITE if _sqlite() else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    for statement in _SQLITE_DROP if _sqlite() else _POSTGRES_DROP:
        op.execute(statement)
    op.execute(f"DROP INDEX IF EXISTS {_PRODUCTS_INDEX}")
    op.drop_index(_INDEX, table_name="stock_levels")
    op.drop_column("stock_levels", "name_key")
