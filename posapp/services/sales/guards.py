"""Checks shared by checkout, orders, parked sales and tills: free text, card numbers, approvals.

Card numbers: posapp never stores a full card number (PCI DSS keeps a shop that stores none out
of most of its scope). Every free-text field the order system stores (notes, references, reasons,
labels, coupon codes) goes through :func:`posapp.services.platform.text.clean_text`, which
refuses anything that looks like a primary account number: 13 to 19 digits, written together or
in groups separated by spaces or dashes, that pass the Luhn check. Full-width and other Unicode
digits count as digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from posapp.i18n import _
from posapp.models import User
from posapp.services.platform.cards import (
    CARD_NUMBER_REFUSED,
    CardNumberError,
    ascii_digits,
    contains_card_number,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import ApprovalRequiredError, ManagerApproval
from posapp.services.staff import Actor, Approval, Permission, check_approval, permissions_of

_LAST_DIGITS = 4


def clean_last4(text: str) -> str:
    """Return the last four digits of a card, as four ASCII digits.

    Raises:
        ValidationError: not exactly four digits.
        CardNumberError: a whole card number was typed.
    """
    value = ascii_digits(text).strip().replace(" ", "")
    if contains_card_number(value):
        raise CardNumberError(_(CARD_NUMBER_REFUSED))
    if len(value) != _LAST_DIGITS or not value.isascii() or not value.isdigit():
        raise ValidationError(_("Enter the last four digits of the card."))
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
    if permission in permissions_of(user.role):
        return Granted(None)
    if approval is None:
        raise ApprovalRequiredError(permission.value, message, line_no)
    reason = clean_text(approval.reason, _("reason for the approval"), limit=200, required=True)
    approver = check_approval(
        uow, actor, Approval(approval.username, approval.password, reason), permission
    )
    return Granted(approver.id, reason)


def grant_all(
    uow: UnitOfWork,
    actor: UserDTO,
    user: User | Actor,
    needed: list[tuple[Permission, str]],
    approval: ManagerApproval | None,
) -> Granted:
    """:func:`grant` for an action needing several permissions: one approval for all of them.

    The approver's password is checked once (a wrong one counts once), and the approver must hold
    every permission the actor lacks.

    Raises:
        ApprovalRequiredError: the actor lacks one and no approval was given (naming the first).
        AuthenticationError, PermissionDeniedError: the approval is wrong or not enough.
    """
    missing = [(p, m) for p, m in needed if p not in permissions_of(user.role)]
    if not missing:
        return Granted(None)
    first, message = missing[0]
    granted = grant(uow, actor, user, first, approval, message)
    approver = uow.session.get(User, granted.approver_id)
    role = approver.role if approver is not None else ""
    for permission, _message in missing[1:]:
        if permission not in permissions_of(role):
            name = approver.username if approver is not None else "The approver"
            raise PermissionDeniedError(
                _("{name} ({role}) cannot approve this.").format(name=name, role=role)
            )
    return granted
