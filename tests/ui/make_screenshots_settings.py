"""Render Admin users → Settings into docs/screenshots/ (run by hand, not by pytest).

The Shop profile group filled in, the Register group, and the Security group with a refused
value.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_settings
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.staff import users
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.staff.tab import SETTINGS_PAGE, UsersTab
from tests.ui.seed import add_staff, add_store

OUT = Path(
    os.environ.get(
        "POSAPP_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    )
)
PROFILE = {
    "shop.legal_name": "Corner Shop Ltd",
    "shop.address": "1 High Street\nLondon N1 1AA",
    "shop.vat_number": "GB 123 4567 89",
    "shop.receipt_header": "Open every day 8:00–20:00",
    "shop.receipt_footer": "Thank you! Returns within 30 days with this receipt.",
}


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _grab(widget: QWidget, name: str) -> Path:
    widget.show()
    _settle()
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
            add_store(backend)
            add_staff(backend)
            admin = users.find_user(backend.read_uow(), "admin1")
            backend.shop.change_settings(admin, PROFILE)
            window = MainWindow(backend, bus, admin)
            window.toasts.clear()
            window.tabs.setCurrentIndex(window.tab_titles().index("Admin users"))
            tab = window.tabs.currentWidget()
            assert isinstance(tab, UsersTab)
            tab.show_page(SETTINGS_PAGE)
            page = tab.settings_page
            assert page is not None
            print(_grab(window, "settings_profile.png"))
            page.groups.setCurrentRow(1)
            print(_grab(window, "settings_register.png"))

            page.groups.setCurrentRow(2)
            editor = page.fields["auth.lockout_attempts"].editor
            assert isinstance(editor, QLineEdit)
            editor.setText("0")
            minutes = page.fields["till.idle_lock_minutes"].editor
            assert isinstance(minutes, QLineEdit)
            minutes.setText("2")
            page.save()
            print(_grab(window, "settings_refused.png"))
            window.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
