"""The register's keys with a shared-code coupon offline (#21, policy ``offline.coupons``).

A real register widget over the offline facade (the server gone, the cache filled): the coffee
is scanned, the shared code typed into the scan box applies the coupon from the cache, F12 pays
in cash; the journal holds the code and the discount. A single-use code scanned there is no
coupon the register knows offline, and the sale is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.register import RegisterView
from tests.ui.test_register import activate, answering, scan
from tests.unit.test_offline_coupons import SHARED, _register

pytestmark = pytest.mark.ui

WAIT_MS = 30_000


def test_a_shared_code_is_applied_and_paid_offline_by_keyboard(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    register = _register(backend, tmp_path, "shared")
    view = RegisterView(register.sales, EventBus(), register.shop.cashier)
    qtbot.add_widget(view)
    view.resize(1240, 760)
    activate(qtbot, view)
    scan(qtbot, view, "5012345678900")
    assert len(view.cart.lines) == 1, view.message.text()
    scan(qtbot, view, register.single_use)
    assert "no coupon either" in view.message.text()  # F8 says why: it needs the server
    assert not view.cart.coupons
    scan(qtbot, view, SHARED)
    assert [quote.code for quote in view.cart.coupons] == [SHARED], view.message.text()

    def pay(dialog: QDialog) -> None:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        qtbot.wait_until(lambda: getattr(dialog, "placed", None) is not None, timeout=WAIT_MS)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay):
        QTest.keyClick(view.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(lambda: register.sales.status.unsynced == 1, timeout=WAIT_MS)
    entry = register.sales.offline_till.journal.entries()[0]
    assert entry.sale.coupon_codes == (SHARED,)
    assert entry.sale.total_minor == 1299 - 130  # one coffee, 10 % off
    assert [line.coupon_minor for line in entry.sale.lines] == [130]
