"""Username normalisation and password rules, shared by users, log-in and approvals."""

from __future__ import annotations

import unicodedata

from posapp.models import Role
from posapp.services.platform.errors import ValidationError

USERNAME_MAX = 64
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
PIN_MIN, PIN_MAX = 4, 8


def username_key(username: str) -> str:
    """Return the key usernames are unique by: NFKC-normalised, stripped and case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def clean_username(username: str) -> str:
    """Validate a new username and return it normalised (NFKC, stripped).

    Raises:
        ValidationError: empty, too long, or with control characters or inner spaces.
    """
    name = unicodedata.normalize("NFKC", username).strip()
    if not name:
        raise ValidationError("Enter a username.")
    if len(name) > USERNAME_MAX:
        raise ValidationError(f"A username has at most {USERNAME_MAX} characters.")
    if any(unicodedata.category(ch).startswith(("C", "Z")) for ch in name):
        raise ValidationError("A username cannot contain spaces or control characters.")
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
        raise ValidationError("A password cannot contain a NUL character.")
    if not password.strip():
        raise ValidationError("Enter a password.")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"A password has at most {PASSWORD_MAX} characters.")
    if is_pin(password, role):
        if not PIN_MIN <= len(password) <= PIN_MAX:
            raise ValidationError(f"A PIN has {PIN_MIN} to {PIN_MAX} digits.")
        return
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"A password has at least {PASSWORD_MIN} characters.")
