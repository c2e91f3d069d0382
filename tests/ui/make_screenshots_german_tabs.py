"""Render the Catalog, Stores, Coupons and Orders tabs in German into docs/screenshots/ (#18).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_german_tabs

Uses the demo data (``posapp.demo.load_demo``) plus a T-shirt template with variants in a
temporary SQLite file, chooses German before any widget is built, and writes
``de_catalog.png``, ``de_variants_matrix.png``, ``de_stores_stock.png``,
``de_coupons.png`` and ``de_orders.png``. The tabs are built on their own (not in the main
window), so the shell around them is not part of these pictures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from posapp import i18n
from posapp.demo import load_demo
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.staff import users
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import running_under, wait_for
from posapp.ui.kit.resources import apply_theme
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.stores.panel import STOCK_VIEW
from posapp.ui.stores.tab import StoresTab
from tests.integration.variants_support import shirt_draft

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _settle() -> None:
    for _round in range(30):
        QApplication.processEvents()
        QTest.qWait(5)


def _grab(widget: QWidget, name: str) -> None:
    _settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    print(path)


def _shots(backend: Backend, bus: EventBus) -> None:
    manager = users.find_user(backend.read_uow(), "manager")
    assert manager is not None
    backend.catalog.save_template(manager, shirt_draft())

    catalog = CatalogTab(backend, bus, manager)
    catalog.resize(1280, 760)
    catalog.show()
    wait_for(running_under(catalog), 10)
    _settle()
    catalog.select_row(0)
    _grab(catalog, "de_catalog.png")
    QTest.keyClicks(catalog.search_edit, "tshirt")
    catalog.refresh()
    wait_for(running_under(catalog), 10)
    _settle()
    catalog.select_row(0)
    matrix = catalog.open_variants()
    matrix.show()
    _grab(matrix, "de_variants_matrix.png")
    matrix.close()
    catalog.close()

    stores = StoresTab(backend, bus, manager)
    stores.resize(1280, 760)
    stores.show()
    _settle()
    stores.panel.views.setCurrentIndex(STOCK_VIEW)
    stores.panel.stock_table.selectRow(2)
    _grab(stores, "de_stores_stock.png")
    stores.close()

    coupons = CouponsTab(backend, bus, manager)
    coupons.resize(1280, 760)
    coupons.show()
    _settle()
    coupons.campaign_view.selectRow(0)
    _grab(coupons, "de_coupons.png")
    coupons.close()

    orders = OrdersTab(backend, bus, manager)
    orders.resize(1280, 760)
    orders.show()
    if orders.orders is not None:
        orders.pages.setCurrentWidget(orders.orders)
        _settle()
        orders.orders.ensure_loaded()
    _grab(orders, "de_orders.png")
    orders.close()


def main() -> int:
    """Write the German screenshots; return the exit code."""
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    i18n.set_language("de")
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
            _shots(backend, bus)
            _settle()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
