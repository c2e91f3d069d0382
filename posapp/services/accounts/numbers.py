"""Customer account numbers: eight digits and two ISO 7064 MOD 97-10 check digits.

The check digits are those of an IBAN: a valid number satisfies ``int(number) % 97 == 1``. Any
single mistyped digit and any swap of two neighbouring digits changes the remainder, so such a
number is refused before it can reach the wrong account. Numbers are stored as their ten digits;
people may type them with spaces or dashes (``1234 5678 90``), which :func:`validate` removes.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Final

from posapp.i18n import _
from posapp.services.platform.errors import ValidationError

BODY_DIGITS: Final = 8
NUMBER_DIGITS: Final = BODY_DIGITS + 2
_MODULUS: Final = 97
_SEPARATORS: Final = frozenset(" -\u00a0\u202f")
# New numbers start at 10000000, so they never meet the small sequence numbers of demo data.
_FIRST_RANDOM_BODY: Final = 10 ** (BODY_DIGITS - 1)


def check_digits(body: str) -> str:
    """Return the two check digits of an eight-digit ``body`` (ISO 7064 MOD 97-10).

    Raises:
        ValueError: ``body`` is not eight ASCII digits (a programming error).
    """
    if len(body) != BODY_DIGITS or not body.isascii() or not body.isdigit():
        msg = f"an account number body is {BODY_DIGITS} digits, not {body!r}"
        raise ValueError(msg)
    return f"{98 - int(body + '00') % _MODULUS:02d}"


def make_number(body: int) -> str:
    """Return the ten-digit account number whose body is ``body`` (0 < body < 10**8)."""
    if not 0 < body < 10**BODY_DIGITS:
        msg = f"account number body out of range: {body}"
        raise ValueError(msg)
    text = f"{body:0{BODY_DIGITS}d}"
    return text + check_digits(text)


def random_number() -> str:
    """Return a new account number with a random (unguessable, not sequential) body."""
    return make_number(_FIRST_RANDOM_BODY + secrets.randbelow(10**BODY_DIGITS - _FIRST_RANDOM_BODY))


def normalise(text: str) -> str:
    """Return ``text`` without spaces and dashes, with full-width and other digits made ASCII."""
    chars = []
    for char in unicodedata.normalize("NFKC", text).strip():
        if char in _SEPARATORS:
            continue
        digit = unicodedata.decimal(char, None)
        chars.append(str(digit) if digit is not None else char)
    return "".join(chars)


def is_valid(text: str) -> bool:
    """Whether ``text`` is a well-formed account number with correct check digits."""
    try:
        validate(text)
    except ValidationError:
        return False
    return True


def validate(text: str) -> str:
    """Return the ten digits of the account number typed as ``text``.

    Raises:
        ValidationError: the text is empty, has other characters than digits, spaces and dashes,
            has the wrong length, or its check digits do not match (a mistyped number).
    """
    number = normalise(text)
    if not number:
        raise ValidationError(_("Enter an account number."))
    if not number.isascii() or not number.isdigit():
        raise ValidationError(_("An account number has only digits (spaces and dashes are fine)."))
    if len(number) != NUMBER_DIGITS:
        raise ValidationError(
            _("An account number has {number_digits} digits; {count} were entered.").format(
                number_digits=NUMBER_DIGITS, count=len(number)
            )
        )
    if int(number) % _MODULUS != 1:
        raise ValidationError(
            _("Account number {number} is not valid: check for a mistyped digit.").format(
                number=display(number)
            )
        )
    return number


def display(number: str) -> str:
    """Group a ten-digit number for people to read: ``1234 5678 90``."""
    if len(number) != NUMBER_DIGITS:
        return number
    return f"{number[:4]} {number[4:8]} {number[8:]}"
