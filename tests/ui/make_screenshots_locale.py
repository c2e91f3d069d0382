"""Render a sale's receipt and X report in German with euros into docs/screenshots/ (issue #18).

The shop's locale is ``de_DE`` and its zone Europe/Berlin, so the receipt writes ``1.234,56 €``
and ``07.12.2026 14:05``. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_locale
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import uuid

from PySide6.QtWidgets import QApplication

from posapp.reports.receipt import receipt_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.ui.kit.bus import EventBus
from tests.checkout_seed import currency_shop
from tests.ui.make_screenshots_orders import main, pdf_page


def _shoot(_app: QApplication, database: Database) -> None:
    backend = Backend(database, EventBus(), register="kasse-1")
    shop = currency_shop(backend, "EUR", (100000, 37173))
    admin = shop.staff["admin"]
    for key, value in (
        ("shop.locale", "de_DE"),
        ("shop_timezone", "Europe/Berlin"),
        ("shop.legal_name", "Bäckerei Müller GmbH"),
        ("shop.address", "Friedrichstraße 12, 10117 Berlin"),
        ("shop.vat_number", "DE123456789"),
    ):
        backend.shop.change_setting(admin, key, value)
    backend.shop.apply_currency()
    card = PaymentDraft(
        uuid.uuid4(), PaymentKind.CARD, 100000, card_reference="A1", card_last4="4242"
    )
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["big"], 1), DraftLine(2, shop.products["small"], 1)),
            payments=(card, PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 23456, 25000)),
            coupon_codes=("SPRING-10",),
        ),
    )
    detail = backend.sales.order_detail(shop.manager, placed.order_id)
    profile = backend.shop.shop_profile()
    print(pdf_page(receipt_pdf(detail, shop=profile), "receipt_de_DE.png", 110))
    report = backend.sales.x_report(shop.manager)
    print(pdf_page(till_report_pdf(report, shop=profile), "x_report_de_DE.png", 60))


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
