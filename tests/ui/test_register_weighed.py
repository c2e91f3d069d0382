"""Weighed goods at the register, by keyboard (#20): a scale barcode, ``0.455*code``, F5, pay.

Set ``POSAPP_SCREENSHOT_DIR`` to keep the grab of the register with weighed lines
(docs/screenshots/register_weighed.png was made so).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.formats import Formats, set_current_formats
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import SalesApi, checkout
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.listing import OrderListView
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, cash_sale, on_hand
from tests.ui.test_register import APPLE, activate, answering, scan
from tests.ui.test_settings_page import line, settings_page
from tests.ui.users_support import make_users_tab
from tests.weighed_seed import CHEESE_BARCODE, add_cheese, scale_code, use_scale_barcodes

pytestmark = pytest.mark.ui

SHOTS = os.environ.get("POSAPP_SCREENSHOT_DIR", "")


@pytest.fixture
def shop(cashier_shop: Shop, ui_backend: Backend) -> Shop:
    add_cheese(ui_backend, cashier_shop)
    use_scale_barcodes(ui_backend, cashier_shop)
    return cashier_shop


@pytest.fixture
def register(qtbot: QtBot, ui_backend: Backend, bus: EventBus, shop: Shop) -> RegisterView:
    desk: SalesApi = ui_backend.sales
    view = RegisterView(desk, bus, shop.cashier)
    view.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(view)
    view.resize(1240, 720)
    activate(qtbot, view)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


def _cells(register: RegisterView, row: int) -> list[str]:
    model = register.model
    return [
        str(model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole))
        for column in range(model.columnCount())
    ]


def test_weighed_cheese_by_scale_barcode_and_typed_weight(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend, shop: Shop
) -> None:
    before = on_hand(ui_backend, shop, "cheese")
    scan(qtbot, register, scale_code(455))
    assert _cells(register, 0) == ["1", "Comté 18 months", "0.455 kg", "19.90/kg", "", "9.05"]
    assert register.cart.priced().total_minor == 905

    # Without a scale label the cashier types the weight before the code.
    scan(qtbot, register, f"0.250*{CHEESE_BARCODE}")
    assert _cells(register, 1)[2:] == ["0.250 kg", "19.90/kg", "", "4.98"]  # 4.975 → 4.98
    scan(qtbot, register, APPLE)
    assert register.model.rowCount() == 3  # each weighing is a line of its own

    # F5 on the chosen weighed line types its weight in kg.
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Up)

    def type_weight(dialog: QDialog) -> None:
        edit = dialog.focusWidget()
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(edit, "0.3")
        QTest.keyClick(edit, Qt.Key.Key_Return)

    with answering(type_weight):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F5)
    qtbot.wait_until(register.isActiveWindow)
    assert [line.quantity for line in register.cart.lines] == [455, 300, 1]
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Plus)  # "+" adds a piece, not a gram
    assert [line.quantity for line in register.cart.lines] == [455, 300, 1]
    assert "F5" in register.message.text()
    if SHOTS:
        register.grab().save(str(Path(SHOTS) / "register_weighed.png"))

    total = register.cart.priced().total_minor
    assert total == 905 + 597 + 120  # 0.300 × 19.90 = 5.97

    def pay_cash(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(dialog.amount_edit, "20")
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay_cash):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)
    assert register.cart.lines == []
    assert before - on_hand(ui_backend, shop, "cheese") == 755  # 0.455 + 0.300 kg


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (f"0.4555*{CHEESE_BARCODE}", "At most three decimals"),
        (f"0*{CHEESE_BARCODE}", "above zero"),
        (f"0.455*{APPLE}", "Apple Braeburn is sold by the piece"),
        (CHEESE_BARCODE, "is sold by the kg: type its quantity"),
        (f"2*{scale_code(455)}", "carries its own weight"),
        (
            scale_code(455)[:-1] + "0" if scale_code(455)[-1] != "0" else "2100042004551",
            "check digit",
        ),
        (scale_code(455, item="00999"), "No product has the scale item code 00999"),
    ],
)
def test_bad_weighed_input_is_refused_with_a_message(
    qtbot: QtBot, register: RegisterView, typed: str, message: str
) -> None:
    scan(qtbot, register, typed)
    assert register.cart.lines == []
    assert register.message.level == "error"
    assert message in register.message.text()


def test_a_german_shop_types_weights_with_a_comma(
    qtbot: QtBot, register: RegisterView, shop: Shop
) -> None:
    """0,455 kg is 0.455 kg in a German shop (it was read as 455 kg), and 0.455 is refused."""
    set_current_formats(Formats(locale="de_DE"))
    scan(qtbot, register, f"0.455*{CHEESE_BARCODE}")
    assert register.cart.lines == []
    assert "Write decimals with “,”, like 0,455" in register.message.text()
    assert "(type 0,455* then the code)" in register.message.text()
    scan(qtbot, register, f"0,455*{CHEESE_BARCODE}")
    assert [line.quantity for line in register.cart.lines] == [455]
    assert _cells(register, 0)[2] == "0,455 kg"
    scan(qtbot, register, CHEESE_BARCODE)
    assert "(0,455* for 0,455 kg)" in register.message.text()


def test_return_0_2_kg_of_0_455_by_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, shop: Shop
) -> None:
    desk = ui_backend.sales
    placed = checkout.place_order(
        ui_backend.uow(), shop.cashier, cash_sale(shop, [("cheese", 455)], 905, 905)
    )
    before = on_hand(ui_backend, shop, "cheese")
    view = OrderListView(desk, bus, shop.cashier)
    qtbot.add_widget(view)
    activate(qtbot, view)
    view.ensure_loaded()
    QTest.keyClicks(view.search_edit, placed.number)
    QTest.keyClick(view.search_edit, Qt.Key.Key_Return)
    assert view.detail.order_id == placed.order_id

    def give_back(dialog: QDialog) -> None:
        assert isinstance(dialog, ReturnDialog)
        sold = dialog.table.item(0, 1)
        assert sold is not None
        assert sold.text() == "0.455 kg (left 0.455 kg)"
        spin = dialog.spins[0]
        spin.setFocus()
        QTest.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(spin, "0.2")
        assert spin.value() == 200
        assert spin.text() == "0.2 kg"
        assert dialog.refund_minor() == 398  # 9.05 × 0.200 / 0.455 = 3.978 → 3.98
        QTest.keyClicks(spin, "5555")  # 0.25555: a fourth decimal is refused as typed
        assert spin.value() == 255
        QTest.keyClick(spin, Qt.Key.Key_Backspace)
        QTest.keyClick(spin, Qt.Key.Key_Backspace)  # back to 0.2
        assert spin.value() == 200
        QTest.keyClick(spin, Qt.Key.Key_Return)

    with answering(give_back):
        QTest.keyClick(view.detail.tabs, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    order = desk.order_detail(shop.cashier, placed.order_id)
    assert [line.returned_qty for line in order.lines] == [200]
    assert order.refunded_minor == 398
    assert on_hand(ui_backend, shop, "cheese") - before == 200


def test_the_scale_layout_is_set_on_the_settings_page(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    page.groups.setFocus()
    QTest.keyClick(page.groups, Qt.Key.Key_Down)  # Register
    prefixes = line(page, "scale_barcode.prefixes")
    assert prefixes.text() == ""
    prefixes.setFocus()
    QTest.keyClicks(prefixes, "19-22")
    QTest.keySequence(prefixes, "Ctrl+S")
    field = page.fields["scale_barcode.prefixes"]
    qtbot.wait_until(lambda: "not accepted" in field.error_label.text())
    assert "prefixes from 20 to 29" in field.error_label.text()
    prefixes.selectAll()
    QTest.keyClicks(prefixes, "20-22, 28")
    QTest.keySequence(prefixes, "Ctrl+S")
    qtbot.wait_until(page.success_label.isVisible)
    if SHOTS:
        page.window().grab().save(str(Path(SHOTS) / "settings_scale_barcodes.png"))
    stored = ui_backend.shop.list_settings(staff["admin"])
    (value,) = [s.value for s in stored if s.key == "scale_barcode.prefixes"]
    assert value == "20-22, 28"
