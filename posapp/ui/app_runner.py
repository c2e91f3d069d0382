"""Runs the Qt application: log in, work in the main window, log out, log in again."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog

from posapp.config import APP_NAME
from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import Job, Operation
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.region import apply_user_language, start_language
from posapp.ui.kit.resources import apply_theme
from posapp.ui.login_dialog import LoginDialog

if TYPE_CHECKING:  # both load after the login window has painted
    from posapp.services.backend import Backend
    from posapp.ui.main_window import MainWindow

_log = logging.getLogger(__name__)
WAIT_LOG_SECONDS = 30.0
"""While quitting waits for the database to open, a line goes to the log this often."""


class SessionController(QObject):
    """Alternates the login dialog and the main window until the user quits.

    The main window module (and every tab it imports) loads only after the first successful
    log-in, so the login dialog paints quickly. While nobody is logged in the bus holds its
    events; each new main window flushes them once connected. A session the services ended (the
    user was deactivated) goes back to the login dialog, which says why; another user logging in
    on the idle lock screen gets a main window straight away.

    Signals:
        finished(): the user quit (cancelled the log-in or closed the main window).
        ready(): the database is open behind the login window (sign-in now goes through).
        failed(str): the database could not be opened (the login window says why).
    """

    finished = Signal()
    ready = Signal()
    failed = Signal(str)

    def __init__(
        self, backend: Backend | None, bus: EventBus, parent: QObject | None = None
    ) -> None:
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

    def set_backend(self, backend: Backend) -> None:
        """The database is open (it opens after the login window has painted)."""
        self._backend = backend
        if self._dialog is not None:
            self._dialog.set_backend(backend)
        self.ready.emit()

    def startup_failed(self, message: str) -> None:
        """The database could not be opened: the login window says why."""
        self.failed.emit(message)
        if self._dialog is not None:
            self._dialog.set_startup_error(message)

    def start(self, message: str = "") -> None:
        """Show the login dialog, with ``message`` under its fields (why the session ended)."""
        self._bus.hold()
        apply_user_language("")  # nobody is logged in: the shop's language, else the machine's
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

        assert self._backend is not None  # a log-in was checked, so the database is open
        window = MainWindow(self._backend, self._bus, user, lazy_tabs=True)
        window.logout_requested.connect(self._on_main_window_logout_requested)
        window.session_ended.connect(self._on_main_window_session_ended)
        window.switch_user_requested.connect(self._on_main_window_switch_user_requested)
        window.language_changed.connect(self._on_main_window_switch_user_requested)
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
        # Another user logged in on the idle lock screen, or this user's language changed (the
        # window is built anew in it, like a user switch); the register has parked the sale.
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


def run_gui(backend: Backend, bus: EventBus) -> int:
    """Run posapp's windows until the user quits, and return the application's exit code.

    Creates the QApplication unless one exists, applies the theme, and shows the login dialog;
    a successful log-in opens the main window, and logging out (Ctrl+L) shows the login again.

    Raises:
        RuntimeError: a non-GUI QCoreApplication already exists.
    """
    app = _application()
    session = SessionController(backend, bus)
    session.finished.connect(app.quit)
    session.start()
    try:
        return app.exec()
    finally:
        session.shutdown()


class OpenedApp(Protocol):
    """What opening the application gives: the services' backend, and how to close it all."""

    @property
    def backend(self) -> Backend:
        """The services over the open database."""
        ...

    def stop(self) -> None:
        """Stop the background services and close the database."""
        ...


Opener = Callable[[EventBus], OpenedApp]
"""Opens the database and starts the services (runs on a worker thread; may raise)."""


OPEN_FAILED_MESSAGE = N_("The database could not be opened; the details are in the log.")


def _opening_error(exc: Exception) -> str:
    """What the login window says when the database cannot be opened (a bug is logged)."""
    if isinstance(exc, ServiceError):
        print(f"posapp: error: {exc}", file=sys.stderr)
        return str(exc)
    _log.error("opening the database failed", exc_info=exc)
    return _(OPEN_FAILED_MESSAGE)


class Opening:
    """Opens the database on the operation runner once the login window has painted.

    The opened application is kept by the work itself, so that quitting while it opens still
    stops it (:meth:`wait`), even when its outcome never reached the session.
    """

    def __init__(self, opener: Opener, bus: EventBus, session: SessionController) -> None:
        self._opened: OpenedApp | None = None

        def work(_job: Job) -> OpenedApp:
            opened = self._opened = opener(bus)
            # The main window's modules load here too, while the cashier types the password.
            import posapp.ui.main_window  # noqa: F401, PLC0415

            return opened

        self.operation = Operation(
            session,
            work,
            name="opening the database",
            success=lambda opened: session.set_backend(opened.backend),
            failure=session.startup_failed,
            describe=_opening_error,
        )

    def start(self) -> None:
        """Start opening (once; later calls do nothing)."""
        if self.operation.future is None:
            self.operation.run()

    def wait(self) -> OpenedApp | None:
        """Wait for the opener (quitting while it runs); return what it opened."""
        while not self.operation.wait(WAIT_LOG_SECONDS):
            _log.warning("still waiting for the database to open before quitting")
        return self._opened


def _application() -> QApplication:
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
    start_language()  # the shop's (a database is open) or the machine's (LANG), before any window
    return app


ENV_QUIT_WHEN_READY = "POSAPP_QUIT_WHEN_READY"
"""Set (to anything) to quit as soon as the login window shows with the database open behind it.

For checking an installation (the built app's test, an installer's own check): the process prints
one line saying what it showed and exits 0.
"""


def _quit_when_ready(app: QApplication, dialog: LoginDialog) -> None:
    shown = "shown" if dialog.isVisible() else "NOT shown"
    print(f"posapp: ready: login window {shown}, database open", flush=True)
    app.exit(0 if dialog.isVisible() else 1)


def _quit_failed(app: QApplication, message: str) -> None:
    print(f"posapp: not ready: {message}", flush=True)
    app.exit(1)


def run_opening(opener: Opener) -> int:
    """Paint the login window first, open the database behind it, and run until the user quits.

    The login window paints before SQLAlchemy, the models or the migrations are even imported;
    the database opens on a thread after that first paint (the footer says "Opening the
    database…"); a click on Sign in meanwhile is kept and checked as soon as it is open. If it
    cannot be opened, the login window says why and the error is printed too.
    """
    app = _application()
    bus = EventBus()
    session = SessionController(None, bus)
    opening = Opening(opener, bus, session)
    session.finished.connect(app.quit)
    session.start()
    dialog = session.login_dialog
    assert dialog is not None
    dialog.first_painted.connect(opening.start)
    if os.environ.get(ENV_QUIT_WHEN_READY):
        session.ready.connect(lambda: _quit_when_ready(app, dialog))
        session.failed.connect(lambda message: _quit_failed(app, message))
    try:
        return app.exec()
    finally:
        session.shutdown()
        opened = opening.wait()
        if opened is not None:
            opened.stop()
