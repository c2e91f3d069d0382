"""Tests for posapp.money: parsing, formatting, half-even rounding and allocation."""

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from posapp.money import (
    BP_PER_UNIT,
    MAX_MINOR,
    MINOR_DIGITS,
    MoneyError,
    allocate,
    apply_rate_bp,
    div_round,
    format_money,
    parse_money,
    split_even,
    tax_from_gross,
    tax_from_net,
    to_major_str,
)

NOT_A_NUMBER = "Enter an amount like 12.50"
TOO_LARGE = "Amount is too large (max 9,999,999,999.99)"

# --- parse_money: every money input from BAD_INPUTS.md, and then some --------------------------

# (text, keyword arguments, expected minor units or the exact MoneyError message)
PARSE_CASES: list[tuple[str, dict[str, Any], int | str]] = [
    ("", {}, NOT_A_NUMBER),
    (" ", {}, NOT_A_NUMBER),
    ("\n", {}, NOT_A_NUMBER),
    ("\u00a0\u202f\u3000", {}, NOT_A_NUMBER),
    ("0", {}, 0),
    ("0", {"allow_zero": False}, "Amount must be more than zero"),
    ("0.00", {"allow_zero": False, "allow_negative": True}, "Amount cannot be zero"),
    ("-0", {}, 0),
    ("-0.00", {}, 0),
    ("-0", {"allow_zero": False}, "Amount must be more than zero"),
    ("-1", {}, "Amount cannot be negative"),
    ("-1", {"allow_negative": True}, -100),
    ("-0.01", {"allow_negative": True}, -1),
    ("+1", {}, 100),
    ("\u22125", {"allow_negative": True}, -500),  # U+2212 MINUS SIGN, as some locales write it
    ("\uff0d5", {"allow_negative": True}, -500),  # full-width hyphen-minus
    ("0.001", {}, "At most 2 decimals"),
    ("0.000", {}, "At most 2 decimals"),  # refused, never rounded, even when exact
    ("1.500", {}, "At most 2 decimals"),  # may mean 1500 to a decimal-comma user
    (".5", {}, 50),
    ("5.", {}, 500),
    (".05", {}, 5),
    ("12.5", {}, 1250),
    ("12.50", {}, 1250),
    ("007.00", {}, 700),
    (".", {}, NOT_A_NUMBER),
    ("-", {}, NOT_A_NUMBER),
    ("-.", {}, NOT_A_NUMBER),
    ("1e3", {}, NOT_A_NUMBER),
    ("1E3", {}, NOT_A_NUMBER),
    ("NaN", {}, NOT_A_NUMBER),
    ("nan", {}, NOT_A_NUMBER),
    ("Infinity", {}, NOT_A_NUMBER),
    ("-inf", {"allow_negative": True}, NOT_A_NUMBER),
    ("\u221e", {}, NOT_A_NUMBER),
    ("0x10", {}, NOT_A_NUMBER),
    ("1_000", {}, NOT_A_NUMBER),
    ("abc", {}, NOT_A_NUMBER),
    ("12.5a", {}, NOT_A_NUMBER),
    ("1.2.3", {}, NOT_A_NUMBER),
    ("--5", {"allow_negative": True}, NOT_A_NUMBER),
    ("+-5", {"allow_negative": True}, NOT_A_NUMBER),
    ("-+5", {"allow_negative": True}, NOT_A_NUMBER),
    ("5-", {"allow_negative": True}, NOT_A_NUMBER),
    ("- 5", {"allow_negative": True}, NOT_A_NUMBER),
    ("(5)", {}, NOT_A_NUMBER),
    ("1 000", {}, NOT_A_NUMBER),  # a space is not the default group separator
    ("5\x00", {}, NOT_A_NUMBER),
    ("\u00bd", {}, NOT_A_NUMBER),  # NFKC turns it into 1/2 with a fraction slash
    ("$5", {}, "Enter the amount without a currency symbol"),
    ("5\u20ac", {}, "Enter the amount without a currency symbol"),
    ("-\u00a35", {"allow_negative": True}, "Enter the amount without a currency symbol"),
    ("1,000.00", {}, 100_000),
    ("1,000", {}, 100_000),
    ("12,345,678.90", {}, 1_234_567_890),
    ("1,00", {}, "Group digits in threes, like 1,000.00"),
    ("1,0000", {}, "Group digits in threes, like 1,000.00"),
    ("1000,000", {}, "Group digits in threes, like 1,000.00"),
    (",100", {}, "Group digits in threes, like 1,000.00"),
    ("1,000,", {}, "Group digits in threes, like 1,000.00"),
    ("1,,000", {}, "Group digits in threes, like 1,000.00"),
    ("1,0a0", {}, NOT_A_NUMBER),
    ("1.000,00", {}, NOT_A_NUMBER),  # a decimal-comma amount read with "." decimals
    ("0.12,5", {}, NOT_A_NUMBER),  # no grouping after the decimal separator
    ("1,000.00", {"group_sep": ""}, NOT_A_NUMBER),  # grouping turned off
    ("\uff11\uff12\uff13", {}, 12_300),  # full-width digits
    ("\uff11\uff12\uff0e\uff15", {}, 1250),  # full-width digits and full stop
    ("\u0665", {}, 500),  # Arabic-Indic five
    ("\u0661\u0662.\u0665\u0660", {}, 1250),
    ("\u096b.\u0660\u0661", {}, 501),  # Devanagari five, Arabic-Indic zero and one
    ("12.50\n", {}, 1250),  # a trailing newline, as pasted from a spreadsheet
    ("\t 12.50 \r\n", {}, 1250),
    ("9" * 30, {}, TOO_LARGE),
    ("0" * 30 + "1", {}, 100),  # leading zeros are not "too large"
    ("9" * 5000, {}, TOO_LARGE),  # beyond int()'s 4300-digit limit: no ValueError leaks
    ("9999999999.99", {}, MAX_MINOR),
    ("9,999,999,999.99", {}, MAX_MINOR),
    ("10000000000", {}, TOO_LARGE),  # one cent above 9,999,999,999.99 is "10000000000.00"
    ("10000000000.00", {}, TOO_LARGE),
    ("-10000000000.00", {"allow_negative": True}, TOO_LARGE),
    ("-9999999999.99", {"allow_negative": True}, -MAX_MINOR),
    ("-10000000000.00", {}, "Amount cannot be negative"),
    ("500.00", {"maximum": 50_000}, 50_000),
    ("500.01", {"maximum": 50_000}, "Amount is too large (max 500.00)"),  # balance + 0.01
    ("1", {"maximum": 0}, "Amount is too large (max 0.00)"),
    # Locale variants: decimal comma with "." or a space-like group separator.
    ("1.000,00", {"decimal_sep": ",", "group_sep": "."}, 100_000),
    ("1.234.567,8", {"decimal_sep": ",", "group_sep": "."}, 123_456_780),
    ("12,5", {"decimal_sep": ",", "group_sep": "."}, 1250),
    (",5", {"decimal_sep": ",", "group_sep": "."}, 50),
    ("1.00", {"decimal_sep": ",", "group_sep": "."}, "Group digits in threes, like 1.000,00"),
    ("1,000.00", {"decimal_sep": ",", "group_sep": "."}, "Enter an amount like 12,50"),
    ("0,001", {"decimal_sep": ",", "group_sep": "."}, "At most 2 decimals"),
    ("1 000,00", {"decimal_sep": ",", "group_sep": " "}, 100_000),
    ("1\u00a0000,00", {"decimal_sep": ",", "group_sep": " "}, 100_000),
    ("1\u202f000,00", {"decimal_sep": ",", "group_sep": " "}, 100_000),
    ("1 000,00", {"decimal_sep": ",", "group_sep": "\u202f"}, 100_000),
    ("1\u00a0000,00", {"decimal_sep": ",", "group_sep": "\u00a0"}, 100_000),
    ("1\u202f000,00", {"decimal_sep": ",", "group_sep": "\u00a0"}, 100_000),
    ("1  000,00", {"decimal_sep": ",", "group_sep": " "}, "Group digits in threes, like 1 000,00"),
    ("1'000.50", {"group_sep": "'"}, 100_050),
    ("1\uff0c000", {}, 100_000),  # full-width comma
    (
        "10000000000",
        {"decimal_sep": ",", "group_sep": "."},
        "Amount is too large (max 9.999.999.999,99)",
    ),
]


