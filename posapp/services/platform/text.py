"""Free text a person typed, checked before it is stored: trimmed, bounded, no card numbers."""

from __future__ import annotations

import unicodedata

from posapp.services.platform.cards import (
    CARD_NUMBER_REFUSED,
    CardNumberError,
    contains_card_number,
)
from posapp.services.platform.errors import ValidationError


def clean_text(text: str, what: str, *, limit: int, required: bool = False) -> str:
    """Return ``text`` stripped and checked for a free-text field of ``what``.

    Raises:
        ValidationError: empty when required, too long, control characters.
        CardNumberError: it contains something that looks like a card number.
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be text")
    value = unicodedata.normalize("NFC", text).strip()
    if required and not value:
        raise ValidationError(f"Enter the {what}.")
    if len(value) > limit:
        raise ValidationError(f"The {what} has at most {limit} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(f"The {what} cannot contain control characters.")
    if contains_card_number(value):
        raise CardNumberError(CARD_NUMBER_REFUSED)
    return value
