"""Documents in the shop's locale and time zone, on both databases (issue #18).

A sale in EUR, JPY and KWD with the shop's locale set: the receipt, the X report and the sales
report read back in that locale; a purchase order is dated in the shop's zone; the coupon
report writes German days; ``posapp settings set shop.locale`` refuses a bad locale in one line.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from posapp.cli.main import main
from posapp.formats import current_formats, set_current_formats
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.reports.purchasing import purchase_order_pdf
from posapp.reports.receipt import receipt_pdf
from posapp.reports.sales_report import sales_report_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.platform.db import Database
from posapp.services.purchasing import PurchaseLineInput
from tests.integration.purchasing_support import build_purchasing
from tests.integration.test_coupon_report_pdf import shop  # noqa: F401 - the fixture
from tests.integration.test_coupon_world import World
from tests.integration.test_currency import CASES, Case, _sell, _shop_in


def plain(text: str) -> str:
    """Text with the no-break spaces CLDR uses read as spaces, runs of blanks as one."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(data: bytes) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


LOCALES = {
    # currency: (shop locale, the total as printed, how a day and time are written)
    "EUR": ("de_DE", "1.234,56 €", r"\d\d\.\d\d\.\d{4} \d\d:\d\d"),
    "JPY": ("ja_JP", "¥1,235", r"\d{4}/\d\d/\d\d \d{1,2}:\d\d"),  # ja writes 0:34
    "KWD": ("en", "KWD 1,234.567", r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d [AP]M"),
}


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_a_sale_prints_in_the_shop_locale(backend: Backend, case: Case) -> None:
    seller = _shop_in(backend, case)
    locale, total, moment = LOCALES[case.code]
    admin = seller.staff["admin"]
    backend.shop.change_setting(admin, "shop.locale", locale)
    backend.shop.change_setting(admin, "shop_timezone", "Europe/Berlin")
    backend.shop.apply_currency()
    assert current_formats().locale == locale
    detail = _sell(backend, seller, case)

    receipt = pdf_text(receipt_pdf(detail))
    assert total in receipt
    assert re.search(moment, receipt), receipt[:300]
    assert "−" not in total  # a sale, no minus sign

    x_report = pdf_text(till_report_pdf(backend.sales.x_report(seller.manager)))
    assert total in x_report
    assert re.search(moment, x_report)

    # The report's days are the shop's (Berlin): after 23:00 UTC the sale is already tomorrow.
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    report = backend.sales.sales_summary(seller.manager, today - timedelta(days=1), today)
    assert total in pdf_text(sales_report_pdf(report))


def test_neutral_formats_without_a_locale(backend: Backend) -> None:
    seller = _shop_in(backend, CASES[1])  # EUR, no locale chosen
    backend.shop.apply_currency()
    assert current_formats().locale == ""
    receipt = pdf_text(receipt_pdf(_sell(backend, seller, CASES[1])))
    assert "€1,234.56" in receipt
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", receipt)


def test_a_purchase_order_is_dated_in_the_shop_zone(database: Database) -> None:
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # 8 December in Berlin
    backend = Backend(database, register="test-till", clock=lambda: late)
    buying = build_purchasing(backend)
    world = buying.world
    backend.shop.change_setting(world.admin, "shop_timezone", "Europe/Berlin")
    backend.shop.change_setting(world.admin, "shop.locale", "de_DE")
    backend.shop.apply_currency()
    order = backend.purchasing.create_purchase_order(
        world.manager, buying.supplier, world.shop, [PurchaseLineInput(world.pear, 1234)]
    )
    text = pdf_text(purchase_order_pdf(order))
    assert "created 08.12.2026" in text
    assert "987,20" in text  # 1,234 pears at 0.80
    set_current_formats(replace(current_formats(), locale=""))  # the zone alone
    assert "created 2026-12-08" in pdf_text(purchase_order_pdf(order))  # never UTC's 7th


def test_the_coupon_report_writes_days_in_the_locale(shop: World) -> None:  # noqa: F811
    shop.backend.shop.change_setting(shop.admin, "shop.locale", "de_DE")
    shop.backend.shop.apply_currency()
    report = effectiveness_report(
        shop.backend.read_uow(), shop.admin, date(2026, 4, 6), date(2026, 4, 8)
    )
    text = pdf_text(render_effectiveness(report))
    assert "Mo. 06.04.2026 – Mi. 08.04.2026" in text
    assert "Mon 6 Apr 2026" not in text


def test_the_cli_refuses_a_bad_locale_in_one_line(
    backend: Backend, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url = database.url.render_as_string(hide_password=False)
    for key, bad in (
        ("shop.locale", "Klingon"),
        ("shop.locale", "xx_YY"),
        ("shop.first_day_of_week", "Funday"),
    ):
        assert main(["--database-url", url, "settings", "set", key, bad]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("posapp: error: ")
    assert main(["--database-url", url, "settings", "set", "shop.locale", "de-de"]) == 0
    assert "de_DE" in capsys.readouterr().out
    assert main(["--database-url", url, "settings", "get", "shop.locale"]) == 0
    assert capsys.readouterr().out == "de_DE\n"
