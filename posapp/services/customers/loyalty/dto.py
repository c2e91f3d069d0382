"""Loyalty points as the edges see them: the shop's rules, a customer's points, a refusal.

No SQLAlchemy and no models here, so the register may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from posapp.services.platform.errors import ValidationError


class PointsRefused(ValidationError):  # noqa: N818 - named like GiftCardRefused, its sibling
    """Points cannot be spent (too few, no customer, a bad amount); the message says why."""


@dataclass(frozen=True, slots=True)
class LoyaltyRules:
    """The shop's loyalty settings, read once per sale or return.

    Attributes:
        earn_per_unit: Points per whole currency unit spent on goods (0: no points at all).
        rounding: ``down`` or ``nearest`` (halves up), for a sale's points.
        excluded: The category ids (with their subcategories) whose products earn nothing.
        points_per_unit: Points that pay one whole currency unit at the till.
        expiry_days: Days after they are earned that unspent points expire (0: never).
        scale: Minor units in one major unit of the shop's currency.
    """

    earn_per_unit: int
    rounding: str
    excluded: frozenset[int]
    points_per_unit: int
    expiry_days: int
    scale: int

    def earned(self, eligible_minor: int) -> int:
        """The points ``eligible_minor`` spent on goods earns (never below zero)."""
        if eligible_minor <= 0 or self.earn_per_unit <= 0:
            return 0
        numerator = eligible_minor * self.earn_per_unit
        if self.rounding == "nearest":
            return (2 * numerator + self.scale) // (2 * self.scale)
        return numerator // self.scale

    def value_minor(self, points: int) -> int:
        """What ``points`` pay at the till, rounded down to a whole minor unit."""
        return points * self.scale // self.points_per_unit

    def points_for(self, amount_minor: int) -> int:
        """The fewest whole points that pay ``amount_minor`` (rounded up: never less)."""
        return -(-amount_minor * self.points_per_unit // self.scale)


@dataclass(frozen=True, slots=True)
class PointMovementDTO:
    """One movement of a customer's points, for the customer's screen."""

    kind: str
    points: int
    balance_after: int
    reason: str
    order_number: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerPoints:
    """A customer's points: the balance, what it pays at the till, the latest movements."""

    customer_id: int
    balance: int
    value_minor: int
    points_per_unit: int
    movements: tuple[PointMovementDTO, ...] = ()


@dataclass(frozen=True, slots=True)
class PointsFigures:
    """Points over some orders (a till session's, for the X/Z report)."""

    earned: int = 0
    redeemed: int = 0
    given_back: int = 0
    """Points a refund of a points payment gave back."""
    taken_back: int = 0
    """Points returns took back from what their lines had earned."""


@dataclass(frozen=True, slots=True)
class OrderPoints:
    """The points of one order, for its receipt: earned, spent, and the balance after."""

    earned: int
    redeemed: int
    balance: int
