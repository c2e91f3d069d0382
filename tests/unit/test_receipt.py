"""Receipts (model, PDF, ESC/POS), the X/Z report and the sales report."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from escpos.printer import Dummy
from pypdf import PdfReader

from posapp.reports.receipt import receipt_pdf
from posapp.reports.sales_report import sales_report_pdf, sales_report_tables
from posapp.reports.till_reports import till_report_pdf, till_report_sections
from posapp.services.backend import Backend
from posapp.services.coupons import mask_code
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.printer_address import PrinterAddressError, parse_printer
from posapp.services.sales import checkout, tills
from posapp.services.sales import queries as orders_queries
from posapp.services.sales import report as orders_sales
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.escpos import print_receipt
from posapp.services.sales.order_dto import OrderDetail
from posapp.services.sales.pricing import Discount
from posapp.services.sales.receipt import receipt_model, receipt_text
from tests.checkout_seed import Shop, add_coupon, add_customer, open_shop_till, seed_shop


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


@pytest.fixture
def order(backend: Backend, shop: Shop) -> OrderDetail:
    add_coupon(backend, "THANKS-5", percent_bp=500)
    customer = add_customer(backend, "Zoë <b>Bold</b>")
    lines = (
        DraftLine(1, shop.products["apple"], 3),
        DraftLine(2, shop.products["mug"], 1, discount=Discount.percent(1000)),
        DraftLine(3, shop.products["coffee"], 1),
    )
    draft = SaleDraft(
        uuid.uuid4(),
        lines,
        order_discount=Discount.amount(100),
        coupon_codes=("THANKS-5",),
        customer_account_id=customer,
    )
    priced = checkout.place_order(backend.uow(), shop.cashier, draft)  # placed unpaid, then paid
    paid = checkout.pay_order(
        backend.uow(),
        shop.cashier,
        priced.order_id,
        (
            PaymentDraft(
                uuid.uuid4(),
                PaymentKind.CARD,
                1000,
                card_reference="AUTH 829311",
                card_last4="4242",
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, priced.total_minor - 1000, 5000),
        ),
    )
    return orders_queries.order_detail(backend.uow(), shop.manager, paid.order_id)


def test_receipt_model_lists_what_the_customer_needs(order: OrderDetail) -> None:
    model = receipt_model(order, zone=UTC)
    lefts = [row.left for row in model.totals]
    assert lefts == ["Subtotal", "Line discounts", "Order discount", "Coupon THANKS-5", "Tax added"]
    assert model.total.right == f"{order.total_minor // 100}.{order.total_minor % 100:02d}"
    payments = [(row.left, row.right) for row in model.payments]
    assert payments[0] == ("Card •••• 4242", "10.00")
    assert ("Change", f"{(5000 - (order.total_minor - 1000)) / 100:.2f}") in payments
    assert [t.rate for t in model.taxes] == ["20% added", "20% incl.", "5.5% incl."]
    assert model.barcode == order.number
    assert any(row.left == "Customer Zoë <b>Bold</b>" for row in model.meta)


def test_receipt_model_tax_rows_add_up(order: OrderDetail) -> None:
    assert sum(t.tax_minor for t in order.taxes) == order.tax_minor
    assert sum(t.gross_minor for t in order.taxes) == order.total_minor


def test_receipt_pdf_has_the_lines_and_a_barcode(order: OrderDetail) -> None:
    pdf = receipt_pdf(order, zone=UTC, copy=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "Main Street Market",
        "Apple Braeburn",
        "TOTAL",
        "Coupon THANKS-5",
        order.number,
        "COPY",
        "Zoë <b>Bold</b>",
    ):
        assert expected in text
    width = float(reader.pages[0].mediabox.width)
    assert 226 < width < 228  # 80 mm


def test_escpos_dummy_printer_gets_the_receipt(order: OrderDetail) -> None:
    printer = Dummy()
    print_receipt(printer, receipt_model(order, zone=UTC))
    output = printer.output
    assert b"Main Street Market" in output
    assert b"Card **** 4242" in output
    assert b"{B" + order.number.encode() in output  # Code 128 of the order number
    assert output.endswith(b"\x1dV\x00")  # the paper is cut
    assert all(len(line) <= 42 for line in receipt_text(receipt_model(order, zone=UTC)))


def test_unknown_printer_address() -> None:
    with pytest.raises(PrinterAddressError, match="names no kind of printer"):
        parse_printer("lpt1")


def test_z_report_sections_and_pdf(backend: Backend, shop: Shop, order: OrderDetail) -> None:
    tills.cash_movement(backend.uow(), shop.cashier, -500, "Window cleaner")
    z = tills.close_till(backend.uow(), shop.cashier, pieces={5000: 2, 500: 1})
    titles = [section.title for section in till_report_sections(z)]
    assert titles == [
        "Cash drawer",
        "Closing count",
        "Sales",
        "Payments",
        "Taxes",
        "Cash in and out",
    ]
    count = next(s for s in till_report_sections(z) if s.title == "Closing count")
    assert count.rows[:2] == (("50.00 × 2", "100.00"), ("5.00 × 1", "5.00"))
    assert count.total is not None
    assert count.total[1].startswith(("over", "short", "balanced"))
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(till_report_pdf(z, zone=UTC))).pages
    )
    assert "Z report" in text
    assert "Expected in drawer" in text
    assert "Window cleaner" in text


def test_sales_report_tables_and_pdf(backend: Backend, shop: Shop, order: OrderDetail) -> None:
    today = datetime.now(UTC).date()
    report = orders_sales.sales_summary(
        backend.uow(), shop.manager, today - timedelta(days=2), today
    )
    tables = sales_report_tables(report)
    assert report.orders == 1
    assert report.sales_minor == order.total_minor
    assert len(tables["By day"]) == 1 + 3 + 1
    assert [row[0] for row in tables["By payment method"][1:]] == ["Card", "Cash"]
    assert tables["By cashier"][1][0] == "Sam Carter"
    assert {row[0] for row in tables["By product"][1:]} == {"FRU-001", "HOM-100", "BEV-010"}
    pdf = sales_report_pdf(report, zone=UTC)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Sales report" in text
    assert "By day" in text


def test_sales_report_refuses_a_reversed_range(backend: Backend, shop: Shop) -> None:
    today = datetime.now(UTC).date()
    with pytest.raises(ValidationError, match="before its start"):
        orders_sales.sales_summary(backend.uow(), shop.manager, today, today - timedelta(days=1))


def test_a_cashier_reads_the_coupon_of_an_order_masked(
    backend: Backend, shop: Shop, order: OrderDetail
) -> None:
    """Issue #16, defect 7: a code given back by a cancel is usable again, so the order's
    detail (and a receipt a cashier reprints) shows it as the Coupons tab does: masked."""
    assert [c.code for c in order.coupons] == ["THANKS-5"]  # the manager's view
    seen = orders_queries.order_detail(backend.uow(), shop.cashier, order.id)
    assert [c.code for c in seen.coupons] == [mask_code("THANKS-5")] == ["******-5"]
    reprint = receipt_model(seen, zone=UTC)
    assert "Coupon ******-5" in [row.left for row in reprint.totals]
