"""What the scan field's text means: a code, ``3*code``, ``0.455*code``, or a scale barcode.

Plain Python (no widgets): the register turns the outcome into a line or a message.

- ``code`` adds one piece; a product sold by weight or measure (:mod:`posapp.units`) needs a
  quantity, from a scale barcode or typed before the code;
- ``3*code`` adds three pieces; ``0.455*code`` adds 0.455 kg of a product sold by the kg (up to
  three decimals; a piece product refuses decimals);
- a scale barcode (the shop's GS1 20-29 layout) carries its own weight: a quantity typed before
  it is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from posapp.i18n import _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import ProductDTO, check_quantity
from posapp.units import (
    QuantityError,
    Unit,
    format_quantity,
    parse_quantity,
    typing_example,
    typing_steps,
)

if TYPE_CHECKING:
    from posapp.services.sales import SalesApi


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """A product and quantity to add, or why not (``error``), or an unknown ``code``."""

    product: ProductDTO | None = None
    quantity: int = 0
    error: str = ""
    code: str = ""
    typed: bool = False


def read_scan(
    sales: SalesApi, user: UserDTO, text: str, codes: dict[str, ProductDTO]
) -> ScanOutcome:
    """Read the scan field's ``text``; ``codes`` caches plain codes already looked up."""
    code = text.strip()
    if not code:
        return ScanOutcome()
    head, star, rest = code.partition("*")
    if star:
        code = rest.strip()
    product = codes.get(code)
    quantity: int | None = None
    if product is None:
        try:
            scanned = sales.scan_code(user, code)
        except ServiceError as exc:
            return ScanOutcome(error=str(exc))
        if scanned is None:
            return ScanOutcome(code=code, typed=bool(star))
        product, quantity = scanned.product, scanned.quantity
        if quantity is None:
            codes[code] = product
    return _with_quantity(product, quantity, head if star else None)


def _with_quantity(product: ProductDTO, scanned: int | None, typed: str | None) -> ScanOutcome:
    """The outcome for ``product`` with a scale barcode's quantity and/or a typed one."""
    if typed is not None and scanned is not None:
        return ScanOutcome(
            error=_(
                "The scale barcode of {product} carries its own weight: scan it "
                "without a quantity before it."
            ).format(product=product.name)
        )
    if typed is not None:
        try:
            return ScanOutcome(product, typed_quantity(typed, product))
        except ValidationError as exc:
            return ScanOutcome(error=str(exc))
    if scanned is not None:
        return ScanOutcome(product, scanned)
    if product.unit != Unit.PIECE:
        example = format_quantity(typing_steps(product.unit), product.unit)
        return ScanOutcome(
            error=_(
                "{product} is sold by the {unit}: type its quantity, then * and "
                "the code ({typed}* for {example})."
            ).format(
                product=product.name, unit=product.unit, typed=example.split()[0], example=example
            )
        )
    return ScanOutcome(product, 1)


def typed_quantity(text: str, product: ProductDTO) -> int:
    """The quantity typed before ``*`` for ``product``, in its steps (``0.455`` kg is 455).

    Raises:
        ValidationError: not a quantity of the product's unit; the message says what to type.
    """
    unit = product.unit
    if unit == Unit.PIECE:
        if any(ch in text for ch in ".,"):
            raise ValidationError(
                _(
                    "{product} is sold by the piece, not by weight: type a whole number "
                    "(3* then the code)."
                ).format(product=product.name)
            )
        from posapp.ui.register.dialogs import parse_whole  # noqa: PLC0415 - as the view did

        return parse_whole(text)
    try:
        quantity = parse_quantity(text, unit)
    except QuantityError as exc:
        raise ValidationError(
            _("{reason} (type {typed} then the code)").format(
                reason=exc, typed=f"{typing_example(unit)}*"
            )
        ) from exc
    return check_quantity(quantity, unit)
