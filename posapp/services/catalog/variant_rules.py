"""The rules of a variant matrix that need no database: names, search keys, cell checks.

One display-name rule: a variant is called by its template's name and its values, joined by
", " ("T-shirt, blue, M"). The name is computed here once, when the matrix is saved, and stored
as the variant's product name, so the register, receipts, orders (which copy the name at sale),
reports, labels and the public catalog show it without knowing about variants. A renamed
template or value renames its variants in the same transaction.

The search keys of a variant are its template's name and values lower-cased, and once more
without punctuation where that differs ("t-shirt blue m tshirt"); they are indexed beside the
name (migration 0022), so "tshirt blue" and "shirt blue" find "T-shirt, blue, M".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from posapp.i18n import _
from posapp.money import BP_PER_UNIT, MAX_MINOR
from posapp.services.catalog.rules import (
    NAME_MAX,
    _one_line,
    barcode_variants,
    clean_barcode,
    clean_name,
    clean_sku,
    sku_key,
)
from posapp.services.catalog.variant_dto import (
    CellError,
    TemplateDraft,
    VariantDraft,
)
from posapp.services.platform.errors import ValidationError

ATTRIBUTES_MAX: Final = 3
VALUES_MAX: Final = 50
VARIANTS_MAX: Final = 500
ATTRIBUTE_MAX: Final = 50
"""Longest attribute name or value."""
KEYS_MAX: Final = 400
_SEPARATOR: Final = ", "
_T = TypeVar("_T")


def variant_name(template: str, values: Sequence[str]) -> str:
    """The display name of a variant: ``T-shirt, blue, M`` (cut to the longest product name)."""
    return _SEPARATOR.join((template, *values))[:NAME_MAX]


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum() or ch.isspace())


def search_keys(template: str, values: Sequence[str]) -> str:
    """What a variant is found by besides its name (see the module docstring)."""
    words = " ".join((template, *values)).casefold().split()
    text = " ".join(words)
    bare = " ".join(_bare(part.casefold()).replace(" ", "") for part in (template, *values))
    if bare and bare != text:
        text = f"{text} {bare}"
    return text[:KEYS_MAX]


@dataclass(frozen=True, slots=True)
class CleanVariant:
    """A checked row of the matrix."""

    row: int
    values: tuple[str, ...]
    sku: str
    sku_key: str
    barcode: str | None
    price_minor: int
    product_id: int | None


@dataclass(frozen=True, slots=True)
class CleanTemplate:
    """A checked matrix: the template's fields, its attributes and its rows."""

    code: str
    code_key: str
    name: str
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    variants: tuple[CleanVariant, ...]


def _text(value: str, what: str, limit: int) -> str:
    return _one_line(value, what, "NFC", limit)


