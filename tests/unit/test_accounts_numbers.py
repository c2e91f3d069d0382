"""Account numbers: ISO 7064 MOD 97-10 check digits catch mistyped and swapped digits."""

from __future__ import annotations

import pytest

from posapp.services.accounts import numbers
from posapp.services.platform.errors import ValidationError

SAMPLES = ["0000000195", numbers.make_number(12_345_678), numbers.make_number(99_999_999)]


def test_known_check_digits() -> None:
    # int("1234567800") % 97 == 9, 98 - 9 == 89; and 1234567889 % 97 == 1.
    assert numbers.check_digits("12345678") == "89"
    assert numbers.make_number(12_345_678) == "1234567889"
    assert int("1234567889") % 97 == 1
    assert numbers.make_number(1) == "0000000195"


def test_make_number_is_mod_97_10() -> None:
    number = numbers.make_number(1)
    assert len(number) == 10
    assert number.startswith("00000001")
    assert int(number) % 97 == 1
    typo = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    assert int(typo) % 97 != 1
    swapped = number[:8] + number[9] + number[8]
    assert number[8] == number[9] or int(swapped) % 97 != 1
    for seq in (1, 42, 99_999_999):
        assert numbers.is_valid(numbers.make_number(seq))
    with pytest.raises(ValueError, match="out of range"):
        numbers.make_number(10**8)


def test_random_numbers_are_valid_and_above_the_demo_range() -> None:
    made = {numbers.random_number() for _ in range(200)}
    assert len(made) > 190
    assert all(numbers.is_valid(n) and int(n[:8]) >= 10_000_000 for n in made)


@pytest.mark.parametrize("number", SAMPLES)
def test_every_single_wrong_digit_is_caught(number: str) -> None:
    assert numbers.is_valid(number)
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert not numbers.is_valid(typo), typo


@pytest.mark.parametrize("number", SAMPLES)
def test_every_swap_of_neighbours_is_caught(number: str) -> None:
    for i in range(len(number) - 1):
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        if swapped != number:
            assert not numbers.is_valid(swapped), swapped


def test_typing_variants_are_normalised() -> None:
    assert numbers.validate(" 1234 5678 89 ") == "1234567889"
    assert numbers.validate("1234-5678-89") == "1234567889"
    assert numbers.validate("１２３４５６７８８９") == "1234567889"  # full-width
    assert numbers.display("1234567889") == "1234 5678 89"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an account number"),
        ("   ", "Enter an account number"),
        ("12345678A4", "only digits"),
        ("' OR 1=1--", "only digits"),
        ("123456787", "10 digits; 9 were entered"),
        ("1" * 1000, "10 digits"),
        ("1234567888", "mistyped digit"),
    ],
)
def test_bad_numbers(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        numbers.validate(text)