@pytest.mark.parametrize(("text", "kwargs", "expected"), PARSE_CASES)
def test_parse_money_table(text: str, kwargs: dict[str, Any], expected: int | str) -> None:
    if isinstance(expected, int):
        result = parse_money(text, **kwargs)
        assert result == expected
        assert type(result) is int
    else:
        with pytest.raises(MoneyError) as info:
            parse_money(text, **kwargs)
        assert str(info.value) == expected


def test_money_error_is_a_value_error() -> None:
    assert issubclass(MoneyError, ValueError)


@pytest.mark.parametrize(
    ("decimal_sep", "group_sep"),
    [
        ("", ","),  # no decimal separator
        (".,", ","),  # two characters
        (".", ",,"),
        (".", "."),  # indistinguishable
        (" ", ","),  # a space cannot be the decimal separator
        ("1", ","),  # a digit
        (".", "\u0665"),  # a non-ASCII digit
        ("-", ","),  # a sign
        (".", "+"),
        (".", "\u2212"),
        ("\u00a0", " "),  # equal after NFKC
    ],
)
def test_parse_money_refuses_unusable_separators(decimal_sep: str, group_sep: str) -> None:
    with pytest.raises(ValueError, match="unusable separators") as info:
        parse_money("1", decimal_sep=decimal_sep, group_sep=group_sep)
    assert not isinstance(info.value, MoneyError)  # a programming error, not the user's


