"""The Stores tab's Value (F8): the selected store's inventory valuation PDF, read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.models import StockLevel
from posapp.services.backend import Backend
from posapp.services.stock.dto import StockLine
from posapp.ui.kit.bus import EventBus
from posapp.ui.stores.dialogs import ReceiveDialog
from tests.ui.test_stores_tab import make_tab
from tests.unit.stock_support import build_world

pytestmark = pytest.mark.ui


def test_stock_value_writes_the_selected_stores_valuation(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, tmp_path: Path
) -> None:
    w = build_world(ui_backend)
    ui_backend.stock.receive_stock(
        w.manager, w.shop, [StockLine(w.pear, 6, 90), StockLine(w.apple, 4, 55)], reference="A"
    )
    tab = make_tab(qtbot, ui_backend, bus, w.manager)
    tab.select_store(w.shop)
    assert tab.value_action.isEnabled()
    assert tab.value_action.shortcut().toString() == "F8"
    target = tmp_path / "value.pdf"
    export = tab.export_valuation(target)
    assert export is not None
    qtbot.wait_until(lambda: not export.running, timeout=30_000)
    assert export.result == target
    text = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert "Inventory valuation" in text
    assert "HS01 · Harbour Street" in text
    assert "7.60" in text  # 6 × 0.90 + 4 × 0.55
    assert "Saved value.pdf." in tab.message.text()


def test_a_cashier_sees_no_stock_value(qtbot: QtBot, ui_backend: Backend, bus: EventBus) -> None:
    w = build_world(ui_backend)
    tab = make_tab(qtbot, ui_backend, bus, w.cashier)
    tab.select_store(w.shop)
    assert not tab.value_action.isEnabled()


def test_a_delivery_is_received_with_its_unit_cost_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus
) -> None:
    """F2, reference, scan, quantity, Tab, unit cost, Enter; again at another cost; Ctrl+Enter."""
    w = build_world(ui_backend)
    tab = make_tab(qtbot, ui_backend, bus, w.manager)
    tab.select_store(w.shop)
    tab.activateWindow()
    qtbot.wait_until(tab.isActiveWindow)
    QTest.keyClick(tab.panel.stock_table, Qt.Key.Key_F2)
    receive = tab.active_dialog
    assert isinstance(receive, ReceiveDialog)
    receive.activateWindow()
    qtbot.wait_until(receive.isActiveWindow, timeout=30_000)
    assert receive.cost_edit.isVisible()
    assert receive.lines.HEADERS[-1] == "Unit cost"
    QTest.keyClicks(receive.reference_edit, "ACME INV-78")
    for barcode_or_name, quantity, cost in (("4006381333931", "6", "0.95"), ("Apple", "4", "")):
        receive.picker.search_edit.clear()
        QTest.keyClicks(receive.picker.search_edit, barcode_or_name)
        QTest.keyClick(receive.picker.search_edit, Qt.Key.Key_Return)
        qtbot.wait_until(lambda: receive.picker.current is not None, timeout=30_000)
        QTest.keyClicks(receive.quantity_edit, quantity)
        QTest.keyClick(receive.quantity_edit, Qt.Key.Key_Tab)
        assert receive.focusWidget() is receive.cost_edit
        QTest.keyClicks(receive.cost_edit, cost)
        QTest.keyClick(receive.cost_edit, Qt.Key.Key_Return)
    shown = [
        [str(receive.lines.index(r, c).data()) for c in (0, 2, 3)]
        for r in range(receive.lines.rowCount())
    ]
    assert shown == [["Pear", "6", "0.95"], ["Apple", "4", ""]]
    QTest.keyClicks(receive.cost_edit, "abc")  # a bad cost is said, nothing is added
    receive.picker.choose(receive.lines.lines[0].pick)
    QTest.keyClicks(receive.quantity_edit, "1")
    QTest.keyClick(receive.quantity_edit, Qt.Key.Key_Return)
    assert "Unit cost" in receive.error_label.text()
    receive.quantity_edit.clear()
    receive.cost_edit.clear()
    with qtbot.wait_signal(receive.finished, timeout=30_000):
        QTest.keyClick(
            receive.reference_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    with ui_backend.read_uow() as uow:
        pear = uow.session.get(StockLevel, (w.shop, w.pear))
        apple = uow.session.get(StockLevel, (w.shop, w.apple))
        assert pear is not None
        assert apple is not None
        assert (pear.on_hand, pear.value_minor) == (6, 570)
        assert (apple.on_hand, apple.value_minor) == (4, 360)  # empty level: the product's cost
