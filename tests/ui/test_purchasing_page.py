"""The Purchase orders page of the Stores tab, from the keyboard: order low stock, send it,
receive part of it, check the stock."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import OutboxAttachment
from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.stores.purchase_dialogs import (
    ReceiveOrderDialog,
    SupplierDialog,
    SupplierItemDialog,
)
from posapp.ui.stores.purchasing import PurchasingPage
from posapp.ui.stores.tab import StoresTab
from tests.integration.purchasing_support import Purchasing, build_purchasing
from tests.unit.stock_support import on_hand

pytestmark = pytest.mark.ui
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def buying(ui_backend: Backend) -> Purchasing:
    p = build_purchasing(ui_backend)
    w = p.world
    ui_backend.stock.set_reorder_levels(w.manager, w.shop, w.pear, 5, 20)
    ui_backend.stock.set_reorder_levels(w.manager, w.shop, w.apple, 2, 10)
    return p


def _tab(qtbot: QtBot, backend: Backend, bus: EventBus, buying: Purchasing) -> StoresTab:
    tab = StoresTab(backend, bus, buying.world.manager)
    qtbot.add_widget(tab)
    tab.resize(1280, 780)
    tab.show()
    tab.activateWindow()
    qtbot.wait_exposed(tab)
    tab.select_store(buying.world.shop)
    return tab


def _press(qtbot: QtBot, page: PurchasingPage, key: Qt.Key) -> None:
    page.window().activateWindow()
    qtbot.wait_until(page.window().isActiveWindow)
    QTest.keyClick(page.order_table, key, CTRL_SHIFT)


def test_order_send_and_receive_part_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, buying: Purchasing, tmp_path: Path
) -> None:
    w = buying.world
    tab = _tab(qtbot, ui_backend, bus, buying)
    qtbot.wait_until(tab.isActiveWindow)
    QTest.keyClick(tab.panel.stock_table, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    page = tab.purchasing_page
    assert page is not None
    qtbot.wait_until(page.isVisible)
    assert page.supplier is not None
    assert page.supplier.name == "Orchard Ltd"
    assert [(i.name, i.supplier_code) for i in page.items.rows] == [
        ("Apple", "ORC-APPLE"),
        ("Pear", "ORC-PEAR"),
    ]

    _press(qtbot, page, Qt.Key.Key_O)  # order the low stock from the selected supplier
    qtbot.wait_until(lambda: page.order is not None and page.order.status == "draft")
    assert page.order is not None
    assert [(x.name, x.ordered) for x in page.order.lines] == [("Apple", 12), ("Pear", 25)]

    _press(qtbot, page, Qt.Key.Key_S)
    qtbot.wait_until(lambda: page.order is not None and page.order.status == "sent")
    assert "queued to orders@orchard.example" in page.message.text()
    with ui_backend.read_uow() as uow:
        assert uow.session.scalar(select(OutboxAttachment.filename)) == f"{page.order.number}.pdf"

    _press(qtbot, page, Qt.Key.Key_R)
    dialog = page.active_dialog
    assert isinstance(dialog, ReceiveOrderDialog)
    apple, pear = dialog.order.lines
    dialog.activateWindow()
    qtbot.wait_until(dialog.isActiveWindow)
    dialog.edits[apple.id].clear()  # the apples did not come
    dialog.edits[pear.id].clear()
    QTest.keyClicks(dialog.edits[pear.id], "10")
    QTest.keyClicks(dialog.reference_edit, "DN-7781")
    assert dialog.grab().save(str(tmp_path / "receive.png"))
    with qtbot.wait_signal(dialog.finished):
        QTest.keyClick(
            dialog.reference_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    qtbot.wait_until(lambda: page.order is not None and page.order.status == "partly_received")
    assert on_hand(ui_backend, w.shop, w.pear) == 10
    assert on_hand(ui_backend, w.shop, w.apple) == 0
    lines = page.lines.rows
    assert [(x.name, x.received, x.outstanding) for x in lines] == [
        ("Apple", 0, 12),
        ("Pear", 10, 15),
    ]
    assert "10 units received" in page.message.text()
    assert page.close_action.isEnabled()
    assert not page.send_action.isEnabled()
    target = tmp_path / "order.pdf"
    page.save_pdf(target)  # Ctrl+Shift+F asks for the path first
    qtbot.wait_until(lambda: page.message.text() == "Saved order.pdf.", timeout=20_000)
    text = PdfReader(str(target)).pages[0].extract_text()
    assert page.order.number in text
    assert "Partly received" in text
    shot = tmp_path / "purchasing.png"
    assert tab.grab().save(str(shot))


def test_a_new_supplier_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, buying: Purchasing
) -> None:
    tab = _tab(qtbot, ui_backend, bus, buying)
    page = tab.show_purchasing()
    assert page is not None
    _press(qtbot, page, Qt.Key.Key_U)
    dialog = page.active_dialog
    assert isinstance(dialog, SupplierDialog)
    dialog.activateWindow()
    qtbot.wait_until(dialog.isActiveWindow)
    QTest.keyClicks(dialog.name_edit, "Dairy Co")
    QTest.keyClicks(dialog.email_edit, "not an address")
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "email address" in dialog.error_label.text()
    dialog.email_edit.clear()
    QTest.keyClicks(dialog.email_edit, "sales@dairy.example")
    with qtbot.wait_signal(dialog.finished):
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert [s.name for s in page.suppliers.rows] == ["Dairy Co", "Orchard Ltd"]
    assert page.supplier is not None
    assert page.supplier.name == "Dairy Co"
    assert page.items.rows == []

    _press(qtbot, page, Qt.Key.Key_A)  # list the cheese for the new supplier
    item = page.active_dialog
    assert isinstance(item, SupplierItemDialog)
    item.activateWindow()
    qtbot.wait_until(item.isActiveWindow)
    QTest.keyClicks(item.picker.search_edit, "FD-CHEESE")
    QTest.keyClick(item.picker.search_edit, Qt.Key.Key_Return)
    assert item.pick is not None
    QTest.keyClicks(item.code_edit, "DC-77")
    QTest.keyClicks(item.cost_edit, "-1")
    QTest.keyClick(item.code_edit, Qt.Key.Key_Return)
    assert item.isVisible()
    assert "Cost" in item.error_label.text()
    item.cost_edit.clear()
    QTest.keyClicks(item.cost_edit, "11.50")
    with qtbot.wait_signal(item.finished):
        QTest.keyClick(item.code_edit, Qt.Key.Key_Return)
    assert [(i.name, i.supplier_code, i.cost_minor) for i in page.items.rows] == [
        ("Cheddar", "DC-77", 1150)
    ]


def test_a_cashier_has_no_purchasing_page(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, buying: Purchasing
) -> None:
    tab = StoresTab(ui_backend, bus, buying.world.cashier)
    qtbot.add_widget(tab)
    assert tab.purchasing_page is None
    assert tab.show_purchasing() is None
