"""Code generation and normalisation, and the percent and value texts (pure, no database)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from posapp.services.coupons.codes import (
    ALPHABET,
    clean_prefix,
    clean_shared_code,
    code_key,
    format_code,
    is_possible_key,
    new_codes,
    random_bodies,
)
from posapp.services.coupons.dto import parse_percent_bp, percent_text, value_text
from posapp.services.platform.errors import ValidationError


def test_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("SPRING-7KQ2-M9XD", "SPRING7KQ2M9XD"),
        ("  spring 7kq2-m9xd\n", "SPRING7KQ2M9XD"),
        ("s-p-r-i-n-g–7kq2—m9xd", "SPRING7KQ2M9XD"),
        ("ＳＰＲＩＮＧ", "SPRING"),
        ("", ""),
    ],
)
def test_code_key(typed: str, key: str) -> None:
    assert code_key(typed) == key


@pytest.mark.parametrize("key", ["", "X" * 65, "' OR 1=1", "A%", "É", "A_B"])
def test_impossible_keys(key: str) -> None:
    assert not is_possible_key(code_key(key))


def test_generated_codes_are_grouped_unique_and_from_the_alphabet() -> None:
    codes = new_codes(20_000, prefix="SPRING")
    assert len({key for _, key in codes}) == 20_000
    pattern = re.compile(rf"^SPRING-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
    assert all(pattern.match(code) for code, _ in codes)
    assert all(code_key(code) == key for code, key in codes)
    three = new_codes(10, groups=3)
    assert all(len(code) == 14 and code.count("-") == 2 for code, _ in three)


def test_generation_skips_taken_keys_and_repeats() -> None:
    stream = iter([bytes([0] * 100), bytes(range(248)) * 4])

    def fake(n: int) -> bytes:
        return next(stream)

    taken = {"22222222"}
    codes = new_codes(1, taken=taken, random_bytes=fake)
    assert codes[0][1] != "22222222"
    assert codes[0][1] in taken


def test_characters_are_uniform() -> None:
    counts = Counter("".join(random_bodies(10_000, 8)))
    expected = 80_000 / 31
    assert all(abs(n - expected) < expected * 0.15 for n in counts.values())
    assert set(counts) == set(ALPHABET)


def test_prefix_and_shared_codes() -> None:
    assert clean_prefix(" spring-26 ") == "SPRING26"
    assert clean_prefix("") == ""
    with pytest.raises(ValidationError, match="letters A-Z"):
        clean_prefix("=cmd")
    with pytest.raises(ValidationError, match="at most 12"):
        clean_prefix("A" * 13)
    assert clean_shared_code(" welcome 5 ") == ("WELCOME-5", "WELCOME5")
    for bad in ("", "ab", "X" * 40, "' OR 1=1--", "🎉🎉🎉"):
        with pytest.raises(ValidationError):
            clean_shared_code(bad)
    assert format_code("", "ABCDEFGH") == "ABCD-EFGH"


@pytest.mark.parametrize(
    ("text", "bp"),
    [("15", 1500), ("12.5", 1250), ("12,5 %", 1250), ("100", 10000), ("0.01", 1), (" 7% ", 700)],
)
def test_parse_percent(text: str, bp: int) -> None:
    assert parse_percent_bp(text) == bp


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "below 0"),
        ("101", "above 100"),
        ("100.01", "above 100"),
        ("0", "more than 0"),
        ("", "like 15"),
        ("abc", "like 15"),
        ("1.234", "two decimals"),
        ("1e2", "like 15"),
        ("NaN", "like 15"),
        ("9" * 30, "above 100"),
    ],
)
def test_bad_percent(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_percent_bp(text)


def test_value_texts() -> None:
    assert value_text("percent", 1500) == "15 % off"
    assert value_text("percent", 1250) == "12.5 % off"
    assert value_text("fixed", 500) == "5.00 off"
    assert percent_text(5) == "0.05"
