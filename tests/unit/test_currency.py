"""Currencies by ISO 4217 code, and parsing and formatting amounts in the current one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.currency import UNSET, CurrencyError, currency_for, default_denominations
from posapp.money import (
    MAX_MINOR,
    MoneyError,
    current_currency,
    format_money,
    money_label,
    parse_money,
    set_current_currency,
    to_major_str,
)
from posapp.reports.labels import label_content
from posapp.services.catalog.dto import LabelDTO
from posapp.services.platform.registry import CURRENCY, SettingValueError


def test_minor_digits_and_symbols_come_from_the_code() -> None:
    assert currency_for("JPY") == currency_for(" jpy ")
    assert [(c.digits, c.symbol) for c in map(currency_for, ("JPY", "EUR", "KWD", "USD"))] == [
        (0, "¥"),
        (2, "€"),
        (3, "KWD"),
        (2, "$"),
    ]
    assert currency_for("") is UNSET
    for bad in ("XYZ", "EURO", "€", "12", "E"):
        with pytest.raises(CurrencyError, match="ISO 4217"):
            currency_for(bad)


@pytest.mark.parametrize(
    ("code", "text", "minor"),
    [
        ("JPY", "1,235", 1235),
        ("JPY", "1235", 1235),
        ("JPY", "0", 0),
        ("EUR", "1,234.56", 123456),
        ("EUR", "12.5", 1250),
        ("KWD", "1,234.567", 1234567),
        ("KWD", "2.5", 2500),
        ("KWD", "0.005", 5),
        ("", "12.34", 1234),
    ],
)
def test_typed_amounts_parse_in_the_currency(code: str, text: str, minor: int) -> None:
    set_current_currency(currency_for(code))
    assert parse_money(text) == minor


@pytest.mark.parametrize(
    ("code", "text", "message"),
    [
        ("JPY", "12.5", "No decimals in JPY"),
        ("JPY", "12.0", "No decimals in JPY"),
        ("JPY", "1.000", "No decimals in JPY"),
        ("JPY", "abc", "Enter an amount like 12"),
        ("EUR", "1.234", "At most 2 decimals"),
        ("KWD", "1.2345", "At most 3 decimals"),
        ("KWD", "abc", "Enter an amount like 12.500"),
    ],
)
def test_too_many_decimals_are_refused(code: str, text: str, message: str) -> None:
    set_current_currency(currency_for(code))
    with pytest.raises(MoneyError) as caught:
        parse_money(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("code", "minor", "plain", "label", "csv"),
    [
        ("JPY", 1235, "1,235", "¥1,235", "1235"),
        ("JPY", -1235, "-1,235", "-¥1,235", "-1235"),
        ("EUR", 123456, "1,234.56", "€1,234.56", "1234.56"),
        ("KWD", 1234567, "1,234.567", "KWD 1,234.567", "1234.567"),
        ("KWD", 5, "0.005", "KWD 0.005", "0.005"),
        ("", 123456, "1,234.56", "1,234.56", "1234.56"),
    ],
)
def test_amounts_format_with_the_currencys_decimals(
    code: str, minor: int, plain: str, label: str, csv: str
) -> None:
    set_current_currency(currency_for(code))
    assert format_money(minor) == plain
    assert money_label(minor) == label
    assert to_major_str(minor) == csv
    assert parse_money(to_major_str(abs(minor)), group_sep="") == abs(minor)


def test_switching_currency_changes_every_parse_and_format() -> None:
    set_current_currency(currency_for("KWD"))
    assert parse_money("1") == 1000
    set_current_currency(currency_for("JPY"))
    assert parse_money("1") == 1
    assert current_currency().code == "JPY"
    set_current_currency(UNSET)
    assert parse_money("1") == 100


def test_default_notes_and_coins_per_currency() -> None:
    assert default_denominations(currency_for("JPY"))[:2] == (10000, 5000)
    assert default_denominations(currency_for("JPY"))[-1] == 1
    assert default_denominations(currency_for("KWD"))[0] == 20000  # KWD 20.000
    assert default_denominations(currency_for("EUR"))[-1] == 1
    assert default_denominations(UNSET)[0] == 50000
    # a currency without its own list gets 1-2-5 steps in its own decimals
    assert default_denominations(currency_for("BIF"))[-1] == 1  # Burundi franc, 0 decimals
    assert default_denominations(currency_for("OMR"))[0] == 500_000  # rial, 3 decimals


def test_the_setting_accepts_codes_and_refuses_others() -> None:
    assert CURRENCY.parse(" eur ") == "EUR"
    assert CURRENCY.parse("") == ""
    with pytest.raises(SettingValueError, match="Currency: Unknown currency 'XYZ'"):
        CURRENCY.parse("XYZ")
    assert ("JPY", "JPY – Japanese Yen") in CURRENCY.choices()


@pytest.mark.parametrize(
    ("code", "shown"), [("JPY", "¥1,235"), ("KWD", "KWD 1.235"), ("", "12.35")]
)
def test_shelf_labels_print_the_currency(code: str, shown: str) -> None:
    set_current_currency(currency_for(code))
    label = LabelDTO(1, "TEA-1", "Green tea", None, 1235)
    assert label_content(label).price == shown
    assert label_content(label, currency="$").price == format_money(1235, symbol="$")


@given(
    code=st.sampled_from(["JPY", "EUR", "KWD", "BHD", "CLP", ""]),
    minor=st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR),
)
def test_every_amount_reads_back_as_formatted(code: str, minor: int) -> None:
    set_current_currency(currency_for(code))
    text = format_money(minor)
    assert parse_money(text, allow_negative=True) == minor
    assert parse_money(to_major_str(minor), group_sep="", allow_negative=True) == minor
    digits = current_currency().digits
    assert len(text.partition(".")[2]) == digits
