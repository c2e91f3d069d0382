"""Helpers shared by the UI tests: sample events, logging in, answering a modal dialog."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from posapp.events import DomainEvent
from posapp.services.platform.dto import UserDTO
from posapp.ui.login_dialog import LoginDialog

NOW = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
_SAMPLE_VALUES: dict[str, object] = {"int": 7, "str": "x", "datetime": NOW}


def sample_event(event_type: type[DomainEvent]) -> DomainEvent:
    """Build an instance of any event type with placeholder values."""
    values = {
        field.name: _SAMPLE_VALUES[str(field.type)] for field in dataclasses.fields(event_type)
    }
    return event_type(**values)  # type: ignore[arg-type]


def show_dialog(qtbot: QtBot, dialog: LoginDialog) -> LoginDialog:
    """Register, show and wait for ``dialog`` to be on screen."""
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_exposed(dialog)
    return dialog


def type_credentials(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    """Type into both fields the way a user does."""
    QTest.keyClicks(dialog.username_edit, username)
    QTest.keyClick(dialog.username_edit, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.password_edit, password)


def log_in(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> UserDTO:
    """Type the credentials, press Enter and wait for the dialog to accept."""
    type_credentials(qtbot, dialog, username, password)
    with qtbot.wait_signal(dialog.accepted, timeout=5_000):
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.user is not None
    return dialog.user


def when_modal(handle: Callable[[QDialog], None]) -> None:
    """Run ``handle`` on the next modal dialog once it is open."""

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QDialog):
            handle(widget)
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
