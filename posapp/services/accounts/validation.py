"""Checks and normalisation of what people type about a customer account.

Each ``clean_*`` function returns the value to store or raises :class:`ValidationError` with a
one-line message for the form. Normalisation (documented per function) never changes meaning:
Unicode NFKC (full-width letters and digits become plain ones), surrounding spaces removed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from posapp.i18n import _
from posapp.money import MAX_MINOR, format_money
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.errors import ValidationError

HOLDER_NAME_MAX: Final = 200
EMAIL_MAX: Final = 254
EMAIL_LOCAL_MAX: Final = 64
DOMAIN_LABEL_MAX: Final = 63
PHONE_MAX: Final = 40
PHONE_DIGITS_MIN: Final = 5
PHONE_DIGITS_MAX: Final = 15  # E.164
PIN_MIN: Final = 4
PIN_MAX: Final = 6
REASON_MAX: Final = 500

_SPACES = re.compile(r"\s+")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_PHONE_CHARS: Final = frozenset("0123456789 +-()")
# Characters an email's local part may not hold unquoted (RFC 5322 specials and spaces).
_LOCAL_FORBIDDEN: Final = frozenset(' "(),:;<>[\\]@')


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in text)


def clean_holder_name(text: str) -> str:
    """Return the holder's name: NFKC, trimmed, inner runs of spaces made one space.

    Any name a person may have is accepted, ``null`` and ``None`` included; only empty names,
    control characters (NUL, tab, line breaks) and names over 200 characters are refused.
    """
    if _has_control(text):
        raise ValidationError(
            _("The holder's name cannot contain tabs, line breaks or control codes.")
        )
    name = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not name:
        raise ValidationError(_("Enter the holder's name."))
    if len(name) > HOLDER_NAME_MAX:
        raise ValidationError(
            _("The holder's name has at most {holder_name_max} characters.").format(
                holder_name_max=HOLDER_NAME_MAX
            )
        )
    return refuse_card_number(name)


def clean_email(text: str) -> str:
    """Return the email address to store, or ``""`` when none was typed.

    The address needs one ``@`` with something before it and a domain with a dot after it.
    Internationalised domains (``anna@bücher.example``) are accepted: the domain must encode
    with IDNA, and it is stored lower-case in its Unicode form. At most 254 characters, counted
    in the ASCII (IDNA) form that mail servers see.
    """
    if _has_control(text):
        raise ValidationError(
            _("An email address cannot contain tabs, line breaks or control codes.")
        )
    email = unicodedata.normalize("NFKC", text).strip()
    if not email:
        return ""
    if len(email) > EMAIL_MAX:
        raise ValidationError(
            _("An email address has at most {email_max} characters.").format(email_max=EMAIL_MAX)
        )
    local, at, domain = email.rpartition("@")
    if not at or not local:
        raise ValidationError(_("Enter an email address like name@example.com (the @ is missing)."))
    if len(local) > EMAIL_LOCAL_MAX:
        raise ValidationError(
            _("The part before the @ has at most {email_local_max} characters.").format(
                email_local_max=EMAIL_LOCAL_MAX
            )
        )
    if any(ch in _LOCAL_FORBIDDEN for ch in local) or local.startswith(".") or ".." in local:
        raise ValidationError(_("The part before the @ has a character an address cannot hold."))
    ascii_domain = _ascii_domain(domain)
    if len(local) + 1 + len(ascii_domain) > EMAIL_MAX:
        raise ValidationError(
            _("An email address has at most {email_max} characters.").format(email_max=EMAIL_MAX)
        )
    return refuse_card_number(f"{local}@{domain.lower()}")


def _ascii_domain(domain: str) -> str:
    bad = ValidationError(_("Enter an email address with a domain like example.com after the @."))
    domain = domain.rstrip(".")
    if "." not in domain:
        raise bad
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise bad from exc
    labels = ascii_domain.split(".")
    if any(len(label) > DOMAIN_LABEL_MAX or not _LABEL.match(label) for label in labels):
        raise bad
    if labels[-1].isdigit():
        raise bad
    return ascii_domain


def clean_phone(text: str) -> str:
    """Return the phone number to store, or ``""`` when none was typed.

    Digits, spaces, ``+`` (only first), ``-`` and parentheses are accepted; letters and other
    characters are refused. NFKC turns full-width digits into ASCII; runs of spaces become one.
    It needs 5 to 15 digits (the international maximum).
    """
    phone = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not phone:
        return ""
    if any(ch.isalpha() for ch in phone):
        raise ValidationError(_("A phone number cannot contain letters."))
    if any(ch not in _PHONE_CHARS for ch in phone):
        raise ValidationError(_("A phone number has digits, spaces, +, - and parentheses only."))
    if "+" in phone[1:]:
        raise ValidationError(_("A + can only start a phone number."))
    digits = sum(ch.isdigit() for ch in phone)
    if not PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX:
        raise ValidationError(
            _(
                "A phone number has {phone_digits_min} to {phone_digits_max} "
                "digits; {digits} were entered."
            ).format(
                phone_digits_min=PHONE_DIGITS_MIN, phone_digits_max=PHONE_DIGITS_MAX, digits=digits
            )
        )
    if len(phone) > PHONE_MAX:
        raise ValidationError(
            _("A phone number has at most {phone_max} characters.").format(phone_max=PHONE_MAX)
        )
    return refuse_card_number(phone)


def phone_digits(text: str) -> str:
    """The digits of a phone number (for searching ``07700900123`` in ``07700 900123``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def clean_pin(text: str) -> str:
    """Return an account PIN: 4 to 6 digits (full-width or other script digits made ASCII)."""
    chars = []
    for ch in unicodedata.normalize("NFKC", text).strip():
        digit = unicodedata.decimal(ch, None)
        chars.append(str(digit) if digit is not None else ch)
    pin = "".join(chars)
    if not (PIN_MIN <= len(pin) <= PIN_MAX and pin.isascii() and pin.isdigit()):
        raise ValidationError(
            _("An account PIN is {pin_min} to {pin_max} digits.").format(
                pin_min=PIN_MIN, pin_max=PIN_MAX
            )
        )
    return pin


def check_amount(amount_minor: int, what: str = "The amount") -> int:
    """Return a movement's amount if it is an int above zero and at most the money maximum."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise ValidationError(_("{what} must be a whole number of cents.").format(what=what))
    if amount_minor <= 0:
        raise ValidationError(_("{what} must be more than zero.").format(what=what))
    if amount_minor > MAX_MINOR:
        raise ValidationError(
            _("{what} is too large (max {max_minor}).").format(
                what=what, max_minor=format_money(MAX_MINOR)
            )
        )
    return amount_minor


def check_overdraft(limit_minor: int) -> int:
    """Return an overdraft limit: zero (no overdraft) up to the money maximum."""
    if isinstance(limit_minor, bool) or not isinstance(limit_minor, int):
        raise ValidationError(_("The overdraft limit must be a whole number of cents."))
    if limit_minor < 0:
        raise ValidationError(_("The overdraft limit cannot be negative (0 means no overdraft)."))
    if limit_minor > MAX_MINOR:
        raise ValidationError(
            _("The overdraft limit is too large (max {max_minor}).").format(
                max_minor=format_money(MAX_MINOR)
            )
        )
    return limit_minor


def check_daily_limit(limit_minor: int | None) -> int | None:
    """Return a daily withdrawal limit: None (no limit) or an amount above zero."""
    if limit_minor is None:
        return None
    return check_amount(limit_minor, _("The daily withdrawal limit"))


def clean_reason(text: str, *, required: bool = False) -> str:
    """Return a reason or memo: trimmed, one line, at most 500 characters."""
    reason = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if required and not reason:
        raise ValidationError(_("Enter a reason."))
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("A reason has at most {reason_max} characters.").format(reason_max=REASON_MAX)
        )
    return refuse_card_number(reason)
