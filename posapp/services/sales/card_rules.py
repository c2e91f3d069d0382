"""What the shop requires of a card payment: the terminal's reference, the card's last four.

The shop decides, in the setting :data:`CARD_DETAILS_KEY` (``registry.CARD_DETAILS``:
``reference_and_last_four`` by default, as the register always asked, ``reference``,
``last_four``, or ``none`` to take card payments on the amount alone, as an integrated terminal
does). Details that are given are always
checked (a whole card number is refused whatever the setting); the register checks the required
ones in the payment dialog before it takes the tender, and checkout checks them again in the
sale's transaction, whoever the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from posapp.services.platform import registry
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import PaymentDraft, PaymentKind

CARD_DETAILS_KEY: Final = registry.CARD_DETAILS.key
"""Setting: the card details the register requires (one of ``registry.CARD_DETAILS``' choices)."""
NO_REFERENCE: Final = "Enter the approval reference the card terminal printed."
NO_LAST4: Final = "Enter the last four digits of the card."


@dataclass(frozen=True, slots=True)
class CardRules:
    """The card details the shop requires."""

    reference: bool = True
    last4: bool = True

    def missing(self, reference: str, last4: str) -> str:
        """Why a card payment with these details is refused ("" when nothing is missing)."""
        if self.last4 and not last4.strip():
            return NO_LAST4
        if self.reference and not reference.strip():
            return NO_REFERENCE
        return ""


def card_rules(uow: UnitOfWork) -> CardRules:
    """The shop's card rules (the setting; both details when unset or unreadable).

    Read with one prepared statement: this runs in every sale (issue #23).
    """
    value = registry.read_stored(uow, registry.CARD_DETAILS)
    return CardRules(
        reference=value in ("reference_and_last_four", "reference"),
        last4=value in ("reference_and_last_four", "last_four"),
    )


def require_card_details(rules: CardRules, payments: Iterable[PaymentDraft]) -> None:
    """Refuse a card payment that lacks a detail the shop requires.

    Raises:
        ValidationError: the message names the missing detail.
    """
    for payment in payments:
        if PaymentKind(payment.method) is PaymentKind.CARD:
            reason = rules.missing(payment.card_reference, payment.card_last4)
            if reason:
                raise ValidationError(reason)
