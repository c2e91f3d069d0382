"""The stores and stock system as one object for the Stores tab (``backend.stock``).

Each method is one service call in a fresh unit of work from the :class:`ServiceContext`:
writes in write units of work, reads in read-only ones (no SQLite write lock). DTOs in, DTOs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from posapp.services.platform.dto import UserDTO
from posapp.services.stock import actions as stock
from posapp.services.stock import queries as stock_queries
from posapp.services.stock import stores
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

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class StockApi:
    """Stores and stock use cases over one context; every call names the acting user."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # stores

    def list_stores(self, actor: UserDTO, *, include_inactive: bool = True) -> list[StoreSummary]:
        """See :func:`posapp.services.stock.stores.list_stores`."""
        return stores.list_stores(
            self._context.read_uow(), actor, include_inactive=include_inactive
        )

    def create_store(self, actor: UserDTO, data: StoreInput) -> StoreSummary:
        """See :func:`posapp.services.stock.stores.create_store`."""
        return stores.create_store(self._context.uow(), actor, data)

    def update_store(self, actor: UserDTO, store_id: int, data: StoreInput) -> StoreSummary:
        """See :func:`posapp.services.stock.stores.update_store`."""
        return stores.update_store(self._context.uow(), actor, store_id, data)

    def set_store_active(self, actor: UserDTO, store_id: int, active: bool) -> StoreSummary:
        """See :func:`posapp.services.stock.stores.set_store_active`."""
        return stores.set_store_active(self._context.uow(), actor, store_id, active)

    # reads

    def categories(self, actor: UserDTO) -> list[CategoryOption]:
        """See :func:`posapp.services.stock.queries.categories`."""
        return stock_queries.categories(self._context.read_uow(), actor)

    def stock_level_ids(self, actor: UserDTO, store_id: int, flt: StockFilter) -> list[int]:
        """See :func:`posapp.services.stock.queries.stock_level_ids`."""
        return stock_queries.stock_level_ids(self._context.read_uow(), actor, store_id, flt)

    def stock_rows(self, actor: UserDTO, store_id: int, ids: Sequence[int]) -> list[StockRow]:
        """See :func:`posapp.services.stock.queries.stock_rows`."""
        return stock_queries.stock_rows(self._context.read_uow(), actor, store_id, ids)

    def product_card_ids(self, actor: UserDTO, store_id: int, flt: StockFilter) -> list[int]:
        """See :func:`posapp.services.stock.queries.product_card_ids`."""
        return stock_queries.product_card_ids(self._context.read_uow(), actor, store_id, flt)

    def product_cards(self, actor: UserDTO, store_id: int, ids: Sequence[int]) -> list[ProductCard]:
        """See :func:`posapp.services.stock.queries.product_cards`."""
        return stock_queries.product_cards(self._context.read_uow(), actor, store_id, ids)

    def find_products(
        self, actor: UserDTO, text: str, *, store_id: int | None = None, limit: int = 20
    ) -> list[ProductPick]:
        """See :func:`posapp.services.stock.queries.find_products`."""
        return stock_queries.find_products(
            self._context.read_uow(), actor, text, store_id=store_id, limit=limit
        )

    def movement_history(
        self,
        actor: UserDTO,
        store_id: int,
        product_id: int,
        *,
        before: Cursor | None = None,
        limit: int = 100,
    ) -> MovementPage:
        """See :func:`posapp.services.stock.queries.movement_history`."""
        return stock_queries.movement_history(
            self._context.read_uow(), actor, store_id, product_id, before=before, limit=limit
        )

    def replenishment_list(self, actor: UserDTO, store_id: int) -> ReplenishmentList:
        """See :func:`posapp.services.stock.queries.replenishment_list`."""
        return stock_queries.replenishment_list(self._context.read_uow(), actor, store_id)

    # stock actions

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
        """See :func:`posapp.services.stock.actions.receive_stock`."""
        return stock.receive_stock(
            self._context.uow(),
            actor,
            store_id,
            lines,
            reference=reference,
            note=note,
            request_id=request_id,
        )

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
        """See :func:`posapp.services.stock.actions.adjust_stock`."""
        return stock.adjust_stock(
            self._context.uow(),
            actor,
            store_id,
            product_id,
            quantity,
            reason,
            note=note,
            request_id=request_id,
        )

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
        """See :func:`posapp.services.stock.actions.transfer_stock`."""
        return stock.transfer_stock(
            self._context.uow(),
            actor,
            from_store_id,
            to_store_id,
            lines,
            note=note,
            request_id=request_id,
        )

    def count_stock(
        self,
        actor: UserDTO,
        store_id: int,
        lines: Sequence[CountLine],
        *,
        note: str = "",
        request_id: uuid.UUID | None = None,
    ) -> StockResult:
        """See :func:`posapp.services.stock.actions.count_stock`."""
        return stock.count_stock(
            self._context.uow(), actor, store_id, lines, note=note, request_id=request_id
        )

    def set_reorder_levels(
        self, actor: UserDTO, store_id: int, product_id: int, reorder_point: int, reorder_qty: int
    ) -> LevelAfter:
        """See :func:`posapp.services.stock.actions.set_reorder_levels`."""
        return stock.set_reorder_levels(
            self._context.uow(), actor, store_id, product_id, reorder_point, reorder_qty
        )
