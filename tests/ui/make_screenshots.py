"""Render the login dialog and the main window into docs/screenshots/ (run by hand, not by pytest).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from posapp.events import OrderPlaced, StockLow
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from tests.ui.seed import add_demo_logins, add_staff, add_store

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _grab(widget: QWidget, name: str) -> Path:
    widget.show()
    for _ in range(3):
        QApplication.processEvents()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def main() -> int:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            staff = add_staff(backend)
            store_id = add_store(backend)
            add_demo_logins(backend)

            dialog = LoginDialog(backend)
            print(_grab(dialog, "login.png"))
            dialog.close()

            window = MainWindow(backend, bus, staff["admin"])
            window.tabs.setCurrentIndex(2)
            now = datetime.now(UTC)
            bus.publish(OrderPlaced(1, "A-1042", store_id, 4_250, now))
            bus.publish(StockLow(store_id, 17, 2, 5, now))
            window.bell.set_unread(3)
            print(_grab(window, "main_window.png"))
            window.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
