"""Render signing in without the server (#21) into docs/screenshots/: the login, the grid, a tab.

PostgreSQL behind the test's TCP proxy, with the background services running as in the
application; the proxy is cut before anyone signs in. The login window says it is offline
(``login_offline.png``); the cashier signs in with the PIN, checked against the register's cache,
and the register's product grid shows the cached categories and products
(``register_grid_offline.png``); a manager signed in offline finds the Stores tab saying it needs
the server (``tab_offline.png``). Run by hand (it needs a PostgreSQL server)::

    QT_QPA_PLATFORM=offscreen scripts/with-postgres.sh \\
        .venv/bin/python -m tests.ui.make_screenshots_offline_login
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from posapp.app_services import ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.services.backend import Backend
from posapp.services.platform.db import Database, open_database
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from tests.checkout_seed import CASHIER_PIN, ITEMS, PASSWORD, open_shop_till, seed_shop
from tests.conftest import reset_postgres
from tests.reliability.pg.cut import NetworkCut
from tests.ui.make_screenshots_offline import _until
from tests.ui.make_screenshots_orders import MORE, OUT, grab, settle


def _window(
    app: QApplication, session: SessionController, username: str, secret: str
) -> MainWindow:
    """Sign in through the login window as a person would; the main window that opens."""
    dialog = session.login_dialog
    assert dialog is not None
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(secret)
    dialog.sign_in_button.click()
    _until(app, lambda: session.main_window is not None)
    window = session.main_window
    assert window is not None
    window.resize(1280, 800)
    settle(app)
    return window


def _shoot(app: QApplication, url: str) -> None:
    database = open_database(url)
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    database.dispose()
    with NetworkCut(url) as net:
        remote = Database(net.url)
        services = start_services(
            remote, bus, AppConfig(net.url, "till-1"), ServiceOptions(relay=False)
        )
        try:
            offline = services.backend.offline_sales
            assert offline is not None
            cache = offline.offline_till.cache
            _until(app, lambda: cache.counts()[0] > 0 and cache.till() is not None)
            net.cut("reset")
            _until(app, lambda: not offline.online)

            session = SessionController(services.backend, bus)
            session.start()
            dialog = session.login_dialog
            assert dialog is not None
            dialog.username_edit.setText("till")
            grab(app, dialog, "login_offline.png")

            window = _window(app, session, "till", CASHIER_PIN)
            tab = window.tabs.currentWidget()
            assert isinstance(tab, OrdersTab)
            register = tab.register
            assert register is not None
            _until(app, lambda: len(register.grid.chips) > 0)
            register.grid.chips[0].click()  # Bakery: the cached products
            _until(app, lambda: len(register.grid.tiles) > 3)
            register.grid.tiles[0].click()
            register.grid.tiles[2].click()
            grab(app, window, "register_grid_offline.png")

            window.logout_requested.emit()
            window.close()
            _until(app, lambda: session.login_dialog is not None)
            window = _window(app, session, "boss", PASSWORD)
            window.tabs.setCurrentIndex(window.tab_keys().index("Stores"))
            settle(app)
            grab(app, window, "tab_offline.png")
            session.shutdown()
        finally:
            services.stop()
            remote.dispose()


def main() -> int:
    """Shoot the story on the test PostgreSQL (``POSAPP_TEST_PG_URL``)."""
    url = os.environ.get("POSAPP_TEST_PG_URL", "")
    if not url:
        print("POSAPP_TEST_PG_URL is not set: use scripts/with-postgres.sh", file=sys.stderr)
        return 2
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    reset_postgres(url)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["POSAPP_DATA_DIR"] = tmp
        _shoot(app, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