@pytest.mark.parametrize("maximum", [-1, MAX_MINOR + 1])
def test_parse_money_refuses_maximum_out_of_range(maximum: int) -> None:
    with pytest.raises(ValueError, match="maximum must be between") as info:
        parse_money("1", maximum=maximum)
    assert not isinstance(info.value, MoneyError)


@pytest.mark.parametrize("bad", [None, 12.5, b"12.50", 1250])
def test_parse_money_refuses_non_str(bad: object) -> None:
    with pytest.raises(TypeError, match="text must be a str"):
        parse_money(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, True, "5"])
def test_parse_money_refuses_non_int_maximum(bad: object) -> None:
    with pytest.raises(TypeError, match="maximum must be an int"):
        parse_money("1", maximum=bad)  # type: ignore[arg-type]


MONEYISH = st.text(
    alphabet="0123456789.,+- \u00a0\u202f\u2212\n\t'eE$\u0665\uff11\uff0e", max_size=20
)
SEPARATORS = st.sampled_from([(".", ","), (",", "."), (",", " "), (",", "\u202f"), (".", "")])


@given(
    text=st.one_of(st.text(), MONEYISH),
    seps=SEPARATORS,
    allow_zero=st.booleans(),
    allow_negative=st.booleans(),
    maximum=st.integers(0, MAX_MINOR),
)
@example(text="9" * 5000, seps=(".", ","), allow_zero=True, allow_negative=True, maximum=MAX_MINOR)
def test_parse_money_returns_bounded_int_or_raises_money_error(
    text: str, seps: tuple[str, str], allow_zero: bool, allow_negative: bool, maximum: int
) -> None:
    decimal_sep, group_sep = seps
    try:
        result = parse_money(
            text,
            decimal_sep=decimal_sep,
            group_sep=group_sep,
            allow_zero=allow_zero,
            allow_negative=allow_negative,
            maximum=maximum,
        )
    except MoneyError as error:
        message = str(error)
        assert message
        assert "\n" not in message
        return
    assert type(result) is int
    assert -maximum <= result <= maximum
    assert allow_negative or result >= 0
    assert allow_zero or result != 0


@given(st.integers(-MAX_MINOR, MAX_MINOR))
@example(0)
@example(-1)
@example(MAX_MINOR)
@example(-MAX_MINOR)
def test_round_trip_through_format_and_to_major_str(minor: int) -> None:
    assert parse_money(format_money(minor), allow_negative=True) == minor
    assert parse_money(to_major_str(minor), allow_negative=True) == minor


@given(st.integers(-MAX_MINOR, MAX_MINOR), SEPARATORS)
def test_round_trip_in_other_locales(minor: int, seps: tuple[str, str]) -> None:
    decimal_sep, group_sep = seps
    text = format_money(minor, decimal_sep=decimal_sep, group_sep=group_sep)
    parsed = parse_money(text, decimal_sep=decimal_sep, group_sep=group_sep, allow_negative=True)
    assert parsed == minor


@given(st.integers(-MAX_MINOR, MAX_MINOR))
def test_to_major_str_matches_exact_fraction(minor: int) -> None:
    text = to_major_str(minor)
    assert Fraction(text) == Fraction(minor, 10**MINOR_DIGITS)
    assert len(text.partition(".")[2]) == MINOR_DIGITS


