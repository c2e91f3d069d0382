"""Render the matrix editor and a register with variant lines into docs/screenshots/ (by hand).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_variants

Writes ``variants_matrix.png`` (a T-shirt template of 2 colours × 3 sizes being edited),
``variants_matrix_errors.png`` (a refused save: the bad cells tinted) and
``variants_register.png`` (two variants scanned at the register), and
``variants_catalog_search.png`` (the Catalog tab finding "tshirt blue", its Variants button).
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

from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.stock import StockLine
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.catalog.variants_dialog import VariantMatrixDialog
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import running_under, wait_for
from posapp.ui.kit.resources import apply_theme
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import shop_with_open_till
from tests.integration.variants_support import shirt_barcode, shirt_draft

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _settle() -> None:
    for _ in range(30):
        QApplication.processEvents()
        QTest.qWait(5)


def _grab(widget: QWidget, name: str) -> None:
    _settle()
    if not widget.grab().save(str(OUT / name)):
        raise OSError(f"cannot write {OUT / name}")


def main() -> int:  # noqa: PLR0915 - a linear script of screens
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            shop = shop_with_open_till(backend)
            saved = backend.catalog.save_template(shop.manager, shirt_draft())
            lines = [StockLine(v.product_id, 12) for v in saved.variants]
            backend.stock.receive_stock(shop.manager, shop.store_id, lines, reference="delivery")

            tab = CatalogTab(backend, bus, shop.manager)
            tab.resize(1200, 760)
            tab.show()
            _settle()
            QTest.keyClicks(tab.search_edit, "tshirt blue")
            tab.refresh()
            wait_for(running_under(tab), 10)
            _settle()
            tab.select_row(0)  # a variant: Ctrl+Shift+V opens its template
            _grab(tab, "variants_catalog_search.png")
            dialog = tab.open_variants()
            dialog.show()
            dialog.grid.setFocus()
            dialog.grid.setCurrentIndex(dialog.model.index(4, dialog.model.column_of("price")))
            _grab(dialog, "variants_matrix.png")
            dialog.close()

            fresh = VariantMatrixDialog(backend.catalog, shop.manager, [], None, tab)
            fresh.show()
            QTest.keyClicks(fresh.code_edit, "HOODIE")
            QTest.keyClicks(fresh.name_edit, "Hoodie")
            QTest.keyClicks(fresh.price_edit, "39.00")
            for (name, values), (a, v) in zip(
                fresh.attribute_edits, (("Colour", "grey, navy"), ("Size", "M, L")), strict=False
            ):
                QTest.keyClicks(name, a)
                QTest.keyClicks(values, v)
            fresh.generate()
            rows = fresh.model.rows
            rows[1].sku = rows[0].sku  # the same SKU twice
            rows[2].barcode = shirt_barcode(0)  # a T-shirt's barcode
            rows[3].price = "12,,5"  # no amount
            fresh.save()
            rows[3].price = "-4"
            fresh.save()
            rows[3].price = ""
            fresh.save()
            _grab(fresh, "variants_matrix_errors.png")
            fresh.close()

            register = RegisterView(backend.sales, bus, shop.cashier)
            register.flow.receipt_sink = lambda _number, _pdf: None
            register.resize(1240, 720)
            register.show()
            for code in (shirt_barcode(1), shirt_barcode(5), shirt_barcode(5)):
                QTest.keyClicks(register.scan_edit, code)
                QTest.keyClick(register.scan_edit, Qt.Key.Key_Return)
            _grab(register, "variants_register.png")
            register.close()
            tab.close()
            _settle()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
