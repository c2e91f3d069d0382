"""The Stores tab end to end on SQLite: receive, transfer, count, filters, exports, roles."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import (
    AdjustReason,
    ProductPick,
    StockLine,
    StockRow,
)
from posapp.ui.kit.bus import EventBus
from posapp.ui.stores import models as stores_models
from posapp.ui.stores.count_dialog import CountDialog, CountLinesModel
from posapp.ui.stores.dialogs import AdjustDialog, ReceiveDialog, ReorderDialog, TransferDialog
from posapp.ui.stores.forms import StockLinesModel
from posapp.ui.stores.grid import AVAILABILITY_ROLE, STATE_ROLE
from posapp.ui.stores.panel import GRID_VIEW, REPLENISH_VIEW, STOCK_VIEW
from posapp.ui.stores.store_dialog import StoreDialog
from posapp.ui.stores.tab import StoresTab
from tests.unit.stock_support import World, build_world, on_hand

pytestmark = pytest.mark.ui


@pytest.fixture
def world(ui_backend: Backend) -> World:
    w = build_world(ui_backend)
    b = ui_backend
    stock.receive_stock(
        b.uow(),
        w.manager,
        w.warehouse,
        [StockLine(w.pear, 50), StockLine(w.apple, 40)],
        reference="P",
    )
    stock.receive_stock(b.uow(), w.manager, w.shop, [StockLine(w.apple, 3)], reference="P")
    stock.set_reorder_levels(b.uow(), w.manager, w.shop, w.apple, 5, 20)
    return w


def make_tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> StoresTab:
    tab = StoresTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1200, 760)
    tab.show()
    tab.activateWindow()
    qtbot.wait_exposed(tab)
    return tab


@pytest.fixture
def tab(qtbot: QtBot, world: World, ui_backend: Backend, bus: EventBus) -> StoresTab:
    return make_tab(qtbot, ui_backend, bus, world.manager)


def _names(tab: StoresTab) -> list[str]:
    model = tab.panel.stock_model
    return [str(model.index(r, 1).data()) for r in range(model.rowCount())]


def _row(tab: StoresTab, name: str) -> StockRow:
    model = tab.panel.stock_model
    for r in range(model.rowCount()):
        row = model.stock_row(r)
        if row is not None and row.name == name:
            return row
    raise AssertionError(f"{name} not in the table")


def _press(
    qtbot: QtBot,
    tab: StoresTab,
    key: Qt.Key,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press a shortcut in the tab (its window must be the active one, as for a person)."""
    tab.activateWindow()
    qtbot.wait_until(tab.isActiveWindow)
    QTest.keyClick(tab.panel.stock_table, key, modifiers)


def _dialog(tab: StoresTab, kind: type[QDialog]) -> QDialog:
    dialog = tab.active_dialog
    assert isinstance(dialog, kind)
    dialog.activateWindow()
    return dialog


def _receive_pears(qtbot: QtBot, tab: StoresTab, w: World) -> None:
    """F2, a reference, scan the barcode, type 30 and Enter, then Ctrl+Enter books it."""
    _press(qtbot, tab, Qt.Key.Key_F2)
    receive = _dialog(tab, ReceiveDialog)
    assert isinstance(receive, ReceiveDialog)
    QTest.keyClicks(receive.reference_edit, "ACME INV-77")
    receive.picker.search_edit.clear()
    QTest.keyClicks(receive.picker.search_edit, "4006381333931")
    QTest.keyClick(receive.picker.search_edit, Qt.Key.Key_Return)
    assert receive.picker.current is not None
    assert receive.picker.current.name == "Pear"
    QTest.keyClicks(receive.quantity_edit, "30")
    QTest.keyClick(receive.quantity_edit, Qt.Key.Key_Return)
    assert [(x.pick.name, x.quantity) for x in receive.lines.lines][-1] == ("Pear", 30)
    qtbot.wait_until(receive.isActiveWindow)
    with qtbot.wait_signal(receive.finished):
        QTest.keyClick(
            receive.quantity_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )


def _transfer_pears(qtbot: QtBot, tab: StoresTab, w: World) -> None:
    """F4 with the selected product preset, to Harbour Street, 20 units."""
    _press(qtbot, tab, Qt.Key.Key_F4)
    transfer = _dialog(tab, TransferDialog)
    assert isinstance(transfer, TransferDialog)
    assert transfer.picker.current is not None
    transfer.to_combo.setCurrentIndex(transfer.to_combo.findData(w.shop))
    QTest.keyClicks(transfer.quantity_edit, "20")
    with qtbot.wait_signal(transfer.finished):
        transfer.ok_button.click()


