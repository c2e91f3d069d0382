"""The catalog: products, variants, categories, images, barcode labels, CSV import and export.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.catalog``.
"""

from posapp.services.catalog.api import CatalogApi
from posapp.services.catalog.categories import create_category
from posapp.services.catalog.contains import (
    Containing,
    containing_condition,
    first_containing,
    has_variants,
    matching_ids,
    walk_matches,
)
from posapp.services.catalog.csv_io import ENCODINGS, export_products, import_file
from posapp.services.catalog.dto import (
    CategoryDTO,
    CsvProblem,
    ExportReport,
    ImportOptions,
    ImportReport,
    LabelDTO,
    PreparedImage,
    ProductDraft,
    ProductDTO,
    ProductImageDTO,
    ProductRow,
    SearchResult,
    TaxRateDTO,
)
from posapp.services.catalog.images import prepare_image, read_image_file
from posapp.services.catalog.products import archive_product, count_products, create_product
from posapp.services.catalog.public import (
    PUBLIC_PAGE_MAX,
    PublicCategory,
    PublicImage,
    PublicImageData,
    PublicPage,
    PublicProduct,
)
from posapp.services.catalog.rules import (
    BARCODE_MAX,
    NAME_MAX,
    SKU_MAX,
    FieldError,
    format_tax_rate,
    parse_price,
    parse_tax_rate,
    sku_key,
)
from posapp.services.catalog.search import normalize_query, search_ids
from posapp.services.catalog.taxes import (
    TAX_RATES_KEY,
    add_tax_rate,
    change_tax_rate,
    list_tax_rates,
    rate_name,
    set_default_tax_rate,
)
from posapp.services.catalog.variant_dto import (
    AttributeDraft,
    CellError,
    MatrixError,
    TemplateDraft,
    TemplateDTO,
    TemplateSummary,
    VariantDraft,
    VariantDTO,
)
from posapp.services.catalog.variant_rules import search_keys, variant_name
from posapp.services.catalog.variants import save_template

__all__ = [
    "BARCODE_MAX",
    "ENCODINGS",
    "NAME_MAX",
    "PUBLIC_PAGE_MAX",
    "SKU_MAX",
    "TAX_RATES_KEY",
    "AttributeDraft",
    "CatalogApi",
    "CategoryDTO",
    "CellError",
    "Containing",
    "CsvProblem",
    "ExportReport",
    "FieldError",
    "ImportOptions",
    "ImportReport",
    "LabelDTO",
    "MatrixError",
    "PreparedImage",
    "ProductDTO",
    "ProductDraft",
    "ProductImageDTO",
    "ProductRow",
    "PublicCategory",
    "PublicImage",
    "PublicImageData",
    "PublicPage",
    "PublicProduct",
    "SearchResult",
    "TaxRateDTO",
    "TemplateDTO",
    "TemplateDraft",
    "TemplateSummary",
    "VariantDTO",
    "VariantDraft",
    "add_tax_rate",
    "archive_product",
    "change_tax_rate",
    "containing_condition",
    "count_products",
    "create_category",
    "create_product",
    "export_products",
    "first_containing",
    "format_tax_rate",
    "has_variants",
    "import_file",
    "list_tax_rates",
    "matching_ids",
    "normalize_query",
    "parse_price",
    "parse_tax_rate",
    "prepare_image",
    "rate_name",
    "read_image_file",
    "save_template",
    "search_ids",
    "search_keys",
    "set_default_tax_rate",
    "sku_key",
    "variant_name",
    "walk_matches",
]
