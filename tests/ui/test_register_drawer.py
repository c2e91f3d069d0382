"""The register's printer and drawer from the keyboard: a cash sale, a dead printer, No sale (F3).

The receipt printer is python-escpos's File printer on a real file, set through the settings.
"""

# ruff: noqa: F811 - the fixtures come from tests.ui.test_register

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.constants import CD_KICK_2
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posapp.models import AuditEntry, Order
from posapp.services.backend import Backend
from posapp.services.platform import registry
from posapp.services.sales import tills
from posapp.ui.register.dialogs import ApprovalDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import PASSWORD, Shop
from tests.ui.test_register import (  # noqa: F401 - the fixtures
    APPLE,
    answering,
    desk,
    receipts,
    register,
    scan,
    shop,
)

pytestmark = pytest.mark.ui
WAIT = 20_000


@pytest.fixture
def paper(ui_backend: Backend, shop: Shop, tmp_path: Path) -> Path:
    path = tmp_path / "printer.bin"
    ui_backend.shop.change_setting(
        shop.staff["admin"], registry.RECEIPT_PRINTER.key, f"file:{path}"
    )
    return path


def _count(backend: Backend, action: str) -> int:
    with backend.read_uow() as uow:
        return int(
            uow.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))
            or 0
        )


def _pay_cash(qtbot: QtBot, register: RegisterView) -> None:
    """F12, Enter takes the amount due in cash, Enter starts the next sale."""

    def pay(dialog: QDialog) -> None:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        qtbot.wait_until(lambda: getattr(dialog, "placed", None) is not None, timeout=WAIT)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)


def test_a_cash_sale_prints_and_opens_the_drawer(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend, paper: Path
) -> None:
    scan(qtbot, register, APPLE)
    _pay_cash(qtbot, register)
    qtbot.wait_until(
        lambda: paper.exists() and paper.read_bytes().endswith(b"\x1dV\x00"), timeout=WAIT
    )
    sent = paper.read_bytes()
    assert sent.startswith(CD_KICK_2)
    assert b"Main Street Market" in sent
    qtbot.wait_until(lambda: not register.flow.drawer.is_busy(), timeout=WAIT)
    assert register.message.level != "error"


def test_a_dead_printer_leaves_the_sale_paid_and_says_why(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend, shop: Shop
) -> None:
    ui_backend.shop.change_setting(
        shop.staff["admin"], registry.RECEIPT_PRINTER.key, "network:127.0.0.1:1"
    )
    scan(qtbot, register, APPLE)
    _pay_cash(qtbot, register)
    qtbot.wait_until(lambda: "Receipt not printed" in register.message.text(), timeout=WAIT)
    text = register.message.text()
    assert register.message.level == "error"
    assert "The printer at 127.0.0.1:1 refused the connection" in text
    assert "is paid all the same" in text
    assert "Traceback" not in text
    with ui_backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 1
    assert register.scan_edit.hasFocus()


def test_no_sale_needs_a_manager(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend, shop: Shop, paper: Path
) -> None:
    button = register.buttons["no_sale"]
    assert button.key_label.text() == "F3"

    def give_up(dialog: QDialog) -> None:
        assert isinstance(dialog, ApprovalDialog)
        dialog.reject()

    with answering(give_up):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F3)
    qtbot.wait_until(register.isActiveWindow)
    assert register.message.text() == "Drawer not opened."
    assert _count(ui_backend, tills.NO_SALE_ACTION) == 0

    def approve(dialog: QDialog) -> None:
        assert isinstance(dialog, ApprovalDialog)
        QTest.keyClicks(dialog.username_edit, shop.manager.username)
        QTest.keyClicks(dialog.password_edit, PASSWORD)
        QTest.keyClicks(dialog.reason_edit, "change for the bakery")
        QTest.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    with answering(approve):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F3)
    qtbot.wait_until(register.isActiveWindow)
    qtbot.wait_until(lambda: "Drawer opened" in register.message.text(), timeout=WAIT)
    assert register.message.text() == "Drawer opened — no sale (approved by boss)."
    assert paper.read_bytes() == CD_KICK_2
    assert _count(ui_backend, tills.NO_SALE_ACTION) == 1
    assert ui_backend.sales.x_report(shop.manager).no_sale_count == 1
    assert register.scan_edit.hasFocus()
