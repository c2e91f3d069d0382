"""Migration 0017 adds api_tokens to a database in use, and takes it away again (issue #22)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from posapp.services.platform.db import Database
from posapp.services.platform.migrate import alembic_config, current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"


def test_api_tokens_up_and_down(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0017")
    upgrade(bare.engine, "0014")
    assert "api_tokens" not in sa.inspect(bare.engine).get_table_names()
    with bare.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (username, username_key, full_name, role, active, "
            "failed_attempts, created_at, changed_at, version) "
            f"VALUES ('root', 'root', '', 'admin', true, 0, '{AT}', '{AT}', 1)"
        )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()

    def insert(user_id: int, digest: str) -> str:
        return (
            "INSERT INTO api_tokens (user_id, token_hash, prefix, name, scopes, created_at) "
            f"VALUES ({user_id}, '{digest * 64}', 'posapp_abc', '', 'users:read', '{AT}')"
        )

    with bare.engine.begin() as conn:
        conn.exec_driver_sql(insert(1, "a"))
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql(insert(1, "a"))  # the hash is unique
    with pytest.raises(sa.exc.IntegrityError), bare.engine.begin() as conn:
        conn.exec_driver_sql(insert(99, "b"))  # the user exists
    config = alembic_config(bare.engine)
    with bare.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0017-1")
    assert "api_tokens" not in sa.inspect(bare.engine).get_table_names()
