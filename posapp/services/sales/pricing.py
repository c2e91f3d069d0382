"""Cart arithmetic: line and order discounts, coupon shares, taxes and totals, in integer cents.

This module is pure (no database, no Qt): the register prices the cart with it as the cashier
scans, and checkout prices the same cart with it again inside the transaction, so the screen and
the stored order always agree.

Policy (the one rounding rule of :mod:`posapp.money`, applied per line):

1. A line's **gross** is ``unit_price × quantity`` in the product's price basis: tax-inclusive
   for a product whose tax is included, net for a product whose tax is added. For a measured
   product (kg, m, l: :mod:`posapp.units`) the quantity counts thousandths and the gross is
   ``unit_price × quantity / 1000`` rounded once, half-even (:func:`posapp.units.line_amount`):
   0.455 kg at 19.90/kg is 9.05. Everything below works on that rounded gross.
2. The **line discount** is a fixed amount or a percentage of the gross (half-even).
3. The **order discount** is a fixed amount or a percentage of the sum of the lines after their
   own discounts (half-even); it is shared over the lines in proportion to those amounts with
   :func:`posapp.money.allocate` (largest remainder, ties to the earliest line), so the shares
   add up to the discount exactly.
4. **Coupons** are quoted on each line's amount after both discounts (``before_coupon_minor``);
   the coupon engine returns one share per line, which is subtracted as is.
5. The line's **charge** is what remains. Tax is computed once per line on the charge, half-even:
   ``tax_from_gross`` for an included tax (the total is the charge), ``tax_from_net`` for an
   added tax (the total is the charge plus the tax).
6. Order figures are **sums of the line figures**; nothing is re-derived from a rate. Hence
   ``total = subtotal − discounts − coupon + added tax`` and ``total = Σ(net + tax)`` always hold
   to the cent, which a property test checks over 10,000 random carts.

Discounts come before tax (a discount lowers the taxable amount), as for a price reduction at
the till in the EU and most US states.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from posapp.i18n import _
from posapp.money import (
    BP_PER_UNIT,
    MAX_MINOR,
    allocate,
    apply_rate_bp,
    div_round,
    format_money,
    tax_from_gross,
    tax_from_net,
)
from posapp.services.platform.errors import ValidationError
from posapp.units import format_quantity, is_measured, line_amount, scale_of

__all__ = [
    "MAX_LINES",
    "MAX_LINE_QUANTITY",
    "Discount",
    "DiscountKind",
    "PriceLine",
    "PricedCart",
    "PricedLine",
    "Settlement",
    "TaxRow",
    "Tender",
    "check_quantity",
    "line_refund",
    "price_cart",
    "settle",
]

MAX_LINE_QUANTITY = 100_000
"""Most units of one product on one line: above that a typed quantity is a mistake."""

MAX_LINES = 500
"""Most lines on one sale."""


class DiscountKind(enum.StrEnum):
    """A percentage (basis points) or a fixed amount (minor units)."""

    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount on a line or on the whole order."""

    kind: DiscountKind
    value: int

    @classmethod
    def percent(cls, rate_bp: int) -> Discount:
        """A percentage discount; ``rate_bp`` 1000 is 10 %.

        Raises:
            ValidationError: the rate is below 0 % or above 100 %.
        """
        if isinstance(rate_bp, bool) or not isinstance(rate_bp, int):
            raise TypeError("rate_bp must be an int")
        if not 0 <= rate_bp <= BP_PER_UNIT:
            raise ValidationError(_("A discount is between 0 % and 100 %."))
        return cls(DiscountKind.PERCENT, rate_bp)

    @classmethod
    def amount(cls, amount_minor: int) -> Discount:
        """A fixed discount in minor units.

        Raises:
            ValidationError: the amount is negative or absurd.
        """
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise TypeError("amount_minor must be an int")
        if not 0 <= amount_minor <= MAX_MINOR:
            raise ValidationError(_("A discount amount cannot be negative."))
        return cls(DiscountKind.AMOUNT, amount_minor)

    def of(self, base_minor: int, what: str) -> int:
        """The discount in minor units on ``base_minor``.

        Raises:
            ValidationError: a fixed amount larger than ``base_minor``.
        """
        if self.kind is DiscountKind.PERCENT:
            return apply_rate_bp(base_minor, self.value)
        if self.value > base_minor:
            raise ValidationError(_("The discount is more than the {what}.").format(what=what))
        return self.value

    def describe(self) -> str:
        """Short text for receipts and the audit log: ``10%`` or ``5.00``."""
        if self.kind is DiscountKind.PERCENT:
            whole, rest = divmod(self.value, 100)
            return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"
        return format_money(self.value, group_sep="")


