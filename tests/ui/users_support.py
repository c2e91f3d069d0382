"""Helpers for the staff screens' UI tests: a fake monotonic clock, typing, dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.form_dialog import FormDialog
from posapp.ui.staff.panel import UsersPanel
from posapp.ui.staff.tab import UsersTab


class FakeMonotonic:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def type_like_a_person(clock: FakeMonotonic, widget: QWidget, text: str, gap: float = 0.18) -> None:
    """Type ``text`` one key at a time, ``gap`` seconds apart on the fake clock."""
    for char in text:
        clock.advance(gap)
        QTest.keyClicks(widget, char)
    clock.advance(gap)


def scan(clock: FakeMonotonic, widget: QWidget, code: str, gap: float = 0.008) -> None:
    """Type ``code`` the way a barcode scanner does: a fast burst ending in Enter."""
    clock.advance(1.0)
    for char in code:
        QTest.keyClicks(widget, char)
        clock.advance(gap)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def make_users_tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> UsersTab:
    tab = UsersTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1200, 700)
    tab.show()
    qtbot.wait_exposed(tab)
    return tab


def open_dialog(qtbot: QtBot, panel: UsersPanel, button: QWidget) -> FormDialog:
    """Click ``button`` and return the dialog it opened, once it is on screen."""
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = panel.active_dialog
    assert isinstance(dialog, FormDialog)
    qtbot.wait_exposed(dialog)
    return dialog


def submit(qtbot: QtBot, dialog: QDialog, button: QWidget, *, accepted: bool = True) -> None:
    """Click the dialog's main button; wait for it to close (or check it stays open)."""
    if accepted:
        with qtbot.wait_signal(dialog.finished, timeout=5_000):
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
    else:
        with qtbot.assert_not_emitted(dialog.finished):
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible()


def rows(panel: UsersPanel) -> list[str]:
    """The usernames the list shows, in order."""
    return [panel.proxy.user_at(row).username for row in range(panel.proxy.rowCount())]
