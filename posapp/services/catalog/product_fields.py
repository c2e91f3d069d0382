"""A product draft's fields checked one by one, before anything is read or written.

The field rules themselves are in :mod:`posapp.services.catalog.rules`; a refusal is a
:class:`~posapp.services.catalog.rules.FieldError` naming the editor's field (``sku``,
``price``…), whatever the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from posapp.i18n import N_, _
from posapp.money import BP_PER_UNIT, MAX_MINOR
from posapp.services.catalog.dto import ProductDraft
from posapp.services.catalog.rules import (
    FieldError,
    clean_barcode,
    clean_description,
    clean_name,
    clean_sku,
    sku_key,
)
from posapp.services.platform.errors import ValidationError
from posapp.units import QuantityError, unit_of

__all__ = ["CleanProduct", "clean_draft"]


@dataclass(frozen=True, slots=True)
class CleanProduct:
    """A validated draft, ready to store."""

    sku: str
    sku_key: str
    barcode: str | None
    name: str
    description: str
    category_id: int | None
    price_minor: int
    cost_minor: int
    tax_rate_bp: int
    tax_included: bool
    tax_rate_id: int | None = None
    unit: str = "pc"


def _field(field: str, check: object, value: object) -> object:
    try:
        return check(value)  # type: ignore[operator]
    except ValidationError as exc:
        raise FieldError(field, str(exc)) from exc


_AMOUNT_REFUSALS: Final = {
    "price": (
        N_("The price must be a whole number of cents."),
        N_("The price must be between 0 and {maximum:,}."),
    ),
    "cost": (
        N_("The cost must be a whole number of cents."),
        N_("The cost must be between 0 and {maximum:,}."),
    ),
}


def _amount(value: object, field: str, maximum: int = MAX_MINOR) -> int:
    """An amount in minor units for ``field`` (``price`` or ``cost``, the editor's keys)."""
    not_whole, out_of_range = _AMOUNT_REFUSALS[field]
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldError(field, _(not_whole))
    if not 0 <= value <= maximum:
        raise FieldError(field, _(out_of_range).format(maximum=maximum))
    return value


def _rate(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BP_PER_UNIT:
        raise FieldError("tax_rate", _("The tax rate must be between 0 % and 100 %."))
    return value


def clean_draft(draft: ProductDraft) -> CleanProduct:
    """Validate every field of ``draft`` (no database needed).

    Raises:
        FieldError: the first field that is not acceptable, with its name.
    """
    sku = str(_field("sku", clean_sku, draft.sku))
    rate = _rate(draft.tax_rate_bp)
    return CleanProduct(
        sku=sku,
        sku_key=sku_key(sku),
        barcode=_field("barcode", clean_barcode, draft.barcode),  # type: ignore[arg-type]
        name=str(_field("name", clean_name, draft.name)),
        description=str(_field("description", clean_description, draft.description)),
        category_id=draft.category_id,
        price_minor=_amount(draft.price_minor, "price"),
        cost_minor=_amount(draft.cost_minor, "cost"),
        tax_rate_bp=rate,
        tax_included=bool(draft.tax_included),
        tax_rate_id=draft.tax_rate_id,
        unit=_unit(draft.unit),
    )


def _unit(value: object) -> str:
    try:
        return str(unit_of(value).value)
    except QuantityError as exc:
        raise FieldError("unit", str(exc)) from exc
