"""Migration 0020 gives every product a unit: kg where it was sold by weight, else pieces."""

from __future__ import annotations

from sqlalchemy import select

from posapp.models import Product
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
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
