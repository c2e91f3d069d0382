"""Shared fixtures: real SQLite files and a real PostgreSQL server (from POSAPP_TEST_PG_URL)."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from posapp.currency import UNSET
from posapp.events import RecordingPublisher
from posapp.formats import NEUTRAL, set_current_formats
from posapp.i18n import set_language
from posapp.models import Base
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.platform.chain_key import anchor_path
from posapp.services.platform.db import Database, open_database

PG_URL = os.environ.get("POSAPP_TEST_PG_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_url_or_skip() -> str:
    """Return the test PostgreSQL URL; without one, skip (or fail under CI=true)."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("POSAPP_TEST_PG_URL is not set: CI requires the PostgreSQL tests to run")
        pytest.skip("POSAPP_TEST_PG_URL is not set (run through `make test`)")
    return PG_URL


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema of the test database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


_TEMPLATES: dict[str, Path] = {}
_PG_MIGRATED: list[bool] = []


def _sqlite_template(base: Path) -> Path:
    """A migrated SQLite file made once per test run, copied for each test (migrating is slow)."""
    if "sqlite" not in _TEMPLATES:
        path = base / "template.sqlite3"
        open_database(f"sqlite:///{path}").dispose()
        _TEMPLATES["sqlite"] = path
    return _TEMPLATES["sqlite"]


def _empty_postgres(url: str) -> None:
    """Migrate once per run; afterwards empty every table (much faster than migrating again)."""
    if not _PG_MIGRATED:
        reset_postgres(url)
        open_database(url).dispose()
        _PG_MIGRATED.append(True)
        return
    # Emptying the database is what anchors catch: its anchor file goes too.
    anchor_path(sa.make_url(url)).unlink(missing_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            # Replica mode skips user triggers, among them the audit log's refusal of TRUNCATE.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


def make_database(kind: str, tmp_path: Path) -> Database:
    """Open a fresh, migrated database of ``kind`` ("sqlite" file or "postgres")."""
    if kind == "sqlite":
        target = tmp_path / "posapp.sqlite3"
        shutil.copyfile(_sqlite_template(tmp_path.parent), target)
        return Database(f"sqlite:///{target}")
    url = pg_url_or_skip()
    _empty_postgres(url)
    return Database(url)


@pytest.fixture(autouse=True, scope="session")
def own_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The test run has a data folder of its own (issue #16: it holds the audit key that every
    database and register process of the run shares, and PostgreSQL's anchor files)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSAPP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


@pytest.fixture(autouse=True)
def unset_currency() -> Iterator[None]:
    """Every test starts and ends with no shop currency (the process-wide one of posapp.money)
    and posapp's neutral formats (the process-wide ones of posapp.formats), in English (the
    process-wide language of posapp.i18n)."""
    set_current_currency(UNSET)
    set_current_formats(NEUTRAL)
    set_language("en")
    yield
    set_current_currency(UNSET)
    set_current_formats(NEUTRAL)
    set_language("en")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_kind(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def database(db_kind: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database on each backend."""
    db = make_database(db_kind, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite file database."""
    db = make_database("sqlite", tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def publisher() -> RecordingPublisher:
    """A publisher that records what it is given."""
    return RecordingPublisher()


@pytest.fixture
def backend(database: Database, publisher: RecordingPublisher) -> Backend:
    """Services over a fresh database on each backend, recording published events."""
    return Backend(database, publisher, register="test-till")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many PostgreSQL tests ran, so a skipped server cannot hide."""
    ran = skipped = 0
    for key in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(key, []):
            if getattr(report, "when", "call") != "call" and key != "skipped":
                continue
            if "postgres" in getattr(report, "keywords", {}):
                if key == "skipped":
                    skipped += 1
                else:
                    ran += 1
    where = "on " + PG_URL.split("?")[0] if PG_URL else "(no server)"
    terminalreporter.write_line(f"PostgreSQL tests: {ran} ran, {skipped} skipped {where}")
