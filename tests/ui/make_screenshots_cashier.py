"""Render the register mid-sale, the change screen and the return dialog into docs/screenshots/.

Issue #17's screens, from the real main window of a cashier (offscreen grabs). Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_cashier
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import PaymentKind, checkout
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import ITEMS, Item, add_coupon, cash_sale, open_shop_till, seed_shop
from tests.ui.make_screenshots_orders import MORE, grab, main, settle

EXTRA = (
    Item("tea", "TEA-001", "5012345678948", "Earl Grey tea", "Coffee & Tea", 395, 550, True),
    Item("espresso", "TEA-002", None, "Espresso beans 1 kg", "Coffee & Tea", 2190, 550, True),
    Item("soap", "HOM-200", None, "Olive oil soap", "Household & Garden", 420, 2000, True),
)


def _shoot(app: QApplication, database: Database) -> None:
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE, *EXTRA))
    open_shop_till(backend, shop, 15_000)
    add_coupon(backend, "SPRING-10", percent_bp=1000, name="Spring sale")
    past = checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, [("apple", 2), ("water", 1)], 500, 329)
    )

    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    window.show()
    settle(app)
    tab = window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    register = tab.register
    register.flow.receipt_sink = lambda _n, _p: None
    for code in ("5012345678900", "3*4006381333931", "5012345678924", "5012345678948"):
        register.scan(code)
    register.scan("SPRING-10")
    window.toasts.show_toast("Stock low", "Enamel mug: 4 left at Main Street Market", "warning")
    settle(app)
    print(grab(app, window, "cashier_register.png"))

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
    settle(app)
    assert dialog.placed is not None, dialog.error.text()
    dialog.next_scan_edit.setFocus()
    print(grab(app, dialog, "cashier_change.png"))
    dialog.accept()
    dialog.deleteLater()

    assert tab.orders is not None
    tab.pages.setCurrentWidget(tab.orders)
    settle(app)
    order = backend.sales.order_detail(shop.cashier, past.order_id)
    returns = ReturnDialog(order, lambda _r: "", tab.orders)
    returns.spins[0].setValue(1)
    print(grab(app, returns, "cashier_return.png"))
    returns.deleteLater()
    window.close()


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
