"""Fixtures of the integration tests that several modules share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp.services.platform.db import Database, open_database
from tests.conftest import pg_url_or_skip, reset_postgres


@pytest.fixture
def bare(db_kind: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database of each kind (PostgreSQL is left migrated to the heads afterwards)."""
    if db_kind == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield database
        database.dispose()
        return
    url = pg_url_or_skip()
    reset_postgres(url)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        reset_postgres(url)  # the other tests expect the schema at the heads
        open_database(url).dispose()
