"""The idle lock: a fake clock locks the till; only its user (or another log-in) opens it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform import settings
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError
from posapp.services.staff import DEFAULT_IDLE_LOCK_MINUTES, IDLE_LOCK_MINUTES_KEY, users
from posapp.services.staff import audit as audit_queries
from posapp.services.staff.audit import AuditFilter
from posapp.services.staff.security import SESSION_ENDED
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.staff.idle_lock import (
    LOCKED_OUT,
    WRONG_PASSWORD,
    IdleLock,
)
from posapp.ui.staff.lock_screen import ScanBurstDetector
from tests.ui.helpers import log_in
from tests.ui.seed import PASSWORD
from tests.ui.users_support import FakeMonotonic, scan, type_like_a_person

pytestmark = pytest.mark.ui


class Till(QMainWindow):
    """A stand-in for the register: a cart line being typed, and a second field."""

    def __init__(self) -> None:
        super().__init__()
        central = self.central = QWidget(self)
        column = QVBoxLayout(central)
        self.cart_edit = QLineEdit(central)
        self.other_edit = QLineEdit(central)
        column.addWidget(self.cart_edit)
        column.addWidget(self.other_edit)
        self.setCentralWidget(central)
        self.resize(900, 600)


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def till(qtbot: QtBot) -> Till:
    window = Till()
    qtbot.add_widget(window)
    window.show()
    qtbot.wait_exposed(window)
    return window


@pytest.fixture
def lock(
    till: Till, ui_backend: Backend, staff: dict[str, UserDTO], clock: FakeMonotonic
) -> Iterator[IdleLock]:
    idle = IdleLock(till, ui_backend.staff, staff["cashier"], minutes=5, clock=clock)
    yield idle
    idle.stop()


def failed_logins(backend: Backend) -> int:
    flt = AuditFilter(action="login.failed")
    return audit_queries.audit_count(backend.read_uow(), None, flt)


def unlock_with(clock: FakeMonotonic, lock: IdleLock, password: str) -> None:
    type_like_a_person(clock, lock.screen.password_edit, password)
    QTest.keyClick(lock.screen.password_edit, Qt.Key.Key_Return)


def test_locks_after_the_idle_minutes(
    qtbot: QtBot, till: Till, lock: IdleLock, clock: FakeMonotonic
) -> None:
    clock.advance(5 * 60 - 1)
    lock.poll()
    assert not lock.is_locked()
    clock.advance(1)
    with qtbot.wait_signal(lock.locked):
        lock.poll()
    assert lock.is_locked()
    assert lock.screen.isVisible()
    assert lock.screen.geometry() == till.rect()
    assert not till.central.isEnabled()
    assert lock.screen.who_label.text().startswith("Sam Carter · Cashier · locked at ")


def test_activity_resets_the_idle_time(till: Till, lock: IdleLock, clock: FakeMonotonic) -> None:
    clock.advance(4 * 60)
    QTest.keyClicks(till.cart_edit, "7")
    clock.advance(4 * 60)
    lock.poll()
    assert not lock.is_locked()
    QTest.mouseClick(till.other_edit, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    clock.advance(4 * 60 + 59)
    lock.poll()
    assert not lock.is_locked()
    clock.advance(1)
    lock.poll()
    assert lock.is_locked()


def test_wrong_password_keeps_it_locked(
    till: Till, lock: IdleLock, clock: FakeMonotonic, ui_backend: Backend
) -> None:
    lock.lock()
    unlock_with(clock, lock, "not my password")
    assert lock.is_locked()
    assert lock.screen.error_label.text() == WRONG_PASSWORD
    assert lock.screen.password_edit.text() == ""
    assert failed_logins(ui_backend) == 1
    QTest.mouseClick(lock.screen.unlock_button, Qt.MouseButton.LeftButton)
    assert lock.screen.error_label.text() == "Enter your password or PIN."
    assert failed_logins(ui_backend) == 1


def test_the_right_password_unlocks_with_the_screen_intact(
    qtbot: QtBot, till: Till, lock: IdleLock, clock: FakeMonotonic
) -> None:
    till.activateWindow()
    qtbot.wait_until(till.isActiveWindow)
    till.other_edit.setText("ignored field")
    till.cart_edit.setFocus()
    type_like_a_person(clock, till.cart_edit, "3 x oat milk")
    till.cart_edit.setCursorPosition(1)
    lock.lock()
    assert lock.screen.password_edit.hasFocus()
    with qtbot.wait_signal(lock.unlocked):
        unlock_with(clock, lock, PASSWORD)
    assert not lock.is_locked()
    assert not lock.screen.isVisible()
    assert till.central.isEnabled()
    assert till.cart_edit.text() == "3 x oat milk"
    assert till.cart_edit.cursorPosition() == 1
    assert till.other_edit.text() == "ignored field"
    assert till.cart_edit.hasFocus()
    assert lock.idle_seconds() == 0  # unlocking is activity


def test_a_lockout_is_explained(
    till: Till, lock: IdleLock, clock: FakeMonotonic, ui_backend: Backend
) -> None:
    lock.lock()
    for _ in range(5):
        unlock_with(clock, lock, "wrong wrong wrong")
    assert lock.screen.error_label.text() == LOCKED_OUT
    unlock_with(clock, lock, PASSWORD)  # locked out even against the right password
    assert lock.is_locked()
    assert lock.screen.error_label.text() == LOCKED_OUT


def test_a_barcode_scan_does_nothing(
    till: Till, lock: IdleLock, clock: FakeMonotonic, ui_backend: Backend
) -> None:
    lock.lock()
    edit = lock.screen.password_edit
    type_like_a_person(clock, edit, PASSWORD[:7])
    with_scan = []
    lock.screen.scan_ignored.connect(lambda: with_scan.append(True))
    scan(clock, edit, "4006381333931")
    assert with_scan == [True]
    assert lock.is_locked()
    assert edit.text() == PASSWORD[:7]  # the scanned digits are gone, the typing is kept
    assert not lock.screen.error_label.isVisible()
    assert failed_logins(ui_backend) == 0  # no attempt counted towards a lock-out
    scan(clock, lock.screen.switch_username_edit, "ABC-12345")
    assert lock.screen.switch_username_edit.text() == ""
    type_like_a_person(clock, edit, PASSWORD[7:])
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert not lock.is_locked()


def test_scan_burst_detector() -> None:
    clock = FakeMonotonic()
    detector = ScanBurstDetector(clock)
    for _ in range(8):  # a person's fast 8-digit PIN still has human gaps
        clock.advance(0.09)
        detector.key()
    clock.advance(0.09)
    assert not detector.enter()
    for _ in range(5):  # five machine keys are too few for a barcode
        clock.advance(0.005)
        detector.key()
    assert not detector.enter()
    for _ in range(8):
        clock.advance(0.005)
        detector.key()
    clock.advance(0.5)  # Enter long after the burst: a person pressed it
    assert not detector.enter()
    for _ in range(8):
        clock.advance(0.005)
        detector.key()
    clock.advance(0.005)
    assert detector.enter()


def test_windows_of_the_till_are_put_away_and_come_back(
    qtbot: QtBot, till: Till, lock: IdleLock
) -> None:
    modal = QDialog(till)
    modal.setModal(True)
    tool = QWidget(till, Qt.WindowType.Tool)
    for widget in (modal, tool):
        widget.show()
        qtbot.wait_exposed(widget)
    with qtbot.wait_signal(modal.rejected):
        lock.lock()
    assert not tool.isVisible()
    lock.unlock()
    assert tool.isVisible()
    assert not modal.isVisible()  # a half-done modal step is cancelled, not left waiting


def test_setting_and_defaults(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO], till: Till
) -> None:
    def minutes() -> float:
        idle = IdleLock(till, ui_backend.staff, staff["cashier"])
        idle.stop()
        return idle.minutes

    assert minutes() == DEFAULT_IDLE_LOCK_MINUTES == 5
    for value, expected in ((2, 2), (0.5, 0.5), (0, 0), (-3, 0), ("soon", 5), (True, 5)):
        with ui_backend.uow() as uow:
            settings.put_setting(uow, IDLE_LOCK_MINUTES_KEY, value)
            uow.commit()
        assert minutes() == expected


def test_zero_minutes_never_locks(
    till: Till, ui_backend: Backend, staff: dict[str, UserDTO], clock: FakeMonotonic
) -> None:
    idle = IdleLock(till, ui_backend.staff, staff["cashier"], minutes=0, clock=clock)
    clock.advance(10**6)
    idle.poll()
    assert not idle.is_locked()
    idle.stop()


def test_the_real_timer_locks(
    qtbot: QtBot, till: Till, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    idle = IdleLock(till, ui_backend.staff, staff["cashier"], minutes=0.001, poll_interval_ms=10)
    with qtbot.wait_signal(idle.locked, timeout=5_000):
        pass
    idle.stop()


# ---- in the main window, under the session controller --------------------------------------


@pytest.fixture
def session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    controller = SessionController(ui_backend, bus)
    yield controller
    controller.shutdown()


def logged_in(qtbot: QtBot, session: SessionController, username: str) -> MainWindow:
    session.start()
    dialog = session.login_dialog
    assert dialog is not None
    log_in(qtbot, dialog, username, PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None)
    window = session.main_window
    assert window is not None
    qtbot.wait_exposed(window)
    return window


def test_the_main_window_reads_the_setting(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    with ui_backend.uow() as uow:
        settings.put_setting(uow, IDLE_LOCK_MINUTES_KEY, 2)
        uow.commit()
    window = MainWindow(ui_backend, bus, staff["cashier"])
    qtbot.add_widget(window)
    assert window.idle_lock.minutes == 2


def test_shortcuts_do_nothing_while_locked(
    qtbot: QtBot, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    window = logged_in(qtbot, session, "admin1")
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    window.idle_lock.lock()
    edit = window.idle_lock.screen.password_edit
    assert edit.hasFocus()
    with qtbot.assert_not_emitted(window.logout_requested):
        QTest.keyClick(edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(edit, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    assert session.main_window is window
    window.idle_lock.screen.password_edit.setText(PASSWORD)
    QTest.mouseClick(window.idle_lock.screen.unlock_button, Qt.MouseButton.LeftButton)
    assert not window.idle_lock.is_locked()
    QTest.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Admin users"


def test_another_user_logs_in_on_the_lock_screen(
    qtbot: QtBot, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    window = logged_in(qtbot, session, "cashier1")
    window.idle_lock.lock()
    screen = window.idle_lock.screen
    QTest.mouseClick(screen.switch_toggle, Qt.MouseButton.LeftButton)
    assert screen.switch_panel.isVisible()
    screen.switch_username_edit.setText("manager1")
    screen.switch_password_edit.setText("wrong wrong wrong")
    QTest.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    assert screen.switch_error_label.text() == "Unknown username or wrong password."
    assert session.main_window is window
    screen.switch_password_edit.setText(PASSWORD)
    with qtbot.wait_signal(window.switch_user_requested) as switched:
        QTest.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    assert switched.args is not None
    assert switched.args[0].username == "manager1"
    qtbot.wait_until(lambda: session.main_window is not None and session.main_window is not window)
    new_window = session.main_window
    assert new_window is not None
    assert new_window.user.username == "manager1"
    assert session.login_dialog is None


def test_the_same_user_logging_in_on_the_lock_screen_just_unlocks(
    qtbot: QtBot, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    window = logged_in(qtbot, session, "cashier1")
    window.idle_lock.lock()
    screen = window.idle_lock.screen
    QTest.mouseClick(screen.switch_toggle, Qt.MouseButton.LeftButton)
    screen.switch_username_edit.setText("CASHIER1")
    screen.switch_password_edit.setText(PASSWORD)
    with qtbot.assert_not_emitted(window.switch_user_requested):
        QTest.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    assert not window.idle_lock.is_locked()
    assert session.main_window is window


def test_a_user_deactivated_while_locked_goes_back_to_the_login(
    qtbot: QtBot, session: SessionController, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    window = logged_in(qtbot, session, "cashier1")
    window.idle_lock.lock()
    users.set_active(ui_backend.uow(), staff["admin"], staff["cashier"].id, False)
    window.idle_lock.screen.password_edit.setText(PASSWORD)
    with qtbot.wait_signal(window.session_ended):
        QTest.mouseClick(window.idle_lock.screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: session.login_dialog is not None)
    dialog = session.login_dialog
    assert dialog is not None
    assert dialog.error_label.text() == SESSION_ENDED
    assert session.main_window is None
    with pytest.raises(AuthenticationError):
        ui_backend.staff.login("cashier1", PASSWORD)


def test_the_app_may_still_close_a_locked_window(
    qtbot: QtBot, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    window = logged_in(qtbot, session, "cashier1")
    window.idle_lock.lock()
    with qtbot.wait_signal(session.finished):
        window.close()