@dataclass(frozen=True, slots=True)
class PriceLine:
    """What pricing needs to know about one cart line."""

    line_no: int
    quantity: int
    unit_price_minor: int
    tax_rate_bp: int
    tax_included: bool
    discount: Discount | None = None
    unit: str = "pc"
    """What ``quantity`` counts (:mod:`posapp.units`); ``unit_price_minor`` is per that unit."""


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One line's figures after every discount and its tax."""

    line_no: int
    gross_minor: int
    line_discount_minor: int
    order_discount_minor: int
    before_coupon_minor: int
    coupon_minor: int
    charge_minor: int
    tax_minor: int
    net_minor: int
    total_minor: int
    tax_rate_bp: int
    tax_included: bool

    @property
    def discount_minor(self) -> int:
        """Manual discounts on this line (its own and its share of the order's)."""
        return self.line_discount_minor + self.order_discount_minor


@dataclass(frozen=True, slots=True)
class TaxRow:
    """The tax breakdown of one rate: what was taxed and how much tax it carries."""

    rate_bp: int
    included: bool
    net_minor: int
    tax_minor: int

    @property
    def gross_minor(self) -> int:
        """Net plus tax."""
        return self.net_minor + self.tax_minor


@dataclass(frozen=True, slots=True)
class PricedCart:
    """A priced cart: its lines and the order totals, which are sums of the line figures."""

    lines: tuple[PricedLine, ...]
    subtotal_minor: int
    line_discount_minor: int
    order_discount_minor: int
    coupon_minor: int
    tax_minor: int
    tax_added_minor: int
    net_minor: int
    total_minor: int
    taxes: tuple[TaxRow, ...]

    @property
    def discount_minor(self) -> int:
        """Manual discounts: line discounts plus the order discount."""
        return self.line_discount_minor + self.order_discount_minor

    @property
    def tax_included_minor(self) -> int:
        """Tax contained in tax-inclusive prices."""
        return self.tax_minor - self.tax_added_minor

    def line(self, line_no: int) -> PricedLine:
        """The priced line numbered ``line_no``.

        Raises:
            KeyError: there is no such line.
        """
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise KeyError(line_no)


EMPTY_CART = PricedCart((), 0, 0, 0, 0, 0, 0, 0, 0, ())


