"""Cart arithmetic: examples of the policy, and a property test over 10,000 random carts."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posapp.money import allocate, apply_rate_bp
from posapp.services.platform.errors import ValidationError
from posapp.services.sales.pricing import (
    MAX_LINE_QUANTITY,
    Discount,
    PriceLine,
    Tender,
    cash_tender,
    check_quantity,
    line_refund,
    price_cart,
    settle,
)

# --- examples ------------------------------------------------------------------------------


def test_tax_included_and_added_per_line_half_even() -> None:
    cart = price_cart(
        [
            PriceLine(1, 3, 120, 550, True),  # 3.60 incl. 5.5 %: tax 0.1876… → 0.19
            PriceLine(2, 1, 850, 2000, False),  # 8.50 + 20 % = 1.70
        ]
    )
    first, second = cart.lines
    assert (first.tax_minor, first.total_minor, first.net_minor) == (19, 360, 341)
    assert (second.tax_minor, second.total_minor, second.net_minor) == (170, 1020, 850)
    assert cart.total_minor == 1380
    assert cart.tax_added_minor == 170
    assert cart.tax_included_minor == 19
    assert [(t.rate_bp, t.included) for t in cart.taxes] == [(2000, False), (550, True)]


def test_half_even_on_a_tie() -> None:
    # 0.25 of tax on 2.50 net at 10 %: 25 exactly; at 1 % on 2.50 → 2.5 cents → 2 (even)
    assert price_cart([PriceLine(1, 1, 250, 100, False)]).lines[0].tax_minor == 2
    assert price_cart([PriceLine(1, 1, 350, 100, False)]).lines[0].tax_minor == 4


def test_a_weighed_line_is_rounded_once_half_even() -> None:
    """0.455 kg at 19.90/kg = 9.0545 → 9.05 (#20); exact halves go to the even cent."""
    cheese = price_cart([PriceLine(1, 455, 1990, 550, True, unit="kg")]).lines[0]
    assert (cheese.gross_minor, cheese.total_minor, cheese.tax_minor) == (905, 905, 47)
    halves = [PriceLine(n, q, 1, 0, True, unit="kg") for n, q in enumerate((500, 1500, 2500))]
    assert [p.gross_minor for p in price_cart(halves).lines] == [0, 2, 2]
    grams = price_cart([PriceLine(1, 250, 3, 0, True, unit="g")]).lines[0]
    assert grams.gross_minor == 750  # whole grams: no rounding


def test_weighed_quantities_are_checked_in_their_unit() -> None:
    assert check_quantity(100_000_000, "kg") == 100_000_000  # 100,000 kg
    with pytest.raises(ValidationError, match=r"at most 100,000\.000 kg"):
        check_quantity(100_000_001, "kg")
    with pytest.raises(ValidationError, match="above zero"):
        check_quantity(0, "kg")


def test_line_and_order_discounts_and_coupon_shares() -> None:
    lines = [
        PriceLine(1, 2, 1000, 2000, True, Discount.percent(1000)),  # 20.00 - 2.00
        PriceLine(2, 1, 500, 0, True),
    ]
    cart = price_cart(lines, order_discount=Discount.amount(230), coupon_shares={2: 100})
    one, two = cart.lines
    assert one.line_discount_minor == 200
    assert one.order_discount_minor + two.order_discount_minor == 230
    assert (one.order_discount_minor, two.order_discount_minor) == (180, 50)  # 1800:500
    assert two.coupon_minor == 100
    assert cart.total_minor == 2500 - 200 - 230 - 100
    assert cart.discount_minor == 430


@pytest.mark.parametrize("bad", [0, -1, MAX_LINE_QUANTITY + 1, 2**31, 2**63])
def test_bad_quantities_are_refused(bad: int) -> None:
    with pytest.raises(ValidationError):
        check_quantity(bad)
    with pytest.raises(ValidationError):
        price_cart([PriceLine(1, bad, 100, 0, True)])


def test_fractional_quantity_refused() -> None:
    with pytest.raises(ValidationError, match="whole number"):
        check_quantity(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [-1, 10_001])
def test_discount_percent_range(rate: int) -> None:
    with pytest.raises(ValidationError):
        Discount.percent(rate)


def test_amount_discount_above_line_refused() -> None:
    with pytest.raises(ValidationError, match="more than the line"):
        price_cart([PriceLine(1, 1, 100, 0, True, Discount.amount(101))])


def test_negative_amount_discount_refused() -> None:
    with pytest.raises(ValidationError):
        Discount.amount(-1)


def test_total_above_maximum_refused() -> None:
    with pytest.raises(ValidationError, match="largest amount"):
        price_cart([PriceLine(1, 100_000, 999_999_999_999, 0, True)])


def test_settle_split_and_change() -> None:
    tenders = [Tender("card", 1000), cash_tender(480, 2000)]
    result = settle(1480, tenders)
    assert result.complete
    assert result.change_minor == 1520


@pytest.mark.parametrize(
    ("tenders", "message"),
    [
        ([Tender("card", 0)], "more than zero"),
        ([Tender("card", -5)], "more than zero"),
        ([Tender("cash", 100, 50)], "less than"),
        ([Tender("card", 100, 200)], "Only cash"),
        ([Tender("card", 2000)], "more than the total"),
    ],
)
def test_settle_refuses(tenders: list[Tender], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settle(1000, tenders)


def test_line_refund_adds_up_whatever_the_parts() -> None:
    total, qty = 1001, 3
    parts = [
        line_refund(total, qty, 0, 1),
        line_refund(total, qty, 1, 1),
        line_refund(total, qty, 2, 1),
    ]
    assert sum(parts) == total
    assert parts == [334, 333, 334]


# --- the property: 10,000 random carts reconcile to the cent ---------------------------------

RATES = (0, 500, 550, 700, 825, 1000, 1900, 2000, 2100, 2500)


@st.composite
def carts(draw: st.DrawFn) -> tuple[list[PriceLine], Discount | None, dict[int, int], list[int]]:
    """A random cart: lines with prices, quantities, taxes and discounts, an order discount,
    coupon shares and payment split points.

    Hypothesis draws the shape (line count, order discount, coupon or not, a seed); the seed's
    generator fills in the figures. Drawing every figure through Hypothesis cost ~20 ms an
    example here, which made 10,000 carts take minutes; this way they take seconds, and a
    failure still shrinks to the smallest line count and reports its seed.
    """
    count = draw(st.integers(1, 10))
    rng = random.Random(draw(st.integers(0, 2**32)))
    kinds = [rng.choice(("none", "none", "percent", "amount")) for _ in range(count)]
    lines = []
    for no, kind in enumerate(kinds, start=1):
        # About one line in three is weighed or measured (#20): thousandths of kg, l or m, or
        # whole grams; the price is per unit and the gross is rounded once.
        unit = rng.choice(("pc", "pc", "pc", "pc", "kg", "kg", "l", "m", "g"))
        if unit in SCALED:
            quantity = rng.choice((455, 1, 500, 999, 1000, 1500, 2500, rng.randint(1, 60_000)))
        else:
            quantity = rng.choice((1, 1, 1, 2, 3, rng.randint(1, 60)))
        price = rng.choice((0, 1, 5, 99, rng.randint(0, 25_000), rng.randint(0, 250_000)))
        gross = _gross_of(price, quantity, unit)
        discount = None
        if kind == "percent":
            discount = Discount.percent(
                rng.choice((0, 500, 1000, 1250, 3333, 10_000, rng.randint(0, 10_000)))
            )
        elif kind == "amount":
            discount = Discount.amount(rng.randint(0, gross))
        rate = rng.choice((*RATES, rng.randint(0, 10_000)))
        lines.append(PriceLine(no, quantity, price, rate, rng.random() < 0.6, discount, unit))
    base = sum(_gross(line) for line in lines) - sum(
        line.discount.of(_gross(line), "line") for line in lines if line.discount is not None
    )
    order_kind = draw(st.sampled_from(["none", "percent", "amount"]))
    order = None
    if order_kind == "percent":
        order = Discount.percent(rng.randint(0, 10_000))
    elif order_kind == "amount":
        order = Discount.amount(rng.randint(0, base))
    before = price_cart(lines, order_discount=order)
    amounts = [line.before_coupon_minor for line in before.lines]
    coupon_total = rng.randint(0, sum(amounts)) if draw(st.booleans()) else 0
    shares = allocate(coupon_total, amounts) if coupon_total else [0] * count
    cuts = [rng.randint(0, 100) for _ in range(draw(st.integers(0, 3)))]
    return lines, order, {line.line_no: s for line, s in zip(lines, shares, strict=True)}, cuts


def _round(value: Fraction) -> int:
    return round(value)  # Fraction rounds half to even: an independent oracle


SCALED = {"kg": 1000, "l": 1000, "m": 1000}
"""Units counted in thousandths (posapp.units); the oracle's own table, not the module's."""


def _gross_of(price: int, quantity: int, unit: str) -> int:
    return _round(Fraction(price * quantity, SCALED.get(unit, 1)))


def _gross(line: PriceLine) -> int:
    return _gross_of(line.unit_price_minor, line.quantity, line.unit)


CARTS_PER_EXAMPLE = 5
EXAMPLES = 2_000
"""2,000 Hypothesis examples of 5 carts each: 10,000 random carts per run.

``max_examples=10_000`` of one cart each took 122 s here (55 s of CPU on a loaded 2-core
machine, most of it Hypothesis' own per-example work), far above the 30 s budget, so the test
runs 2,000 examples; five carts per example still check 10,000 carts (about 20 s of CPU).
"""


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
@given(
    st.lists(carts(), min_size=CARTS_PER_EXAMPLE, max_size=CARTS_PER_EXAMPLE), st.integers(0, 5000)
)
def test_random_carts_reconcile_to_the_cent(
    cases: list[tuple[list[PriceLine], Discount | None, dict[int, int], list[int]]],
    extra_cash: int,
) -> None:
    for case in cases:
        _check_cart(*case, extra_cash)


def _check_cart(
    lines: list[PriceLine],
    order_discount: Discount | None,
    shares: dict[int, int],
    cuts: list[int],
    extra_cash: int,
) -> None:
    cart = price_cart(lines, order_discount=order_discount, coupon_shares=shares)
    by_no = {line.line_no: line for line in lines}
    for priced in cart.lines:
        source = by_no[priced.line_no]
        assert priced.gross_minor == _gross(source)
        off = priced.line_discount_minor + priced.order_discount_minor + priced.coupon_minor
        assert priced.charge_minor == priced.gross_minor - off >= 0
        assert priced.net_minor + priced.tax_minor == priced.total_minor
        rate = Fraction(source.tax_rate_bp, 10_000)
        if source.tax_included:
            assert priced.total_minor == priced.charge_minor
            assert priced.tax_minor == _round(priced.charge_minor * rate / (1 + rate))
        else:
            assert priced.net_minor == priced.charge_minor
            assert priced.tax_minor == _round(priced.charge_minor * rate)
        assert min(priced.tax_minor, priced.net_minor, priced.coupon_minor) >= 0
    # Order totals are sums of line figures and the identity holds exactly.
    assert cart.total_minor == sum(p.total_minor for p in cart.lines)
    assert cart.tax_minor == sum(p.tax_minor for p in cart.lines)
    assert cart.total_minor == (
        cart.subtotal_minor - cart.discount_minor - cart.coupon_minor + cart.tax_added_minor
    )
    assert cart.net_minor + cart.tax_minor == cart.total_minor
    assert sum(t.tax_minor for t in cart.taxes) == cart.tax_minor
    assert sum(t.net_minor for t in cart.taxes) == cart.net_minor
    assert cart.coupon_minor == sum(shares.values())
    if order_discount is not None:
        base = cart.subtotal_minor - cart.line_discount_minor
        expected = (
            apply_rate_bp(base, order_discount.value)
            if order_discount.kind == "percent"
            else order_discount.value
        )
        assert cart.order_discount_minor == expected
    # Split payment: card/account parts then cash with change; they settle the total exactly.
    total = cart.total_minor
    points = sorted({min(total, total * c // 100) for c in cuts})
    parts = [b - a for a, b in zip([0, *points], [*points, total], strict=True) if b > a]
    if total:
        tenders = [Tender("card", part) for part in parts[:-1]]
        tenders.append(Tender("cash", parts[-1], parts[-1] + extra_cash))
        settled = settle(total, tenders)
        assert settled.complete
        assert settled.paid_minor == total
        assert settled.change_minor == extra_cash
    # Returning each line in two parts refunds exactly what it cost.
    for priced, source in ((p, by_no[p.line_no]) for p in cart.lines):
        first = source.quantity // 2
        refunds = line_refund(priced.total_minor, source.quantity, 0, first) + line_refund(
            priced.total_minor, source.quantity, first, source.quantity - first
        )
        assert refunds == priced.total_minor
