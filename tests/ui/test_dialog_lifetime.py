"""No dialog outlives its use: opening and closing each one N times leaves nothing behind.

Issue #17: every sale left its payment dialog behind (a hidden top-level window, ~85 QObjects and
the Python objects its connections held), and every later dialog opened slower past them.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, open_shop_till, seed_shop
from tests.ui.lifetime_support import answering, census, keys_in_dialog, press, type_text

pytestmark = pytest.mark.ui

N = 12
APPLE, MUG = "4006381333931", "5012345678924"
Key = Qt.Key


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.wait_until(widget.isActiveWindow)


@pytest.fixture
def register(qtbot: QtBot, ui_backend: Backend, bus: EventBus) -> RegisterView:
    shop: Shop = seed_shop(ui_backend)
    open_shop_till(ui_backend, shop)
    view = RegisterView(ui_backend.sales, bus, shop.cashier)
    view.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(view)
    view.resize(1240, 720)
    activate(qtbot, view)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


def sell_by_keyboard(qtbot: QtBot, view: RegisterView, *codes: str) -> None:
    """Scan ``codes``, F12, Enter (the exact cash is prefilled), Enter (the next sale)."""
    for code in codes:
        type_text(code)
        press(Key.Key_Return)
    with answering(keys_in_dialog(Key.Key_Return, Key.Key_Return), PaymentDialog):
        press(Key.Key_F12)
    qtbot.wait_until(view.scan_edit.hasFocus)
    assert view.cart.empty


def test_each_sale_destroys_its_payment_dialog(qtbot: QtBot, register: RegisterView) -> None:
    sell_by_keyboard(qtbot, register, APPLE, MUG)  # warm-up: caches, the change panel
    before = census()
    for _ in range(N):
        sell_by_keyboard(qtbot, register, APPLE, MUG)
        assert census() == before
    assert not register.findChildren(PaymentDialog)
