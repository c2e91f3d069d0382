"""The manager approval dialog: another person's credentials and a reason, checked at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import Approval, check_approval
from posapp.ui.staff.approval_dialog import MAX_ATTEMPTS, TOO_MANY, ApprovalDialog, ask_approval
from tests.ui.seed import PASSWORD

pytestmark = pytest.mark.ui

SUMMARY = "Override the price of <b>Oat milk</b> from $2.49 to $1.99."


def make_dialog(
    qtbot: QtBot,
    backend: Backend,
    actor: UserDTO,
    permission: Permission = Permission.OVERRIDE_PRICE,
) -> ApprovalDialog:
    dialog = ApprovalDialog(backend.staff, actor, permission, SUMMARY)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_exposed(dialog)
    return dialog


def fill(dialog: ApprovalDialog, username: str, password: str, reason: str) -> None:
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(password)
    dialog.reason_edit.setText(reason)


def test_a_manager_approves(qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]) -> None:
    dialog = make_dialog(qtbot, ui_backend, staff["cashier"])
    assert dialog.summary_label.text() == SUMMARY
    assert dialog.summary_label.textFormat() == Qt.TextFormat.PlainText
    assert "Sam Carter (cashier)" in dialog.text_label.text()
    assert dialog.focusWidget() is dialog.username_edit
    QTest.keyClicks(dialog.username_edit, "Manager1")
    QTest.keyClicks(dialog.password_edit, PASSWORD)
    QTest.keyClicks(dialog.reason_edit, "  damaged carton  ")
    with qtbot.wait_signal(dialog.accepted):
        QTest.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    assert dialog.approval == Approval("Manager1", PASSWORD, "damaged carton")
    assert dialog.approver is not None
    assert (dialog.approver.username, dialog.approver.role) == ("manager1", "manager")
    # The service action checks the same approval again in its own transaction.
    with ui_backend.uow() as uow:
        approver = check_approval(uow, staff["cashier"], dialog.approval, Permission.OVERRIDE_PRICE)
        assert approver.username == "manager1"


@pytest.mark.parametrize(
    ("username", "password", "reason", "message"),
    [
        (
            "manager1",
            "wrong wrong wrong",
            "r",
            "Approval refused: unknown approver or wrong password.",
        ),
        ("ghost", PASSWORD, "r", "Approval refused: unknown approver or wrong password."),
        # Issue #16: a till PIN is never an approver's credential.
        ("cashier2", "2468", "r", "Approval refused: unknown approver or wrong password."),
        ("cashier3", PASSWORD, "r", "cashier3 (cashier) cannot approve this."),
        ("", PASSWORD, "r", "Enter the approver's username."),
        ("manager1", "", "r", "Enter the approver's password."),
        ("manager1", PASSWORD, "   ", "Enter a reason for the approval."),
    ],
)
def test_refusals_are_shown_in_the_dialog(
    qtbot: QtBot,
    ui_backend: Backend,
    staff: dict[str, UserDTO],
    username: str,
    password: str,
    reason: str,
    message: str,
) -> None:
    users.add_user(ui_backend.uow(), None, "cashier2", "2468", "cashier")
    users.add_user(ui_backend.uow(), None, "cashier3", PASSWORD, "cashier")
    dialog = make_dialog(qtbot, ui_backend, staff["cashier"])
    fill(dialog, username, password, reason)
    with qtbot.assert_not_emitted(dialog.finished):
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == message
    assert dialog.isVisible()
    assert dialog.approval is None


def test_nobody_approves_for_themself(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = make_dialog(qtbot, ui_backend, staff["manager"], Permission.VOID)
    fill(dialog, "manager1", PASSWORD, "my own void")
    QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Approval must come from a different person."


def test_an_inactive_manager_cannot_approve(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    users.set_active(ui_backend.uow(), staff["admin"], staff["manager"].id, False)
    dialog = make_dialog(qtbot, ui_backend, staff["cashier"], Permission.NO_SALE_DRAWER)
    fill(dialog, "manager1", PASSWORD, "change for the float")
    QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert "Approval refused" in dialog.error_label.text()


def test_guessing_stops_after_a_few_tries(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = make_dialog(qtbot, ui_backend, staff["cashier"])
    for attempt in range(MAX_ATTEMPTS):
        fill(dialog, "manager1", f"guess number {attempt}", "r")
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
        assert dialog.password_edit.text() == ""
    assert dialog.error_label.text() == TOO_MANY
    assert not dialog.approve_button.isEnabled()
    assert not dialog.password_edit.isEnabled()
    fill(dialog, "manager1", PASSWORD, "r")
    dialog.approve_button.click()  # even when forced, no further check happens
    assert dialog.approval is None


def test_guesses_count_across_openings_and_lock_the_manager_out(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    for attempt in range(5):  # five dialogs, one wrong guess each
        dialog = make_dialog(qtbot, ui_backend, staff["cashier"])
        fill(dialog, "manager1", f"guess number {attempt}", "r")
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
        assert dialog.error_label.text() == "Approval refused: unknown approver or wrong password."
        dialog.reject()
    dialog = make_dialog(qtbot, ui_backend, staff["cashier"])
    fill(dialog, "manager1", PASSWORD, "r")
    QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text().startswith(
        "Approval refused: manager1 is locked out after too many wrong passwords"
    )
    assert dialog.approval is None
    users.unlock_user(ui_backend.uow(), staff["admin"], staff["manager"].id)
    fill(dialog, "manager1", PASSWORD, "r")
    with qtbot.wait_signal(dialog.accepted):
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert dialog.approval is not None


def test_ask_approval_is_modal_and_returns_the_approval(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    parent = QWidget()
    qtbot.add_widget(parent)
    results: list[ApprovalDialog] = []

    def answer() -> None:
        dialog = parent.findChild(ApprovalDialog)
        assert dialog is not None
        results.append(dialog)
        fill(dialog, "admin1", PASSWORD, "refund without receipt, regular customer")
        dialog.approve_button.click()

    QTimer.singleShot(0, answer)
    approval = ask_approval(
        parent,
        ui_backend.staff,
        staff["cashier"],
        Permission.REFUND_WITHOUT_RECEIPT,
        "Refund $12.00.",
    )
    assert approval == Approval("admin1", PASSWORD, "refund without receipt, regular customer")

    def cancel() -> None:
        dialog = next(d for d in parent.findChildren(ApprovalDialog) if d.isVisible())
        dialog.reject()

    QTimer.singleShot(0, cancel)
    cashier = staff["cashier"]
    assert ask_approval(parent, ui_backend.staff, cashier, Permission.VOID, "Void.") is None
