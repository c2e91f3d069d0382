"""Migration 0026 adds the loyalty points to a database in use, and takes them away (both DBs)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from posapp.services.platform.db import Database
from posapp.services.platform.migrate import alembic_config, current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"


def _columns(database: Database, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(database.engine).get_columns(table)}


def test_points_up_down_and_up_again(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0026")
    assert "point_movements" not in sa.inspect(bare.engine).get_table_names()
    with bare.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (name, phone, email, address, marketing_opt_in, notes, tags, "
            f"changed_at, version, created_at) VALUES ('Ann Old', '', '', '', false, '', '', "
            f"'{AT}', 1, '{AT}')"
        )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    assert "points_balance" in _columns(bare, "customers")
    assert "points_earned" in _columns(bare, "order_lines")
    with bare.engine.begin() as conn:
        # An existing customer starts with no points, and a balance cannot go below zero.
        assert conn.exec_driver_sql("SELECT points_balance FROM customers").scalar_one() == 0
        conn.exec_driver_sql(
            "INSERT INTO point_movements (customer_id, kind, points, balance_after, reason, "
            f"created_at) VALUES (1, 'adjust', 5, 5, 'welcome', '{AT}')"
        )
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customers SET points_balance = -1")
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO point_movements (customer_id, kind, points, balance_after, reason, "
            f"created_at) VALUES (1, 'gift', 5, 5, '', '{AT}')"
        )
    config = alembic_config(bare.engine)
    with bare.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018_gift_cards")
    assert "point_movements" not in sa.inspect(bare.engine).get_table_names()
    assert "points_balance" not in _columns(bare, "customers")
    assert "points_earned" not in _columns(bare, "order_lines")
    with bare.engine.begin() as conn:  # the customers are still there
        sql = "SELECT count(*) FROM customers WHERE name = 'Ann Old'"
        assert conn.exec_driver_sql(sql).scalar_one() == 1
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
