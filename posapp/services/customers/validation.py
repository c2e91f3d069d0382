"""Checks and normalisation of a customer's address, notes and tags.

Names, email addresses and phone numbers are checked by the same rules as an account holder's
(``posapp.services.accounts``), so a customer and their account never disagree about what is
valid. Each ``clean_*`` returns the value to store or raises :class:`ValidationError` with a
one-line message for the form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from posapp.i18n import _
from posapp.services.accounts import clean_email, clean_holder_name, clean_phone
from posapp.services.customers.dto import CustomerDraft
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.errors import ValidationError

ADDRESS_MAX: Final = 500
NOTES_MAX: Final = 2000
TAG_MAX: Final = 30
TAGS_MAX: Final = 10
SEARCH_MAX: Final = 100

_SPACES = re.compile(r"[^\S\n]+")
_TAG = re.compile(r"^[\w][\w .&'-]*$")


def _refuse_controls(text: str, what: str) -> None:
    """Refuse control and invisible format characters; line breaks are allowed."""
    for ch in text:
        if ch == "\n":
            continue
        if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
            raise ValidationError(
                _("{what} cannot contain tabs, control codes or invisible characters.").format(
                    what=what
                )
            )


def _multiline(text: str, what: str, limit: int) -> str:
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    _refuse_controls(text, what)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    value = "\n".join(line for line in lines if line)
    if len(value) > limit:
        raise ValidationError(
            _("{what} has at most {limit:,} characters.").format(what=what, limit=limit)
        )
    return refuse_card_number(value)


def clean_address(text: str) -> str:
    """Return the postal address: NFKC, lines trimmed, empty lines dropped, <= 500 characters."""
    return _multiline(text, _("The address"), ADDRESS_MAX)


def clean_notes(text: str) -> str:
    """Return the notes: as :func:`clean_address`, <= 2,000 characters; card numbers refused."""
    return _multiline(text, _("The notes"), NOTES_MAX)


def clean_tags(text: str) -> tuple[str, ...]:
    """Return the tags typed as ``"VIP, wholesale"``: lower-case, sorted, without repeats.

    A tag is a word or short phrase (letters, digits, spaces, ``. & ' -``) of at most 30
    characters; at most 10 tags.
    """
    text = unicodedata.normalize("NFKC", text)
    _refuse_controls(text.replace("\n", "\t"), _("A tag"))
    tags: set[str] = set()
    for part in text.split(","):
        tag = _SPACES.sub(" ", part).strip().lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValidationError(
                _("A tag has at most {tag_max} characters ({tag}…).").format(
                    tag_max=TAG_MAX, tag=tag[:TAG_MAX]
                )
            )
        if not _TAG.match(tag):
            raise ValidationError(
                _("The tag {tag!r} may hold letters, digits, spaces and . & ' - only.").format(
                    tag=tag
                )
            )
        tags.add(tag)
    if len(tags) > TAGS_MAX:
        raise ValidationError(
            _("A customer has at most {tags_max} tags.").format(tags_max=TAGS_MAX)
        )
    return tuple(sorted(tags))


def clean_name(text: str) -> str:
    """Return the customer's name (the account holder's rules: any name, no control codes)."""
    try:
        return clean_holder_name(text)
    except ValidationError as exc:
        raise ValidationError(str(exc).replace("holder's name", "customer's name")) from exc


def clean_search(text: str) -> str:
    """Return a search text: NFKC, trimmed, at most 100 characters; control codes refused."""
    text = unicodedata.normalize("NFKC", text)
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in text):
        raise ValidationError(
            _("A search cannot contain tabs, line breaks or invisible characters.")
        )
    return _SPACES.sub(" ", text).strip()[:SEARCH_MAX]


def clean_draft(draft: CustomerDraft) -> tuple[CustomerDraft, tuple[str, ...]]:
    """Return ``draft`` with every field cleaned, and its tags as a tuple."""
    tags = clean_tags(draft.tags)
    clean = CustomerDraft(
        name=clean_name(draft.name),
        phone=clean_phone(draft.phone),
        email=clean_email(draft.email),
        address=clean_address(draft.address),
        marketing_opt_in=bool(draft.marketing_opt_in),
        notes=clean_notes(draft.notes),
        tags=", ".join(tags),
    )
    return clean, tags
