"""Migration 0025 lets a level go below zero (a replayed offline sale, #21) and adds sync_conflicts.

The level's other CHECKs stay, and the rows in it are kept, on both databases (SQLite's CHECK is
taken out of the stored table text, not by rebuilding the table).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but
from tests.integration.test_stock_cost_migration import _PRODUCT, AT


def test_stock_may_go_below_zero_once_0025_is_in(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0025")
    with bare.engine.begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO stores (code, name, kind, address, phone, active, created_at) "
            f"VALUES ('N', 'North', 'store', '', '', true, '{AT}')"
        )
        run(_PRODUCT.format(sku="UNIT", cost=90, weighed="false"))
        run(
            "INSERT INTO stock_levels (store_id, product_id, on_hand, reorder_point, "
            f"reorder_qty, changed_at, value_minor) VALUES (1, 1, 3, 2, 0, '{AT}', 270)"
        )
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stock_levels SET on_hand = -1")

    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.engine.begin() as conn:
        assert conn.exec_driver_sql(
            "SELECT on_hand, reorder_point, value_minor FROM stock_levels"
        ).one() == (3, 2, 270)
        conn.exec_driver_sql("UPDATE stock_levels SET on_hand = -4")
        assert conn.exec_driver_sql("SELECT on_hand FROM stock_levels").scalar_one() == -4
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stock_levels SET reorder_point = -1")
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stock_levels SET value_minor = -1")
    inspector = sa.inspect(bare.engine)
    assert "sync_conflicts" in inspector.get_table_names()
    checks = {c["name"] for c in inspector.get_check_constraints("stock_levels")}
    assert "ck_stock_levels_on_hand_not_negative" not in checks
    assert "ck_stock_levels_reorder_point_not_negative" in checks


def test_0027_lets_a_coupon_changed_conflict_in(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0027")
    before = conflict_kinds(bare)
    assert "price_changed" in before
    assert "coupon_changed" not in before
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    after = conflict_kinds(bare)
    assert "price_changed" in after
    assert "coupon_changed" in after


def conflict_kinds(bare: Database) -> str:
    """The text of the CHECK on sync_conflicts.kind."""
    checks = sa.inspect(bare.engine).get_check_constraints("sync_conflicts")
    return next(str(c["sqltext"]) for c in checks if c["name"] == "ck_sync_conflicts_kind_known")
