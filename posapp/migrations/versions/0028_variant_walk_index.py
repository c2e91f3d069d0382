"""The name index holds the variants' search keys: the register's walk over variants reads no rows

The register lists the first 20 products by name whose name, SKU or search keys contain the
text (issue #23, ``posapp.services.catalog.contains``). When the trigram index finds many
products, the name index ``(active, name, id, sku)`` is walked in name order; in a catalog of
variants the walk also checks each variant's search keys (the template's name and values),
which were not in the index, so every name walked past was a table read (a failed walk of
20,000 names: tens of milliseconds at 1,000,000 variants). The index gains ``search_keys``
(NULL for a plain product: no cost there).

Both databases (PostgreSQL answers the search with one statement over its trigram index, so
there the index only keeps the two schemas alike). Rebuilding it reads every product: seconds
at 1,000,000 products.

Revision ID: 0028
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0022"
branch_labels = None
depends_on = None

_INDEX = "ix_products_active_name"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="products")
    op.create_index(_INDEX, "products", ["active", "name", "id", "sku", "search_keys"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="products")
    op.create_index(_INDEX, "products", ["active", "name", "id", "sku"])
