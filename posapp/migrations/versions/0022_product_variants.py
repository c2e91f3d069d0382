"""product variants: templates with attributes and values; variants are products of a template

Issue #20 (variants). A template (``product_templates``) holds what its variants share; its
attributes (``template_attributes``: size, colour) have values (``attribute_values``); each
variant is an ordinary product (its own SKU, barcode, price and stock, so checkout, returns,
stock and reports need nothing new) with ``template_id`` and one ``variant_values`` row per
attribute.

``products.search_keys`` holds the template's name and the variant's values for search
("t-shirt blue m tshirt"): SQLite's FTS5 table ``products_fts`` gains it as a third column
(the triggers follow it), PostgreSQL's trigram index ``ix_products_search_trgm`` gains it as a
fourth. Both indexes are rebuilt: a minute or two at 1,000,000 products.

0022, as given to the variants work; it follows 0017 (a head that follows the catalog's 0014).

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import posapp.models.base

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_products_template_id_product_templates"

_DROP_FTS = (
    "DROP TRIGGER IF EXISTS products_fts_au",
    "DROP TRIGGER IF EXISTS products_fts_ad",
    "DROP TRIGGER IF EXISTS products_fts_ai",
    "DROP TABLE IF EXISTS products_fts",
)


def _create_fts(columns: tuple[str, ...]) -> tuple[str, ...]:
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


def _pg_index(columns: tuple[str, ...]) -> tuple[str, ...]:
    ops = ", ".join(f"{c} gin_trgm_ops" for c in columns)
    return (
        "DROP INDEX IF EXISTS ix_products_search_trgm",
        f"CREATE INDEX ix_products_search_trgm ON products USING gin ({ops})",
    )


def _search(keys: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        columns = ("name", "sku", "search_keys") if keys else ("name", "sku")
        for statement in (*_DROP_FTS, *_create_fts(columns)):
            op.execute(statement)
    elif dialect == "postgresql":
        columns = ("name", "sku_key", "barcode", *(("search_keys",) if keys else ()))
        for statement in _pg_index(columns):
            op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "product_templates",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category_id", _ID, nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("tax_included", sa.Boolean(), nullable=False),
        sa.Column("changed_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("created_at", posapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(code) > 0", name=op.f("ck_product_templates_code_not_empty")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_product_templates_name_not_empty")),
        sa.CheckConstraint(
            "price_minor >= 0", name=op.f("ck_product_templates_price_not_negative")
        ),
        sa.CheckConstraint(
            "tax_rate_bp >= 0 AND tax_rate_bp <= 10000",
            name=op.f("ck_product_templates_tax_rate_range"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_product_templates_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_templates")),
        sa.UniqueConstraint("code_key", name=op.f("uq_product_templates_code_key")),
    )
    op.create_index(
        op.f("ix_product_templates_category_id"), "product_templates", ["category_id"]
    )
    op.create_table(
        "template_attributes",
        sa.Column("template_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_template_attributes_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["product_templates.id"],
            name=op.f("fk_template_attributes_template_id_product_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_attributes")),
        sa.UniqueConstraint("template_id", "name", name="uq_template_attributes_template_name"),
    )
    op.create_index(
        op.f("ix_template_attributes_template_id"), "template_attributes", ["template_id"]
    )
    op.create_table(
        "attribute_values",
        sa.Column("attribute_id", _ID, nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.CheckConstraint("length(value) > 0", name=op.f("ck_attribute_values_value_not_empty")),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["template_attributes.id"],
            name=op.f("fk_attribute_values_attribute_id_template_attributes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_values")),
        sa.UniqueConstraint("attribute_id", "value", name="uq_attribute_values_attribute_value"),
    )
    op.create_index(op.f("ix_attribute_values_attribute_id"), "attribute_values", ["attribute_id"])
    op.add_column("products", sa.Column("search_keys", sa.String(length=400), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE … ADD COLUMN with a named REFERENCES: no copy of the products table.
        op.execute(
            "ALTER TABLE products ADD COLUMN template_id INTEGER CONSTRAINT "
            f"{_FK} REFERENCES product_templates (id)"
        )
    else:
        op.add_column("products", sa.Column("template_id", _ID, nullable=True))
        op.create_foreign_key(_FK, "products", "product_templates", ["template_id"], ["id"])
    op.create_index(op.f("ix_products_template_id"), "products", ["template_id"])
    op.create_table(
        "variant_values",
        sa.Column("product_id", _ID, nullable=False),
        sa.Column("attribute_id", _ID, nullable=False),
        sa.Column("value_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["template_attributes.id"],
            name=op.f("fk_variant_values_attribute_id_template_attributes"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_variant_values_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["attribute_values.id"],
            name=op.f("fk_variant_values_value_id_attribute_values"),
        ),
        sa.PrimaryKeyConstraint("product_id", "attribute_id", name=op.f("pk_variant_values")),
    )
    op.create_index(op.f("ix_variant_values_value_id"), "variant_values", ["value_id"])
    _search(keys=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_variant_values_value_id"), table_name="variant_values")
    op.drop_table("variant_values")
    op.drop_index(op.f("ix_products_template_id"), table_name="products")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("template_id")
        batch_op.drop_column("search_keys")
    _search(keys=False)  # after the columns: SQLite's batch copy drops the table's triggers
    op.drop_index(op.f("ix_attribute_values_attribute_id"), table_name="attribute_values")
    op.drop_table("attribute_values")
    op.drop_index(op.f("ix_template_attributes_template_id"), table_name="template_attributes")
    op.drop_table("template_attributes")
    op.drop_index(op.f("ix_product_templates_category_id"), table_name="product_templates")
    op.drop_table("product_templates")
