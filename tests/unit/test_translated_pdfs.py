"""PDFs speak the shop's language (#18): a receipt and a Z report in German and in French."""

from __future__ import annotations

import io
import uuid
from datetime import UTC

import pytest
from pypdf import PdfReader

from posapp.formats import Formats, set_current_formats
from posapp.i18n import set_language
from posapp.reports.receipt import receipt_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.sales import checkout, tills
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import OrderDetail
from posapp.services.sales.pricing import Discount
from tests.checkout_seed import Shop, open_shop_till, seed_shop

# What each language must print, and the English it must not print instead.
RECEIPT = {
    "de": (
        "Beleg",
        "Zwischensumme",
        "SUMME",
        "Rückgeld",
        "Bar gegeben",
        "Vielen Dank für Ihren Einkauf!",
    ),
    "fr": (
        "Ticket",
        "Sous-total",
        "TOTAL",
        "Monnaie à rendre",
        "Espèces reçues",
        "Merci de votre visite !",
    ),
}
Z_REPORT = {
    "de": ("Z-Bericht", "Kasse geschlossen", "Kassenlade", "Soll in der Kassenlade", "Zahlungen"),
    "fr": ("Rapport Z", "Caisse clôturée", "Tiroir-caisse", "Attendu dans le tiroir", "Paiements"),
}
LOCALES = {"de": "de_DE", "fr": "fr_FR"}


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


@pytest.fixture
def order(backend: Backend, shop: Shop) -> OrderDetail:
    lines = (
        DraftLine(1, shop.products["apple"], 3),
        DraftLine(2, shop.products["mug"], 1, discount=Discount.percent(1000)),
    )
    draft = SaleDraft(uuid.uuid4(), lines, order_discount=Discount.amount(100))
    placed = checkout.place_order(backend.uow(), shop.cashier, draft)
    cash = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, placed.total_minor, 5000)
    paid = checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, (cash,))
    return orders_queries.order_detail(backend.uow(), shop.manager, paid.order_id)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("code", ["de", "fr"])
def test_a_receipt_is_printed_in_the_shops_language(order: OrderDetail, code: str) -> None:
    set_language(code)
    set_current_formats(Formats(locale=LOCALES[code], zone=UTC))
    text = _text(receipt_pdf(order, zone=UTC))
    for heading in RECEIPT[code]:
        assert heading in text
    for english in ("Subtotal", "Change", "Cash tendered", "Thank you for shopping"):
        assert english not in text
    assert "Apple Braeburn" in text  # a product's name is data: never translated


@pytest.mark.parametrize("code", ["de", "fr"])
def test_a_z_report_is_printed_in_the_shops_language(
    backend: Backend, shop: Shop, order: OrderDetail, code: str
) -> None:
    tills.cash_movement(backend.uow(), shop.cashier, -500, "Window cleaner")
    z = tills.close_till(backend.uow(), shop.cashier, pieces={5000: 2, 500: 1})
    set_language(code)
    set_current_formats(Formats(locale=LOCALES[code], zone=UTC))
    text = _text(till_report_pdf(z, zone=UTC))
    for heading in Z_REPORT[code]:
        assert heading in text
    for english in ("Z report", "Till closed", "Expected in drawer", "Cash drawer"):
        assert english not in text
    assert "Window cleaner" in text  # what the cashier typed stays as typed
