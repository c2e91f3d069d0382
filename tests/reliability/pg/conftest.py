"""Fixtures of the PostgreSQL suites: eight register processes (figures: ../conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import pg_url_or_skip
from tests.reliability.pg.pool import Registers


@pytest.fixture(scope="module")
def registers() -> Iterator[Registers]:
    """Eight register processes on the test PostgreSQL server."""
    pool = Registers(pg_url_or_skip())
    yield pool
    pool.close()