def _count_pears(qtbot: QtBot, tab: StoresTab) -> None:
    """F6, 18 pears on the shelf, apples left blank (not counted)."""
    _press(qtbot, tab, Qt.Key.Key_F6)
    count = _dialog(tab, CountDialog)
    assert isinstance(count, CountDialog)
    model = count.model
    pear_row = next(r for r in range(model.rowCount()) if model.index(r, 1).data() == "Pear")
    model.set_counted(pear_row, "18")
    assert model.index(pear_row, 4).data() == "-2"
    with qtbot.wait_signal(count.finished):
        count.ok_button.click()


def test_receive_transfer_and_count(qtbot: QtBot, tab: StoresTab, world: World) -> None:
    w, b = world, world.backend
    tab.select_store(w.warehouse)
    assert _names(tab) == ["Apple", "Pear"]
    _receive_pears(qtbot, tab, w)
    assert on_hand(b, w.warehouse, w.pear) == 80
    assert _row(tab, "Pear").on_hand == 80
    assert "Received" in tab.message.text()

    # The history of the selected product shows the delivery with its reference.
    tab.panel.select_product(w.pear)
    history = tab.panel.history_model
    qtbot.wait_until(lambda: history.rowCount() >= 2)
    top = history.movement(0)
    assert top is not None
    assert (top.kind, top.quantity, top.balance) == ("receive", 30, 80)
    assert top.reference == "ACME INV-77"

    _transfer_pears(qtbot, tab, w)
    assert on_hand(b, w.warehouse, w.pear) == 60
    assert on_hand(b, w.shop, w.pear) == 20

    tab.select_store(w.shop)
    assert _names(tab) == ["Apple", "Pear"]
    _count_pears(qtbot, tab)
    assert on_hand(b, w.shop, w.pear) == 18
    assert on_hand(b, w.shop, w.apple) == 3
    tab.panel.select_product(w.pear)
    qtbot.wait_until(lambda: history.rowCount() == 2)
    latest = history.movement(0)
    assert latest is not None
    assert (latest.kind_label, latest.quantity, latest.balance) == ("Stocktake", -2, 18)
    assert stock.ledger_mismatches(b.read_uow()) == []


def test_refusals_keep_the_dialog_open(qtbot: QtBot, tab: StoresTab, world: World) -> None:
    w, b = world, world.backend
    tab.select_store(w.shop)
    tab.panel.select_product(w.apple)
    tab.open_transfer()
    transfer = _dialog(tab, TransferDialog)
    assert isinstance(transfer, TransferDialog)
    for text, message in [
        ("1.5", "Whole units only"),
        ("0", "above zero"),
        ("2147483648", "At most"),
    ]:
        transfer.quantity_edit.setText(text)
        transfer.ok_button.click()
        assert message in transfer.error_label.text()
        assert transfer.isVisible()
    transfer.quantity_edit.setText("4")
    transfer.ok_button.click()
    assert "Not enough stock of Apple: 3 left, 4 needed" in transfer.error_label.text()
    assert transfer.isVisible()
    transfer.reject()

    tab.open_adjust()
    adjust = _dialog(tab, AdjustDialog)
    assert isinstance(adjust, AdjustDialog)
    adjust.quantity_edit.setText("5")
    adjust.ok_button.click()
    assert "Not enough stock" in adjust.error_label.text()
    adjust.quantity_edit.setText("1")
    adjust.reason_combo.setCurrentIndex(adjust.reason_combo.findData(AdjustReason.OTHER.value))
    adjust.ok_button.click()
    assert "Say what happened" in adjust.error_label.text()
    adjust.note_edit.setText("<b>found</b> behind the shelf")
    adjust.direction_combo.setCurrentIndex(1)
    with qtbot.wait_signal(adjust.finished):
        adjust.ok_button.click()
    assert on_hand(b, w.shop, w.apple) == 4

    tab.open_receive()
    receive = _dialog(tab, ReceiveDialog)
    assert isinstance(receive, ReceiveDialog)
    receive.quantity_edit.setText("3")
    receive.ok_button.click()
    assert "supplier's reference" in receive.error_label.text()
    receive.reject()
    assert on_hand(b, w.shop, w.apple) == 4


