"""Settling a refused offline sale from the till page (#21), with real widgets on a real shop.

A sale the server refuses on replay blocks the Z report; the manager opens the settle dialog from
the till page, Enter without a note is refused in the dialog, Enter with a note settles the sale
(audited), and the till then closes. A cashier is never offered the dialog.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.chain_key import chain_key
from posapp.services.sales.offline import (
    OfflineCache,
    OfflineJournal,
    OfflineTill,
    cache_path,
    journal_path,
    replay,
    snapshot,
)
from posapp.ui.kit.bus import EventBus
from posapp.ui.register import TillView
from posapp.ui.register.settle_dialog import SettleOfflineDialog
from tests.checkout_seed import Shop, open_shop_till, seed_shop
from tests.offline_seed import sell_offline

SHOT = Path("docs/screenshots/settle_offline_dialog.png")
PAGE_SHOT = Path("docs/screenshots/till_settle_refused.png")


@pytest.fixture
def shop(ui_backend: Backend) -> Shop:
    shop = seed_shop(ui_backend)
    open_shop_till(ui_backend, shop)
    return shop


def _refused_sale(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> OfflineTill:
    """The register's journal with one sale the server refused (its cashier is unknown there)."""
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    url, register = backend.database.url, backend.register
    key = chain_key(url, None, create=True)
    assert key is not None
    cache = OfflineCache.open(cache_path(url, register))
    cache.apply(snapshot(backend.read_uow(), None))
    till = OfflineTill(cache, OfflineJournal.open(journal_path(url, register), key), register)
    sale = sell_offline(till, shop, [("coffee", 1)])
    till.journal.record(dataclasses.replace(sale, sale_uuid=uuid.uuid4(), cashier_id=999_999))
    result = replay(till.journal, backend.sales.place_offline_sale)
    assert (result.synced, result.refused) == (1, 1)
    return till


def _no_count(*_args: object) -> None:
    raise AssertionError("the blind count must not be asked for")


def test_a_manager_settles_the_refused_sale_and_the_till_closes(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    till = _refused_sale(ui_backend, shop, tmp_path, monkeypatch)
    view = TillView(ui_backend.sales, bus, shop.manager)
    qtbot.add_widget(view)
    view.show()
    with monkeypatch.context() as patched:
        patched.setattr("posapp.ui.register.till_view.CloseTillDialog", _no_count)
        view.close_till()
    assert view.message.text().startswith("1 sale taken offline is not on the server yet")
    assert view.settle_button.isVisible()
    if os.environ.get("POSAPP_SCREENSHOTS"):
        view.resize(900, 600)
        view.grab().save(str(PAGE_SHOT))

    seen: list[SettleOfflineDialog] = []

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettleOfflineDialog):  # not open yet: look again soon
            QTimer.singleShot(50, drive)
            return
        seen.append(dialog)
        assert dialog.table.topLevelItemCount() == 1
        first = dialog.table.topLevelItem(0)
        assert first is not None
        assert "cashier" in first.text(2)
        if os.environ.get("POSAPP_SCREENSHOTS"):
            dialog.note_edit.setText("Cash counted, sale written off")
            dialog.grab().save(str(SHOT))
            dialog.note_edit.clear()
        QTest.keyClick(dialog.note_edit, Qt.Key.Key_Return)  # no note: refused, stays open
        assert "Say what was done" in dialog.error.text()
        assert dialog.isVisible()
        dialog.note_edit.setText("Cash counted, sale written off")
        QTest.keyClick(dialog.note_edit, Qt.Key.Key_Return)

    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=30000)  # the page's shortcut opens it
    QTimer.singleShot(0, drive)
    QTest.keyClick(
        view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: "settled" in view.message.text(), timeout=30000)
    assert len(seen) == 1
    assert "1 refused sale settled" in view.message.text()
    assert not view.settle_button.isVisible()
    assert till.journal.unsynced() == 0
    ui_backend.sales.check_close_till(shop.manager)  # the Z may close now


def test_esc_leaves_the_sale_refused_and_a_cashier_is_not_offered_it(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    till = _refused_sale(ui_backend, shop, tmp_path, monkeypatch)
    monkeypatch.setattr("posapp.ui.register.till_view.CloseTillDialog", _no_count)
    cashier_view = TillView(ui_backend.sales, bus, shop.cashier)
    qtbot.add_widget(cashier_view)
    cashier_view.show()
    cashier_view.close_till()
    assert cashier_view.message.text().startswith("1 sale taken offline")
    assert not cashier_view.settle_button.isVisible()

    sell_offline(till, shop, [("coffee", 1)])  # pending too: the button is for refused ones
    manager_view = TillView(ui_backend.sales, bus, shop.manager)
    qtbot.add_widget(manager_view)
    manager_view.show()
    manager_view.close_till()
    assert manager_view.message.text().startswith("2 sales taken offline")
    assert manager_view.settle_button.isVisible()

    dialog = SettleOfflineDialog(ui_backend.sales, shop.manager, ui_backend.register)
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.note_edit.setText("not now")
    QTest.keyClick(dialog.note_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30000)
    assert dialog.settled == 0
    assert till.journal.unsynced() == 2


def test_only_pending_sales_offer_nothing_to_settle(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    url, register = ui_backend.database.url, ui_backend.register
    key = chain_key(url, None, create=True)
    assert key is not None
    cache = OfflineCache.open(cache_path(url, register))
    cache.apply(snapshot(ui_backend.read_uow(), None))
    till = OfflineTill(cache, OfflineJournal.open(journal_path(url, register), key), register)
    sell_offline(till, shop, [("coffee", 1)])
    monkeypatch.setattr("posapp.ui.register.till_view.CloseTillDialog", _no_count)
    view = TillView(ui_backend.sales, bus, shop.manager)
    qtbot.add_widget(view)
    view.show()
    view.close_till()
    assert view.message.text().startswith("1 sale taken offline")
    assert not view.settle_button.isVisible()  # it replays by itself
