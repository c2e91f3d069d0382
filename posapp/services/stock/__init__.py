"""Stores and stock: the stores, the stock ledger, receipts, counts, transfers, replenishment.

This is the package's face: other packages import only from here. The edges reach its use cases
through :class:`StockApi` (``Backend.stock``); other service packages call the functions below
inside their own unit of work. Modules inside the package import each other directly, never this
face (so importing the package never runs into itself).
"""

from posapp.services.stock.actions import receive_stock, set_reorder_levels, transfer_stock
from posapp.services.stock.api import StockApi
from posapp.services.stock.dto import (
    GRAMS_PER_KG,
    MAX_QUANTITY,
    MOVEMENT_LABELS,
    NOTE_MAX,
    REFERENCE_MAX,
    STORE_KINDS,
    AdjustReason,
    CategoryOption,
    CountLine,
    Cursor,
    LevelAfter,
    MovementPage,
    MovementRow,
    ProductCard,
    ProductPick,
    QuantityError,
    ReplenishmentLine,
    ReplenishmentList,
    StockFilter,
    StockLine,
    StockResult,
    StockRow,
    StoreInput,
    StoreSummary,
    format_quantity,
    parse_quantity,
    reason_text,
    split_reason,
    suggested_quantity,
)
from posapp.services.stock.ledger import move_stock, take_stock
from posapp.services.stock.queries import replenishment_list
from posapp.services.stock.stores import create_store

__all__ = [
    "GRAMS_PER_KG",
    "MAX_QUANTITY",
    "MOVEMENT_LABELS",
    "NOTE_MAX",
    "REFERENCE_MAX",
    "STORE_KINDS",
    "AdjustReason",
    "CategoryOption",
    "CountLine",
    "Cursor",
    "LevelAfter",
    "MovementPage",
    "MovementRow",
    "ProductCard",
    "ProductPick",
    "QuantityError",
    "ReplenishmentLine",
    "ReplenishmentList",
    "StockApi",
    "StockFilter",
    "StockLine",
    "StockResult",
    "StockRow",
    "StoreInput",
    "StoreSummary",
    "create_store",
    "format_quantity",
    "move_stock",
    "parse_quantity",
    "reason_text",
    "receive_stock",
    "replenishment_list",
    "set_reorder_levels",
    "split_reason",
    "suggested_quantity",
    "take_stock",
    "transfer_stock",
]