def test_reorder_settings_and_replenishment(
    qtbot: QtBot, tab: StoresTab, world: World, tmp_path: Path
) -> None:
    w = world
    tab.select_store(w.shop)
    tab.panel.select_product(w.apple)
    _press(qtbot, tab, Qt.Key.Key_F7)
    reorder = _dialog(tab, ReorderDialog)
    assert isinstance(reorder, ReorderDialog)
    assert reorder.point_edit.text() == "5"
    reorder.point_edit.setText("8")
    reorder.qty_edit.setText("12")
    with qtbot.wait_signal(reorder.finished):
        reorder.ok_button.click()
    tab.panel.views.setCurrentIndex(REPLENISH_VIEW)
    model = tab.panel.replenishment_model
    assert model.rowCount() == 1
    line = model.line(0)
    assert line is not None
    assert (line.name, line.on_hand, line.suggested, line.elsewhere) == ("Apple", 3, 17, 40)
    assert "1 product to reorder" in tab.panel.replenishment_summary.text()

    target = tmp_path / "reorder.csv"
    export = tab.export_replenishment(target, "csv")
    assert export is not None
    qtbot.wait_until(lambda: not export.running)
    assert export.result == target
    with target.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[1][:2] == ["FR-APPLE", "Apple"]
    assert rows[1][7] == "17"
    pdf = tmp_path / "reorder.pdf"
    pdf_dialog = tab.export_replenishment(pdf, "pdf")
    assert pdf_dialog is not None
    qtbot.wait_until(lambda: not pdf_dialog.running)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".posapp-*"))  # no temporary file left behind


def test_export_failure_is_shown(qtbot: QtBot, tab: StoresTab, tmp_path: Path) -> None:
    export = tab.export_replenishment(tmp_path / "missing" / "x.csv", "csv")
    assert export is not None
    qtbot.wait_until(lambda: not export.running)
    assert "Cannot write" in export.error
    dialog = export.dialog
    assert dialog is not None
    assert dialog.error_label.isVisible()
    dialog.reject()


