"""The Catalog tab: search, edit and archive products, categories, CSV import and export.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.catalog.tab import CatalogTab

__all__ = [
    "CatalogTab",
]
