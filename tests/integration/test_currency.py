"""The shop currency end to end: a sale in JPY, EUR and KWD, its PDFs, and the refused change."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from escpos.printer import Dummy
from pypdf import PdfReader
from sqlalchemy import select

from posapp.cli.main import main
from posapp.currency import UNSET, currency_for
from posapp.models import Base, Product, Setting
from posapp.money import current_currency, set_current_currency, tax_from_gross
from posapp.reports.receipt import receipt_pdf
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.backend import Backend
from posapp.services.catalog.csv_io import export_products, import_products
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.escpos import print_receipt
from posapp.services.sales.order_dto import OrderDetail
from posapp.services.sales.receipt import receipt_model, receipt_text
from posapp.services.shop import CURRENCY_KEY, SettingValueError
from posapp.services.shop.currency_guard import guarded_tables
from tests.checkout_seed import Shop, add_coupon, add_staff, currency_shop, seed_shop


@dataclass(frozen=True)
class Case:
    """A sale of two tax-included items with a 10 % coupon, paid by card and cash."""

    code: str
    prices: tuple[int, int]  # list prices of the two items, minor units
    subtotal: int
    coupon: int
    total: int
    card: int
    tendered: int  # cash handed over for the rest
    change: int
    shown_total: str  # the total as the receipt and the sales report print it
    first_note: int  # the largest default note, minor units


CASES = (
    Case("JPY", (1000, 372), 1372, 137, 1235, 1000, 300, 65, "¥1,235", 10000),
    Case("EUR", (100000, 37173), 137173, 13717, 123456, 100000, 25000, 1544, "€1,234.56", 50000),
    Case(
        "KWD",
        (1_000_000, 371_741),
        1_371_741,
        137_174,
        1_234_567,
        1_000_000,
        250_000,
        15_433,
        "KWD 1,234.567",
        20000,
    ),
)


def _shop_in(backend: Backend, case: Case) -> Shop:
    shop = currency_shop(backend, case.code.lower(), case.prices)  # chosen before any money
    assert current_currency() == currency_for(case.code)
    return shop


def _sell(backend: Backend, shop: Shop, case: Case) -> OrderDetail:
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["big"], 1), DraftLine(2, shop.products["small"], 1)),
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, case.card, card_reference="A1", card_last4="4242"
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, case.total - case.card, case.tendered),
        ),
        coupon_codes=("SPRING-10",),
        expected_total_minor=case.total,
    )
    placed = backend.sales.place_order(shop.cashier, draft)
    assert (placed.total_minor, placed.paid_minor, placed.change_minor) == (
        case.total,
        case.total,
        case.change,
    )
    return backend.sales.order_detail(shop.manager, placed.order_id)


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_a_split_tender_coupon_sale_is_exact_in_the_currency(backend: Backend, case: Case) -> None:
    shop = _shop_in(backend, case)
    detail = _sell(backend, shop, case)

    assert detail.subtotal_minor == case.subtotal
    assert detail.coupon_minor == case.coupon
    assert detail.discount_minor == 0
    assert detail.total_minor == case.total
    assert detail.paid_minor == case.total
    assert detail.change_minor == case.change
    assert sum(line.total_minor for line in detail.lines) == case.total
    assert sum(line.coupon_minor for line in detail.lines) == case.coupon
    for line in detail.lines:  # tax included, taken from each line's own total
        assert line.tax_minor == tax_from_gross(line.total_minor, line.tax_rate_bp)
    assert detail.tax_minor == sum(line.tax_minor for line in detail.lines)
    amounts = sorted((p.method, p.amount_minor, p.change_minor) for p in detail.payments)
    assert amounts == [("card", case.card, 0), ("cash", case.total - case.card, case.change)]

    receipt = _pdf_text(receipt_pdf(detail, zone=UTC))
    assert case.shown_total in receipt
    today = datetime.now(UTC).date()
    report = backend.sales.sales_summary(shop.manager, today - timedelta(days=1), today)
    assert report.sales_minor == case.total
    assert case.shown_total in _pdf_text(sales_report_pdf(report, zone=UTC))

    # the till counts the currency's own notes and coins when the shop lists none
    assert backend.sales.denominations(shop.cashier)[0] == case.first_note


def test_jpy_receipt_has_no_decimals(backend: Backend) -> None:
    shop = _shop_in(backend, CASES[0])
    receipt = _pdf_text(receipt_pdf(_sell(backend, shop, CASES[0]), zone=UTC))
    assert "¥1,235" in receipt
    assert "1,235.00" not in receipt
    assert "¥1,372" in receipt  # the subtotal


def _stored_currency(backend: Backend) -> object:
    with backend.read_uow() as uow:
        return uow.session.scalar(select(Setting.value).where(Setting.key == CURRENCY_KEY))


def test_changing_the_currency_of_a_database_with_money_is_refused(
    backend: Backend, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = _shop_in(backend, CASES[0])
    _sell(backend, shop, CASES[0])
    stored = _stored_currency(backend)
    with pytest.raises(SettingValueError, match=r"already holds money in JPY \(sales"):
        backend.shop.change_setting(shop.staff["admin"], CURRENCY_KEY, "EUR")
    assert _stored_currency(backend) == stored
    assert current_currency().code == "JPY"
    assert "sales" in backend.shop.money_held()

    url = database.url.render_as_string(hide_password=False)
    code = main(["--database-url", url, "settings", "set", "shop.currency", "KWD"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "already holds money in JPY" in err
    assert len(err.strip().splitlines()) == 1
    assert _stored_currency(backend) == stored
    # the same code again is no change, so it is not refused
    assert main(["--database-url", url, "settings", "set", "shop.currency", "jpy"]) == 0


def test_prices_alone_are_money_but_users_and_percent_coupons_are_not(backend: Backend) -> None:
    staff = add_staff(backend)
    admin = staff["admin"]
    add_coupon(backend, "TEN", percent_bp=1000)
    assert backend.shop.money_held() == ()
    backend.shop.change_setting(admin, CURRENCY_KEY, "KWD")
    backend.shop.change_setting(admin, CURRENCY_KEY, "")  # back to unset: still no money
    assert current_currency().code == ""
    seed_shop(backend, staff=staff)
    assert backend.shop.money_held() == ("products with prices",)
    with pytest.raises(SettingValueError, match="products with prices"):
        backend.shop.change_setting(admin, CURRENCY_KEY, "JPY")


def test_unknown_currency_is_refused_in_one_line(
    backend: Backend, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url = database.url.render_as_string(hide_password=False)
    for bad in ("XYZ", "euro", "€", "12"):
        assert main(["--database-url", url, "settings", "set", "shop.currency", bad]) == 2
        _out, err = capsys.readouterr()
        assert "ISO 4217" in err
        assert len(err.strip().splitlines()) == 1
    assert _stored_currency(backend) is None


def test_the_backend_opens_in_the_stored_currency(backend: Backend, database: Database) -> None:
    backend.shop.change_setting(add_staff(backend)["admin"], CURRENCY_KEY, "KWD")

    set_current_currency(UNSET)  # as a fresh process would start
    assert Backend(database).shop.apply_currency().code == "KWD"
    assert current_currency().digits == 3


CSV_HEADER = "sku,name,price,cost\r\n"


@pytest.mark.parametrize(
    ("code", "cells", "stored", "exported"),
    [
        ("JPY", ("1235", "1,000"), (1235, 1000), ("1235", "1000")),
        ("EUR", ("12.5", "1,234.56"), (1250, 123456), ("12.50", "1234.56")),
        ("KWD", ("1.234", "2.5"), (1234, 2500), ("1.234", "2.500")),
    ],
)
def test_csv_prices_follow_the_currency(
    backend: Backend,
    tmp_path: Path,
    code: str,
    cells: tuple[str, str],
    stored: tuple[int, int],
    exported: tuple[str, str],
) -> None:
    admin = add_staff(backend)["admin"]
    backend.shop.change_setting(admin, CURRENCY_KEY, code)
    data = f'{CSV_HEADER}A-1,Tea,"{cells[0]}","{cells[1]}"\r\n'.encode()
    report = import_products(backend.uow(), admin, data)
    assert report.ok, report.problems
    with backend.read_uow() as uow:
        product = uow.session.scalars(select(Product)).one()
        assert (product.price_minor, product.cost_minor) == stored
    path = tmp_path / "out.csv"
    export_products(backend.read_uow(), admin, path)
    row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert (row["price"], row["cost"]) == exported


@pytest.mark.parametrize(("code", "cell"), [("JPY", "12.5"), ("EUR", "1.234"), ("KWD", "1.2345")])
def test_csv_prices_with_too_many_decimals_are_refused(
    backend: Backend, code: str, cell: str
) -> None:
    admin = add_staff(backend)["admin"]
    backend.shop.change_setting(admin, CURRENCY_KEY, code)
    report = import_products(backend.uow(), admin, f"{CSV_HEADER}A-1,Tea,{cell},0\r\n".encode())
    assert not report.ok
    assert "decimals" in str(report.problems[0])
    assert backend.shop.money_held() == ()  # nothing was written


def test_the_cli_reads_and_writes_amounts_in_the_stored_currency(
    backend: Backend, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    staff = add_staff(backend)
    backend.shop.change_setting(staff["admin"], CURRENCY_KEY, "JPY")
    set_current_currency(UNSET)  # a fresh process: the command opens the database in yen
    url = database.url.render_as_string(hide_password=False)
    assert main(["--database-url", url, "settings", "get", "tills.denominations"]) == 0
    assert capsys.readouterr().out == "10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1\n"
    set_current_currency(UNSET)
    code = main(["--database-url", url, "settings", "set", "tills.denominations", "1000, 0.5"])
    assert code == 2
    assert "No decimals in JPY" in capsys.readouterr().err
    set_current_currency(UNSET)
    assert main(["--database-url", url, "settings", "set", "tills.denominations", "5000,500"]) == 0
    assert backend.sales.denominations(staff["cashier"]) == (5000, 500)


def test_every_table_with_amounts_is_guarded() -> None:
    """A new table holding money must be added to the currency guard (or say what holds it)."""
    with_amounts = {
        table.name
        for table in Base.metadata.tables.values()
        if any(column.name.endswith("_minor") for column in table.columns)
    }
    assert with_amounts
    assert with_amounts <= guarded_tables(), sorted(with_amounts - guarded_tables())


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_the_thermal_printer_gets_the_total_in_the_currency(backend: Backend, case: Case) -> None:
    detail = _sell(backend, _shop_in(backend, case), case)
    printer = Dummy()
    print_receipt(printer, receipt_model(detail, zone=UTC))
    # ¥ is in the printer's code page (CP437 0x9D); € is spelled out
    total = {"JPY": b"\x9d1,235", "EUR": b"EUR1,234.56", "KWD": b"KWD 1,234.567"}[case.code]
    (line,) = [line for line in printer.output.split(b"\n") if b"TOTAL" in line]
    assert line.endswith(b" " + total)
    assert all(len(line) <= 42 for line in receipt_text(receipt_model(detail, zone=UTC)))