def check_quantity(quantity: int, unit: str = "pc") -> int:
    """Return ``quantity`` if it is a quantity of ``unit`` a line may have.

    Pieces and grams are whole numbers; kg, m and l count thousandths (:mod:`posapp.units`),
    so a line may hold :data:`MAX_LINE_QUANTITY` units of any of them.

    Raises:
        ValidationError: zero, negative, fractional or absurd.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(_("A quantity is a whole number of units."))
    measured = is_measured(unit)
    if quantity < 1:
        raise ValidationError(
            _("Enter a quantity above zero.") if measured else _("A quantity must be at least 1.")
        )
    most = MAX_LINE_QUANTITY * scale_of(unit)
    if quantity > most:
        shown = format_quantity(most, unit) if measured else f"{most:,} units"
        raise ValidationError(_("A line holds at most {shown}.").format(shown=shown))
    return quantity


def _check_line(line: PriceLine) -> None:
    check_quantity(line.quantity, line.unit)
    if not 0 <= line.unit_price_minor <= MAX_MINOR:
        raise ValidationError(_("A price must be between 0 and the largest amount."))
    if not 0 <= line.tax_rate_bp <= BP_PER_UNIT:
        raise ValidationError(_("A tax rate is between 0 % and 100 %."))


def price_cart(
    lines: Sequence[PriceLine],
    *,
    order_discount: Discount | None = None,
    coupon_shares: Mapping[int, int] | None = None,
) -> PricedCart:
    """Price a cart under the module's policy.

    Args:
        lines: The cart's lines; line numbers must be unique.
        order_discount: A discount on the whole order, shared over the lines.
        coupon_shares: Coupon discount per line number (from the coupon quote), each at most the
            line's ``before_coupon_minor``.

    Raises:
        ValidationError: a bad quantity, price, rate or discount, or a total above the maximum.
        ValueError: duplicate line numbers or coupon shares that do not fit (a programming error).
    """
    if not lines:
        if order_discount is not None and order_discount.of(0, _("order")) > 0:
            raise ValidationError(_("There is nothing to discount."))
        return EMPTY_CART
    if len(lines) > MAX_LINES:
        raise ValidationError(
            _("A sale has at most {max_lines} lines.").format(max_lines=MAX_LINES)
        )
    numbers = [line.line_no for line in lines]
    if len(set(numbers)) != len(numbers):
        raise ValueError("duplicate line numbers")
    shares = dict(coupon_shares or {})
    if not set(shares) <= set(numbers):
        raise ValueError("coupon share for an unknown line")

    grosses: list[int] = []
    line_discounts: list[int] = []
    for line in lines:
        _check_line(line)
        gross = line_amount(line.unit_price_minor, line.quantity, line.unit)
        if gross > MAX_MINOR:
            raise ValidationError(_("A line's amount is above the largest amount allowed."))
        grosses.append(gross)
        line_discounts.append(line.discount.of(gross, _("line amount")) if line.discount else 0)
    after_line = [g - d for g, d in zip(grosses, line_discounts, strict=True)]
    base = sum(after_line)
    order_off = order_discount.of(base, _("order amount")) if order_discount else 0
    order_shares = allocate(order_off, after_line) if order_off else [0] * len(lines)

    priced: list[PricedLine] = []
    for line, gross, line_off, order_share, amount in zip(
        lines, grosses, line_discounts, order_shares, after_line, strict=True
    ):
        before_coupon = amount - order_share
        coupon = shares.get(line.line_no, 0)
        if not 0 <= coupon <= before_coupon:
            raise ValueError(f"coupon share {coupon} does not fit line {line.line_no}")
        charge = before_coupon - coupon
        if line.tax_included:
            tax = tax_from_gross(charge, line.tax_rate_bp)
            net, total = charge - tax, charge
        else:
            tax = tax_from_net(charge, line.tax_rate_bp)
            net, total = charge, charge + tax
        priced.append(
            PricedLine(
                line_no=line.line_no,
                gross_minor=gross,
                line_discount_minor=line_off,
                order_discount_minor=order_share,
                before_coupon_minor=before_coupon,
                coupon_minor=coupon,
                charge_minor=charge,
                tax_minor=tax,
                net_minor=net,
                total_minor=total,
                tax_rate_bp=line.tax_rate_bp,
                tax_included=line.tax_included,
            )
        )
    return _totals(priced)


def _totals(priced: list[PricedLine]) -> PricedCart:
    total = sum(p.total_minor for p in priced)
    if total > MAX_MINOR:
        raise ValidationError(_("The sale's total is above the largest amount allowed."))
    rows: dict[tuple[int, bool], tuple[int, int]] = {}
    for p in priced:
        net, tax = rows.get((p.tax_rate_bp, p.tax_included), (0, 0))
        rows[(p.tax_rate_bp, p.tax_included)] = (net + p.net_minor, tax + p.tax_minor)
    taxes = tuple(
        TaxRow(rate, included, net, tax)
        for (rate, included), (net, tax) in sorted(
            rows.items(), key=lambda kv: (-kv[0][0], kv[0][1])
        )
    )
    return PricedCart(
        lines=tuple(priced),
        subtotal_minor=sum(p.gross_minor for p in priced),
        line_discount_minor=sum(p.line_discount_minor for p in priced),
        order_discount_minor=sum(p.order_discount_minor for p in priced),
        coupon_minor=sum(p.coupon_minor for p in priced),
        tax_minor=sum(p.tax_minor for p in priced),
        tax_added_minor=sum(p.tax_minor for p in priced if not p.tax_included),
        net_minor=sum(p.net_minor for p in priced),
        total_minor=total,
        taxes=taxes,
    )


# --- tenders ---------------------------------------------------------------------------------

CASH = "cash"


@dataclass(frozen=True, slots=True)
class Tender:
    """One payment towards a total: ``amount_minor`` is what it pays of the order.

    For cash, ``tendered_minor`` is what the customer handed over (at least the amount); the
    difference is the change. Other methods are never tendered above their amount.
    """

    method: str
    amount_minor: int
    tendered_minor: int = 0

    @property
    def change_minor(self) -> int:
        """Change handed back for this tender."""
        return max(0, self.tendered_minor - self.amount_minor) if self.method == CASH else 0


@dataclass(frozen=True, slots=True)
class Settlement:
    """How tenders settle a total."""

    total_minor: int
    paid_minor: int
    change_minor: int

    @property
    def remaining_minor(self) -> int:
        """What is still to pay."""
        return self.total_minor - self.paid_minor

    @property
    def complete(self) -> bool:
        """Whether the total is fully paid."""
        return self.paid_minor == self.total_minor


def cash_tender(due_minor: int, tendered_minor: int) -> Tender:
    """The tender for cash handed over against ``due_minor``: pays at most what is due.

    Raises:
        ValidationError: nothing tendered, or nothing due.
    """
    if tendered_minor <= 0:
        raise ValidationError(_("Enter the cash handed over."))
    if due_minor <= 0:
        raise ValidationError(_("Nothing is left to pay."))
    return Tender(CASH, min(due_minor, tendered_minor), tendered_minor)


def settle(total_minor: int, tenders: Sequence[Tender]) -> Settlement:
    """Check ``tenders`` against ``total_minor`` and say what they pay and what change is due.

    Raises:
        ValidationError: a tender of zero or less, cash tendered below its amount, or tenders
            paying more than the total.
    """
    paid = 0
    change = 0
    for tender in tenders:
        if tender.amount_minor <= 0:
            raise ValidationError(_("A payment must be more than zero."))
        if tender.method == CASH:
            if tender.tendered_minor < tender.amount_minor:
                raise ValidationError(_("The cash handed over is less than the amount it pays."))
            if tender.tendered_minor > MAX_MINOR:
                raise ValidationError(_("The cash handed over is above the largest amount."))
        elif tender.tendered_minor not in (0, tender.amount_minor):
            raise ValidationError(_("Only cash can be tendered above its amount."))
        paid += tender.amount_minor
        change += tender.change_minor
        if paid > total_minor:
            raise ValidationError(_("The payments are more than the total: give change in cash."))
    return Settlement(total_minor, paid, change)


def line_refund(total_minor: int, quantity: int, returned_before: int, returning: int) -> int:
    """The money for ``returning`` more units of a line that cost ``total_minor`` in all.

    Cumulative and half-even: ``round(total × (before + n) / qty) − round(total × before / qty)``,
    so however a line is returned in parts, the refunds add up to exactly what it cost.
    """
    after = div_round(total_minor * (returned_before + returning), quantity)
    return after - div_round(total_minor * returned_before, quantity)
