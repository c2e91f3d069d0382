"""Scale barcodes: EAN-13 codes with a GS1 in-store prefix (20-29) that carry a weight or a price.

A scale prints a label whose barcode names the item and embeds what it weighed (or what it
costs). The layout is the shop's, in the settings registry (``scale_barcode.*``,
:mod:`posapp.services.platform.registry`)::

    2 1 | 0 0 0 4 2 | 0 0 4 5 5 | 8
    prefix  item code   value      EAN-13 check digit

- **prefix**: one of ``scale_barcode.prefixes`` (empty: the shop uses no scale barcodes);
- **item code**: ``scale_barcode.item_digits`` digits after the prefix; the product is the one
  whose barcode is the same code with a zero value (``2100042000007``: an ordinary EAN-13 the
  catalog accepts), or else the one whose SKU is the item code (``00042``);
- **value**: the last ``scale_barcode.value_digits`` digits before the check digit, with
  ``scale_barcode.decimals`` decimals: a weight in kilograms or a price in the shop's currency.
  Digits between the item code and the value (some scales print a price check digit there)
  are not read;
- the EAN-13 check digit is verified.

A weight becomes the line's quantity in the product's steps (0.455 kg of a kg product is 455,
of a gram product 455 g). A price is for weighed goods only: the quantity is the weight that
price buys, ``price × 1000 / price per unit`` rounded half-even, and the line's amount is then
computed like any other (:func:`posapp.units.line_amount`), so it can differ from the label
by less than the price of one gram; a piece product with a price label is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from stdnum import ean

from posapp.i18n import _
from posapp.models import Product
from posapp.money import div_round
from posapp.services.platform import registry
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import ProductDTO
from posapp.units import Unit, format_quantity, is_measured, scale_of, typing_example, unit_of

__all__ = ["ScaleLayout", "ScaleReading", "decode", "read_layout", "scale_item"]

EAN13 = 13
_BODY = 12  # the digits before the check digit
_WEIGHT_DECIMALS = 3  # a quantity of a weighed product counts grams


@dataclass(frozen=True, slots=True)
class ScaleLayout:
    """A shop's scale barcode layout (``scale_barcode.*`` settings)."""

    prefixes: tuple[int, ...]
    item_digits: int = 5
    value: str = "weight"
    value_digits: int = 5
    decimals: int = 3

    def matches(self, code: str) -> bool:
        """Whether ``code`` looks like one of this shop's scale barcodes (13 digits, a prefix)."""
        return (
            len(code) == EAN13
            and code.isascii()
            and code.isdigit()
            and int(code[:2]) in self.prefixes
        )


@dataclass(frozen=True, slots=True)
class ScaleReading:
    """What a scale barcode says: the item, its zero-value barcode and the embedded value."""

    item_code: str
    zero_code: str
    value: int


def read_layout(uow: UnitOfWork) -> ScaleLayout:
    """The shop's layout, inside a running unit of work."""
    return ScaleLayout(
        prefixes=registry.read(uow, registry.SCALE_PREFIXES),
        item_digits=registry.read(uow, registry.SCALE_ITEM_DIGITS),
        value=registry.read(uow, registry.SCALE_VALUE),
        value_digits=registry.read(uow, registry.SCALE_VALUE_DIGITS),
        decimals=registry.read(uow, registry.SCALE_DECIMALS),
    )


def decode(code: str, layout: ScaleLayout) -> ScaleReading:
    """Split a scale barcode ``code`` (which :meth:`ScaleLayout.matches`) by ``layout``.

    Raises:
        ValidationError: a wrong check digit, or a layout whose parts do not fit in the code.
    """
    expected = ean.calc_check_digit(code[:_BODY])
    if expected != code[-1]:
        raise ValidationError(
            _(
                "The scale barcode {code} is misread: its check digit should "
                "be {expected}, not {code2}. Scan it again or type the "
                "weight ({example}*code)."
            ).format(
                code=code, expected=expected, code2=code[-1], example=typing_example(Unit.KILOGRAM)
            )
        )
    if layout.item_digits + layout.value_digits > _BODY - 2:
        raise ValidationError(
            _(
                "The scale barcode layout does not fit in an EAN-13 (item and value digits add up "
                "to more than 10): an admin fixes it in Settings."
            )
        )
    item = code[2 : 2 + layout.item_digits]
    value = int(code[_BODY - layout.value_digits : _BODY])
    zero_body = code[: 2 + layout.item_digits] + "0" * (_BODY - 2 - layout.item_digits)
    return ScaleReading(item, zero_body + ean.calc_check_digit(zero_body), value)


PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.barcode,
    Product.name,
    Product.category_id,
    Product.price_minor,
    Product.tax_rate_bp,
    Product.tax_included,
    Product.unit,
)
"""The columns of the register's :class:`ProductDTO`, in its order (the lookups read these too)."""
_BY_ZERO_CODE = Prepared(
    select(*PRODUCT_COLUMNS)
    .where(Product.barcode == bindparam("code"), Product.active.is_(True))
    .limit(1)
)
_BY_ITEM_SKU = Prepared(
    select(*PRODUCT_COLUMNS)
    .where(Product.sku_key == bindparam("code"), Product.active.is_(True))
    .limit(1)
)


def scale_item(
    conn: Connection, code: str, layout: ScaleLayout, currency_digits: int
) -> tuple[ProductDTO, int]:
    """The product and quantity (in its steps) of the scale barcode ``code``.

    Raises:
        ValidationError: a wrong check digit, an unknown item, zero, or a product the value
            does not fit (a weight for a piece product, a price for a product without one).
    """
    reading = decode(code, layout)
    row = _BY_ZERO_CODE.one(conn, {"code": reading.zero_code})
    if row is None:
        row = _BY_ITEM_SKU.one(conn, {"code": reading.item_code})
    if row is None:
        raise ValidationError(
            _("No product has the scale item code {item_code} (scale barcode {code}).").format(
                item_code=reading.item_code, code=code
            )
        )
    product = ProductDTO(*row)
    if reading.value == 0:
        raise ValidationError(
            _("The scale barcode for {product_name} says zero: weigh the item again.").format(
                product_name=product.name
            )
        )
    if layout.value == "price":
        return product, _quantity_for_price(product, reading.value, layout, currency_digits)
    return product, _quantity_for_weight(product, reading.value, layout)


def _quantity_for_weight(product: ProductDTO, value: int, layout: ScaleLayout) -> int:
    unit = unit_of(product.unit)
    if unit not in (Unit.KILOGRAM, Unit.GRAM):
        raise ValidationError(
            _(
                "{product_name} is not sold by weight (it is sold by the "
                "{value}): a weight barcode cannot sell it."
            ).format(product_name=product.name, value="piece" if unit is Unit.PIECE else unit.value)
        )
    return value * int(10 ** (_WEIGHT_DECIMALS - layout.decimals))  # grams either way


def _quantity_for_price(
    product: ProductDTO, value: int, layout: ScaleLayout, currency_digits: int
) -> int:
    if not is_measured(product.unit) and product.unit != Unit.GRAM:
        raise ValidationError(
            _("{product_name} is sold by the piece: a price barcode is for weighed goods.").format(
                product_name=product.name
            )
        )
    if layout.decimals > currency_digits:
        raise ValidationError(
            _(
                "The scale barcode layout has more price decimals than the shop's currency: an "
                "admin fixes it in Settings."
            )
        )
    if product.price_minor == 0:
        raise ValidationError(
            _("{product_name} has no price per unit to weigh a price against.").format(
                product_name=product.name
            )
        )
    price_minor = value * int(10 ** (currency_digits - layout.decimals))
    quantity = div_round(price_minor * scale_of(product.unit), product.price_minor)
    if quantity < 1:
        raise ValidationError(
            _("The scale barcode's price buys less than {value} of {product_name}.").format(
                value=format_quantity(1, product.unit), product_name=product.name
            )
        )
    return quantity
