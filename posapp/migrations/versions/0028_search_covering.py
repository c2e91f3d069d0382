"""Two covering indexes for the register's F2 search: SKU prefixes with names, variants' keys

The register lists the first 20 products by name whose name, SKU or search keys contain the
text (issue #23, ``posapp.services.catalog.contains``). When the trigram index finds many
products, the name index ``(active, name, id, sku)`` is walked; when the walk does not find 20
(matches crowded late in name order: the SKUs of one brand family, ``KEL15``), every match
was read from the table and sorted, tens of milliseconds at a million products.

* ``ix_products_sku_key_name (sku_key, active, name, sku)``: the products whose SKU starts
  with the text come with their names from this index alone (a range, no table reads); only
  the other matches are read from the table.
* ``ix_products_active_name`` gains ``search_keys``: in a catalog of variants the walk reads
  a variant's keys from the index instead of its row (before, every name walked past was a
  table read).

Both databases (PostgreSQL answers the search with one statement over its trigram index, so
the indexes only keep the two schemas alike). Building them reads every product: seconds at
1,000,000 products.

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

_NAME_INDEX = "ix_products_active_name"
_SKU_INDEX = "ix_products_sku_key_name"


def upgrade() -> None:
    op.create_index(_SKU_INDEX, "products", ["sku_key", "active", "name", "sku"])
    op.drop_index(_NAME_INDEX, table_name="products")
    op.create_index(_NAME_INDEX, "products", ["active", "name", "id", "sku", "search_keys"])


def downgrade() -> None:
    op.drop_index(_NAME_INDEX, table_name="products")
    op.create_index(_NAME_INDEX, "products", ["active", "name", "id", "sku"])
    op.drop_index(_SKU_INDEX, table_name="products")
