"""Render the register, the payment dialog and the receipt in German into docs/screenshots/ (#18).

The shop's locale is ``de_DE`` (its language and formats); the cashier has no language of their
own, so the screens follow the shop's. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_register_locale
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import uuid

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from posapp.reports.receipt import receipt_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.region import use_language
from posapp.ui.main_window import MainWindow
from tests.checkout_seed import currency_shop
from tests.ui.cashier_driver import register_of
from tests.ui.helpers import when_modal
from tests.ui.make_screenshots_orders import OUT, main, pdf_page

BIG, SMALL = "4900000000011", "4900000000028"
LOCALE = os.environ.get("POSAPP_SCREENSHOT_LOCALE", "de_DE")  # fr_FR, es_ES: to check they fit
SUFFIX = LOCALE.split("_")[0]


def _shoot(_app: QApplication, database: Database) -> None:
    bus = EventBus()
    backend = Backend(database, bus, register="Kasse-1")
    shop = currency_shop(backend, "EUR", (123_456 // 10, 1_990), (BIG, SMALL))
    backend.shop.change_setting(shop.staff["admin"], "shop.locale", LOCALE)
    backend.shop.apply_currency()
    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    window.show()
    register = register_of(window)
    register.flow.receipt_sink = lambda _number, _pdf: None
    register.scan(BIG)
    register.scan(SMALL)
    register.scan(SMALL)
    register.flow.apply_coupon("SPRING-10")
    register.refresh()
    QTest.qWait(1500)  # the category tiles load off the GUI thread
    print(_save(window, f"register_{SUFFIX}.png"))

    def grab(dialog: QDialog) -> None:
        QTest.qWait(200)
        print(_save(dialog, f"payment_{SUFFIX}.png"))
        dialog.reject()

    when_modal(grab)
    register.pay()

    card = PaymentDraft(
        uuid.uuid4(), PaymentKind.CARD, 10_000, card_reference="A1", card_last4="4242"
    )
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["big"], 1), DraftLine(2, shop.products["small"], 2)),
            payments=(card, PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 4_693, 5_000)),
            coupon_codes=("SPRING-10",),
        ),
    )
    detail = backend.sales.order_detail(shop.manager, placed.order_id)
    pdf = receipt_pdf(detail, zone=backend.sales.shop_zone(), shop=backend.sales.shop_profile())
    print(pdf_page(pdf, f"receipt_{SUFFIX}_split_tender.png", 110))
    window.close()
    use_language("en")


def _save(widget: QDialog | MainWindow, name: str) -> str:
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return str(path)


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