# --- format_money and to_major_str ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "kwargs", "expected"),
    [
        (-123_456, {}, "-1,234.56"),
        (123_456, {}, "1,234.56"),
        (0, {}, "0.00"),
        (5, {}, "0.05"),
        (-5, {}, "-0.05"),
        (100, {}, "1.00"),
        (MAX_MINOR, {}, "9,999,999,999.99"),
        (10**20, {}, "1,000,000,000,000,000,000.00"),  # sums may exceed MAX_MINOR
        (123_456, {"decimal_sep": ",", "group_sep": "."}, "1.234,56"),
        (123_456, {"decimal_sep": ",", "group_sep": "\u202f"}, "1\u202f234,56"),
        (-500, {"symbol": "$"}, "-$5.00"),
        (123_456, {"symbol": "\u20ac "}, "\u20ac 1,234.56"),
        (123_456, {"group_sep": ""}, "1234.56"),
    ],
)
def test_format_money(minor: int, kwargs: dict[str, Any], expected: str) -> None:
    assert format_money(minor, **kwargs) == expected


@pytest.mark.parametrize(
    ("minor", "expected"),
    [(1234, "12.34"), (-123_456_789, "-1234567.89"), (0, "0.00"), (-1, "-0.01"), (7, "0.07")],
)
def test_to_major_str(minor: int, expected: str) -> None:
    assert to_major_str(minor) == expected


@pytest.mark.parametrize("bad", [12.5, True, "1250", None])
def test_formatters_refuse_non_int(bad: object) -> None:
    with pytest.raises(TypeError, match="minor must be an int"):
        format_money(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="minor must be an int"):
        to_major_str(bad)  # type: ignore[arg-type]


# --- div_round and rates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 2, 2),  # 2.5 -> 2 (even)
        (7, 2, 4),  # 3.5 -> 4 (even)
        (-5, 2, -2),
        (-7, 2, -4),
        (1, 3, 0),
        (2, 3, 1),
        (-1, 3, 0),
        (-2, 3, -1),
        (6, 3, 2),
        (0, 7, 0),
        (5, -2, -2),  # a negative denominator flips the sign
        (-7, -2, 4),
        (10**40 + 5, 10, 10**39),  # exact for big ints, where float would fail
    ],
)
def test_div_round_examples(numerator: int, denominator: int, expected: int) -> None:
    assert div_round(numerator, denominator) == expected


@given(st.integers(), st.integers().filter(lambda d: d != 0))
def test_div_round_matches_fraction_half_even(numerator: int, denominator: int) -> None:
    # round() on a Fraction rounds half to even and is exact.
    assert div_round(numerator, denominator) == round(Fraction(numerator, denominator))


@given(st.integers(), st.integers(min_value=1))
def test_div_round_is_symmetric(numerator: int, denominator: int) -> None:
    assert div_round(-numerator, denominator) == -div_round(numerator, denominator)


def test_div_round_by_zero() -> None:
    with pytest.raises(ZeroDivisionError):
        div_round(1, 0)


@pytest.mark.parametrize(("numerator", "denominator"), [(1.5, 2), (1, 2.0), (True, 2), (1, True)])
def test_div_round_refuses_non_int(numerator: object, denominator: object) -> None:
    with pytest.raises(TypeError, match="must be an int"):
        div_round(numerator, denominator)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "rate_bp", "expected"),
    [
        (1000, 2000, 200),
        (1, 5000, 0),  # 0.5 -> 0
        (3, 5000, 2),  # 1.5 -> 2
        (5, 5000, 2),  # 2.5 -> 2
        (-5, 5000, -2),
        (999, 0, 0),
        (1234, BP_PER_UNIT, 1234),
        (1, 1, 0),
        (12_345, 825, 1018),  # 1018.4625
    ],
)
def test_apply_rate_bp(amount: int, rate_bp: int, expected: int) -> None:
    assert apply_rate_bp(amount, rate_bp) == expected
    assert tax_from_net(amount, rate_bp) == expected


@given(st.integers(-MAX_MINOR, MAX_MINOR), st.integers(0, 100 * BP_PER_UNIT))
def test_apply_rate_bp_matches_fraction(amount: int, rate_bp: int) -> None:
    assert apply_rate_bp(amount, rate_bp) == round(Fraction(amount * rate_bp, BP_PER_UNIT))
    assert tax_from_net(amount, rate_bp) == apply_rate_bp(amount, rate_bp)


