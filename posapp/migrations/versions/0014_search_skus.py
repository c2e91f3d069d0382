"""SQLite's trigram index holds SKUs beside names: "contains" searches read it, not the table

The register's F2 search and the Stores tab's stock search list products whose name or SKU
contains the text. They ran ``lower(name) LIKE '%…%' OR lower(sku) LIKE '%…%'`` over every
product (142 ms a keystroke at 100,000 products); they now go through the catalog's trigram
index (issue #23). PostgreSQL's GIN trigram index already covers ``sku_key``; on SQLite the
FTS5 table ``products_fts`` gains a ``sku`` column (the catalog's own search reads only the
``name`` column, with a column filter). The triggers follow a change of either column.

Searching for one or two characters (no trigram) walks the ``(active, name, id)`` index in name
order and checks each name and SKU: the index gains the SKU, so the walk never reads the table.

The indexes are rebuilt from the products: a minute or two at 1,000,000 products.

Revision ID: 0014
Revises: 0004a
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0004a"
branch_labels = None
depends_on = None

_DROP = (
    "DROP TRIGGER IF EXISTS products_fts_au",
    "DROP TRIGGER IF EXISTS products_fts_ad",
    "DROP TRIGGER IF EXISTS products_fts_ai",
    "DROP TABLE IF EXISTS products_fts",
)


def _create(columns: tuple[str, ...]) -> tuple[str, ...]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return (
        f"CREATE VIRTUAL TABLE products_fts USING fts5({names}, content='products', "
        "content_rowid='id', tokenize='trigram', detail=full)",
        "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
        f"INSERT INTO products_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER products_fts_au AFTER UPDATE OF {names} ON products BEGIN "
        f"INSERT INTO products_fts(products_fts, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO products_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
    )


_INDEX = "ix_products_active_name"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="products")
    op.create_index(_INDEX, "products", ["active", "name", "id", "sku"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in (*_DROP, *_create(("name", "sku"))):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in (*_DROP, *_create(("name",))):
            op.execute(statement)
    op.drop_index(_INDEX, table_name="products")
    op.create_index(_INDEX, "products", ["active", "name", "id"])
