"""Migration 0004a: the search indexes exist, and only they differ from the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from posapp.models import Base
from posapp.services.platform.db import Database
from posapp.services.platform.schema_filter import include_name, include_object


def _diff(database: Database, **opts: object) -> list[object]:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, **opts}
        )
        return list(compare_metadata(context, Base.metadata))


def test_models_match_migrations_once_the_search_objects_are_filtered(database: Database) -> None:
    assert _diff(database, include_name=include_name, include_object=include_object) == []


def test_without_the_filter_only_the_search_objects_differ(database: Database) -> None:
    names = set()
    for change in _diff(database):
        assert isinstance(change, tuple)
        kind, thing = change[0], change[1]
        assert kind in {"remove_table", "remove_index"}
        names.add(thing.name)
    if database.is_sqlite:
        assert names == {
            "products_fts",
            "products_fts_config",
            "products_fts_data",
            "products_fts_docsize",
            "products_fts_idx",
        }
    else:  # (SQLite cannot reflect the expression index on lower(name): not a difference there)
        assert names == {"ix_products_search_trgm", "ix_products_lower_name"}


def test_the_search_objects_exist(database: Database) -> None:
    with database.engine.connect() as conn:
        if database.is_sqlite:
            found = set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'products_fts%' "
                    "AND type IN ('table', 'trigger')"
                ).scalars()
            )
            assert {
                "products_fts",
                "products_fts_ai",
                "products_fts_ad",
                "products_fts_au",
            } <= found
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'products_fts'"
            ).scalar_one()
            assert "trigram" in sql
        else:
            assert conn.exec_driver_sql(
                "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
            ).scalar_one()
            definition = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_products_search_trgm'"
            ).scalar_one()
            assert "gin" in definition
            assert "gin_trgm_ops" in definition
    indexes = {index["name"] for index in sa.inspect(database.engine).get_indexes("products")}
    assert "ix_products_active_name" in indexes
