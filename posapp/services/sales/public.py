"""A customer's basket priced as the till prices it, with a coupon quoted as the till quotes it.

The web shop's basket and the public ``POST /api/v1/coupons/validate`` call
:func:`price_basket`. It takes no acting user (a customer is nobody the staff tables know) and
is safe by what it returns: public fields only, active products only, and a coupon's verdict
in the customer's words, never the code's or campaign's ids, limits or use counts.

No rule lives here: the lines are priced by :func:`~posapp.services.sales.pricing.price_cart`
(the register's pricing) and the code is judged by
:func:`~posapp.services.coupons.quote_coupon`, the very call checkout makes, on the same
basket lines (each line's amount before coupons). A refusal carries the till's ``reason``
(:data:`posapp.services.coupons.redemption.REASONS`); only its sentence is the customer's,
since the till's speaks to a cashier ("attach the customer's account first"). A web basket
has no customer account, so a campaign limited per customer answers ``needs_customer``.
Nothing is counted: placing the order quotes again inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from posapp.models import Product
from posapp.services.coupons import BasketLine, CouponRefused, quote_coupon
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.pricing import PriceLine, price_cart
from posapp.units import items_of

__all__ = [
    "BASKET_LINES_MAX",
    "COUPON_CODE_MAX",
    "CUSTOMER_WORDS",
    "QUANTITY_MAX",
    "PublicBasket",
    "PublicBasketLine",
    "PublicCoupon",
    "price_basket",
]

BASKET_LINES_MAX: Final = 50
"""Distinct products in one web basket."""
QUANTITY_MAX: Final = 999
"""Units of one product in one web basket."""
COUPON_CODE_MAX: Final = 64
"""Longest code text judged (checkout takes no longer one)."""

CUSTOMER_WORDS: Final[dict[str, str]] = {
    "unknown": "We do not know that code: check it and try again.",
    "not_yet_valid": "This coupon is not valid yet.",
    "expired": "This coupon has expired.",
    "disabled": "This coupon can no longer be used.",
    "used_up": "This coupon has been used up.",
    "already_used_by_customer": "You have already used this coupon.",
    "needs_customer": "This coupon is for members: use it in the shop with your account.",
    "minimum_not_reached": "Your basket does not reach this coupon's minimum spend yet.",
    "nothing_applies": "Nothing in your basket is covered by this coupon.",
    "does_not_stack": "This coupon cannot be combined with another one.",
}
"""The customer's sentence for each of the till's refusal reasons."""


@dataclass(frozen=True, slots=True)
class PublicBasketLine:
    """One line of a priced web basket (amounts in minor units)."""

    product_id: int
    name: str
    quantity: int
    unit_price_minor: int
    amount_minor: int
    """What the line comes to before the coupon."""
    coupon_minor: int
    total_minor: int
    """What the line costs, coupon and any added tax included."""


@dataclass(frozen=True, slots=True)
class PublicCoupon:
    """A coupon's verdict on a basket: the saving, or the till's reason for refusing it."""

    code: str
    accepted: bool
    saving_minor: int
    reason: str | None
    """One of the till's refusal reasons; None when accepted."""
    message: str
    campaign_name: str = ""


@dataclass(frozen=True, slots=True)
class PublicBasket:
    """A priced web basket; ``unavailable`` lists products left out (unknown or archived)."""

    lines: tuple[PublicBasketLine, ...]
    unavailable: tuple[int, ...]
    subtotal_minor: int
    saving_minor: int
    total_minor: int
    coupon: PublicCoupon | None


def _merged(items: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Quantities per product, checked (a product given twice counts once, summed)."""
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        if not 1 <= quantity <= QUANTITY_MAX:
            raise ValidationError(f"A quantity must be between 1 and {QUANTITY_MAX}.")
        merged[product_id] = merged.get(product_id, 0) + quantity
        if merged[product_id] > QUANTITY_MAX:
            raise ValidationError(f"At most {QUANTITY_MAX} of one product in a basket.")
    if len(merged) > BASKET_LINES_MAX:
        raise ValidationError(f"A basket holds at most {BASKET_LINES_MAX} different products.")
    return merged


_COLUMNS = (
    Product.id,
    Product.name,
    Product.category_id,
    Product.price_minor,
    Product.tax_rate_bp,
    Product.tax_included,
    Product.unit,
)


def price_basket(
    uow: UnitOfWork, items: Sequence[tuple[int, int]], code: str | None = None
) -> PublicBasket:
    """Price ``items`` (product id, quantity) at the stored prices; judge ``code`` on them.

    A quantity counts steps of the product's unit, as everywhere (:mod:`posapp.units`: pieces,
    or thousandths of a kg, m or l), and is priced in it as checkout prices it.

    Unknown and archived products are left out and listed in ``unavailable``; the rest keep
    the order they were given in. A refused code leaves the basket at full price.

    Raises:
        ValidationError: a quantity outside 1..999, or more than 50 products.
    """
    wanted = _merged(items)
    with uow:
        ids = [product_id for product_id in wanted if storable_id(product_id)]
        rows = uow.session.execute(
            select(*_COLUMNS).where(Product.id.in_(ids), Product.active.is_(True))
        ).all()
        found = {int(row[0]): row for row in rows}
        kept = [product_id for product_id in wanted if product_id in found]
        price_lines = [
            PriceLine(
                n, wanted[pid], found[pid][3], found[pid][4], found[pid][5], unit=found[pid][6]
            )
            for n, pid in enumerate(kept, start=1)
        ]
        plain = price_cart(price_lines)
        coupon: PublicCoupon | None = None
        shares: dict[int, int] = {}
        if code is not None:
            basket = [  # as checkout builds it: a weighed line is one item for the rules
                BasketLine(
                    line.line_no,
                    pid,
                    found[pid][2],
                    items_of(wanted[pid], found[pid][6]),
                    line.before_coupon_minor,
                )
                for pid, line in zip(kept, plain.lines, strict=True)
            ]
            coupon, shares = _judge(uow, code, basket)
        cart = price_cart(price_lines, coupon_shares=shares) if shares else plain
    lines = tuple(
        PublicBasketLine(
            pid,
            str(found[pid][1]),
            wanted[pid],
            int(found[pid][3]),
            line.before_coupon_minor,
            line.coupon_minor,
            line.total_minor,
        )
        for pid, line in zip(kept, cart.lines, strict=True)
    )
    return PublicBasket(
        lines,
        tuple(product_id for product_id in wanted if product_id not in found),
        cart.subtotal_minor - cart.discount_minor,
        cart.coupon_minor,
        cart.total_minor,
        coupon,
    )


def _judge(
    uow: UnitOfWork, code: str, basket: Sequence[BasketLine]
) -> tuple[PublicCoupon, dict[int, int]]:
    typed = " ".join(code.split())[:COUPON_CODE_MAX]
    try:
        quote = quote_coupon(uow, code[:COUPON_CODE_MAX], basket, customer_account_id=None)
    except CouponRefused as refused:
        return PublicCoupon(typed, False, 0, refused.reason, CUSTOMER_WORDS[refused.reason]), {}
    accepted = PublicCoupon(
        quote.code,
        True,
        quote.discount_minor,
        None,
        f"Coupon {quote.code} applied.",
        quote.campaign_name,
    )
    return accepted, dict(quote.line_discounts)
