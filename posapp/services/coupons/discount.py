"""A coupon's discount on a basket, the refusal it raises and the basket line it reads.

:func:`rule_discount` is the one calculation the till, the web and the offline register share.

Pure: no database. :mod:`posapp.services.coupons.redemption` finds the code and checks its
campaign's state before it asks for the discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from posapp.i18n import _
from posapp.money import allocate, apply_rate_bp, format_money
from posapp.services.coupons.dto import FIXED
from posapp.services.platform.errors import ServiceError

__all__ = ["REASONS", "BasketLine", "CouponRefused", "CouponRule", "refuse", "rule_discount"]

REASONS: Final = frozenset(
    {
        "unknown",
        "not_yet_valid",
        "expired",
        "disabled",
        "used_up",
        "already_used_by_customer",
        "needs_customer",
        "minimum_not_reached",
        "nothing_applies",
        "does_not_stack",
    }
)


class CouponRefused(ServiceError):  # noqa: N818 - the name is the checkout's contract
    """A code cannot be used on this sale; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class BasketLine:
    """A line of the sale as the coupon rules see it."""

    line_no: int
    product_id: int
    category_id: int | None
    quantity: int
    amount_minor: int
    """What the line charges after its own line discount (price basis as sold)."""


def refuse(reason: str, message: str) -> CouponRefused:
    """The refusal ``reason`` (one of :data:`REASONS`) with its sentence for the cashier."""
    return CouponRefused(reason, message)


def _discount(found: CouponRule, eligible_minor: int) -> int:
    if found.kind == FIXED:
        off = min(found.value, eligible_minor)
    else:
        off = apply_rate_bp(eligible_minor, found.value)
    if found.max_discount_minor is not None:
        off = min(off, found.max_discount_minor)
    return off


class CouponRule(Protocol):
    """What a campaign's discount depends on once its code is valid.

    The server's row, or the offline register's cached copy: :func:`rule_discount` reads only
    these.
    """

    @property
    def code(self) -> str:
        """The code as printed."""
        ...

    @property
    def name(self) -> str:
        """The campaign's name."""
        ...

    @property
    def kind(self) -> str:
        """Percent or fixed."""
        ...

    @property
    def value(self) -> int:
        """Basis points or minor units."""
        ...

    @property
    def min_spend_minor(self) -> int:
        """The least the basket must come to."""
        ...

    @property
    def max_discount_minor(self) -> int | None:
        """The most taken off (None: no cap)."""
        ...


def rule_discount(
    rule: CouponRule, lines: Sequence[BasketLine], eligible: Sequence[BasketLine]
) -> tuple[int, dict[int, int]]:
    """The discount ``rule`` takes off the basket ``lines`` and its share per eligible line.

    The one discount calculation: the till and the web (through :func:`quote_coupon`) and the
    offline register (from its cached rule) both use it. ``eligible`` are the lines the rule's
    scope covers.

    Raises:
        CouponRefused: nothing covered, the minimum spend not reached, or nothing taken off.
    """
    code = rule.code
    if not eligible:
        raise refuse(
            "nothing_applies",
            _("Nothing in this sale is covered by coupon {code} ({found_name}).").format(
                code=code, found_name=rule.name
            ),
        )
    basket = sum(max(0, line.amount_minor) for line in lines)
    if basket < rule.min_spend_minor:
        raise refuse(
            "minimum_not_reached",
            _(
                "Coupon {code} needs a spend of at least {min_spend_minor}; "
                "this sale comes to {basket}."
            ).format(
                code=code,
                min_spend_minor=format_money(rule.min_spend_minor),
                basket=format_money(basket),
            ),
        )
    weights = [max(0, line.amount_minor) for line in eligible]
    off = _discount(rule, sum(weights))
    if off <= 0:
        raise refuse(
            "nothing_applies",
            _("Coupon {code} takes nothing off: the items it covers come to {weights}.").format(
                code=code, weights=format_money(sum(weights))
            ),
        )
    shares = allocate(off, weights)
    return off, {line.line_no: share for line, share in zip(eligible, shares, strict=True) if share}
