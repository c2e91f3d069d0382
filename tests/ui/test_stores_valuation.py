"""The Stores tab's Value (F8): the selected store's inventory valuation PDF, read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.stock.dto import StockLine
from posapp.ui.kit.bus import EventBus
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
