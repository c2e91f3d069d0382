"""Free text a person typed, checked before it is stored: trimmed, bounded, no card numbers."""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

from posapp.i18n import _
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.errors import ValidationError

_CONTROL: Final = frozenset({"Cc", "Cs"})
"""Control characters, and lone surrogates (which cannot be stored)."""


def clean_text(
    text: str,
    what: str,
    *,
    limit: int,
    required: bool = False,
    form: Literal["NFC", "NFKC"] = "NFC",
    multiline: bool = False,
) -> str:
    """Return ``text`` stripped and checked for a free-text field of ``what``.

    ``form`` is the Unicode normalisation (NFKC also folds look-alikes: full-width letters become
    ASCII); ``multiline`` keeps line breaks, each line stripped.

    Raises:
        ValidationError: empty when required, too long, control characters.
        CardNumberError: it contains something that looks like a card number.
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be text")
    value = unicodedata.normalize(form, text).strip()
    if multiline:
        value = "\n".join(line.strip() for line in value.replace("\r\n", "\n").split("\n"))
    if required and not value:
        raise ValidationError(_("Enter the {what}.").format(what=what))
    if len(value) > limit:
        raise ValidationError(
            _("The {what} has at most {limit} characters.").format(what=what, limit=limit)
        )
    allowed = "\n" if multiline else ""
    if any(unicodedata.category(ch) in _CONTROL and ch not in allowed for ch in value):
        raise ValidationError(_("The {what} cannot contain control characters.").format(what=what))
    return refuse_card_number(value)
