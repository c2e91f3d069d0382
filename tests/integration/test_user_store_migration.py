"""Migration 0009 adds users.store_id to a database in use (users referenced by other rows)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"


def test_existing_users_keep_working_for_all_stores(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0009")
    with bare.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO stores (code, name, kind, address, phone, active, created_at) "
            f"VALUES ('N', 'North', 'store', '', '', true, '{AT}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO users (username, username_key, full_name, role, active, "
            "failed_attempts, created_at, changed_at, version) "
            f"VALUES ('root', 'root', '', 'admin', true, 0, '{AT}', '{AT}', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO audit_log (at, user_id, register, action, object_kind, reason, "
            f"prev_hash, hash) VALUES ('{AT}', 1, '', 'login', '', '', '', '')"
        )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT username, store_id FROM users").all() == [
            ("root", None)
        ]
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one() == 1
        conn.exec_driver_sql("UPDATE users SET store_id = 1")
    fks = sa.inspect(bare.engine).get_foreign_keys("users")
    assert {"constrained_columns": ["store_id"], "referred_table": "stores"}.items() <= next(
        fk for fk in fks if fk["constrained_columns"] == ["store_id"]
    ).items()
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET store_id = 99")