@pytest.mark.parametrize(
    ("gross", "rate_bp", "expected"),
    [
        (1200, 2000, 200),
        (1, 2000, 0),
        (-1200, 2000, -200),
        (107, 700, 7),
        (1000, 0, 0),
        (2, 10_000, 1),  # 100 %: 2 * 1/2 = 1
        (1, 10_000, 0),  # 0.5 -> 0 (even)
        (3, 10_000, 2),  # 1.5 -> 2 (even)
    ],
)
def test_tax_from_gross(gross: int, rate_bp: int, expected: int) -> None:
    assert tax_from_gross(gross, rate_bp) == expected


@given(st.integers(-MAX_MINOR, MAX_MINOR), st.integers(0, BP_PER_UNIT))
def test_tax_from_gross_is_consistent_with_net(gross: int, rate_bp: int) -> None:
    tax = tax_from_gross(gross, rate_bp)
    net = gross - tax
    assert tax + net == gross
    assert tax == round(Fraction(gross * rate_bp, BP_PER_UNIT + rate_bp))
    # Adding tax back to the net lands within a cent of the tax that was taken out.
    assert abs(tax_from_net(net, rate_bp) - tax) <= 1
    assert abs(Fraction(tax) - Fraction(gross * rate_bp, BP_PER_UNIT + rate_bp)) <= Fraction(1, 2)


@pytest.mark.parametrize("function", [apply_rate_bp, tax_from_net, tax_from_gross])
def test_rates_refuse_negative_rate(function: Any) -> None:
    with pytest.raises(ValueError, match="rate_bp must not be negative"):
        function(100, -1)


@pytest.mark.parametrize("function", [apply_rate_bp, tax_from_net, tax_from_gross])
def test_rates_refuse_non_int(function: Any) -> None:
    with pytest.raises(TypeError, match="rate_bp must be an int"):
        function(100, 20.0)
    with pytest.raises(TypeError, match="must be an int"):
        function(1.0, 2000)


# --- allocate and split_even ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (101, [1, 1, 1], [34, 34, 33]),
        (5, [3, 3, 2, 2], [2, 1, 1, 1]),  # remainders tie: earliest index wins
        (5, [2, 2, 3, 3], [1, 1, 2, 1]),
        (10, [0, 1, 0], [0, 10, 0]),
        (1, [0, 1, 1], [0, 1, 0]),  # a zero weight never gets a leftover cent
        (0, [5, 7], [0, 0]),
        (1000, [1], [1000]),
        (100, [1, 2], [33, 67]),  # 33.33 / 66.67: the larger remainder gets the cent
        (7, [10**30, 1], [7, 0]),
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@given(
    st.integers(-MAX_MINOR, MAX_MINOR),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=20).filter(any),
)
def test_allocate_sums_exactly_and_stays_within_a_cent(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    weight_sum = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - Fraction(total * weight, weight_sum)) < 1
        if weight == 0:
            assert share == 0
    assert allocate(-total, weights) == [-share for share in shares]


def test_allocate_accepts_any_sequence() -> None:
    assert allocate(10, (1, 1)) == [5, 5]
    assert allocate(10, range(3)) == [0, 3, 7]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "at least one weight"),
        ([0, 0], "at least one positive weight"),
        ([1, -1, 2], "must not be negative"),
    ],
)
def test_allocate_refuses_bad_weights(weights: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(100, weights)


def test_allocate_refuses_non_int() -> None:
    with pytest.raises(TypeError, match="weight must be an int"):
        allocate(100, [1, 0.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="total_minor must be an int"):
        allocate(1.0, [1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        (100, 3, [34, 33, 33]),
        (-100, 3, [-34, -33, -33]),
        (2, 3, [1, 1, 0]),
        (0, 2, [0, 0]),
        (99, 1, [99]),
    ],
)
def test_split_even_examples(total: int, parts: int, expected: list[int]) -> None:
    assert split_even(total, parts) == expected


@given(st.integers(-MAX_MINOR, MAX_MINOR), st.integers(1, 50))
def test_split_even_shares_differ_by_at_most_one_cent(total: int, parts: int) -> None:
    shares = split_even(total, parts)
    assert sum(shares) == total
    assert len(shares) == parts
    assert max(shares) - min(shares) <= 1
    assert [abs(share) for share in shares] == sorted((abs(s) for s in shares), reverse=True)


@pytest.mark.parametrize("parts", [0, -1])
def test_split_even_refuses_fewer_than_one_part(parts: int) -> None:
    with pytest.raises(ValueError, match="at least one part"):
        split_even(100, parts)


def test_split_even_refuses_non_int_parts() -> None:
    with pytest.raises(TypeError, match="parts must be an int"):
        split_even(100, 2.0)  # type: ignore[arg-type]
