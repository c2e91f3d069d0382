"""Gift card codes: made like coupon codes (the same alphabet and source), checked when typed.

A card's code is ``GC-XXXX-XXXX-XXXX-XXXX``: the coupons' generator
(:func:`posapp.services.coupons.new_codes`) with four groups, ≈ 79 bits, because a card is
money to whoever holds the code. Typed codes are matched by the coupons' key (upper case,
spaces and dashes ignored, NFKC so full-width characters match); anything else is refused with
a sentence that says what is wrong, before the database is asked.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from posapp.i18n import _
from posapp.services.coupons import ALPHABET, code_key, new_codes
from posapp.services.customers.giftcards.dto import GiftCardRefused

PREFIX: Final = "GC"
GROUPS: Final = 4
KEY_LENGTH: Final = len(PREFIX) + GROUPS * 4
_TYPED_MAX: Final = 80
_LOOK_ALIKES: Final = frozenset("01ILO")


def new_card_code() -> tuple[str, str]:
    """A fresh (code, key); uniqueness in the database is the caller's (a unique key)."""
    return new_codes(1, prefix=PREFIX, groups=GROUPS)[0]


def card_key(text: str) -> str:
    """The key a typed or scanned code is matched by.

    Raises:
        GiftCardRefused: ``not_a_code``: empty, too long, invisible or foreign characters
            (a zero-width space, a Cyrillic А), or letters no card has (0, 1, I, L, O).
    """
    if len(text) > _TYPED_MAX:
        raise GiftCardRefused("not_a_code", _("That is too long for a gift card code."))
    if any(
        unicodedata.category(ch) in {"Cf", "Cc", "Co", "Cn"} and ch not in "\t\n\r" for ch in text
    ):
        raise GiftCardRefused(
            "not_a_code", _("The gift card code has an invisible character: type it again.")
        )
    key = code_key(text)
    if not key:
        raise GiftCardRefused("not_a_code", _("Enter or scan the gift card's code."))
    if not key.isascii() or not key.isalnum():
        raise GiftCardRefused(
            "not_a_code",
            _("The gift card code has characters no card has (only A-Z and 2-9): type it again."),
        )
    body = key.removeprefix(PREFIX)
    if len(key) != KEY_LENGTH or not key.startswith(PREFIX):
        raise GiftCardRefused(
            "not_a_code", _("That is not a gift card code (GC and four groups of four).")
        )
    if any(ch in _LOOK_ALIKES for ch in body):
        raise GiftCardRefused(
            "not_a_code", _("Gift card codes have no 0, 1, I, L or O: check the code.")
        )
    if any(ch not in ALPHABET for ch in body):  # pragma: no cover - the alphabet is the rest
        raise GiftCardRefused("not_a_code", _("That is not a gift card code."))
    return key
