"""Composition root: builds the database, the event bus, the services and the main window.

Imports are lazy so that ``posapp --help`` and the first paint of the login window stay fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posapp.app_services import Services
    from posapp.config import AppConfig
    from posapp.events import Publisher
    from posapp.services.backend import Backend
    from posapp.services.platform.db import Database


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``posapp`` console script and of ``main.py``.

    The command line runs the commands; without one it opens the window with :func:`run_gui`,
    which is handed to it (the command line never imports this module).
    """
    from posapp.cli.main import main as cli_main  # noqa: PLC0415 - keep start-up lean

    return cli_main(argv, run_gui=run_gui)


def run_gui(config: AppConfig) -> int:
    """Run the Qt application: the login window first, the database opening behind it.

    The login window paints before anything heavy is imported; then, on a thread, the database
    opens (and is migrated), demo data loads if asked and the database is empty, and the
    background services start (:func:`posapp.app_services.start_services`: notifications, the
    relay between registers, the email sender, the campaign clock and final reports). They stop
    when the application quits, before the database is closed.
    """
    from posapp.ui.app_runner import run_opening  # noqa: PLC0415

    return run_opening(lambda bus: open_app(config, bus))


class _OpenApp:
    """The open database and the services started on it (see :func:`open_app`)."""

    def __init__(self, database: Database, services: Services) -> None:
        self._database = database
        self._services = services

    @property
    def backend(self) -> Backend:
        return self._services.backend

    def stop(self) -> None:
        try:
            self._services.stop()
        finally:
            self._database.dispose()


def open_app(config: AppConfig, bus: Publisher) -> _OpenApp:
    """Open the database, load demo data if asked and empty, and start the services.

    Raises:
        ServiceError: the database cannot be opened or migrated.
    """
    from posapp.app_services import start_services  # noqa: PLC0415
    from posapp.services.backend import Backend  # noqa: PLC0415
    from posapp.services.platform.db import open_database  # noqa: PLC0415

    database = open_database(config.database_url)
    try:
        if config.demo_if_empty:
            _load_demo_if_empty(Backend(database, register=config.register))
        services = start_services(database, bus, config)
    except BaseException:
        database.dispose()
        raise
    return _OpenApp(database, services)


def _load_demo_if_empty(backend: object) -> None:
    from posapp.demo import load_demo  # noqa: PLC0415
    from posapp.services.backend import Backend  # noqa: PLC0415

    assert isinstance(backend, Backend)
    if backend.staff.user_count() == 0:
        print("posapp: empty database: loading demo data…", file=sys.stderr)
        load_demo(backend)
