"""Render the register mid-sale, the change screen and the return dialog into docs/screenshots/.

Issue #17's screens, from the real main window of a cashier (offscreen grabs). Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_cashier
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from posapp.services.backend import Backend
from posapp.services.platform.db import Database, open_database
from posapp.services.sales import PaymentKind, checkout
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import ITEMS, Item, add_coupon, cash_sale, open_shop_till, seed_shop

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MORE = (
    Item("tea", "TEA-001", "5012345678948", "Earl Grey tea", "Coffee & Tea", 395, 550, True),
    Item("espresso", "TEA-002", None, "Espresso beans 1 kg", "Coffee & Tea", 2190, 550, True),
    Item("croissant", "BAK-002", None, "Butter croissant", "Bakery", 145, 1000, True),
    Item("soap", "HOM-200", None, "Olive oil soap", "Household & Garden", 420, 2000, True),
)


def _settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def _grab(app: QApplication, widget: QWidget, name: str) -> Path:
    widget.show()
    _settle(app)
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
            _shoot(app, database)
        finally:
            database.dispose()
    return 0


def _shoot(app: QApplication, database: Database) -> None:
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    add_coupon(backend, "SPRING-10", percent_bp=1000, name="Spring sale")
    past = checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, [("apple", 2), ("water", 1)], 500, 329)
    )

    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    window.show()
    _settle(app)
    tab = window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    register = tab.register
    register.flow.receipt_sink = lambda _n, _p: None
    for code in ("5012345678900", "3*4006381333931", "5012345678924", "5012345678948"):
        register.scan(code)
    register.scan("SPRING-10")
    window.toasts.show_toast("Stock low", "Enamel mug: 4 left at Main Street Market", "warning")
    _settle(app)
    print(_grab(app, window, "cashier_register.png"))

    total = register.cart.priced().total_minor
    dialog = PaymentDialog(total, register.flow.submit, parent=register)
    dialog.amount_edit.setText("10.00")
    dialog.amount_edit.setModified(True)
    dialog.set_method(PaymentKind.CARD)
    dialog.last4_edit.setText("4242")
    dialog.reference_edit.setText("AUTH 829311")
    dialog.take()
    dialog.amount_edit.setText("50.00")
    dialog.take()
    dialog.complete()
    _settle(app)
    assert dialog.placed is not None, dialog.error.text()
    dialog.next_scan_edit.setFocus()
    print(_grab(app, dialog, "cashier_change.png"))
    dialog.accept()
    dialog.deleteLater()

    assert tab.orders is not None
    tab.pages.setCurrentWidget(tab.orders)
    _settle(app)
    order = backend.sales.order_detail(shop.cashier, past.order_id)
    returns = ReturnDialog(order, lambda _r: "", tab.orders)
    returns.spins[0].setValue(1)
    print(_grab(app, returns, "cashier_return.png"))
    returns.deleteLater()
    window.close()


if __name__ == "__main__":
    raise SystemExit(main())
