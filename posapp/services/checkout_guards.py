"""Checks shared by checkout, orders, parked sales and tills: free text, card numbers, approvals.

Card numbers: posapp never stores a full card number (PCI DSS keeps a shop that stores none out
of most of its scope). Every free-text field the order system stores (notes, references, reasons,
labels, coupon codes) goes through :func:`clean_text`, which refuses anything that looks like a
primary account number: 13 to 19 digits, written together or in groups separated by spaces or
dashes, that pass the Luhn check. Full-width and other Unicode digits count as digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from posapp.models import User
from posapp.services.dto import UserDTO
from posapp.services.errors import ValidationError
from posapp.services.orders_dto import ApprovalRequiredError, ManagerApproval
from posapp.services.permissions import ROLE_PERMISSIONS, Permission
from posapp.services.security import Actor, Approval, check_approval
from posapp.services.uow import UnitOfWork

CARD_NUMBER_REFUSED = (
    "That looks like a full card number: never type card numbers into posapp "
    "(for a card payment enter only the terminal's reference and the last four digits)."
)
_GROUP = re.compile(r"[0-9]+")
_SEPARATOR = re.compile(r"[ \-]{1,3}")
_PAN_MIN, _PAN_MAX = 13, 19
_NINE = 9
_LAST_DIGITS = 4


class CardNumberError(ValidationError):
    """A field contained something that looks like a full card number."""


def _ascii_digits(text: str) -> str:
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
    """Split text into runs of digit groups joined by short space/dash separators."""
    runs: list[list[str]] = []
    current: list[str] = []
    position = 0
    for match in _GROUP.finditer(text):
        gap = text[position : match.start()]
        if current and not _SEPARATOR.fullmatch(gap):
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
    normal = _ascii_digits(text)
    for groups in _digit_runs(normal):
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > _PAN_MAX:
                    break
                if len(digits) >= _PAN_MIN and luhn_valid(digits):
                    return True
    return False


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


def clean_last4(text: str) -> str:
    """Return the last four digits of a card, as four ASCII digits.

    Raises:
        ValidationError: not exactly four digits.
        CardNumberError: a whole card number was typed.
    """
    value = _ascii_digits(text).strip().replace(" ", "")
    if contains_card_number(value):
        raise CardNumberError(CARD_NUMBER_REFUSED)
    if len(value) != _LAST_DIGITS or not value.isascii() or not value.isdigit():
        raise ValidationError("Enter the last four digits of the card.")
    return value


@dataclass(frozen=True, slots=True)
class Granted:
    """Who allowed an action: the actor themselves (approver None) or a manager."""

    approver_id: int | None
    reason: str = ""


def grant(
    uow: UnitOfWork,
    actor: UserDTO,
    user: User | Actor,
    permission: Permission,
    approval: ManagerApproval | None,
    message: str,
    *,
    line_no: int | None = None,
) -> Granted:
    """Allow an action needing ``permission``: by the actor's own role, or a manager's approval.

    Raises:
        ApprovalRequiredError: the actor may not and no approval was given.
        AuthenticationError, PermissionDeniedError: the approval is wrong.
    """
    if permission in ROLE_PERMISSIONS.get(user.role, frozenset()):
        return Granted(None)
    if approval is None:
        raise ApprovalRequiredError(permission.value, message, line_no)
    reason = clean_text(approval.reason, "reason for the approval", limit=200, required=True)
    approver = check_approval(
        uow, actor, Approval(approval.username, approval.password, reason), permission
    )
    return Granted(approver.id, reason)
