"""No full card number in any text posapp stores, whichever system the field belongs to.

posapp never stores a primary account number (PCI DSS keeps a shop that stores none out of most
of its scope). Every system's text cleaners call :func:`refuse_card_number` (the order system's
through :func:`posapp.services.platform.text.clean_text`).

It imports nothing but the errors, so the plain validation modules can use it. What counts as a
card number: 13 to 19 digits, written together or in groups separated by up to three spaces or
dashes, passing the Luhn check; full-width and other Unicode digits count as digits.
"""

from __future__ import annotations

import re
import unicodedata

from posapp.i18n import N_, _
from posapp.services.platform.errors import ValidationError

__all__ = [
    "CARD_NUMBER_REFUSED",
    "CardNumberError",
    "ascii_digits",
    "contains_card_number",
    "luhn_valid",
    "refuse_card_number",
]

CARD_NUMBER_REFUSED = N_(
    "That looks like a full card number: never type card numbers into posapp "
    "(for a card payment enter only the terminal's reference and the last four digits)."
)
_GROUP = re.compile(r"[0-9]+")
_SEPARATOR = re.compile(r"[ \-]{1,3}")
_PAN_MIN, _PAN_MAX = 13, 19
_NO_DIGITS = str.maketrans("", "", "0123456789")
_NINE = 9


class CardNumberError(ValidationError):
    """A field contained something that looks like a full card number."""


def ascii_digits(text: str) -> str:
    """NFKC-normalise and map every Unicode decimal digit to its ASCII digit."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > _NINE:
                value -= _NINE
        total += value
    return total % 10 == 0


def _digit_runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = []
    current: list[str] = []
    position = 0
    for match in _GROUP.finditer(text):
        if current and not _SEPARATOR.fullmatch(text[position : match.start()]):
            runs.append(current)
            current = []
        current.append(match.group())
        position = match.end()
    if current:
        runs.append(current)
    return runs


def contains_card_number(text: str) -> bool:
    """Whether ``text`` contains something that looks like a full card number.

    Any consecutive groups of one run whose digits number 13 to 19 and pass Luhn count, so a
    card number followed by an expiry date (``4111 1111 1111 1111 12/27``) is still found.
    """
    if text.isascii():
        # The common case, at C speed: fewer than 13 digits cannot hold a card number, and
        # ASCII needs no normalising (NFKC leaves it as it is).
        if len(text) - len(text.translate(_NO_DIGITS)) < _PAN_MIN:
            return False
        plain = text
    else:
        plain = ascii_digits(text)
    for groups in _digit_runs(plain):
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > _PAN_MAX:
                    break
                if len(digits) >= _PAN_MIN and luhn_valid(digits):
                    return True
    return False


def refuse_card_number(text: str) -> str:
    """Return ``text`` unchanged unless it holds a card number.

    Raises:
        CardNumberError: it contains something that looks like a full card number.
    """
    if contains_card_number(text):
        raise CardNumberError(_(CARD_NUMBER_REFUSED))
    return text
