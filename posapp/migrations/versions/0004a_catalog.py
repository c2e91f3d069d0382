"""Catalog search: the active-by-name index, SQLite FTS5 trigram table with triggers, pg_trgm.

Revision ID: 0004a
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0004a"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over products.name with the trigram tokenizer
# (substring search, case-insensitive). Triggers keep it in step with products; the UPDATE
# trigger fires only when the name changes. The content lives in products (no copy).
_SQLITE_UP = (
    "CREATE VIRTUAL TABLE products_fts USING fts5("
    "name, content='products', content_rowid='id', tokenize='trigram', detail=full)",
    "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name) VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER products_fts_au AFTER UPDATE OF name ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO products_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS products_fts_au",
    "DROP TRIGGER IF EXISTS products_fts_ad",
    "DROP TRIGGER IF EXISTS products_fts_ai",
    "DROP TABLE IF EXISTS products_fts",
)
# PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13) and one GIN trigram index that
# serves ILIKE '%text%' on the name and LIKE 'PREFIX%' on the SKU key and the barcode.
_PG_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_products_search_trgm ON products USING gin "
    "(name gin_trgm_ops, sku_key gin_trgm_ops, barcode gin_trgm_ops)",
)
_PG_DOWN = ("DROP INDEX IF EXISTS ix_products_search_trgm",)


def upgrade() -> None:
    op.create_index("ix_products_active_name", "products", ["active", "name", "id"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_UP if dialect == "sqlite" else _PG_UP if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_DOWN if dialect == "sqlite" else _PG_DOWN if dialect == "postgresql" else ():
        op.execute(statement)
    op.drop_index("ix_products_active_name", table_name="products")
