"""What the Stores tab needs from the services, as a protocol (the UI never imports SQLAlchemy).

``posapp.services.stock.api.StoresApi`` implements it; the UI never imports it (that would
bring SQLAlchemy in), it receives it from the backend as ``backend.stock`` (the composition root
wires it, as it does ``backend.coupons`` and ``backend.orders``). Tests may pass a fake.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol, cast

from posapp.services.platform.dto import UserDTO
from posapp.services.stock.dto import (
    AdjustReason,
    CategoryOption,
    CountLine,
    Cursor,
    LevelAfter,
    MovementPage,
    ProductCard,
    ProductPick,
    ReplenishmentList,
    StockFilter,
    StockLine,
    StockResult,
    StockRow,
    StoreInput,
    StoreSummary,
)


class StoresPort(Protocol):
    """Stores and stock use cases for one register; every call names the acting user."""

    def list_stores(self, actor: UserDTO, *, include_inactive: bool = True) -> list[StoreSummary]:
        """Stores and warehouses with their counts."""
        ...

    def create_store(self, actor: UserDTO, data: StoreInput) -> StoreSummary:
        """Add a store (admins)."""
        ...

    def update_store(self, actor: UserDTO, store_id: int, data: StoreInput) -> StoreSummary:
        """Edit a store (admins)."""
        ...

    def set_store_active(self, actor: UserDTO, store_id: int, active: bool) -> StoreSummary:
        """Activate or deactivate a store (admins)."""
        ...

    def categories(self, actor: UserDTO) -> list[CategoryOption]:
        """The category tree for the filters."""
        ...

    def stock_level_ids(self, actor: UserDTO, store_id: int, flt: StockFilter) -> list[int]:
        """Ordered product ids of a store's stock table."""
        ...

    def stock_rows(self, actor: UserDTO, store_id: int, ids: Sequence[int]) -> list[StockRow]:
        """A page of the stock table."""
        ...

    def product_card_ids(self, actor: UserDTO, store_id: int, flt: StockFilter) -> list[int]:
        """Ordered product ids of a store's grid."""
        ...

    def product_cards(self, actor: UserDTO, store_id: int, ids: Sequence[int]) -> list[ProductCard]:
        """A page of the grid."""
        ...

    def find_products(
        self, actor: UserDTO, text: str, *, store_id: int | None = None, limit: int = 20
    ) -> list[ProductPick]:
        """Products for a picker."""
        ...

    def movement_history(
        self,
        actor: UserDTO,
        store_id: int,
        product_id: int,
        *,
        before: Cursor | None = None,
        limit: int = 100,
    ) -> MovementPage:
        """A page of a product's movements at a store."""
        ...

    def replenishment_list(self, actor: UserDTO, store_id: int) -> ReplenishmentList:
        """What to reorder at a store."""
        ...

    def receive_stock(
        self,
        actor: UserDTO,
        store_id: int,
        lines: Sequence[StockLine],
        *,
        reference: str,
        note: str = "",
        request_id: uuid.UUID | None = None,
    ) -> StockResult:
        """Book a delivery."""
        ...

    def adjust_stock(
        self,
        actor: UserDTO,
        store_id: int,
        product_id: int,
        quantity: int,
        reason: AdjustReason,
        *,
        note: str = "",
        request_id: uuid.UUID | None = None,
    ) -> StockResult:
        """Adjust stock by hand with a reason."""
        ...

    def transfer_stock(
        self,
        actor: UserDTO,
        from_store_id: int,
        to_store_id: int,
        lines: Sequence[StockLine],
        *,
        note: str = "",
        request_id: uuid.UUID | None = None,
    ) -> StockResult:
        """Move stock between locations."""
        ...

    def count_stock(
        self,
        actor: UserDTO,
        store_id: int,
        lines: Sequence[CountLine],
        *,
        note: str = "",
        request_id: uuid.UUID | None = None,
    ) -> StockResult:
        """Book a stocktake."""
        ...

    def set_reorder_levels(
        self, actor: UserDTO, store_id: int, product_id: int, reorder_point: int, reorder_qty: int
    ) -> LevelAfter:
        """Set a level's reorder point and quantity."""
        ...


def stock_of(backend: object) -> StoresPort | None:
    """The backend's stores and stock services (``backend.stock``), or None when not wired."""
    return cast("StoresPort | None", getattr(backend, "stock", None))
