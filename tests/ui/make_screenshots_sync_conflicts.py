"""Render the Sync conflicts page and the till's wait for the journal into docs/screenshots/ (#21).

Run by hand (not by pytest)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_sync_conflicts
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.offline import cache_path, journal_path, replay
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.sync_conflicts import SyncConflictsView
from posapp.ui.register import TillView
from tests.checkout_seed import ITEMS, open_shop_till, seed_shop
from tests.offline_seed import change_meanwhile, offline_till, sell_offline
from tests.ui.make_screenshots_orders import grab, main


def _shoot(app: QApplication, database: Database) -> None:
    os.environ["POSAPP_DATA_DIR"] = tempfile.mkdtemp()
    bus = EventBus()
    backend = Backend(database, bus, register="till-2")
    stock = {"bag": 4, "candle": 1, "cake": 0}
    items = tuple(dataclasses.replace(i, stock=stock.get(i.key, i.stock)) for i in ITEMS)
    shop = seed_shop(backend, items=items)
    open_shop_till(backend, shop, 15_000)
    url = database.url
    till = offline_till(backend, cache_path(url, "till-2"), journal_path(url, "till-2"))
    for lines in (
        [("coffee", 2), ("bag", 3)],
        [("mug", 1), ("candle", 2)],
        [("cake", 3), ("bag", 2), ("coffee", 1)],
    ):
        sell_offline(till, shop, lines)
    change_meanwhile(backend, shop)
    replay(till.journal, backend.sales.place_offline_sale)
    view = SyncConflictsView(backend.sales, bus, shop.manager)
    view.resize(1280, 430)
    view.ensure_loaded()
    first = backend.sales.sync_conflicts(shop.manager)[-1]
    backend.sales.resolve_sync_conflict(shop.manager, first.id, "Counted: 1 on the shelf")
    view.state.setCurrentIndex(view.state.findData("all"))
    view.table.selectRow(1)
    view.note.setText("Kept the old price: sold before the change")
    grab(app, view, "sync_conflicts.png")

    sell_offline(till, shop, [("water", 2)])
    sell_offline(till, shop, [("apple", 5)])
    till_view = TillView(backend.sales, bus, shop.manager)
    till_view.pdf_sink = lambda _name, _pdf: None
    till_view.resize(900, 520)
    till_view.close_till()  # refused before the count: two sales wait in the journal
    grab(app, till_view, "till_offline_waiting.png")


if __name__ == "__main__":
    sys.exit(main(_shoot))
