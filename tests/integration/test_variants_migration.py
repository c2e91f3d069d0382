"""Migration 0022 on a catalog in use (both databases): products stay found, the search index
gains the variants' keys and follows them; downgrading to 0017 and back works."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from posapp.services.catalog import first_containing, search_ids
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import alembic_config, current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"


def _insert(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO products (sku, sku_key, name, description, price_minor, cost_minor, "
            "tax_rate_bp, tax_included, sold_by_weight, active, created_at, changed_at, "
            f"version) VALUES ('KEL-1', 'KEL-1', 'Kelmar Apple Juice 1L', '', 100, 50, 0, true, "
            f"false, true, '{AT}', '{AT}', 1)"
        )


def _downgrade(database: Database, revision: str) -> None:
    config = alembic_config(database.engine)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0022_keeps_a_catalog_found_and_indexes_search_keys(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0022")
    _insert(bare)
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.read_sessions() as session:
        assert first_containing(session, "apple", limit=20) == [1]
        assert list(search_ids(session, "kelmar juice").ids) == [1]
    with bare.engine.begin() as conn:  # the triggers follow the keys
        conn.exec_driver_sql("UPDATE products SET search_keys = 'tshirt blue m' WHERE id = 1")
    with bare.read_sessions() as session:
        assert list(search_ids(session, "tshirt blue").ids) == [1]
        assert first_containing(session, "tshirt blue", limit=20) == [1]
    _downgrade(bare, "0017")
    columns = {c["name"] for c in sa.inspect(bare.engine).get_columns("products")}
    assert "search_keys" not in columns
    assert "product_templates" not in sa.inspect(bare.engine).get_table_names()
    upgrade(bare.engine)
    with bare.read_sessions() as session:
        assert list(search_ids(session, "kelmar juice").ids) == [1]
