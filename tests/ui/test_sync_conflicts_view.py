"""The Sync conflicts page and the till's wait for the journal (#21), with real widgets.

A real SQLite shop; sales taken offline are replayed through the sales facade, then the manager's
page lists what they found and marks one resolved; the till view refuses the Z report while the
register's journal holds a sale, before asking for the count.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.sales.offline import cache_path, journal_path, replay
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.sync_conflicts import SyncConflictsView
from posapp.ui.register import TillView
from tests.checkout_seed import ITEMS, Shop, open_shop_till, seed_shop
from tests.offline_seed import change_meanwhile, offline_till, sell_offline


@pytest.fixture
def shop(ui_backend: Backend) -> Shop:
    items = tuple(dataclasses.replace(i, stock=2) if i.key == "bag" else i for i in ITEMS)
    shop = seed_shop(ui_backend, items=items)
    open_shop_till(ui_backend, shop)
    return shop


def test_a_manager_sees_and_resolves_the_conflicts(
    qtbot: QtBot,
    qtmodeltester: object,
    ui_backend: Backend,
    bus: EventBus,
    shop: Shop,
    tmp_path: Path,
) -> None:
    till = offline_till(ui_backend, tmp_path / "cache.sqlite3", tmp_path / "journal.sqlite3")
    sell_offline(till, shop, [("coffee", 1), ("mug", 1), ("bag", 3)])
    change_meanwhile(ui_backend, shop)
    view = SyncConflictsView(ui_backend.sales, bus, shop.manager)
    qtbot.add_widget(view)
    view.show()
    view.ensure_loaded()
    assert view.model.rowCount() == 0
    assert replay(till.journal, ui_backend.sales.place_offline_sale).synced == 1
    # The bus's event refreshes the shown page (the relay brings other registers' too).
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=30000)
    qtmodeltester.check(view.model)  # type: ignore[attr-defined]
    texts = {
        view.model.index(row, 1).data(): [
            view.model.index(row, col).data() for col in range(view.model.columnCount())
        ]
        for row in range(3)
    }
    assert set(texts) == {"Sold beyond stock", "Archived product sold", "Price changed"}
    short = texts["Sold beyond stock"]
    assert short[3] == "Paper bag (HOM-102)"
    assert short[6:9] == ["3", "1", "-1"]  # sold, short, on hand now
    assert texts["Price changed"][9:11] == ["12.99", "14.99"]  # no currency set

    view.table.selectRow(0)
    chosen = view.selected()
    assert chosen is not None
    view.note.setText("Counted: 0 on the shelf")
    QTest.keyClick(view.note, Qt.Key.Key_Return)  # Enter in the note marks it resolved
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=30000)
    assert f"order {chosen.order_number} marked resolved" in view.message.text()
    view.state.setCurrentIndex(view.state.findData("resolved"))
    assert view.model.rowCount() == 1
    assert "Counted: 0 on the shelf" in view.model.index(0, 11).data()


def test_the_till_view_says_the_z_waits_for_the_journal(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    url, register = ui_backend.database.url, ui_backend.register
    till = offline_till(ui_backend, cache_path(url, register), journal_path(url, register))
    sell_offline(till, shop, [("coffee", 1)])

    def no_count(*_args: object) -> None:
        raise AssertionError("the blind count must not be asked for")

    monkeypatch.setattr("posapp.ui.register.till_view.CloseTillDialog", no_count)
    view = TillView(ui_backend.sales, bus, shop.manager)
    qtbot.add_widget(view)
    view.close_till()
    assert view.message.text().startswith("1 sale taken offline is not on the server yet")
    assert ui_backend.sales.current_till(shop.manager) is not None
