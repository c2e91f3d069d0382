"""Units of measure: the one module that knows how a product's quantities are counted.

Representation:
    Every quantity is an ``int`` in the same columns as before (order lines, stock levels, the
    stock ledger, purchase order lines, returns). A product's :class:`Unit` says what one step
    of that integer means:

    ============  ======  ==============================================================
    unit          scale   the integer counts
    ============  ======  ==============================================================
    ``pc``        1       pieces (the default; every product before migration 0020)
    ``g``         1       whole grams (price per gram)
    ``kg``        1000    thousandths of a kilogram (grams): ``455`` is 0.455 kg
    ``m``         1000    thousandths of a metre (millimetres)
    ``l``         1000    thousandths of a litre (millilitres)
    ============  ======  ==============================================================

    So no column changes type and no sum of quantities mixes meanings within one product: a
    product's stock, its sales and its receipts all count the same step. ``float`` and
    ``Decimal`` never appear; parsing and formatting work on the digits.

Prices:
    A product's price (and cost) is per *unit*: per piece, per gram, per kilogram, per metre,
    per litre. A line's amount is ``price × quantity / scale``, rounded once by
    :func:`line_amount` (see there for the rounding policy).

Parsing:
    :func:`parse_quantity` reads what a person types (any decimal digits, full-width too, an
    optional group separator in threes) and refuses decimals for a unit counted whole, more than
    three decimals for a measured unit, signs, exponents and zero, each with a one-line message
    (:class:`QuantityError`).
"""

from __future__ import annotations

import enum
import unicodedata
from typing import Final

from posapp.formats import number_marks
from posapp.i18n import N_, _
from posapp.money import div_round

__all__ = [
    "MAX_QUANTITY",
    "UNITS",
    "QuantityError",
    "Unit",
    "format_quantity",
    "is_measured",
    "items_of",
    "line_amount",
    "parse_quantity",
    "per_unit",
    "quantity_figure",
    "scale_of",
    "typing_example",
    "typing_steps",
    "unit_of",
    "unit_or_weight",
]

MAX_QUANTITY: Final = 1_000_000_000
"""Largest quantity (in steps) any one field accepts."""

MEASURED_DECIMALS: Final = 3
"""Decimals of a measured unit: the integer counts thousandths."""


class Unit(enum.StrEnum):
    """What a product is counted in."""

    PIECE = "pc"
    GRAM = "g"
    KILOGRAM = "kg"
    METRE = "m"
    LITRE = "l"

    @property
    def label(self) -> str:
        """The unit as the catalog editor lists it (English: ``_()`` it where shown)."""
        return _LABELS[self]


_LABELS: Final = {
    Unit.PIECE: N_("piece"),
    Unit.GRAM: N_("gram (g)"),
    Unit.KILOGRAM: N_("kilogram (kg)"),
    Unit.METRE: N_("metre (m)"),
    Unit.LITRE: N_("litre (l)"),
}
_SCALES: Final = {
    Unit.PIECE: 1,
    Unit.GRAM: 1,
    Unit.KILOGRAM: 1000,
    Unit.METRE: 1000,
    Unit.LITRE: 1000,
}
_BY_CODE: Final[dict[str, Unit]] = {unit.value: unit for unit in Unit}
UNITS: Final = tuple(Unit)
"""Every unit, in the order the editor lists them."""


class QuantityError(ValueError):
    """Invalid quantity input; ``str(error)`` is a one-line message for the form."""


def unit_of(code: object) -> Unit:
    """The unit stored as ``code`` (``"kg"``, ``" KG "``).

    Raises:
        QuantityError: not a unit posapp knows; the message lists them.
    """
    if isinstance(code, str):
        stored = _BY_CODE.get(code)  # the stored code as is: the sale's hot path (issue #23)
        if stored is not None:
            return stored
    text = code.strip().lower() if isinstance(code, str) else ""
    try:
        return Unit(text)
    except ValueError:
        known = ", ".join(unit.value for unit in UNITS)
        raise QuantityError(
            _("Unknown unit {code!r}: use one of {known}.").format(code=str(code)[:20], known=known)
        ) from None


def scale_of(unit: str) -> int:
    """Steps per unit: 1000 for kg, m and l (thousandths), 1 for pieces and grams."""
    return _SCALES[unit_of(unit)]


