"""What the stock is worth: a moving average per product and store, kept as value and quantity.

Issue #20 asked for a moving average or FIFO layers. Each level keeps ``value_minor``, what its
``on_hand`` units cost in all, beside the quantity; the unit cost is ``value / on_hand``.

Why a moving average, and why value + quantity:
    * A till sells from one shelf: FIFO would have to pick and split layers inside every sale
      (the hot path, issue #23) and keep layers per store through transfers; the average needs
      the level row the sale already updates. The receipt rows purchasing writes stay the
      record of what was paid.
    * Keeping the *value* rather than a rounded unit cost means nothing drifts: units leave at
      their exact share of the value, ``round(value × q / on_hand)`` (half to even, the one rule
      of :mod:`posapp.money`), and the last unit takes what is left, so a level that empties is
      worth exactly zero, and a level's value always equals what came in less what went out
      (the movements' ``value_minor`` add up to it). Rounding happens once per movement, on
      the amount that moves, never on a unit cost that is then multiplied.
    * The unit cost a report prints is ``value / on_hand`` rounded to the minor unit (display
      only); on-hand × that exact cost is the value.

What moves value:
    * receipts with a cost (purchase orders, a delivery booked with costs) add ``units × cost``;
    * stock coming in without a cost (a receipt without one, a count or adjustment upwards)
      comes in at the level's average, or at the product's cost when the level is empty;
    * weighed goods count grams and are costed per kilogram (:func:`cost_of`), like their
      prices and purchasing's costs;
    * anything going out (sale, adjustment, count, the sending side of a transfer) leaves at
      its share of the value; a transfer's receiving side gets exactly that value (the cost
      travels with the goods); a return puts back the cost its sale took out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from posapp.i18n import _
from posapp.money import MAX_MINOR, div_round
from posapp.services.platform.errors import ValidationError
from posapp.services.stock.dto import GRAMS_PER_KG, StockLine

MAX_STOCK_VALUE = 10**18
"""The most a level may be worth, in minor units (a ``BigInteger`` holds about 9.2 × 10**18)."""


def value_out(value_minor: int, on_hand_before: int, quantity: int) -> int:
    """The value leaving with ``quantity`` of ``on_hand_before`` units worth ``value_minor``."""
    if quantity >= on_hand_before:
        return value_minor
    return div_round(value_minor * quantity, on_hand_before)


def cost_of(cost_minor: int, quantity: int, by_weight: bool) -> int:
    """What ``quantity`` stock units cost at ``cost_minor`` each (per kg for weighed goods).

    Weighed goods count grams and are priced and costed per kilogram (as purchasing's
    ``line_cost_minor``): their cost is rounded once, half to even.
    """
    if by_weight:
        return div_round(cost_minor * quantity, GRAMS_PER_KG)
    return cost_minor * quantity


def value_in(value_minor: int, on_hand_before: int, quantity: int, fallback_cost: int) -> int:
    """The value of ``quantity`` units coming in without a cost of their own.

    At the level's average when it holds stock, else ``fallback_cost`` (what the units cost at
    the product's cost, :func:`cost_of`).
    """
    if on_hand_before > 0:
        return div_round(value_minor * quantity, on_hand_before)
    return fallback_cost


def unit_cost(value_minor: int, on_hand: int, scale: int = 1) -> int:
    """The average cost to show, rounded to the minor unit (0 when empty).

    ``scale`` is the steps per unit (:func:`posapp.units.scale_of`: 1000 for kg, m and l), so
    the cost reads per piece, gram, kilogram, metre or litre, as prices do.
    """
    if on_hand <= 0:
        return 0
    return div_round(value_minor * scale, on_hand)


def checked_value(value_minor: int, name: str) -> int:
    """Return a level's new value, refusing one a ``BigInteger`` could not hold.

    Raises:
        ValidationError: above :data:`MAX_STOCK_VALUE` (or below zero: a broken caller).
    """
    if not 0 <= value_minor <= MAX_STOCK_VALUE:
        raise ValidationError(
            _("The stock of {name} would be worth more than can be recorded.").format(name=name)
        )
    return value_minor


def check_unit_cost(cost_minor: object) -> int:
    """Return a unit cost given with stock coming in (whole minor units, 0 or more).

    Raises:
        ValidationError: not an ``int`` (a bool, a float) or out of range.
    """
    if isinstance(cost_minor, bool) or not isinstance(cost_minor, int):
        raise ValidationError(_("A unit cost is a whole number of minor units."))
    if not 0 <= cost_minor <= MAX_MINOR:
        raise ValidationError(_("A unit cost is between 0 and the largest amount a price may be."))
    return cost_minor


def delivery_values(lines: Iterable[StockLine], weighed: Collection[int] = ()) -> dict[int, int]:
    """What each product's units of a delivery cost in all, for the lines given a unit cost.

    ``weighed`` holds the products sold by weight (their unit cost is per kg). The quantities
    are checked by the caller first.

    Raises:
        ValidationError: a bad unit cost, or a product with a cost on some lines and not others.
    """
    values: dict[int, int] = {}
    costed: dict[int, bool] = {}
    for line in lines:
        has_cost = line.unit_cost_minor is not None
        if costed.setdefault(line.product_id, has_cost) != has_cost:
            raise ValidationError(_("Give a unit cost on every line of a product, or on none."))
        if has_cost:
            cost = check_unit_cost(line.unit_cost_minor)
            value = cost_of(cost, line.quantity, line.product_id in weighed)
            values[line.product_id] = values.get(line.product_id, 0) + value
    return values
