"""Weighed goods on both databases: scale barcodes at the scan field, the sale, stock, returns.

The acceptance of issue #20: scanning a weight-embedded barcode for 0.455 kg of cheese at
19.90/kg adds a line of 9.05 (0.455 × 19.90 = 9.0545, rounded once, half-even) and stock falls
by 0.455 kg (455 steps of the product's unit).
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from posapp.reports.receipt import receipt_pdf
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.backend import Backend
from posapp.services.catalog import FieldError, ImportOptions, ProductDraft
from posapp.services.catalog.csv_io import export_products, import_products
from posapp.services.platform import registry
from posapp.services.platform.errors import ValidationError
from posapp.services.sales import ReturnLineRequest, ReturnRequest
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.receipt import receipt_model
from tests.checkout_seed import Shop, on_hand, shop_with_open_till
from tests.weighed_seed import (
    CHEESE_BARCODE,
    add_cheese,
    scale_code,
    use_scale_barcodes,
    with_check,
)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = shop_with_open_till(backend)
    add_cheese(backend, shop)
    use_scale_barcodes(backend, shop)
    # Found by its SKU (the item code), without a barcode of its own.
    backend.catalog.create_product(
        shop.staff["admin"], ProductDraft("00043", "Gouda", 1500, unit="kg")
    )
    return shop


def _sell(backend: Backend, shop: Shop, product_id: int, quantity: int, total: int) -> int:
    draft = SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=(DraftLine(1, product_id, quantity),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        expected_total_minor=total,
    )
    return backend.sales.place_order(shop.cashier, draft).order_id


def test_scanning_a_weight_barcode_sells_0_455_kg_for_9_05(backend: Backend, shop: Shop) -> None:
    scanned = backend.sales.scan_code(shop.cashier, scale_code(455))
    assert scanned is not None
    assert scanned.product.id == shop.products["cheese"]
    assert (scanned.product.unit, scanned.quantity) == ("kg", 455)
    assert scanned.quantity is not None
    before = on_hand(backend, shop, "cheese")

    order_id = _sell(backend, shop, scanned.product.id, scanned.quantity, 905)

    detail = backend.sales.order_detail(shop.cashier, order_id)
    (line,) = detail.lines
    assert (line.quantity, line.unit, line.total_minor, detail.total_minor) == (455, "kg", 905, 905)
    assert before - on_hand(backend, shop, "cheese") == 455  # 0.455 kg
    assert backend.sales.x_report(shop.manager).items_sold == 1  # one item, not 455
    rows = receipt_model(detail).items
    assert [(row.left, row.right) for row in rows[:2]] == [
        ("Comté 18 months", "9.05"),
        ("  0.455 kg × 19.90/kg", ""),
    ]


def test_a_price_barcode_weighs_the_price(backend: Backend, shop: Shop) -> None:
    use_scale_barcodes(backend, shop, value="price")
    scanned = backend.sales.scan_code(shop.cashier, scale_code(905))  # 9.05 on the label
    assert scanned is not None
    assert scanned.quantity == 455  # 9.05 / 19.90 per kg = 0.45477 → 0.455 kg


def test_the_plain_barcode_is_found_without_a_quantity(backend: Backend, shop: Shop) -> None:
    scanned = backend.sales.scan_code(shop.cashier, CHEESE_BARCODE)
    assert scanned is not None
    assert (scanned.product.unit, scanned.quantity) == ("kg", None)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (scale_code(455)[:-1] + str((int(scale_code(455)[-1]) + 1) % 10), "check digit"),
        (scale_code(455, item="00777"), "No product has the scale item code 00777"),
        (scale_code(0, item="00043"), "The scale barcode for Gouda says zero"),
    ],
    ids=["check-digit", "unknown-item", "zero-weight"],
)
def test_bad_scale_barcodes_say_why(backend: Backend, shop: Shop, code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        backend.sales.scan_code(shop.cashier, code)


def test_a_weight_barcode_for_a_piece_product_is_refused(backend: Backend, shop: Shop) -> None:
    piece = backend.catalog.create_product(
        shop.staff["admin"], ProductDraft("00077", "Jar of honey", 650, unit="pc")
    )
    code = with_check("21" + "00077" + "00455")  # the item code is the jar's SKU
    with pytest.raises(ValidationError, match="Jar of honey is not sold by weight"):
        backend.sales.scan_code(shop.cashier, code)
    assert piece.unit == "pc"


def test_a_prefix_the_shop_does_not_use_is_no_scale_code(backend: Backend, shop: Shop) -> None:
    assert backend.sales.scan_code(shop.cashier, scale_code(455, prefix="27")) is None


def test_returning_part_of_a_weighed_line(backend: Backend, shop: Shop) -> None:
    order_id = _sell(backend, shop, shop.products["cheese"], 455, 905)
    line = backend.sales.order_detail(shop.cashier, order_id).lines[0]
    before = on_hand(backend, shop, "cheese")

    result = backend.sales.return_items(
        shop.manager,
        ReturnRequest(
            uuid.uuid4(),
            order_id,
            (ReturnLineRequest(line.id, 200, restock=True),),
            reason="too much",
        ),
    )

    assert result.amount_minor == 398  # 9.05 × 200 / 455 = 3.978 → 3.98
    assert on_hand(backend, shop, "cheese") - before == 200
    too_much = ReturnRequest(
        uuid.uuid4(), order_id, (ReturnLineRequest(line.id, 300),), reason="again"
    )
    with pytest.raises(ValidationError, match=r"Only 0\.255 kg of Comté .* \(sold 0\.455 kg\)"):
        backend.sales.return_items(shop.manager, too_much)


def test_a_unit_cannot_change_scale_once_stock_counts_it(backend: Backend, shop: Shop) -> None:
    admin = shop.staff["admin"]
    cheese = backend.catalog.product(admin, shop.products["cheese"])
    assert cheese is not None
    draft = ProductDraft(cheese.sku, cheese.name, cheese.price_minor, cheese.barcode, unit="pc")
    with pytest.raises(FieldError, match="already has stock or sales counted in kilogram"):
        backend.catalog.update_product(admin, cheese.id, draft, expected_version=cheese.version)
    litres = ProductDraft(cheese.sku, cheese.name, cheese.price_minor, cheese.barcode, unit="l")
    assert (
        backend.catalog.update_product(
            admin, cheese.id, litres, expected_version=cheese.version
        ).unit
        == "l"
    )  # counted the same way (thousandths): allowed
    fresh = backend.catalog.create_product(admin, ProductDraft("NEW-1", "Olives", 990))
    by_weight = ProductDraft("NEW-1", "Olives", 990, unit="kg")
    assert (
        backend.catalog.update_product(
            admin, fresh.id, by_weight, expected_version=fresh.version
        ).unit
        == "kg"
    )  # no stock or sales yet
    with pytest.raises(FieldError, match="Unknown unit 'lb'"):
        backend.catalog.create_product(admin, ProductDraft("NEW-2", "Ham", 990, unit="lb"))


def test_csv_carries_the_unit_both_ways(backend: Backend, shop: Shop, tmp_path: Path) -> None:
    admin = shop.staff["admin"]
    data = (
        b"sku,name,price,unit\r\n"
        b"OLV-1,Olives,12.90,kg\r\n"
        b"RBN-1,Ribbon,0.80, M \r\n"
        b"JAR-1,Jar,3.20,\r\n"
    )
    report = import_products(backend.uow(), admin, data)
    assert report.ok, report.problems
    path = tmp_path / "out.csv"
    export_products(backend.read_uow(), admin, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["sku"]: row for row in csv.DictReader(handle)}
    assert [rows[sku]["unit"] for sku in ("OLV-1", "RBN-1", "JAR-1", "CHE-001")] == [
        "kg",
        "m",
        "pc",
        "kg",
    ]
    bad = b"sku,name,price,unit\r\nHAM-1,Ham,9.90,lb\r\n"
    refused = import_products(backend.uow(), admin, bad)
    assert not refused.ok
    assert "Line 2" in str(refused.problems[0])
    assert "Unknown unit 'lb'" in str(refused.problems[0])
    # Turning the stocked cheese into pieces by a CSV update is refused, with its line.
    flip = "sku,name,price,unit\r\nCHE-001,Comté 18 months,19.90,pc\r\n".encode()
    flipped = import_products(
        backend.uow(), admin, flip, options=ImportOptions(update_existing=True)
    )
    assert not flipped.ok
    assert "already has stock or sales counted in kg" in str(flipped.problems[0])


def test_receipt_pdf_escpos_and_sales_report_show_the_weight(
    backend: Backend, shop: Shop, tmp_path: Path
) -> None:
    order_id = _sell(backend, shop, shop.products["cheese"], 455, 905)
    detail = backend.sales.order_detail(shop.cashier, order_id)
    zone = backend.sales.shop_zone()
    pdf = receipt_pdf(detail, zone=zone)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "0.455 kg × 19.90/kg" in text
    assert "9.05" in text
    if shots := os.environ.get("POSAPP_SCREENSHOT_DIR", ""):  # receipt_weighed.png
        (Path(shots) / "receipt_weighed.pdf").write_bytes(pdf)
    paper = tmp_path / "printer.bin"
    backend.shop.change_setting(shop.staff["admin"], registry.RECEIPT_PRINTER.key, f"file:{paper}")
    assert backend.sales.print_receipt(shop.cashier, order_id)
    printed = paper.read_bytes()  # ESC/POS in the printer's code page
    assert b"0.455 kg " in printed
    assert b" 19.90/kg" in printed
    today = detail.created_at.astimezone(zone).date()
    report = backend.sales.sales_summary(shop.manager, today - timedelta(days=1), today)
    (cheese,) = [p for p in report.products if p.sku == "CHE-001"]
    assert (cheese.quantity, cheese.unit) == (455, "kg")
    pages = PdfReader(io.BytesIO(sales_report_pdf(report, zone=zone))).pages
    report_text = " ".join(page.extract_text() for page in pages)
    assert "0.455 kg" in report_text