def is_measured(unit: str) -> bool:
    """Whether quantities of ``unit`` have decimals (kg, m, l)."""
    return scale_of(unit) > 1


def line_amount(price_minor: int, quantity: int, unit: str) -> int:
    """The amount of ``quantity`` steps at ``price_minor`` per unit, in minor units.

    Rounding policy: exact for pieces and grams; for a measured unit the exact amount
    ``price × quantity / 1000`` is rounded ONCE, to the minor unit, half to even — the one rule
    of :mod:`posapp.money` (``div_round``), so a weighed line rounds like a tax or a discount
    does and the rounding is unbiased over many lines. Everything after (discounts, tax,
    totals) works on this rounded amount. Example: 0.455 kg at 19.90/kg is 9.0545 → 9.05.
    """
    scale = scale_of(unit)
    return price_minor * quantity if scale == 1 else div_round(price_minor * quantity, scale)


def unit_or_weight(unit: str, *, sold_by_weight: bool) -> str:
    """``unit``, or ``kg`` for a row that says pieces but counts grams (``sold_by_weight``).

    Products written before units existed (or by hand, as some test shops are) carry only the
    ``sold_by_weight`` flag; migration 0020 gives stored ones their unit.
    """
    return Unit.KILOGRAM.value if sold_by_weight and unit == Unit.PIECE else unit


def items_of(quantity: int, unit: str) -> int:
    """How many items a line counts for item counts and coupon rules ("buy 3").

    Pieces count themselves; a weighed or measured line (and a line of grams) is one item:
    0.455 kg of cheese is one item on the receipt's count, not 455.
    """
    return quantity if unit_of(unit) is Unit.PIECE else 1


def parse_quantity(
    text: str,
    unit: str = Unit.PIECE,
    *,
    allow_zero: bool = False,
    marks: tuple[str, str] | None = None,
) -> int:
    """Parse a quantity typed by a person into steps of ``unit``.

    ``0.455`` kg is ``455`` (so is ``0.455 kg``, as it is shown); ``3`` pieces is ``3``. The
    decimal and group marks are the shop's (``marks``: decimal, group; by default
    :func:`posapp.formats.number_marks`): ``0,455`` kg in a German shop. A measured quantity
    typed with the other mark (``0.455`` there, ``0,455`` in an English shop), or grouped
    without decimals (``2,250`` kg), is refused with the mark to use, never read as thousands.

    Raises:
        QuantityError: with a message saying what to type instead.
    """
    scale = scale_of(unit)
    body = _normalise(text)
    code = unit_of(unit)
    if code is not Unit.PIECE and body.lower().endswith(code.value):  # "0.455 kg" as shown
        body = body[: -len(code.value)].rstrip()
    whole, frac = _split(body, code, marks or number_marks())
    if scale == 1 and frac.strip("0"):
        raise QuantityError(
            _("Whole grams only: this item is sold by the gram.")
            if unit_of(unit) is Unit.GRAM
            else _("Whole units only: this item is sold by the {unit}.").format(unit=_(_noun(unit)))
        )
    if scale > 1 and len(frac) > MEASURED_DECIMALS:
        raise QuantityError(_("At most three decimals ({unit}).").format(unit=_step(unit)))
    whole = whole.lstrip("0")
    most = format_quantity(MAX_QUANTITY, unit)
    too_large = QuantityError(
        (_("At most {most} units.") if most[-1].isdigit() else _("At most {most}.")).format(
            most=most
        )
    )
    if len(whole) > len(str(MAX_QUANTITY)):  # before int(): no giant conversions
        raise too_large
    value = int(whole or "0")
    if scale > 1:
        value = value * scale + int(frac.ljust(MEASURED_DECIMALS, "0"))
    if value > MAX_QUANTITY:
        raise too_large
    if value == 0 and not allow_zero:
        raise QuantityError(_("Enter a quantity above zero."))
    return value


def format_quantity(
    quantity: int,
    unit: str = Unit.PIECE,
    *,
    signed: bool = False,
    marks: tuple[str, str] | None = None,
) -> str:
    """Steps as people read them: ``1,250`` pieces, ``0.455 kg``, ``250 g``, ``1.500 l``.

    With the shop's decimal and group marks (``marks``: decimal, group; by default
    :func:`posapp.formats.number_marks`): ``1.250`` pieces and ``0,455 kg`` in a German shop.
    """
    code = unit_of(unit)
    figure = quantity_figure(quantity, code, signed=signed, marks=marks)
    return figure if code is Unit.PIECE else f"{figure} {code.value}"


