"""Gift cards as the edges see them: a card's balance, the shop's limits, a refusal.

No SQLAlchemy and no models here, so the register may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from posapp.services.platform.errors import ServiceError

REASONS: Final = ("not_a_code", "unknown", "expired", "insufficient", "amount", "limit")
"""Why a card is refused: a machine word for tests and the API, next to the sentence."""


class GiftCardRefused(ServiceError):  # noqa: N818 - named like CouponRefused, its sibling
    """A gift card cannot be sold, reloaded or spent; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GiftCardDTO:
    """A card's balance enquiry. ``code`` is masked for staff who may not read whole codes."""

    code: str
    balance_minor: int
    loaded_minor: int
    expires_at: datetime | None
    expired: bool
    sold_at: datetime


@dataclass(frozen=True, slots=True)
class GiftCardLimits:
    """The shop's rules for selling a card (settings), for the register's amount dialog."""

    min_minor: int
    max_minor: int
    expiry_months: int


@dataclass(frozen=True, slots=True)
class IssuedCard:
    """A card sold or reloaded on an order, as the receipt prints it (the whole code)."""

    code: str
    amount_minor: int
    balance_minor: int
    expires_at: datetime | None
    reload: bool


@dataclass(frozen=True, slots=True)
class CardFigures:
    """Gift cards sold (and reloaded) and spent, net of refunds to cards, for a report."""

    sold_count: int
    sold_minor: int
    redeemed_minor: int
    refunded_to_cards_minor: int
