"""Render the Stores tab into docs/screenshots/stores*.png (run by hand, not by pytest).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_stores

Uses the demo data (``posapp.demo.load_demo``) in a temporary SQLite file, and also
writes the replenishment PDF of the first store to ``/tmp/stores_replenishment.pdf``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from posapp.demo import load_demo
from posapp.reports.replenishment import render_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.staff import users
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.stores.count_dialog import CountDialog
from posapp.ui.stores.dialogs import ReceiveDialog
from posapp.ui.stores.panel import GRID_VIEW, REPLENISH_VIEW, STOCK_VIEW
from posapp.ui.stores.tab import StoresTab

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = Path(tempfile.gettempdir()) / "stores_replenishment.pdf"


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _grab(widget: QWidget, name: str) -> Path:
    _settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def _views(window: MainWindow, tab: StoresTab) -> None:
    panel = tab.panel
    panel.views.setCurrentIndex(STOCK_VIEW)
    panel.stock_table.selectRow(2)
    panel.stock_table.setFocus()
    print(_grab(window, "stores_stock.png"))
    panel.low_check.setChecked(True)
    print(_grab(window, "stores_stock_low.png"))
    panel.low_check.setChecked(False)
    panel.views.setCurrentIndex(GRID_VIEW)
    panel.grid.setCurrentIndex(panel.grid_model.index(1, 0))
    panel.grid.setFocus()
    print(_grab(window, "stores_grid.png"))
    panel.views.setCurrentIndex(REPLENISH_VIEW)
    print(_grab(window, "stores_replenishment.png"))
    panel.views.setCurrentIndex(STOCK_VIEW)
    panel.stock_table.selectRow(0)


def _dialogs(tab: StoresTab) -> None:
    tab.open_receive()
    receive = tab.active_dialog
    assert isinstance(receive, ReceiveDialog)
    receive.reference_edit.setText("BRK-INV-20931")
    receive.quantity_edit.setText("24")
    receive.add_line()
    receive.picker.search_now("tea")
    print(_grab(receive, "stores_receive_dialog.png"))
    receive.reject()
    tab.open_count()
    count = tab.active_dialog
    assert isinstance(count, CountDialog)
    count.model.set_counted(0, "12")
    count.model.set_counted(1, "7")
    print(_grab(count, "stores_count_dialog.png"))
    count.reject()


def main() -> int:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            load_demo(backend)
            api = backend.stock
            manager = users.find_user(backend.read_uow(), "manager")
            window = MainWindow(backend, bus, manager)
            window.show()
            tab = window.tabs.widget(0)
            assert isinstance(tab, StoresTab)
            _views(window, tab)
            _dialogs(tab)
            store = tab.store
            assert store is not None
            render_pdf(api.replenishment_list(manager, store.id), PDF)
            print(PDF)
            window.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
