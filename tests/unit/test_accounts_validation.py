"""What people type about accounts: names, emails, phones, PINs and money (BAD_INPUTS.md)."""

from __future__ import annotations

import pytest

from posapp.money import MAX_MINOR, MoneyError, parse_money
from posapp.services.accounts.validation import (
    check_amount,
    check_daily_limit,
    check_overdraft,
    clean_email,
    clean_holder_name,
    clean_phone,
    clean_pin,
    clean_reason,
)
from posapp.services.platform.errors import ValidationError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("null", "null"),
        ("None", "None"),
        ("  Ann   Smith ", "Ann Smith"),
        ("<img src=x>", "<img src=x>"),
        ("=SUM(A1)", "=SUM(A1)"),
        ("Ｊｏ", "Jo"),
        ("😀 Happy", "😀 Happy"),
    ],
)
def test_names(typed: str, stored: str) -> None:
    assert clean_holder_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the holder's name"),
        ("a\x00b", "control"),
        ("a\nb", "line breaks"),
        ("x" * 256, "at most 200"),
        ("x" * 10_000, "at most 200"),
    ],
)
def test_bad_names(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_holder_name(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", ""),
        ("  ", ""),
        ("Ann@Example.COM", "Ann@example.com"),
        ("anna@bücher.example", "anna@bücher.example"),
        ("анна@пример.рф", "анна@пример.рф"),
        ("user+tag@mail.example.co.uk", "user+tag@mail.example.co.uk"),
        ("ann@example.com.", "ann@example.com."),
    ],
)
def test_emails(typed: str, stored: str) -> None:
    assert clean_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ann.example.com", "@ is missing"),
        ("@example.com", "@ is missing"),
        ("a" * 300, "at most 254"),
        ("a" * 290 + "@example.com", "at most 254"),
        ("a" * 65 + "@example.com", "at most 64"),
        ("ann@example", "domain"),
        ("ann@-example.com", "domain"),
        ("ann@example..com", "domain"),
        ("ann@exa_mple.com", "domain"),
        ("ann@example.123", "domain"),
        ("an n@example.com", "character"),
        ("ann@example.com\n", "line breaks"),
        ("' OR 1=1--@x.com", "character"),
    ],
)
def test_bad_emails(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_email(typed)


def test_long_idn_domain_is_counted_in_ascii() -> None:
    label = "ü" * 55  # 55 characters; 61 once IDNA-encoded (xn--…)
    email = f"ann@{label}.{label}.{label}.{label}.example"
    assert len(email) == 235  # short enough as typed, 259 in ASCII
    with pytest.raises(ValidationError, match="at most 254"):
        clean_email(email)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", ""),
        ("07700 900123", "07700 900123"),
        ("+44 (0)20  7946-0000", "+44 (0)20 7946-0000"),
        ("０７７００９００１２３", "07700900123"),
    ],
)
def test_phones(typed: str, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0770O 900123", "letters"),
        ("phone me", "letters"),
        ("0800-FLOWERS", "letters"),
        ("123", "5 to 15 digits"),
        ("1" * 16, "5 to 15 digits"),
        ("44+ 20 7946", "can only start"),
        ("07700.900123", "digits, spaces"),
        ("07700 900123;", "digits, spaces"),
    ],
)
def test_bad_phones(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        clean_phone(typed)


@pytest.mark.parametrize("typed", ["1234", "123456", " 0000 ", "１２３４", "١٢٣٤"])
def test_pins(typed: str) -> None:
    assert clean_pin(typed).isdigit()


@pytest.mark.parametrize("typed", ["", "123", "1234567", "12a4", "12 34", "-123"])
def test_bad_pins(typed: str) -> None:
    with pytest.raises(ValidationError, match="4 to 6 digits"):
        clean_pin(typed)


# Money: what the deposit/withdraw/transfer dialogs do with the text of the amount field.
# parse_money either refuses with a message or normalises as documented; check_amount then
# refuses what is not a movement (zero, beyond the maximum).
def _amount(text: str) -> int:
    return check_amount(parse_money(text, allow_zero=False))


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        (".5", 50),
        ("5.", 500),
        ("1,000.00", 100_000),
        ("１２３", 12_300),
        ("٥", 500),
        ("12.50\n", 1_250),
        (" 7 ", 700),
        ("9,999,999,999.99", MAX_MINOR),
    ],
)
def test_money_normalisations(typed: str, minor: int) -> None:
    assert _amount(typed) == minor


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount"),
        (" ", "Enter an amount"),
        ("0", "more than zero"),
        ("-0", "more than zero"),
        ("-1", "cannot be negative"),
        ("0.001", "At most 2 decimals"),
        ("1e3", "Enter an amount"),
        ("NaN", "Enter an amount"),
        ("Infinity", "Enter an amount"),
        ("1.000,00", "At most 2 decimals|Enter an amount|Group digits"),
        ("$5", "currency symbol"),
        ("1" * 30, "too large"),
        ("10,000,000,000.00", "too large"),
        ("9999999999.991", "At most 2 decimals"),
    ],
)
def test_bad_money(typed: str, message: str) -> None:
    with pytest.raises((MoneyError, ValidationError), match=message):
        _amount(typed)


def test_decimal_comma_locale() -> None:
    assert parse_money("1.000,00", decimal_sep=",", group_sep=".") == 100_000


def test_one_cent_above_the_maximum_is_refused_by_the_service_too() -> None:
    with pytest.raises(ValidationError, match="too large"):
        check_amount(MAX_MINOR + 1)
    with pytest.raises(ValidationError, match="whole number"):
        check_amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="whole number"):
        check_amount(True)


def test_limits() -> None:
    assert check_overdraft(0) == 0
    assert check_daily_limit(None) is None
    with pytest.raises(ValidationError, match="negative"):
        check_overdraft(-5)
    with pytest.raises(ValidationError, match="too large"):
        check_overdraft(MAX_MINOR + 1)
    with pytest.raises(ValidationError, match="more than zero"):
        check_daily_limit(0)


def test_reasons() -> None:
    assert clean_reason("  lost\tcard \n") == "lost card"
    with pytest.raises(ValidationError, match="Enter a reason"):
        clean_reason("  ", required=True)
    with pytest.raises(ValidationError, match="at most 500"):
        clean_reason("x" * 501)
