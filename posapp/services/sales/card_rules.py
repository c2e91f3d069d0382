"""What the shop requires of a card payment: the terminal's reference, the card's last four.

The shop decides, in the setting :data:`CARD_DETAILS_KEY` (a list of the required details,
``["reference", "last4"]`` by default, as the register always asked); an empty list takes card
payments on the amount alone, as an integrated terminal does. Details that are given are always
checked (a whole card number is refused whatever the setting); the register checks the required
ones in the payment dialog before it takes the tender, and checkout checks them again in the
sale's transaction, whoever the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from posapp.services.platform.errors import ValidationError
from posapp.services.platform.settings import get_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import PaymentDraft, PaymentKind

CARD_DETAILS_KEY: Final = "orders.card_details_required"
"""Setting: the card details the register requires, a subset of ``["reference", "last4"]``."""
CARD_DETAILS: Final = ("reference", "last4")
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
    """The shop's card rules (the setting; both details when unset or unreadable)."""
    value = get_setting(uow, CARD_DETAILS_KEY, list(CARD_DETAILS))
    if not isinstance(value, list) or not all(item in CARD_DETAILS for item in value):
        return CardRules()
    return CardRules(reference="reference" in value, last4="last4" in value)


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
