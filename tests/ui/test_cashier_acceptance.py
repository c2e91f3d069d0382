"""The cashier's minute (issue #17): start of shift and flows A-D on the real main window.

Every key goes to the focused widget (:class:`tests.ui.cashier_driver.Cashier`) and every key
action is counted; the database is checked after each flow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posapp.models import Order, Payment, TillSession
from posapp.services.backend import Backend
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import CASHIER_PIN, Shop, seed_shop
from tests.ui.cashier_driver import Cashier

pytestmark = pytest.mark.ui

APPLE = "4006381333931"
BANANA = "4006381333948"
COFFEE = "5012345678900"
WATER = "5012345678917"
MUG = "5012345678924"


@pytest.fixture
def shop(ui_backend: Backend) -> Shop:
    return seed_shop(ui_backend)


@pytest.fixture
def session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    controller = SessionController(ui_backend, bus)
    yield controller
    controller.shutdown()


def register_of(window: MainWindow) -> RegisterView:
    tab = window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    return tab.register


def scalar(backend: Backend, statement: object) -> object:
    with backend.read_uow() as uow:
        return uow.session.scalar(statement)  # type: ignore[call-overload]


def test_start_of_shift_takes_at_most_six_keys(
    qtbot: QtBot, session: SessionController, ui_backend: Backend, shop: Shop
) -> None:
    """Log-in → the register, the closed till opened in place with a counted float → a sale."""
    session.start()
    dialog = session.login_dialog
    assert dialog is not None
    qtbot.wait_until(dialog.is_ready)
    cashier = Cashier(qtbot)
    cashier.type("till").press(Qt.Key.Key_Tab).type(CASHIER_PIN)
    cashier.run()  # the credentials: not counted

    def window_shown() -> bool:
        window = session.main_window
        return window is not None and window.isActiveWindow()

    cashier.press(Qt.Key.Key_Return)  # log in
    cashier.press(Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier, when=window_shown)
    cashier.type("100")  # the float counted into the drawer
    cashier.press(Qt.Key.Key_Return)
    cashier.scan(APPLE, when=lambda: QApplication.activeModalWidget() is None)
    actions = cashier.run()
    window = session.main_window
    assert window is not None
    register = register_of(window)
    assert [line.product.name for line in register.cart.lines] == ["Apple Braeburn"]
    assert QApplication.focusWidget() is register.scan_edit
    assert actions <= 6, cashier.log
    assert actions == 4
    assert scalar(ui_backend, select(TillSession.float_minor)) == 10_000
    assert scalar(ui_backend, select(func.count()).select_from(Order)) == 0
    assert scalar(ui_backend, select(func.count()).select_from(Payment)) == 0
