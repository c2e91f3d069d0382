"""Username normalisation and password rules, shared by users, log-in and approvals."""

from __future__ import annotations

import unicodedata

from posapp.i18n import _
from posapp.models import Role
from posapp.services.platform.errors import ValidationError

USERNAME_MAX = 64
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
PIN_MIN, PIN_MAX = 4, 8


def username_key(username: str) -> str:
    """Return the key usernames are unique by: NFKC-normalised, stripped and case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


# Characters that look like another one, from Unicode's confusables.txt (UTS #39), mapped to their
# Latin prototype: Cyrillic, Greek and Armenian look-alikes of Latin letters, and the digits and
# letters that are confused within Latin itself. A small table rather than a dependency: the
# maintained TR39 implementation (ICU's SpoofChecker, through PyICU) needs the ICU C++ library,
# and the pure-Python packages are unmaintained or do not compute the skeleton. Case matters
# here (Cyrillic "В" looks like "B", its "в" does not), so it is applied before case folding.
_PROTOTYPES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
        "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
        "ѵ": "v", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "l", "Ј": "J", "Ӏ": "l",
        "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ѵ": "V",
        # Greek
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "υ": "u", "γ": "y", "ϲ": "c",
        "ϳ": "j", "η": "n",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
        # Armenian
        "օ": "o", "ս": "u", "հ": "h", "ո": "n",
        # Latin against Latin and digits
        "I": "l", "1": "l", "|": "l", "ı": "i", "ɩ": "i", "0": "O", "m": "rn",
    }
)  # fmt: skip


def username_skeleton(username: str) -> str:
    """The name's confusable skeleton: two names that look alike have the same one.

    In the manner of UTS #39's skeleton (NFD, each character to its prototype, NFD again), over
    the NFKC form, then case-folded, since user names are matched without case. ``mаnager1``
    with a Cyrillic "а" and ``rnanager1`` both have the skeleton of ``manager1``.
    """
    name = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", username).strip())
    mapped = unicodedata.normalize("NFD", name.translate(_PROTOTYPES)).casefold()
    return unicodedata.normalize("NFD", mapped.translate(_PROTOTYPES))


def clean_username(username: str) -> str:
    """Validate a new username and return it normalised (NFKC, stripped).

    Raises:
        ValidationError: empty, too long, or with control characters or inner spaces.
    """
    name = unicodedata.normalize("NFKC", username).strip()
    if not name:
        raise ValidationError(_("Enter a username."))
    if len(name) > USERNAME_MAX:
        raise ValidationError(
            _("A username has at most {username_max} characters.").format(username_max=USERNAME_MAX)
        )
    if any(unicodedata.category(ch).startswith(("C", "Z")) for ch in name):
        raise ValidationError(_("A username cannot contain spaces or control characters."))
    return name


def is_pin(password: str, role: str) -> bool:
    """Whether ``password`` is a cashier's till PIN (digits only) rather than a password."""
    return role == Role.CASHIER and password.isascii() and password.isdigit()


def check_password(password: str, role: str) -> None:
    """Check a new password (or a cashier's PIN) against the rules of ``role``.

    Admins and managers need at least 12 characters; cashiers may instead use a 4–8 digit PIN.
    Nothing is truncated: the whole string, spaces and emoji included, is what gets hashed.

    Raises:
        ValidationError: with what is wrong.
    """
    if "\x00" in password:
        raise ValidationError(_("A password cannot contain a NUL character."))
    if not password.strip():
        raise ValidationError(_("Enter a password."))
    if len(password) > PASSWORD_MAX:
        raise ValidationError(
            _("A password has at most {password_max} characters.").format(password_max=PASSWORD_MAX)
        )
    if is_pin(password, role):
        if not PIN_MIN <= len(password) <= PIN_MAX:
            raise ValidationError(
                _("A PIN has {pin_min} to {pin_max} digits.").format(
                    pin_min=PIN_MIN, pin_max=PIN_MAX
                )
            )
        return
    if len(password) < PASSWORD_MIN:
        raise ValidationError(
            _("A password has at least {password_min} characters.").format(
                password_min=PASSWORD_MIN
            )
        )
