"""The inventory valuation PDF, the margin pages and ``posapp report inventory`` (#20).

PDFs are read back for their text.
"""

from __future__ import annotations

import argparse
import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from posapp.cli.main import build_parser, main
from posapp.config import AppConfig
from posapp.formats import current_formats, set_current_formats
from posapp.models import Product
from posapp.reports.inventory import inventory_pdf, inventory_tables
from posapp.reports.margin_pages import margin_percent, margin_tables
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import MarginRow, checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.stock import StockLine
from tests.checkout_seed import Item, Shop, open_shop_till, seed_shop
from tests.unit.stock_support import build_world

ITEMS = (
    Item("coffee", "BEV-010", "5012345678900", "Coffee beans", "Drinks", 1299, 2000, True, 0),
    Item("mug", "HOM-100", "5012345678924", "<b>Enamel</b> mug", "Home", 850, 2000, False, 0),
)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _shop_with_sales(backend: Backend) -> Shop:
    shop = seed_shop(backend, items=ITEMS)
    open_shop_till(backend, shop)
    coffee, mug = shop.products["coffee"], shop.products["mug"]
    backend.stock.receive_stock(
        shop.manager,
        shop.store_id,
        [StockLine(coffee, 20, 600), StockLine(mug, 6, 310)],
        reference="INV-1",
    )
    for lines in ((DraftLine(1, coffee, 2), DraftLine(2, mug, 1)), (DraftLine(1, coffee, 1),)):
        placed = checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), lines))
        cash = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, placed.total_minor, placed.total_minor)
        checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, (cash,))
    return shop


def test_inventory_pdf_reads_back(backend: Backend) -> None:
    w = build_world(backend)
    backend.stock.receive_stock(
        w.manager,
        w.shop,
        [StockLine(w.pear, 6, 90), StockLine(w.cola, 24, 75), StockLine(w.cheese, 1500, 1990)],
        reference="INV-1",
    )
    with backend.uow() as uow:  # a name that must print literally
        product = uow.session.get(Product, w.pear)
        assert product is not None
        product.name = "<b>Pear</b>"
        uow.commit()
    report = backend.stock.inventory_valuation(w.manager, "HS01")
    tables = dict(inventory_tables(report))
    assert tables["By category"][-1] == ["Total", "3", "53.25"]  # 5.40 + 18.00 + 29.85 (1.5 kg)
    text = _text(inventory_pdf(report, zone=UTC))
    for expected in (
        "Inventory valuation",
        "HS01 · Harbour Street",
        "<b>Pear</b>",
        "FD-CHEESE",
        "1.500 kg",
        "19.90/kg",
        "Drinks total",
        "53.25",
    ):
        assert expected in text, expected


def test_an_empty_store_says_so(backend: Backend) -> None:
    w = build_world(backend)
    text = _text(inventory_pdf(backend.stock.inventory_valuation(w.manager, "MS02")))
    assert "This store holds no stock." in text


def test_sales_report_has_margin_pages(backend: Backend) -> None:
    shop = _shop_with_sales(backend)
    today = datetime.now(UTC).date()
    report = backend.sales.sales_summary(
        shop.manager, today - timedelta(days=1), today + timedelta(days=1)
    )
    assert report.margin is not None
    tables = margin_tables(report.margin)
    assert tables["From sales to margin"][4] == ["Cost of goods sold", "−21.10"]  # 3×6.00 + 3.10
    assert tables["Margin by product"][1][:3] == ["BEV-010", "Coffee beans", "3"]
    pdf = sales_report_pdf(report, zone=UTC)
    reader = PdfReader(io.BytesIO(pdf))
    margin_pages = [p.extract_text() for p in reader.pages if "Margin by" in p.extract_text()]
    assert margin_pages, "no margin page"
    text = "\n".join(margin_pages)
    for expected in (
        "Margin by day",
        "Margin by category",
        "Margin by cashier",
        "Margin by product",
        "Cost of goods",
        "<b>Enamel</b>",  # literally, not bold (the cell wraps before "mug")
        "Sam Carter",
        "21.10",
    ):
        assert expected in text, expected


def test_margin_percent_is_exact_integer_arithmetic() -> None:
    def row(sales: int, tax: int, cost: int) -> MarginRow:
        return MarginRow("k", "label", 1, sales, tax, cost)

    assert margin_percent(row(1000, 0, 750)) == "25.00 %"
    assert margin_percent(row(300, 0, 200)) == "33.33 %"
    assert margin_percent(row(1000, 0, 1325)) == "−32.50 %"
    assert margin_percent(row(0, 0, 10)) == "–"


def test_margin_percent_follows_the_shop_locale() -> None:
    saved = current_formats()
    set_current_formats(replace(saved, locale="de_DE"))
    try:
        shown = margin_percent(MarginRow("k", "label", 1, 1000, 0, 1325))
    finally:
        set_current_formats(saved)
    assert shown.replace("\u00a0", " ") == "−32,50 %"


# -- the command line ------------------------------------------------------------------------


def run(database: Database, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    config = AppConfig(
        database_url=database.url.render_as_string(hide_password=False), register="cli"
    )
    return int(args.handler(args, config))


def test_report_inventory_writes_a_pdf(
    sqlite_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = Backend(sqlite_database, register="office")
    w = build_world(backend)
    backend.stock.receive_stock(w.manager, w.shop, [StockLine(w.pear, 6, 90)], reference="A")
    out = tmp_path / "stock.pdf"
    assert run(sqlite_database, "report", "inventory", "--store", "hs01", "--out", str(out)) == 0
    assert capsys.readouterr().out.strip().endswith("HS01, 1 product in stock worth 5.40.")
    assert "Pear" in _text(out.read_bytes())


@pytest.mark.parametrize("code", ["NOPE", "", " ", "x" * 300])
def test_report_inventory_refuses_an_unknown_store_in_one_line(
    sqlite_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str
) -> None:
    out = tmp_path / "stock.pdf"
    url = sqlite_database.url.render_as_string(hide_password=False)
    status = main(
        ["--database-url", url, "report", "inventory", "--store", code, "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("posapp: error: ")
    assert not out.exists()
