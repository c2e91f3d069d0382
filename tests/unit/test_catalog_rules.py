"""Field rules of the catalog: SKUs, barcodes, names, descriptions, money, rates, CSV cells."""

from __future__ import annotations

import pytest

from posapp.services.catalog.rules import (
    barcode_variants,
    clean_barcode,
    clean_category_name,
    clean_description,
    clean_name,
    clean_sku,
    escape_cell,
    format_tax_rate,
    parse_price,
    parse_tax_rate,
    path_key,
    scan_code,
    sku_key,
    unescape_cell,
)
from posapp.services.platform.errors import ValidationError

# --- SKUs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("AB-1", "AB-1"),
        ("  ab-1 ", "ab-1"),
        ("ＡＢ－１", "AB-1"),  # full-width letters become ASCII (NFKC)
        ("=SUM(A1)", "=SUM(A1)"),  # stored literally; the export escapes it
        ("x" * 64, "x" * 64),
        ("🍎-1", "🍎-1"),
    ],
)
def test_clean_sku_accepts(text: str, stored: str) -> None:
    assert clean_sku(text) == stored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a SKU"),
        ("   ", "Enter a SKU"),
        ("x" * 65, "at most 64 characters"),
        ("x" * 256, "this one has 256"),
        ("x" * 10_000, "at most 64"),
        ("A\x00B", "NUL"),
        ("A\tB", "TAB"),
        ("A\nB", "LINE BREAK"),
        ("A\u2028B", "control characters"),
    ],
)
def test_clean_sku_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_sku(text)


def test_skus_differing_by_case_or_spaces_share_a_key() -> None:
    assert sku_key("ab-1") == sku_key(" AB-1 ") == sku_key("Ab-1\u00a0") == "AB-1"
    assert sku_key("ab-1") != sku_key("ab-2")


# --- barcodes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("5012345678900", "5012345678900"),  # EAN-13
        (" 5012345678900\n", "5012345678900"),
        ("96385074", "96385074"),  # EAN-8
        ("012345678905", "012345678905"),  # UPC-A, stored as typed
        ("123", "123"),  # internal numeric code
        ("1234567", "1234567"),
        ("ab-12", "AB-12"),  # internal code with a letter: upper-cased
        ("５０１２３４５６７８９００", "5012345678900"),  # full-width digits
        ("", None),
        ("   ", None),
    ],
)
def test_clean_barcode_accepts(text: str, stored: str | None) -> None:
    assert clean_barcode(text) == stored


def test_no_barcode_is_none() -> None:
    assert clean_barcode(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5012345678901", "not a valid EAN-13: its check digit should be 0, not 1"),
        ("96385075", "not a valid EAN-8"),
        ("012345678906", "not a valid UPC-A"),
        ("00123", "cannot start with 0 .*turns it into 123"),
        ("1.23E+12", "scientific notation"),
        ("5.01235E+12", "scientific notation"),
        ("123456789", "9 digits is neither EAN-8, UPC-A .* nor EAN-13"),
        ("12345678901234", "14 digits"),
        ("12345678905", "may be UPC-A 012345678905"),  # a spreadsheet ate the zero
        ("501 2345 67890", "not a barcode"),
        ("=1+1", "not a barcode"),
        ("AB\x00C", "not a barcode"),
        ("x" * 33, "not a barcode"),
        ("🍎", "not a barcode"),
        ("' OR 1=1--", "not a barcode"),
    ],
)
def test_clean_barcode_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_barcode(text)


def test_upc_a_and_its_ean_13_form_are_the_same_code() -> None:
    assert barcode_variants("012345678905") == ("012345678905", "0012345678905")
    assert barcode_variants("0012345678905") == ("0012345678905", "012345678905")
    assert barcode_variants("5012345678900") == ("5012345678900",)
    assert barcode_variants("AB-1") == ("AB-1",)


def test_scan_code_normalises_without_validating() -> None:
    assert scan_code(" ab-12\r\n") == "AB-12"
    assert scan_code("5012345678900") == "5012345678900"
    assert scan_code("x" * 500) == "X" * 64


# --- names and descriptions -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Apple", "🍎 Apple 🍏", "<b>bold</b>", "=HYPERLINK(1)", "x" * 200, "Crème brûlée", "null"],
)
def test_clean_name_accepts(text: str) -> None:
    assert clean_name(f"  {text}  ") == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a name"),
        (" \u00a0 ", "Enter a name"),
        ("x" * 201, "at most 200 characters"),
        ("x" * 256, "this one has 256"),
        ("x" * 10_000, "this one has 10,000"),
        ("Apple\x00", "NUL"),
        ("App\tle", "TAB"),
        ("App\nle", "LINE BREAK"),
        ("App\ud800le", "control characters"),  # a lone surrogate cannot be stored
    ],
)
def test_clean_name_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_name(text)


def test_description_keeps_lines_and_tabs_but_not_nul() -> None:
    assert clean_description("line 1\r\nline\t2\n") == "line 1\nline\t2"
    assert clean_description("x" * 10_000) == "x" * 10_000
    with pytest.raises(ValidationError, match="NUL"):
        clean_description("a\x00b")
    with pytest.raises(ValidationError, match="at most 10,000"):
        clean_description("x" * 10_001)


def test_category_names() -> None:
    assert clean_category_name(" Fruit ") == "Fruit"
    for bad, message in (("", "Enter"), ("A > B", "'>'"), ("a\tb", "control"), ("x" * 101, "100")):
        with pytest.raises(ValidationError, match=message):
            clean_category_name(bad)
    assert path_key(" Food>  fruit ") == path_key("food > Fruit") == "food>fruit"


# --- money and rates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [("0", 0), ("-0", 0), (".5", 50), ("5.", 500), ("1,000.00", 100_000), ("１２３", 12_300)],
)
def test_parse_price(text: str, minor: int) -> None:
    assert parse_price(text) == minor


@pytest.mark.parametrize(
    "text",
    ["", " ", "-1", "0.001", "1e3", "NaN", "Infinity", "$5", "1" * 30, "10000000000.00"],
)
def test_parse_price_refuses_with_the_field_name(text: str) -> None:
    with pytest.raises(ValidationError, match=r"^Price: "):
        parse_price(text)


def test_parse_price_decimal_comma() -> None:
    assert parse_price("1.000,50", decimal_sep=",", group_sep=".") == 100_050


@pytest.mark.parametrize(
    ("text", "bp"),
    [("20", 2000), ("5.5", 550), ("19.25 %", 1925), ("0", 0), ("", 0), ("100", 10_000)],
)
def test_parse_tax_rate(text: str, bp: int) -> None:
    assert parse_tax_rate(text) == bp


@pytest.mark.parametrize("text", ["-1", "100.01", "5.555", "twenty", "1e2"])
def test_parse_tax_rate_refuses(text: str) -> None:
    with pytest.raises(ValidationError, match="percentage from 0 to 100"):
        parse_tax_rate(text)


def test_format_tax_rate() -> None:
    assert [format_tax_rate(bp) for bp in (0, 2000, 550, 1925, 10_000)] == [
        "0",
        "20",
        "5.5",
        "19.25",
        "100",
    ]
    assert format_tax_rate(550, decimal_sep=",") == "5,5"


# --- CSV cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=already", "plain", "", "'quoted"]
)
def test_cell_escaping_round_trips(text: str) -> None:
    escaped = escape_cell(text)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        assert escaped == "'" + text
    assert unescape_cell(escaped) == text
