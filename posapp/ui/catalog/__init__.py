"""The Catalog tab: search, edit and archive products, categories, CSV import and export.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.catalog.tab import CatalogTab

__all__ = [
    "CatalogTab",
]
