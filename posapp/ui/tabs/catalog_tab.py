"""The Catalog tab: the products the shop sells."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class CatalogTab(PlaceholderTab):
    """The product catalog: search, edit, import and export."""

    TITLE = "Catalog"
    SUBTITLE = "Products, prices, barcodes and tax rates."
    ICON = "box"
    EMPTY_TITLE = "Your products come here"
    EMPTY_TEXT = (
        "Search a million products by name, SKU or barcode; edit prices, costs and tax rates; "
        "import and export CSV and print barcode labels."
    )
