"""posapp.units: a product's unit, its scale, parsing and showing quantities; scale barcodes."""

from __future__ import annotations

import pytest

from posapp.formats import Formats, set_current_formats
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.registry import SCALE_PREFIXES, SettingValueError
from posapp.services.sales.scale_codes import ScaleLayout, decode
from posapp.units import (
    QuantityError,
    format_quantity,
    items_of,
    line_amount,
    parse_quantity,
    per_unit,
    scale_of,
    typing_example,
    unit_of,
)
from tests.weighed_seed import scale_code


@pytest.mark.parametrize(
    ("text", "unit", "steps"),
    [
        ("0.455", "kg", 455),
        ("1", "kg", 1000),
        (".5", "l", 500),
        ("1,250.5", "m", 1_250_500),
        ("０.４５５", "kg", 455),  # full-width digits
        ("3", "pc", 3),
        ("3.000", "pc", 3),
        ("250", "g", 250),
        ("0.455 kg", "kg", 455),
        ("1.5L", "l", 1500),
    ],
)
def test_parse_quantity_counts_steps_of_the_unit(text: str, unit: str, steps: int) -> None:
    assert parse_quantity(text, unit) == steps


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("0.4555", "kg", "At most three decimals"),
        ("1.5", "pc", "Whole units only"),
        ("0.5", "g", "Whole grams only"),
        ("0", "kg", "above zero"),
        ("0.000", "kg", "above zero"),
        ("-1", "kg", "above zero"),
        ("1e3", "kg", "digits"),
        ("NaN", "kg", "digits"),
        ("", "kg", "Enter a quantity"),
        ("2000000", "kg", "At most 1,000,000.000 kg"),
        (str(2**63), "pc", "At most 1,000,000,000 units"),
    ],
)
def test_bad_quantities_say_what_to_type(text: str, unit: str, message: str) -> None:
    with pytest.raises(QuantityError, match=message):
        parse_quantity(text, unit)


@pytest.mark.parametrize(
    ("locale", "text", "unit", "steps"),
    [
        ("de_DE", "0,455", "kg", 455),
        ("de_DE", "1,5", "kg", 1500),
        ("de_DE", "1.500,25", "kg", 1_500_250),
        ("de_DE", "0,455 kg", "kg", 455),
        ("de_DE", "1.250", "pc", 1250),
        ("fr_FR", "0,455", "kg", 455),
        ("fr_FR", "1 250", "pc", 1250),
        ("fr_FR", "1\u202f250", "pc", 1250),  # as the shop's own numbers are grouped
        ("en_US", "0.455", "kg", 455),
    ],
)
def test_quantities_are_typed_with_the_shops_marks(
    locale: str, text: str, unit: str, steps: int
) -> None:
    set_current_formats(Formats(locale=locale))
    assert parse_quantity(text, unit) == steps


@pytest.mark.parametrize(
    ("locale", "text", "unit", "message"),
    [
        # The other mark, or a grouped figure without decimals, is never read as thousands:
        # 0,455 kg in a German shop was 455 kg (455,000 steps) before.
        ("de_DE", "0.455", "kg", "Write decimals with “,”, like 0,455"),
        ("de_DE", "1.500", "kg", "Write decimals with “,”"),
        ("fr_FR", "0.455", "kg", "Write decimals with “,”"),
        ("", "0,455", "kg", "Write decimals with “.”, like 0.455"),
        ("", "2,250", "kg", "thousands without a separator"),
        ("de_DE", "1,5", "pc", "Whole units only"),
        ("de_DE", "1.5", "pc", "Group digits in threes, like 1.000"),
    ],
)
def test_a_quantity_in_the_wrong_marks_says_which_to_use(
    locale: str, text: str, unit: str, message: str
) -> None:
    set_current_formats(Formats(locale=locale))
    with pytest.raises(QuantityError, match=message):
        parse_quantity(text, unit)


def test_quantities_are_shown_with_the_shops_marks() -> None:
    set_current_formats(Formats(locale="de_DE"))
    assert format_quantity(1_500_250, "kg") == "1.500,250 kg"
    assert format_quantity(1_250, "pc") == "1.250"
    assert format_quantity(-455, "kg", signed=True) == "-0,455 kg"
    examples = (typing_example("kg"), typing_example("g"), typing_example("pc"))
    assert examples == ("0,455", "250", "3")
    for shown in (1_500_250, 455, 1):
        assert parse_quantity(format_quantity(shown, "kg").removesuffix("kg"), "kg") == shown
    set_current_formats(Formats(locale="fr_FR"))
    assert format_quantity(1_234_567, "pc") == "1\u202f234\u202f567"
    assert parse_quantity(format_quantity(1_234_567, "pc")) == 1_234_567


def test_format_amount_and_items() -> None:
    assert format_quantity(455, "kg") == "0.455 kg"
    assert format_quantity(1_250, "pc") == "1,250"
    assert format_quantity(250, "g") == "250 g"
    assert format_quantity(-1500, "l", signed=True) == "-1.500 l"
    assert (per_unit("kg"), per_unit("pc")) == ("/kg", "")
    assert (scale_of("kg"), scale_of("g"), scale_of("pc")) == (1000, 1, 1)
    assert line_amount(1990, 455, "kg") == 905
    assert (items_of(455, "kg"), items_of(3, "pc")) == (1, 3)
    assert unit_of(" KG ") == "kg"
    with pytest.raises(QuantityError, match="Unknown unit 'lb'"):
        unit_of("lb")


def test_prefixes_setting_reads_runs_and_lists() -> None:
    assert SCALE_PREFIXES.parse("20-23, 28") == (20, 21, 22, 23, 28)
    assert SCALE_PREFIXES.show((20, 21, 22, 23, 28)) == "20-23, 28"
    assert SCALE_PREFIXES.parse("") == ()
    assert SCALE_PREFIXES.coerce([21, 22]) == (21, 22)
    for bad in ("19", "30", "2x", "25-21", "21-"):
        with pytest.raises(SettingValueError, match="prefixes from 20 to 29"):
            SCALE_PREFIXES.parse(bad)


def test_decode_splits_item_and_value_and_checks_the_digit() -> None:
    layout = ScaleLayout(prefixes=(21,))
    code = scale_code(455)
    assert layout.matches(code)
    reading = decode(code, layout)
    assert (reading.item_code, reading.value) == ("00042", 455)
    assert reading.zero_code == scale_code(0)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="check digit should be"):
        decode(wrong, layout)
    with pytest.raises(ValidationError, match="does not fit"):
        decode(code, ScaleLayout(prefixes=(21,), item_digits=6, value_digits=6))
    assert not layout.matches(scale_code(455, prefix="22"))
    assert not layout.matches(code[:12])
