"""Migration 0020 gives every product a unit: kg where it was sold by weight, else pieces."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from posapp.models import Product
from posapp.services.catalog import search_ids
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import alembic_config, current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"


def test_products_sold_by_weight_become_kilograms(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0020")
    with bare.engine.begin() as conn:
        for n, (sku, by_weight) in enumerate((("CHE-1", "true"), ("MUG-1", "false")), start=1):
            conn.exec_driver_sql(
                "INSERT INTO products (id, sku, sku_key, name, description, price_minor, "
                "cost_minor, tax_rate_bp, tax_included, sold_by_weight, active, changed_at, "
                f"version, created_at) VALUES ({n}, '{sku}', '{sku}', 'Item {n}', '', 1990, 0, "
                f"0, true, {by_weight}, true, '{AT}', 1, '{AT}')"
            )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.write_sessions() as session:
        rows = session.execute(select(Product.sku, Product.unit).order_by(Product.id)).all()
        assert [tuple(row) for row in rows] == [("CHE-1", "kg"), ("MUG-1", "pc")]


def test_downgrading_0020_keeps_the_catalog_searchable(bare: Database) -> None:
    """SQLite's batch copy of ``products`` drops its triggers: the downgrade makes them again."""
    upgrade(bare.engine, "0020")  # 0014 and what it needs, then 0020
    config = alembic_config(bare.engine)
    with bare.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0014")
    columns = {c["name"] for c in sa.inspect(bare.engine).get_columns("products")}
    assert "unit" not in columns
    with bare.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO products (id, sku, sku_key, name, description, price_minor, "
            "cost_minor, tax_rate_bp, tax_included, sold_by_weight, active, changed_at, "
            f"version, created_at) VALUES (7, 'KEL-1', 'KEL-1', 'Kelmar Apple Juice', '', 100, "
            f"0, 0, true, false, true, '{AT}', 1, '{AT}')"
        )
        if bare.engine.dialect.name == "sqlite":
            found = conn.exec_driver_sql(
                "SELECT rowid FROM products_fts WHERE products_fts MATCH '\"apple\"'"
            ).all()
            assert [row[0] for row in found] == [7]  # the insert trigger is there again
    upgrade(bare.engine)
    with bare.read_sessions() as session:
        assert list(search_ids(session, "kelmar juice").ids) == [7]
