"""The shop profile on documents: receipt (model, PDF, ESC/POS), Z report and statement."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image
from pypdf import PdfReader

from posapp.reports.receipt import receipt_pdf
from posapp.reports.statement import render_statement_pdf
from posapp.reports.statement_model import statement_report
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.dto import ShopProfile
from posapp.services.sales import tills
from posapp.services.sales.escpos import print_receipt
from posapp.services.sales.order_dto import OrderDetail
from posapp.services.sales.receipt import STANDARD_FOOTER, receipt_model, receipt_text
from tests.checkout_seed import Shop
from tests.unit.test_receipt import order, shop  # noqa: F401 - the fixtures
from tests.unit.test_statement_pdf import _statement

PROFILE = ShopProfile(
    legal_name="Corner Shop Ltd",
    address="1 High Street\nLondon N1 1AA",
    vat_number="GB123456789",
    receipt_header="Open every day 8:00–20:00",
    receipt_footer="Thank you! Returns within 30 days with this receipt.",
)
LEGAL = ("Corner Shop Ltd", "1 High Street", "London N1 1AA", "VAT no. GB123456789")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _keep(name: str, pdf: bytes) -> None:
    """Write ``pdf`` where POSAPP_KEEP_PDFS says, to look at (pdftoppm)."""
    folder = os.environ.get("POSAPP_KEEP_PDFS")
    if folder:
        Path(folder, name).write_bytes(pdf)


def test_without_a_profile_the_receipt_is_as_before(order: OrderDetail) -> None:  # noqa: F811
    model = receipt_model(order, zone=UTC)
    assert (model.header, model.legal, model.footer) == ((), (), STANDARD_FOOTER)
    assert receipt_model(order, zone=UTC, shop=ShopProfile()) == model


def test_the_receipt_model_has_header_footer_and_legal_lines(order: OrderDetail) -> None:  # noqa: F811
    model = receipt_model(order, zone=UTC, shop=PROFILE)
    assert model.header == ("Open every day 8:00–20:00",)
    assert model.footer == ("Thank you! Returns within 30 days with", "this receipt.")
    assert model.legal == LEGAL
    text = receipt_text(model)
    assert all(len(line) <= 42 for line in text)
    assert text.index("Open every day 8:00–20:00".center(42).rstrip()) < text.index(
        "-" * 42
    )  # the header is under the store, before the first rule
    assert text[-4:] == [line.center(42).rstrip() for line in LEGAL]


def test_the_receipt_pdf_and_the_printer_show_the_profile(order: OrderDetail) -> None:  # noqa: F811
    pdf = receipt_pdf(order, zone=UTC, shop=PROFILE)
    _keep("receipt_profile.pdf", pdf)
    text = _text(pdf)
    for expected in (*LEGAL, "Open every day 8:00–20:00", "Returns within 30 days"):
        assert expected in text
    assert "Thank you for shopping with us!" not in text
    printer = Dummy()
    print_receipt(printer, receipt_model(order, zone=UTC, shop=PROFILE))
    output = printer.output
    assert b"VAT no. GB123456789" in output
    assert b"Corner Shop Ltd" in output


def test_the_receipt_reads_the_profile_through_the_facade(
    backend: Backend,
    shop: Shop,  # noqa: F811
    order: OrderDetail,  # noqa: F811
) -> None:
    for key, text in (("shop.legal_name", "Corner Shop Ltd"), ("shop.vat_number", "DE123")):
        backend.shop.change_setting(shop.staff["admin"], key, text)
    profile = backend.sales.shop_profile()
    assert receipt_model(order, shop=profile).legal == ("Corner Shop Ltd", "VAT no. DE123")


def test_the_z_report_has_the_letterhead(
    backend: Backend,
    shop: Shop,  # noqa: F811
    order: OrderDetail,  # noqa: F811
) -> None:
    z = tills.close_till(backend.uow(), shop.cashier, pieces={5000: 2})
    plain = _text(till_report_pdf(z, zone=UTC))
    assert "Corner Shop Ltd" not in plain
    pdf = till_report_pdf(z, zone=UTC, shop=PROFILE)
    _keep("z_report_profile.pdf", pdf)
    text = _text(pdf)
    assert " · ".join(LEGAL) in text
    assert text.index("Corner Shop Ltd") < text.index("Z report")


@pytest.mark.parametrize("profile", [PROFILE, ShopProfile(vat_number="GB1")])
def test_the_statement_has_the_shop(profile: ShopProfile) -> None:
    out = io.BytesIO()
    render_statement_pdf(_statement(4), out, zone=UTC, shop=profile)
    _keep(f"statement_profile_{bool(profile.legal_name)}.pdf", out.getvalue())
    text = _text(out.getvalue())
    report = statement_report(_statement(4), zone=UTC, shop=profile)
    if profile.legal_name:
        assert report.shop_name == "Corner Shop Ltd"
        assert report.shop_lines == LEGAL[1:]
        assert "Corner Shop Ltd · Account statement" in text  # the page footer
    else:
        assert report.shop_name == "posapp"
        assert report.shop_lines == ("VAT no. GB1",)
    for line in report.shop_lines:
        assert line in text


def test_the_receipt_and_statement_print_the_logo(order: OrderDetail) -> None:  # noqa: F811
    buffer = io.BytesIO()
    Image.new("RGBA", (600, 200), (37, 99, 235, 255)).save(buffer, format="PNG")
    profile = replace(PROFILE, logo=buffer.getvalue())
    pdf = receipt_pdf(order, zone=UTC, shop=profile)
    _keep("receipt_logo.pdf", pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    assert len(PdfReader(io.BytesIO(receipt_pdf(order, zone=UTC))).pages[0].images) == 0
    out = io.BytesIO()
    render_statement_pdf(_statement(2), out, zone=UTC, shop=profile)
    _keep("statement_logo.pdf", out.getvalue())
    # a logo that cannot be read prints nothing rather than failing the receipt
    broken = replace(PROFILE, logo=b"\x89PNG\r\n\x1a\nbroken")
    assert len(PdfReader(io.BytesIO(receipt_pdf(order, shop=broken))).pages[0].images) == 0
