"""Render a yen sale's receipt and the sales report into docs/screenshots/ (issue #18's currency).

The register and payment dialog in yen are grabbed by ``tests/ui/test_register_currency.py``
(with ``POSAPP_SCREENSHOT_DIR``); this script makes the documents of the same sale. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_currency
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import uuid
from datetime import timedelta

from PySide6.QtWidgets import QApplication

from posapp.reports.receipt import receipt_pdf
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.ui.kit.bus import EventBus
from tests.checkout_seed import currency_shop
from tests.ui.make_screenshots_orders import main, pdf_page


def _shoot(_app: QApplication, database: Database) -> None:
    backend = Backend(database, EventBus(), register="till-1")
    shop = currency_shop(backend, "JPY", (1000, 372))
    card = PaymentDraft(
        uuid.uuid4(), PaymentKind.CARD, 1000, card_reference="A1", card_last4="4242"
    )
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["big"], 1), DraftLine(2, shop.products["small"], 1)),
            payments=(card, PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 235, 300)),
            coupon_codes=("SPRING-10",),
        ),
    )
    zone = backend.sales.shop_zone()
    detail = backend.sales.order_detail(shop.manager, placed.order_id)
    print(pdf_page(receipt_pdf(detail, zone=zone), "receipt_jpy.png", 110))
    today = detail.created_at.astimezone(zone).date()
    report = backend.sales.sales_summary(shop.manager, today - timedelta(days=1), today)
    print(pdf_page(sales_report_pdf(report, zone=zone), "sales_report_jpy.png", 80))


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
