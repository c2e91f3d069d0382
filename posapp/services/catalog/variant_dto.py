"""Frozen inputs and read models of product templates and their variants (no SQLAlchemy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from posapp.services.platform.errors import ValidationError


@dataclass(frozen=True, slots=True)
class AttributeDraft:
    """One attribute of a template (``Colour``) with its values in their order."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VariantDraft:
    """One row of the matrix: a combination of values and the variant's own codes and price.

    ``values`` has one value per attribute, in the attributes' order. ``price_minor`` None means
    the template's price. ``product_id`` names the existing variant the row edits (None: a new
    one).
    """

    values: tuple[str, ...]
    sku: str
    barcode: str | None = None
    price_minor: int | None = None
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class TemplateDraft:
    """A template with its attributes and the variants to keep or create (the whole matrix)."""

    code: str
    name: str
    price_minor: int
    attributes: tuple[AttributeDraft, ...]
    variants: tuple[VariantDraft, ...]
    category_id: int | None = None
    tax_rate_bp: int = 0
    tax_included: bool = True


@dataclass(frozen=True, slots=True)
class VariantDTO:
    """A variant as the matrix shows it: the product's codes, name and price, and its values."""

    product_id: int
    values: tuple[str, ...]
    sku: str
    barcode: str | None
    name: str
    price_minor: int
    active: bool


@dataclass(frozen=True, slots=True)
class TemplateDTO:
    """A template with its attributes and every variant (archived ones included)."""

    id: int
    code: str
    name: str
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    attributes: tuple[AttributeDraft, ...]
    variants: tuple[VariantDTO, ...]
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """One line of the template list."""

    id: int
    code: str
    name: str
    variants: int


@dataclass(frozen=True, slots=True)
class CellError:
    """What is wrong with one cell of the matrix.

    ``row`` is the index of the variant in :attr:`TemplateDraft.variants` (None: the template
    itself); ``field`` is ``sku``, ``barcode``, ``price``, ``values``, or for the template
    ``code``, ``name``, ``price``, ``category``, ``tax_rate``, ``attributes``.
    """

    row: int | None
    field: str
    message: str


class MatrixError(ValidationError):
    """The matrix cannot be saved; nothing was written. ``errors`` says where and why."""

    def __init__(self, errors: tuple[CellError, ...]) -> None:
        first = errors[0]
        where = "The template" if first.row is None else f"Variant {first.row + 1}"
        more = f" ({len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(f"{where}, {first.field}: {first.message}{more}")
        self.errors = errors
