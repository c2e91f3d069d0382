"""Runs the Qt application: log in, work in the main window, log out, log in again."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog

from posapp.config import APP_NAME
from posapp.services.dto import UserDTO
from posapp.ui.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.ports import AppBackend
from posapp.ui.qt_compat import emit
from posapp.ui.resources import apply_theme

if TYPE_CHECKING:
    from posapp.ui.main_window import MainWindow


class SessionController(QObject):
    """Alternates the login dialog and the main window until the user quits.

    The main window module (and every tab it imports) loads only after the first successful
    log-in, so the login dialog paints quickly. While nobody is logged in the bus holds its
    events; each new main window flushes them once connected. A session the services ended (the
    user was deactivated) goes back to the login dialog, which says why; another user logging in
    on the idle lock screen gets a main window straight away.

    Signals:
        finished(): the user quit (cancelled the log-in or closed the main window).
    """

    finished = Signal()

    def __init__(self, backend: AppBackend, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._bus = bus
        self._dialog: LoginDialog | None = None
        self._window: MainWindow | None = None
        self._logging_out = False
        self._login_message = ""
        self._next_user: UserDTO | None = None

    @property
    def login_dialog(self) -> LoginDialog | None:
        """The login dialog while it is showing."""
        return self._dialog

    @property
    def main_window(self) -> MainWindow | None:
        """The main window while someone is logged in."""
        return self._window

    def start(self, message: str = "") -> None:
        """Show the login dialog, with ``message`` under its fields (why the session ended)."""
        self._bus.hold()
        dialog = LoginDialog(self._backend)
        dialog.finished.connect(self._on_login_dialog_finished)
        self._dialog = dialog
        if message:  # before show(): the dialog fits its height to the message when shown
            dialog.error_label.setText(message)
            dialog.error_label.show()
        dialog.show()
        dialog.activateWindow()

    def shutdown(self) -> None:
        """Close whatever is showing without emitting ``finished`` (for tests and quitting)."""
        dialog, window, self._dialog, self._window = self._dialog, self._window, None, None
        for widget in (dialog, window):
            if widget is not None:
                widget.blockSignals(True)
                widget.close()
                widget.deleteLater()

    def _show_main_window(self, user: UserDTO) -> None:
        from posapp.ui.main_window import MainWindow  # noqa: PLC0415 - lazy: fast login paint

        window = MainWindow(self._backend, self._bus, user)
        window.logout_requested.connect(self._on_main_window_logout_requested)
        window.session_ended.connect(self._on_main_window_session_ended)
        window.switch_user_requested.connect(self._on_main_window_switch_user_requested)
        window.closed.connect(self._on_main_window_closed)
        self._window = window
        window.show()
        window.activateWindow()

    @Slot(int)
    def _on_login_dialog_finished(self, result: int) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is None:
            return
        user = dialog.user
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and user is not None:
            self._show_main_window(user)
        else:
            emit(self.finished)

    @Slot()
    def _on_main_window_logout_requested(self) -> None:
        self._logging_out = True

    @Slot(str)
    def _on_main_window_session_ended(self, message: str) -> None:
        self._logging_out = True
        self._login_message = message

    @Slot(object)
    def _on_main_window_switch_user_requested(self, user: UserDTO) -> None:
        # Another user logged in on the idle lock screen; the register has parked the sale.
        self._next_user = user
        if self._window is not None:
            self._window.close()

    @Slot()
    def _on_main_window_closed(self) -> None:
        window, self._window = self._window, None
        if window is not None:
            window.deleteLater()
        next_user, self._next_user = self._next_user, None
        if next_user is not None:
            self._show_main_window(next_user)
        elif self._logging_out:
            message, self._logging_out, self._login_message = self._login_message, False, ""
            self.start(message)
        else:
            emit(self.finished)


def run_gui(backend: AppBackend, bus: EventBus) -> int:
    """Run posapp's windows until the user quits, and return the application's exit code.

    Creates the QApplication unless one exists, applies the theme, and shows the login dialog;
    a successful log-in opens the main window, and logging out (Ctrl+L) shows the login again.

    Raises:
        RuntimeError: a non-GUI QCoreApplication already exists.
    """
    existing = QApplication.instance()
    if existing is None:
        app = QApplication(sys.argv)
    elif isinstance(existing, QApplication):
        app = existing
    else:
        msg = "posapp needs a QApplication, but a QCoreApplication is running"
        raise RuntimeError(msg)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)  # the controller decides: logging out closes a window
    apply_theme(app)
    session = SessionController(backend, bus)
    session.finished.connect(app.quit)
    session.start()
    try:
        return app.exec()
    finally:
        session.shutdown()
