"""Render gift cards at the register (#19) into docs/screenshots/: sale, tender and receipt.

From the real main window of a cashier (offscreen grabs) and the receipt PDF rendered with
pdftoppm. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_giftcards
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from posapp.reports.receipt import receipt_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import GiftCardLine, PaymentKind
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import ITEMS, open_shop_till, seed_shop
from tests.ui.make_screenshots_orders import MORE, grab, main, pdf_page, settle


def _shoot(app: QApplication, database: Database) -> None:  # noqa: PLR0915 - one scripted story
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    backend.shop.change_setting(shop.staff["admin"], "giftcards.expiry_months", "24")

    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    window.show()
    settle(app)
    tab = window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    register = tab.register
    receipts: list[bytes] = []
    register.flow.receipt_sink = lambda _n, pdf: receipts.append(pdf)

    # A sale of a mug and a 50.00 gift card, paid in cash: its receipt carries the card.
    register.scan("5012345678924")
    register.cart.gift_cards.append(GiftCardLine(5000))
    register.refresh()
    settle(app)
    print(grab(app, window, "giftcard_register.png"))
    dialog = PaymentDialog(register.cart.total_minor, register.flow.submit, parent=register)
    dialog.amount_edit.setText("70.00")
    dialog.amount_edit.setModified(True)
    dialog.take()
    dialog.complete()
    settle(app)
    assert dialog.placed is not None, dialog.error.text()
    detail = backend.sales.order_detail(shop.cashier, dialog.placed.order_id)
    dialog.accept()
    dialog.deleteLater()
    register.new_sale()
    pdf = receipt_pdf(detail, zone=backend.sales.shop_zone(), shop=backend.sales.shop_profile())
    print(pdf_page(pdf, "giftcard_receipt.png", 110))
    code = detail.gift_cards[0].code

    # The next customer pays 40.99 with that card (25.00) and the rest in cash.
    for code_scanned in ("5012345678900", "5012345678900", "5012345678931"):
        register.scan(code_scanned)
    settle(app)
    lookup = lambda text: backend.sales.gift_card(shop.cashier, text)  # noqa: E731
    pay = PaymentDialog(
        register.cart.total_minor, register.flow.submit, gift_card_lookup=lookup, parent=register
    )
    pay.amount_edit.setText("25.00")
    pay.amount_edit.setModified(True)
    pay.set_method(PaymentKind.GIFT_CARD)
    pay.gift.code_edit.setText(code)
    pay.take()
    pay.amount_edit.setText("5.00")
    pay.amount_edit.setModified(True)
    pay.set_method(PaymentKind.GIFT_CARD)
    pay.gift.code_edit.setText(code[:-1] + "O")
    pay.take()  # a look-alike O from a second card: refused in words
    settle(app)
    print(grab(app, pay, "giftcard_payment.png"))
    pay.deleteLater()
    window.close()


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
