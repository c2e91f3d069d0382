"""Composition root: builds the database, the event bus, the services and the main window.

Imports are lazy so that ``posapp --help`` and the first paint of the login window stay fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posapp.config import AppConfig


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``posapp`` console script and of ``main.py``."""
    from posapp.cli import main as cli_main  # noqa: PLC0415 - keep start-up lean

    return cli_main(argv)


def run_gui(config: AppConfig) -> int:
    """Open the database, load demo data if asked and empty, and run the Qt application.

    The background services (notifications, the relay between registers, the email sender,
    the campaign clock and final reports) are built by
    :func:`posapp.app_services.start_services`, which needs no window; they stop when the
    application quits, before the database is closed.
    """
    from posapp.app_services import start_services  # noqa: PLC0415
    from posapp.services.backend import Backend  # noqa: PLC0415
    from posapp.services.db import open_database  # noqa: PLC0415
    from posapp.services.errors import ServiceError  # noqa: PLC0415
    from posapp.ui.app_runner import run_gui as run_qt  # noqa: PLC0415
    from posapp.ui.bus import EventBus  # noqa: PLC0415

    try:
        database = open_database(config.database_url)
    except ServiceError as exc:
        print(f"posapp: error: {exc}", file=sys.stderr)
        return 1
    try:
        if config.demo_if_empty:
            _load_demo_if_empty(Backend(database, register=config.register))
        bus = EventBus()
        services = start_services(database, bus, config)
        try:
            return run_qt(services.backend, bus)
        finally:
            services.stop()
    finally:
        database.dispose()


def _load_demo_if_empty(backend: object) -> None:
    from posapp.services.backend import Backend  # noqa: PLC0415
    from posapp.services.demo import load_demo  # noqa: PLC0415

    assert isinstance(backend, Backend)
    if backend.user_count() == 0:
        print("posapp: empty database: loading demo data…", file=sys.stderr)
        load_demo(backend.uow())
