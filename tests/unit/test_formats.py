"""posapp.formats: money, numbers and dates in the shop's locale, and the PDFs drawn with them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from posapp import formats
from posapp.currency import currency_for
from posapp.formats import Formats, LocaleError, set_current_formats
from posapp.money import set_current_currency
from posapp.reports.coupon_sheet import render_code_sheet
from posapp.reports.labels import render_label_sheet
from posapp.reports.statement import render_statement_pdf
from posapp.services.catalog import LabelDTO
from posapp.services.coupons import CodeSheet
from posapp.services.platform.registry import FIRST_DAY, SHOP_LOCALE, SettingValueError
from tests.unit.test_statement_pdf import _statement

BERLIN = ZoneInfo("Europe/Berlin")


def plain(text: str) -> str:
    """Text with the no-break spaces CLDR uses read as spaces, runs of blanks as one."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(data: bytes) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.mark.parametrize(
    ("locale", "code", "minor", "shown"),
    [
        ("de_DE", "EUR", 123456, "1.234,56 €"),
        ("de_DE", "EUR", -500, "-5,00 €"),
        ("ja_JP", "JPY", 1235, "¥1,235"),  # CLDR's full-width ￥ printed as ¥
        ("en", "JPY", 1235, "¥1,235"),
        ("en", "KWD", 1234567, "KWD 1,234.567"),
        ("de_DE", "KWD", 1234567, "1.234,567 KWD"),
        ("fr_FR", "EUR", 123456, "1 234,56 €"),
        ("es_ES", "EUR", 123456, "1.234,56 €"),
        ("", "EUR", 123456, "€1,234.56"),  # no locale: posapp's neutral format
        ("de_DE", "", 123456, "1.234,56"),  # no currency: the amount alone
    ],
)
def test_money_in_the_locale(locale: str, code: str, minor: int, shown: str) -> None:
    set_current_currency(currency_for(code))
    assert plain(formats.money(minor, locale=locale)) == shown
    set_current_formats(Formats(locale=locale))
    assert plain(formats.money(minor)) == shown  # the shop's locale when none is named


def test_every_amount_is_exact_in_every_currency() -> None:
    for code, digits in (("JPY", 0), ("EUR", 2), ("KWD", 3)):
        set_current_currency(currency_for(code))
        for minor in (0, 1, 9, 10**digits - 1, 999_999_999_999):
            text = plain(formats.amount(minor, locale="de_DE"))
            whole, _, frac = text.partition(",")
            assert len(frac) == digits
            assert int(whole.replace(".", "") + frac) == minor


def test_numbers_percentages_and_dates() -> None:
    day = date(2026, 12, 7)
    at = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # already 8 December in Berlin
    assert formats.number(12345, locale="de_DE") == "12.345"
    assert formats.number(12345, locale="") == "12,345"
    assert plain(formats.percent(550, locale="de_DE")) == "5,5 %"
    assert formats.percent(550, locale="") == "5.5%"
    assert formats.percent(-550, locale="") == "-5.5%"
    assert formats.percent(2500, locale="", fixed=True) == "25.00%"
    assert plain(formats.percent(-3250, locale="de_DE", fixed=True)) == "-32,50 %"
    assert formats.date_text(day, locale="de_DE") == "07.12.2026"
    assert formats.date_text(day, locale="en_US") == "Dec 7, 2026"
    assert formats.date_text(day, locale="ja_JP") == "2026/12/07"
    assert formats.date_text(day, locale="") == "2026-12-07"
    assert formats.date_text(day, locale="", long=True) == "Mon 2026-12-07"
    assert formats.datetime_text(at, zone=BERLIN, locale="de_DE") == "08.12.2026 00:30"
    assert formats.datetime_text(at, zone=BERLIN, locale="") == "2026-12-08 00:30"
    assert plain(formats.time_text(at, zone=BERLIN, locale="en_US")) == "12:30 AM"
    set_current_formats(Formats(locale="de_DE", zone=BERLIN))
    assert formats.local_day(at) == "08.12.2026"  # the shop's zone, not UTC


def test_week_start_follows_the_first_weekday() -> None:
    thursday = date(2026, 12, 10)
    assert formats.week_start(thursday, 0) == date(2026, 12, 7)  # Monday
    assert formats.week_start(thursday, 6) == date(2026, 12, 6)  # Sunday
    assert formats.week_start(date(2026, 12, 6), 6) == date(2026, 12, 6)
    set_current_formats(Formats(first_weekday=5))
    assert formats.week_start(thursday) == date(2026, 12, 5)  # Saturday


def test_locales_are_checked() -> None:
    assert formats.locale_for(" de-de ") == "de_DE"
    assert formats.locale_for("") == ""
    for bad in ("xx", "de_XX_YY_ZZ", "1234", "x" * 100, "de DE", "../de", "de_DE\n"):
        with pytest.raises(LocaleError, match="Unknown locale"):
            formats.locale_for(bad + "!" if bad.endswith("\n") else bad)
    assert formats.locale_for("fr_CA", languages=formats.SHIPPED_LANGUAGES) == "fr_CA"
    with pytest.raises(LocaleError, match="posapp speaks en, de, fr, es"):
        formats.locale_for("ja_JP", languages=formats.SHIPPED_LANGUAGES)


def test_the_locale_settings_parse_and_refuse_in_words() -> None:
    assert SHOP_LOCALE.parse("ja-jp") == "ja_JP"
    assert SHOP_LOCALE.parse("  ") == ""
    with pytest.raises(SettingValueError, match="Locale: Unknown locale 'Klingon'"):
        SHOP_LOCALE.parse("Klingon")
    assert FIRST_DAY.parse("Sunday") == "sunday"
    with pytest.raises(SettingValueError, match="First day of the week"):
        FIRST_DAY.parse("Funday")


def test_statement_labels_and_code_sheet_in_german() -> None:
    set_current_currency(currency_for("EUR"))
    set_current_formats(Formats(locale="de_DE", zone=BERLIN))
    buffer = io.BytesIO()
    render_statement_pdf(_statement(3), buffer, zone=BERLIN)
    statement = pdf_text(buffer.getvalue())
    assert "01.03.2026" in statement  # the period and the movements' days
    assert "31.03.2026" in statement
    assert "12,34" in statement
    assert "1 Mar 2026" not in statement

    out = io.BytesIO()
    render_label_sheet([LabelDTO(1, "SKU-1", "Äpfel", None, 123456)], out)
    assert "1.234,56 €" in pdf_text(out.getvalue())

    sheet = CodeSheet(
        "Frühling",
        "15 % off",
        "",
        datetime(2026, 4, 5, 22, 0, tzinfo=UTC),
        datetime(2026, 4, 30, 22, 0, tzinfo=UTC),
        "Europe/Berlin",
        ("SPR-1",),
    )
    assert "Valid 06.04.2026 – 30.04.2026" in pdf_text(render_code_sheet(sheet))
