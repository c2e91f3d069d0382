"""The login dialog: typing, Enter, errors, demo log-ins and the first-run hint."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError
from posapp.ui.login_dialog import (
    FIRST_RUN_HINT,
    SIGN_IN,
    SIGNING_IN,
    UNEXPECTED_ERROR,
    LoginDialog,
)
from tests.ui.helpers import log_in, show_dialog, type_credentials
from tests.ui.seed import PASSWORD, add_demo_logins

pytestmark = pytest.mark.ui


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_typing_credentials_and_enter_logs_in(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO], role: str
) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    user = log_in(qtbot, dialog, f"{role}1", PASSWORD)
    assert user.id == staff[role].id
    assert user.role == role
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


def test_fields_have_labels_and_accessible_names(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    assert dialog.username_edit.accessibleName() == "Username"
    assert dialog.password_edit.accessibleName() == "Password"
    assert dialog.password_edit.echoMode() == dialog.password_edit.EchoMode.Password
    assert dialog.focusWidget() is dialog.username_edit
    assert dialog.sign_in_button.isDefault()


def test_wrong_password_shows_the_error_and_keeps_the_dialog_open(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    type_credentials(qtbot, dialog, "admin1", "not the password")
    with qtbot.assert_not_emitted(dialog.accepted):
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.wait_until(dialog.error_label.isVisible)
    assert dialog.error_label.text() == "Unknown username or wrong password."
    assert dialog.isVisible()
    assert dialog.user is None
    assert dialog.password_edit.text() == ""
    assert dialog.focusWidget() is dialog.password_edit
    assert dialog.sign_in_button.isEnabled()
    # Typing again clears the message.
    QTest.keyClicks(dialog.password_edit, "x")
    assert not dialog.error_label.isVisible()


def test_the_dialog_is_busy_while_checking(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    type_credentials(qtbot, dialog, "cashier1", PASSWORD)
    with qtbot.wait_signal(dialog.accepted):
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert dialog.is_busy()
        assert not dialog.sign_in_button.isEnabled()
        assert dialog.sign_in_button.text() == SIGNING_IN
        assert not dialog.username_edit.isEnabled()
    assert not dialog.is_busy()
    assert dialog.sign_in_button.text() == SIGN_IN


def test_empty_username_is_refused_without_asking_the_backend(
    qtbot: QtBot, ui_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_be_called(username: str, password: str) -> UserDTO:
        raise AssertionError("login() called")

    monkeypatch.setattr(ui_backend.staff, "login", must_not_be_called)
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    QTest.keyClick(dialog.username_edit, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Enter your username."
    assert dialog.error_label.isVisible()


def test_service_errors_show_their_message(
    qtbot: QtBot, ui_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(username: str, password: str) -> UserDTO:
        raise DatabaseError("The database server is not reachable.")

    monkeypatch.setattr(ui_backend.staff, "login", unreachable)
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    type_credentials(qtbot, dialog, "admin1", PASSWORD)
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.wait_until(dialog.error_label.isVisible)
    assert dialog.error_label.text() == "The database server is not reachable."


def test_unexpected_errors_show_a_generic_message_not_a_traceback(
    qtbot: QtBot,
    ui_backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(username: str, password: str) -> UserDTO:
        raise KeyError("internal detail")

    monkeypatch.setattr(ui_backend.staff, "login", broken)
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    type_credentials(qtbot, dialog, "admin1", PASSWORD)
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.wait_until(dialog.error_label.isVisible)
    assert dialog.error_label.text() == UNEXPECTED_ERROR
    assert "internal detail" not in dialog.error_label.text()
    assert "internal detail" in caplog.text  # logged for support, with the traceback


def test_demo_log_ins_fill_the_fields_when_clicked(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    add_demo_logins(ui_backend)
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    assert [b.text() for b in dialog.demo_buttons] == [
        f"{name} / {PASSWORD}" for name in ("admin1", "manager1", "cashier1")
    ]
    QTest.mouseClick(dialog.demo_buttons[1], Qt.MouseButton.LeftButton)
    assert dialog.username_edit.text() == "manager1"
    assert dialog.password_edit.text() == PASSWORD
    assert dialog.focusWidget() is dialog.sign_in_button
    with qtbot.wait_signal(dialog.accepted):
        QTest.keyClick(dialog.sign_in_button, Qt.Key.Key_Return)
    assert dialog.user is not None
    assert dialog.user.role == "manager"


def test_no_demo_log_ins_no_list(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    assert dialog.demo_buttons == []
    assert not dialog.hint_label.isVisible()


def test_first_run_shows_how_to_create_the_first_admin(qtbot: QtBot, ui_backend: Backend) -> None:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    assert dialog.hint_label.isVisible()
    assert dialog.hint_label.text() == (
        "No users yet. Create the first admin with: posapp user add NAME --role admin"
    )
    assert dialog.hint_label.text() == FIRST_RUN_HINT
    assert dialog.hint_label.textFormat() == Qt.TextFormat.PlainText


def _messages(qtbot: QtBot, ui_backend: Backend, username: str, tries: int) -> list[str]:
    dialog = show_dialog(qtbot, LoginDialog(ui_backend))
    seen = []
    for attempt in range(tries):
        dialog.username_edit.clear()
        type_credentials(qtbot, dialog, username, f"wrong guess {attempt}")
        assert not dialog.error_label.isVisible()
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.wait_until(
            lambda: dialog.error_label.isVisible() and dialog.sign_in_button.isEnabled()
        )
        seen.append(dialog.error_label.text())
    return seen


def test_the_lock_out_message_is_the_same_for_unknown_names(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    """Issue #16, defect 10: only real users used to see "Too many failed attempts"."""
    real = _messages(qtbot, ui_backend, "manager1", 6)
    unknown = _messages(qtbot, ui_backend, "manager9", 6)
    assert unknown == real
    assert real[-1].startswith("Too many failed attempts")
