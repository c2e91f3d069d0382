"""Gift cards: sold at the register as a line, spent as a tender, a liability on the ledger.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.giftcards``, the sales
system calls the movements inside its checkout and return transactions.
"""

from posapp.services.customers.giftcards.api import GiftCardsApi
from posapp.services.customers.giftcards.cards import (
    check_card_amount,
    gift_card_limits,
    issue_card,
    redeem_card,
    refund_to_card,
    reload_card,
)
from posapp.services.customers.giftcards.codes import card_key
from posapp.services.customers.giftcards.dto import (
    REASONS,
    CardFigures,
    GiftCardDTO,
    GiftCardLimits,
    GiftCardRefused,
    IssuedCard,
)
from posapp.services.customers.giftcards.queries import (
    card_balance,
    card_figures,
    card_limits,
    order_cards,
)

__all__ = [
    "REASONS",
    "CardFigures",
    "GiftCardDTO",
    "GiftCardLimits",
    "GiftCardRefused",
    "GiftCardsApi",
    "IssuedCard",
    "card_balance",
    "card_figures",
    "card_key",
    "card_limits",
    "check_card_amount",
    "gift_card_limits",
    "issue_card",
    "order_cards",
    "redeem_card",
    "refund_to_card",
    "reload_card",
]
