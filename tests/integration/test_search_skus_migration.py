"""Migration 0014 indexes the SKUs of a catalog in use: a piece of a SKU finds its product."""

from __future__ import annotations

from posapp.services.catalog import first_containing
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"
PRODUCTS = (("KEL0042-00017", "Kelmar Apple Juice 1L"), ("ZEN0001-00002", "Zenbel Cola 330ml"))


def test_products_of_an_older_catalog_are_found_by_a_piece_of_their_sku(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0014")
    with bare.engine.begin() as conn:
        for sku, name in PRODUCTS:
            conn.exec_driver_sql(
                "INSERT INTO products (sku, sku_key, name, description, price_minor, cost_minor, "
                "tax_rate_bp, tax_included, sold_by_weight, active, created_at, changed_at, "
                f"version) VALUES ('{sku}', '{sku}', '{name}', '', 100, 50, 0, true, false, "
                f"true, '{AT}', '{AT}', 1)"
            )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.read_sessions() as session:
        assert first_containing(session, "0042-000", limit=20) == [1]
        assert first_containing(session, "00002", limit=20) == [2]
        assert first_containing(session, "apple", limit=20) == [1]
        assert first_containing(session, "e", limit=20) == [1, 2]
    with bare.engine.begin() as conn:  # the triggers follow a change of SKU
        conn.exec_driver_sql("UPDATE products SET sku = 'NEW-77', sku_key = 'NEW-77' WHERE id = 2")
    with bare.read_sessions() as session:
        assert first_containing(session, "00002", limit=20) == []
        assert first_containing(session, "new-7", limit=20) == [2]
