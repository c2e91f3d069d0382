"""The stores and stock system as one object for the Stores tab (``backend.stock``).

Each method is one use case in a fresh unit of work from the :class:`ServiceContext`, declared
with :func:`~posapp.services.platform.facade.writes` or :func:`~.facade.reads` (a read never
takes SQLite's write lock), so its signature and docstring are the use case's. DTOs in, DTOs out.
"""

from __future__ import annotations

from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.stock import actions, public, queries, stores, valuation


class StockApi(Facade):
    """Stores and stock use cases over one context; every call names the acting user."""

    # stores
    list_stores = reads(stores.list_stores)
    create_store = writes(stores.create_store)
    update_store = writes(stores.update_store)
    set_store_active = writes(stores.set_store_active)

    # reads
    categories = reads(queries.categories)
    stock_level_ids = reads(queries.stock_level_ids)
    stock_level_page = reads(queries.stock_level_page)
    stock_rows = reads(queries.stock_rows)
    product_card_ids = reads(queries.product_card_ids)
    product_card_page = reads(queries.product_card_page)
    product_cards = reads(queries.product_cards)
    find_products = reads(queries.find_products)
    movement_history = reads(queries.movement_history)
    replenishment_list = reads(queries.replenishment_list)
    inventory_valuation = reads(valuation.inventory_valuation)

    # the customers' reads (no acting user: public fields of open storefronts only)
    public_stores = reads(public.public_stores)
    public_availability = reads(public.public_availability)

    # stock actions
    receive_stock = writes(actions.receive_stock)
    adjust_stock = writes(actions.adjust_stock)
    transfer_stock = writes(actions.transfer_stock)
    count_stock = writes(actions.count_stock)
    set_reorder_levels = writes(actions.set_reorder_levels)