def test_filters_and_grid(qtbot: QtBot, tab: StoresTab, world: World) -> None:
    w = world
    tab.select_store(w.shop)
    panel = tab.panel
    _press(qtbot, tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search_edit.hasFocus()
    QTest.keyClicks(panel.search_edit, "app")
    QTest.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert _names(tab) == ["Apple"]
    panel.search_edit.clear()
    QTest.keyClick(panel.search_edit, Qt.Key.Key_Return)
    stock.receive_stock(w.backend.uow(), w.manager, w.shop, [StockLine(w.cola, 9)], reference="P")
    panel.reload()
    assert _names(tab) == ["Apple", "Cola 50% off_"]
    panel.low_check.setChecked(True)
    assert _names(tab) == ["Apple"]
    panel.low_check.setChecked(False)
    panel.category_combo.setCurrentIndex(panel.category_combo.findData(w.drinks))
    assert _names(tab) == ["Cola 50% off_"]
    panel.category_combo.setCurrentIndex(0)

    panel.views.setCurrentIndex(GRID_VIEW)
    grid = panel.grid_model
    names = [grid.index(r, 0).data() for r in range(grid.rowCount())]
    assert names == ["Apple", "Cheddar", "Cola 50% off_", "Pear"]  # every active product
    assert grid.index(0, 0).data(AVAILABILITY_ROLE) == "Low: 3 left"
    assert grid.index(0, 0).data(STATE_ROLE) == "low"
    assert grid.index(3, 0).data(STATE_ROLE) == "out"
    assert grid.index(3, 0).data(Qt.ItemDataRole.DecorationRole) is not None  # the thumbnail
    panel.grid.setCurrentIndex(grid.index(2, 0))
    panel.grid.setFocus()
    QTest.keyClick(panel.grid, Qt.Key.Key_Return)
    assert panel.views.currentIndex() == STOCK_VIEW
    assert panel.current_product_id() == w.cola


def test_stock_moved_elsewhere_refreshes(qtbot: QtBot, tab: StoresTab, world: World) -> None:
    w = world
    tab.select_store(w.shop)
    assert _row(tab, "Apple").on_hand == 3
    stock.receive_stock(w.backend.uow(), w.manager, w.shop, [StockLine(w.apple, 7)], reference="X")
    qtbot.wait_until(lambda: _row(tab, "Apple").on_hand == 10, timeout=3000)


def test_cashier_looks_but_cannot_change(
    qtbot: QtBot, world: World, ui_backend: Backend, bus: EventBus
) -> None:
    tab = make_tab(qtbot, ui_backend, bus, world.cashier)
    tab.select_store(world.shop)
    assert _names(tab) == ["Apple"]
    for action in (tab.receive_action, tab.adjust_action, tab.transfer_action, tab.count_action):
        assert not action.isEnabled()
    assert not tab.new_store_action.isEnabled()
    _press(qtbot, tab, Qt.Key.Key_F2)
    assert tab.active_dialog is None
    assert tab.csv_action.isEnabled()


def test_an_admins_tab_fits_a_1280_screen(
    qtbot: QtBot, world: World, ui_backend: Backend, bus: EventBus
) -> None:
    """The store buttons stand one under the other: side by side they widened the tab."""
    tab = make_tab(qtbot, ui_backend, bus, world.admin)
    assert tab.store_buttons.isVisibleTo(tab)
    assert tab.minimumSizeHint().width() <= 1280 - 2 * 24  # the window's own margins


def test_admin_manages_stores(
    qtbot: QtBot, world: World, ui_backend: Backend, bus: EventBus
) -> None:
    tab = make_tab(qtbot, ui_backend, bus, world.admin)
    tab.store_list.setFocus()
    _press(
        qtbot,
        tab,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = _dialog(tab, StoreDialog)
    assert isinstance(dialog, StoreDialog)
    dialog.code_edit.setText("ns03")
    dialog.ok_button.click()
    assert "store's name" in dialog.error_label.text()
    dialog.name_edit.setText("North Shore")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("warehouse"))
    with qtbot.wait_signal(dialog.finished):
        dialog.ok_button.click()
    store = tab.store
    assert store is not None
    assert (store.code, store.name, store.kind) == ("NS03", "North Shore", "warehouse")

    tab.edit_store()
    edit = _dialog(tab, StoreDialog)
    assert isinstance(edit, StoreDialog)
    edit.name_edit.setText("North Shore Depot")
    with qtbot.wait_signal(edit.finished):
        edit.ok_button.click()
    assert tab.store is not None
    assert tab.store.name == "North Shore Depot"

    tab.select_store(world.market)
    tab.toggle_store_active()
    market = tab.store
    assert market is not None
    assert not market.active
    assert not tab.receive_action.isEnabled()
    assert tab.transfer_action.isEnabled()  # an inactive store may still be emptied
    assert "inactive" in tab.message.text()
    tab.toggle_store_active()
    assert tab.store is not None
    assert tab.store.active


def test_models_pass_the_model_tester(qtmodeltester: Any, tab: StoresTab, world: World) -> None:
    tab.select_store(world.warehouse)
    panel = tab.panel
    panel.select_product(world.pear)
    assert panel.history_model.rowCount() > 0
    qtmodeltester.check(tab.store_model)
    qtmodeltester.check(panel.stock_model)
    qtmodeltester.check(panel.history_model)
    qtmodeltester.check(panel.grid_model)
    tab.select_store(world.shop)
    assert panel.replenishment_model.rowCount() == 1
    qtmodeltester.check(panel.replenishment_model)
    lines = StockLinesModel()
    lines.add(ProductPick(world.pear, "FR-PEAR", "", "Pear", False, True), 3)
    lines.add(ProductPick(world.cheese, "FD-CHEESE", "", "Cheddar", True, True), 1500)
    assert lines.index(1, 2).data() == "1.500 kg"
    qtmodeltester.check(lines)
    rows = panel.visible_rows(10)
    counts = CountLinesModel(rows)
    counts.set_counted(0, "2")
    assert not counts.setData(counts.index(0, 3), "abc")
    qtmodeltester.check(counts)
    assert counts.count_lines()[0].counted == 2
    assert panel.stock_model.data(QModelIndex()) is None


def test_the_stock_table_reads_its_ids_a_page_at_a_time(
    qtmodeltester: Any, tab: StoresTab, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page at once, the next ones as the table scrolls (issue #23)."""
    monkeypatch.setattr(stores_models, "PAGE_SIZE", 1)
    tab.select_store(world.warehouse)
    model = tab.panel.stock_model
    assert model.rowCount() == 1
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert _names(tab) == ["Apple", "Pear"]
    assert not model.canFetchMore(QModelIndex())
    tab.panel.select_product(world.pear)
    tab.panel.reload()  # stock moved: the rows read so far stay, the selection too
    assert model.rowCount() == 2
    assert tab.panel.current_product_id() == world.pear
    tab.panel.search_edit.setText("pea")
    tab.panel.reload()
    assert _names(tab) == ["Pear"]
    tab.panel.search_edit.setText("")
    tab.panel.reload()
    assert [row.name for row in tab.panel.visible_rows(10)] == ["Apple", "Pear"]
    grid = tab.panel.grid_model
    assert grid.canFetchMore(QModelIndex())  # the grid too: every active product, paged
    grid.fetchMore(QModelIndex())
    assert grid.rowCount() == 2
    qtmodeltester.check(model)
    qtmodeltester.check(grid)  # (after the reloads: the view may fetch while a reset ends)
