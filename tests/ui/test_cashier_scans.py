"""No scan is lost: the scan field has the focus whenever the register shows (issue #17)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import Order, OrderLine
from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import Shop, open_shop_till, seed_shop
from tests.ui.cashier_driver import CTRL, Cashier

pytestmark = pytest.mark.ui

APPLE = "4006381333931"
MUG = "5012345678924"


@pytest.fixture
def shop(ui_backend: Backend) -> Shop:
    shop = seed_shop(ui_backend)
    open_shop_till(ui_backend, shop)
    return shop


@pytest.fixture
def window(qtbot: QtBot, ui_backend: Backend, bus: EventBus, shop: Shop) -> MainWindow:
    window = MainWindow(ui_backend, bus, shop.cashier)
    qtbot.add_widget(window)
    window.show()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    return window


def _orders(window: MainWindow) -> OrdersTab:
    tab = window.tabs.widget(window.tab_titles().index("Orders"))
    assert isinstance(tab, OrdersTab)
    return tab


def test_ctrl_3_puts_the_focus_in_the_scan_field(qtbot: QtBot, window: MainWindow) -> None:
    register, orders = _orders(window).register, _orders(window).orders
    assert register is not None
    assert orders is not None
    cashier = Cashier(qtbot)
    cashier.press(Qt.Key.Key_1, CTRL).press(Qt.Key.Key_3, CTRL).scan(APPLE)
    assert cashier.run() == 2
    assert QApplication.focusWidget() is register.scan_edit
    assert [line.product.name for line in register.cart.lines] == ["Apple Braeburn"]
    # Back from the order list (Alt+O, Alt+R), the scan lands in the sale too.
    cashier.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    cashier.check(lambda: _focus_is(orders.search_edit))
    cashier.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier).scan(MUG)
    cashier.run()
    assert [line.product.name for line in register.cart.lines] == [
        "Apple Braeburn",
        "Enamel mug",
    ]


def _focus_is(widget: object) -> None:
    assert QApplication.focusWidget() is widget


def test_a_scan_on_the_change_screen_starts_the_next_sale(
    qtbot: QtBot, window: MainWindow, ui_backend: Backend
) -> None:
    register = _orders(window).register
    assert register is not None
    window.show_tab("Orders")

    def on_change_screen() -> bool:
        dialog = QApplication.activeModalWidget()
        return isinstance(dialog, PaymentDialog) and dialog.placed is not None

    cashier = Cashier(qtbot)
    cashier.scan(APPLE).press(Qt.Key.Key_F12).press(Qt.Key.Key_Return)
    cashier.scan(MUG, when=on_change_screen)  # the scanner's Enter closes the change screen
    cashier.run()
    assert QApplication.activeModalWidget() is None
    assert [line.product.name for line in register.cart.lines] == ["Enamel mug"]
    qtbot.wait_until(register.scan_edit.hasFocus)
    with ui_backend.read_uow() as uow:
        assert uow.session.scalar(select(Order.total_minor)) == 120
        assert uow.session.scalars(select(OrderLine.name)).all() == ["Apple Braeburn"]