def quantity_figure(
    quantity: int,
    unit: str = Unit.PIECE,
    *,
    signed: bool = False,
    marks: tuple[str, str] | None = None,
) -> str:
    """:func:`format_quantity` without the unit, as a field shows it: ``0.455``, ``0,455`` (de)."""
    decimal, group = marks or number_marks()
    scale = _SCALES[unit_of(unit)]
    sign = "+" if signed and quantity > 0 else "-" if quantity < 0 else ""
    whole, part = divmod(abs(quantity), scale)
    digits = f"{whole:,}".replace(",", group)
    return f"{sign}{digits}" if scale == 1 else f"{sign}{digits}{decimal}{part:03d}"


def typing_steps(unit: str) -> int:
    """The quantity hints show as what to type: 0.455 of a measured unit, 250 g, 3 pieces."""
    code = unit_of(unit)
    return 455 if _SCALES[code] > 1 else 3 if code is Unit.PIECE else 250


def typing_example(unit: str, *, marks: tuple[str, str] | None = None) -> str:
    """:func:`typing_steps` as the shop types it, without the unit: ``0.455``, ``0,455`` (de)."""
    return quantity_figure(typing_steps(unit), unit, marks=marks)


def per_unit(unit: str) -> str:
    """What a price is per, for labels: ``""`` for pieces, ``"/kg"`` for kilograms."""
    code = unit_of(unit)
    return "" if code is Unit.PIECE else f"/{code.value}"


def _noun(unit: str) -> str:
    return {Unit.PIECE: N_("unit"), Unit.GRAM: N_("gram")}.get(unit_of(unit), unit_of(unit).value)


def _step(unit: str) -> str:
    return {
        Unit.KILOGRAM: _("grams"),
        Unit.METRE: _("millimetres"),
        Unit.LITRE: _("millilitres"),
    }.get(unit_of(unit), _("thousandths"))


def _normalise(text: str) -> str:
    """NFKC, strip, and map every decimal digit (Arabic-Indic, full-width…) to ASCII."""
    return "".join(
        str(digit) if (digit := unicodedata.decimal(ch, None)) is not None else ch
        for ch in unicodedata.normalize("NFKC", text).strip()
    )


def _split(body: str, code: Unit, marks: tuple[str, str]) -> tuple[str, str]:
    """Split unsigned quantity text into (whole digits, decimal digits), both ASCII."""
    if not body:
        raise QuantityError(_("Enter a quantity."))
    if body[0] in "-\u2212":
        raise QuantityError(_("Enter a quantity above zero; choose the direction separately."))
    decimal = unicodedata.normalize("NFKC", marks[0])
    group = unicodedata.normalize("NFKC", marks[1])
    group = "" if group == decimal else group
    whole, _unused, frac = body.removeprefix("+").partition(decimal)
    measured = _SCALES[code] > 1
    other = next((mark for mark in ".," if mark not in (decimal, group) and mark in body), "")
    if measured and (other or (group and group in whole and not frac)):
        # 0.455 typed in a German shop (0,455 in an English one) is a decimal, not thousands;
        # 2,250 kg is refused anywhere: a till cannot tell 2.25 kg from 2,250 kg.
        raise QuantityError(
            _(
                "Write decimals with “{mark}”, like {example}, and thousands without a separator."
            ).format(mark=decimal, example=typing_example(code, marks=marks))
        )
    if group and group in whole:
        groups = whole.split(group)
        if not _grouped(groups):
            raise QuantityError(
                _("Group digits in threes, like 1{group_sep}000.").format(group_sep=group)
            )
        whole = "".join(groups)
    if not (whole or frac):
        raise QuantityError(_("Enter a quantity like 12."))
    if not all("0" <= ch <= "9" for ch in whole + frac):
        raise QuantityError(_("Enter a quantity in digits, like 12."))
    return whole, frac


def _grouped(groups: list[str]) -> bool:
    """Whether ``groups`` are digits grouped in threes (``1``, ``000``), never ``0.455``."""
    head = groups[0]
    return 1 <= len(head) <= 3 and head[0] != "0" and all(len(g) == 3 for g in groups[1:])  # noqa: PLR2004
