"""The Stores tab: storefronts, warehouses and their stock."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class StoresTab(PlaceholderTab):
    """Stores and warehouses with their stock levels and movements."""

    TITLE = "Stores"
    SUBTITLE = "Storefronts, warehouses and the stock they hold."
    ICON = "store"
    EMPTY_TITLE = "Stock by store comes here"
    EMPTY_TEXT = (
        "Per-store stock levels, the stock movement ledger, deliveries, transfers, stocktakes "
        "and low-stock alerts with a replenishment list."
    )
