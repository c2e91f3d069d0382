"""Frozen read models and inputs of the catalog (no SQLAlchemy: the UI imports this module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from posapp.i18n import _


@dataclass(frozen=True, slots=True)
class CategoryDTO:
    """A category with its full path (``Food > Fruit``) and depth in the tree (0 = top)."""

    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class ProductImageDTO:
    """One stored image of a product; the full image comes from ``image_data``."""

    id: int
    storage_name: str
    content_type: str
    width: int
    height: int
    byte_size: int
    position: int
    thumbnail: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ProductDTO:
    """A product as the editor and the scanner path see it."""

    id: int
    sku: str
    barcode: str | None
    name: str
    description: str
    category_id: int | None
    category_path: str
    price_minor: int
    cost_minor: int
    tax_rate_bp: int
    tax_included: bool
    active: bool
    version: int
    created_at: datetime
    changed_at: datetime
    images: tuple[ProductImageDTO, ...] = ()
    tax_rate_id: int | None = None
    """The product's rate in the tax rates table."""
    unit: str = "pc"


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One line of the catalog table (read a page at a time)."""

    id: int
    sku: str
    barcode: str | None
    name: str
    category_path: str
    price_minor: int
    cost_minor: int
    tax_rate_bp: int
    tax_included: bool
    active: bool
    image_count: int
    thumbnail: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """What a person entered for a product; the service validates every field.

    Money is already in minor units (the editor parses with ``posapp.money.parse_money``).
    """

    sku: str
    name: str
    price_minor: int
    barcode: str | None = None
    description: str = ""
    category_id: int | None = None
    cost_minor: int = 0
    tax_rate_bp: int = 0
    tax_included: bool = True
    unit: str = "pc"
    """What a quantity counts (:mod:`posapp.units`); the price and cost are per that unit."""
    tax_rate_id: int | None = None
    """A rate of the tax rates table; its figures win over the two above (None: by figures)."""


@dataclass(frozen=True, slots=True)
class TaxRateDTO:
    """A row of the tax rates table, with the number of products that use it."""

    id: int
    name: str
    rate_bp: int
    included: bool
    is_default: bool
    active: bool
    products: int = 0


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An uploaded image after checking and re-encoding (metadata stripped), ready to store."""

    data: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    content_type: str
    width: int
    height: int
    source_format: str

    @property
    def extension(self) -> str:
        """The file extension of the stored encoding."""
        return "png" if self.content_type == "image/png" else "jpg"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ordered product ids for a search; ``truncated`` when more matched than were returned."""

    ids: tuple[int, ...]
    truncated: bool = False
    exact_id: int | None = None
    """The product whose barcode or SKU equals the text (listed first), if any."""


@dataclass(frozen=True, slots=True)
class LabelDTO:
    """What a barcode label shows."""

    product_id: int
    sku: str
    name: str
    barcode: str | None
    price_minor: int


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One line of an import's error report (line 0: the whole file)."""

    line: int
    message: str

    def __str__(self) -> str:
        return (
            self.message
            if self.line == 0
            else _("Line {line}: {message}").format(line=self.line, message=self.message)
        )


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to import: update existing products or refuse them; a chosen encoding; decimals."""

    update_existing: bool = False
    encoding: str | None = None
    """None: detect UTF-8 / UTF-16 from the bytes; else a key of ``product_csv_read.ENCODINGS``."""
    decimal_comma: bool | None = None
    """None: detect from the money cells."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of a CSV import: all rows stored, or none and the problems found."""

    rows: int
    created: int
    updated: int
    problems: tuple[CsvProblem, ...] = ()
    more_problems: int = 0
    """Problems found beyond the ones listed (the list is capped)."""
    warnings: tuple[str, ...] = ()
    cancelled: bool = False
    encoding: str = ""
    delimiter: str = ""

    @property
    def ok(self) -> bool:
        """Whether every row was stored."""
        return not self.problems and not self.cancelled

    def summary(self) -> str:
        """One line for a status bar or the command line."""
        if self.cancelled:
            return "Import cancelled: nothing was changed."
        if self.problems:
            count = len(self.problems) + self.more_problems
            noun = "problem" if count == 1 else "problems"
            return f"Nothing imported: {count:,} {noun} found."
        return f"Imported {self.rows:,} rows: {self.created:,} new, {self.updated:,} updated."


@dataclass(frozen=True, slots=True)
class ExportReport:
    """The outcome of a CSV export."""

    rows: int
    cancelled: bool = False