def _amount(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(_("{what} must be a whole number of cents.").format(what=what))
    if not 0 <= value <= MAX_MINOR:
        raise ValidationError(
            _("{what} must be between 0 and {max_minor:,}.").format(what=what, max_minor=MAX_MINOR)
        )
    return value


def _rate(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BP_PER_UNIT:
        raise ValidationError(_("The tax rate must be between 0 % and 100 %."))
    return value


class _Errors:
    def __init__(self) -> None:
        self.found: list[CellError] = []

    def check(
        self, row: int | None, field: str, check: Callable[..., _T], *args: object
    ) -> _T | None:
        try:
            return check(*args)
        except ValidationError as exc:
            self.found.append(CellError(row, field, str(exc)))
            return None


def _attributes(draft: TemplateDraft, errors: _Errors) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not draft.attributes:
        errors.found.append(CellError(None, "attributes", _("Give the template an attribute.")))
    if len(draft.attributes) > ATTRIBUTES_MAX:
        message = _("A template has at most {attributes_max} attributes.").format(
            attributes_max=ATTRIBUTES_MAX
        )
        errors.found.append(CellError(None, "attributes", message))
        return ()
    result: list[tuple[str, tuple[str, ...]]] = []
    names: set[str] = set()
    for attribute in draft.attributes:
        name = errors.check(None, "attributes", _text, attribute.name, "attribute", ATTRIBUTE_MAX)
        if not isinstance(name, str):
            continue
        if name.casefold() in names:
            errors.found.append(
                CellError(None, "attributes", _("“{name}” is there twice.").format(name=name))
            )
            continue
        names.add(name.casefold())
        values: list[str] = []
        for raw in attribute.values:
            value = errors.check(None, "attributes", _text, raw, f"{name} value", ATTRIBUTE_MAX)
            if isinstance(value, str) and value.casefold() not in {v.casefold() for v in values}:
                values.append(value)
        if not values:
            errors.found.append(
                CellError(None, "attributes", _("Give “{name}” a value.").format(name=name))
            )
        if len(values) > VALUES_MAX:
            message = _("“{name}” has more than {values_max} values.").format(
                name=name, values_max=VALUES_MAX
            )
            errors.found.append(CellError(None, "attributes", message))
        result.append((name, tuple(values)))
    return tuple(result)


def _row(
    index: int,
    variant: VariantDraft,
    attributes: tuple[tuple[str, tuple[str, ...]], ...],
    price: int,
    errors: _Errors,
) -> CleanVariant | None:
    before = len(errors.found)
    sku = errors.check(index, "sku", clean_sku, variant.sku)
    barcode = errors.check(index, "barcode", clean_barcode, variant.barcode)
    own = price if variant.price_minor is None else variant.price_minor
    amount = errors.check(index, "price", _amount, own, "The price")
    values: list[str] = []
    if len(variant.values) != len(attributes):
        message = _("A variant has one value for each of the {count} attributes.").format(
            count=len(attributes)
        )
        errors.found.append(CellError(index, "values", message))
    else:
        for raw, (name, allowed) in zip(variant.values, attributes, strict=True):
            by_fold = {value.casefold(): value for value in allowed}
            value = by_fold.get(unicodedata.normalize("NFC", str(raw)).strip().casefold())
            if value is None:
                message = _("“{raw}” is not one of the values of {name}.").format(
                    raw=raw, name=name
                )
                errors.found.append(CellError(index, "values", message))
            else:
                values.append(value)
    if len(errors.found) > before or sku is None or amount is None:
        return None
    return CleanVariant(
        index,
        tuple(values),
        sku,
        sku_key(sku),
        barcode if isinstance(barcode, str) else None,
        amount,
        variant.product_id,
    )


def _duplicates(rows: Sequence[CleanVariant], errors: _Errors) -> None:
    """Two rows with the same values, SKU or barcode: both cells are marked."""
    seen: dict[tuple[str, object], int] = {}
    for row in rows:
        keys: list[tuple[str, object]] = [
            ("values", tuple(v.casefold() for v in row.values)),
            ("sku", row.sku_key),
        ]
        if row.barcode is not None:
            keys.extend(("barcode", code) for code in barcode_variants(row.barcode))
        marked: set[str] = set()
        for key in keys:
            other = seen.setdefault(key, row.row)
            if other != row.row and key[0] not in marked:
                marked.add(key[0])
                what = {"values": "These values", "sku": "This SKU", "barcode": "This barcode"}
                message = _("{what} is also on variant {other}.").format(
                    what=what[key[0]], other=other + 1
                )
                errors.found.append(CellError(row.row, key[0], message))


def clean_template(draft: TemplateDraft) -> tuple[CleanTemplate, tuple[CellError, ...]]:
    """Check every cell of ``draft`` (no database needed).

    Returns:
        The checked template and the cells that are not acceptable (every one, not only the
        first). Where there are some, the template holds what could be read (a bad code is
        empty, a bad price 0) and only the acceptable rows, so that the database's checks can
        still look at those: one answer names every bad cell.
    """
    errors = _Errors()
    code = errors.check(None, "code", clean_sku, draft.code)
    name = errors.check(None, "name", clean_name, draft.name)
    price = errors.check(None, "price", _amount, draft.price_minor, "The price")
    rate = errors.check(None, "tax_rate", _rate, draft.tax_rate_bp)
    attributes = _attributes(draft, errors)
    if len(draft.variants) > VARIANTS_MAX:
        message = _("A template has at most {variants_max} variants.").format(
            variants_max=VARIANTS_MAX
        )
        errors.found.append(CellError(None, "attributes", message))
    rows = [
        row
        for index, variant in enumerate(draft.variants[:VARIANTS_MAX])
        if (row := _row(index, variant, attributes, price or 0, errors))
    ]
    _duplicates(rows, errors)
    clean = CleanTemplate(
        code or "",
        sku_key(code) if code else "",
        name or "",
        draft.category_id,
        price or 0,
        rate or 0,
        bool(draft.tax_included),
        attributes,
        tuple(rows),
    )
    return clean, tuple(errors.found)
