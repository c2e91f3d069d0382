"""Render the Catalog tab and the product editor into docs/screenshots/ (run by hand).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_catalog

Uses the demo data (``posapp.demo.load_demo``) in a temporary SQLite file; also writes
a barcode label sheet of the first products to ``/tmp/catalog_labels.pdf``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from posapp.demo import load_demo
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.staff import users
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import running_under, wait_for
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LABELS = Path(tempfile.gettempdir()) / "catalog_labels.pdf"


def _settle(tab: CatalogTab | None = None) -> None:
    for _ in range(20):
        QApplication.processEvents()
        if tab is not None:
            wait_for(running_under(tab), 5)
    for _ in range(5):
        QApplication.processEvents()


def _grab(widget: QWidget, name: str) -> Path:
    _settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def _search(tab: CatalogTab, text: str) -> None:
    tab.search_edit.clear()
    QTest.keyClicks(tab.search_edit, text)
    tab.refresh()
    _settle(tab)


def main() -> int:  # noqa: PLR0915 - a linear script of screens
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
            manager = users.find_user(backend.read_uow(), "manager")
            window = MainWindow(backend, bus, manager)
            window.show()
            index = window.tab_titles().index("Catalog")
            window.tabs.setCurrentIndex(index)
            tab = window.tabs.widget(index)
            assert isinstance(tab, CatalogTab)
            _settle(tab)
            tab.select_row(1)
            tab.table.setFocus()
            print(_grab(window, "catalog.png"))

            _search(tab, "green tea")
            tab.select_row(0)
            print(_grab(window, "catalog_search.png"))

            product_id = tab.current_id()
            assert product_id is not None
            tab.edit_product(product_id)
            editor = tab.editor
            assert editor is not None
            editor.resize(1000, 640)
            _settle()
            editor.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            print(_grab(editor, "product_editor.png"))
            editor.barcode_edit.setText("5012345678901")
            editor.save()
            print(_grab(editor, "product_editor_error.png"))
            editor.reject()

            _search(tab, "")
            tab.table.selectAll()
            tab.write_labels(str(LABELS), tab.model.selected_ids(list(range(21))))
            print(LABELS)

            dialog = tab.import_dialog()
            bad = Path(tmp) / "price-list.csv"
            bad.write_bytes(
                b"sku;name;price;barcode;category\n"
                b"TEA-900;Assam Breakfast Tea 80 bags;3,49;5012345678901;Groceries > Tea\n"
                b"TEA-901;;2,10;;Groceries\n"
                b"TEA-902;Jasmine Green Tea;1.2.3;;Groceries > Unknown\n"
                b"TEA-900;Rooibos;2,99;1.23E+12;\n"
            )
            dialog.resize(900, 560)
            dialog.show()
            dialog.start(str(bad))
            wait_for(running_under(dialog), 10)
            _settle()
            print(_grab(dialog, "catalog_import.png"))
            dialog.close()
            window.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
