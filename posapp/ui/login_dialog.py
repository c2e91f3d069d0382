"""The login dialog: username and password, demo log-ins, and a first-run hint."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.platform.dto import DemoLogin, UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import ROLE_NAMES, SPACING, icon_label, message_label, separator

if TYPE_CHECKING:  # the login window paints before the services (and SQLAlchemy) load
    from posapp.services.backend import Backend

_log = logging.getLogger(__name__)

FIRST_RUN_HINT = N_("No users yet. Create the first admin with: posapp user add NAME --role admin")
UNEXPECTED_ERROR = N_("Signing in failed because of an unexpected error. Please try again.")
SIGN_IN = N_("Sign in")
OPENING = N_("Opening the database…")
OPEN_FAILED = N_("The database could not be opened.")
SIGNING_IN = N_("Signing in…")
DIALOG_WIDTH = 440


class LoginDialog(QDialog):
    """Asks for a username and password; on success :attr:`user` is who logged in.

    Enter submits. A failed log-in shows the service's message under the fields (any other
    error a generic one, logged with its traceback) and keeps the dialog open. Argon2 takes
    about 50 ms, so the check runs in the GUI thread, one event-loop turn after the busy state
    has been painted.
    """

    first_painted = Signal()
    """The dialog has painted once (the application then opens the database)."""

    def __init__(self, backend: Backend | None, parent: QWidget | None = None) -> None:
        """``backend`` None: the database is still opening; :meth:`set_backend` brings it."""
        super().__init__(parent)
        self._backend = backend
        self._user: UserDTO | None = None
        self._busy = False
        self._painted = False
        self._submit_when_ready = False
        self.setObjectName("loginDialog")
        self.setWindowTitle(_("Sign in — posapp"))
        self.setFixedWidth(DIALOG_WIDTH)

        self.username_edit, self.password_edit = self._make_edits()

        self.error_label = message_label("errorLabel", self)
        self.error_label.setAccessibleName(_("Sign-in error"))

        self.sign_in_button = QPushButton(_(SIGN_IN), self)
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setProperty("variant", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setMinimumHeight(5 * SPACING)
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)

        self.hint_label = QLabel(_(FIRST_RUN_HINT), self)
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label.hide()

        self.offline_hint: QLabel | None = None
        """While the server is gone, says sign-in goes against the register (PostgreSQL)."""
        self.demo_buttons: list[QPushButton] = []
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(5 * SPACING, 5 * SPACING, 5 * SPACING, 3 * SPACING)
        layout.setSpacing(0)
        self._add_brand(layout)
        layout.addSpacing(4 * SPACING)
        layout.addWidget(self.hint_label)
        self._add_fields(layout)
        layout.addSpacing(2 * SPACING)
        layout.addWidget(self.sign_in_button)
        self._load_backend_info(layout)
        self.username_edit.setFocus()
        self.ensurePolished()  # the stylesheet's sizes, so the height fits before the first show
        self._fit_height()

    @property
    def user(self) -> UserDTO | None:
        """Who logged in, once the dialog has been accepted; None before."""
        return self._user

    def is_busy(self) -> bool:
        """Whether a log-in is being checked."""
        return self._busy

    def is_ready(self) -> bool:
        """Whether the database is open, so a log-in can be checked at once."""
        return self._backend is not None

    def set_backend(self, backend: Backend) -> None:
        """The database is open: show what it says (demo log-ins, footer) and sign in if asked."""
        self._backend = backend
        for _row in range(2):  # the footer saying "Opening…" and the spacing above it
            item = self._layout.takeAt(self._layout.count() - 1)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self._load_backend_info(self._layout)
        self._fit_height()
        if self._submit_when_ready:
            self._submit_when_ready = False
            QTimer.singleShot(0, self, self._check_credentials)

    def set_startup_error(self, message: str) -> None:
        """The database could not be opened: say why; signing in stays impossible."""
        self._submit_when_ready = False
        self._set_busy(False)
        self.sign_in_button.setEnabled(False)
        self.footer.setText(_(OPEN_FAILED))
        self._show_error(message)

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, lambda: emit(self.first_painted))

    def _make_edits(self) -> tuple[QLineEdit, QLineEdit]:
        username_edit = QLineEdit(self)
        username_edit.setObjectName("usernameEdit")
        username_edit.setAccessibleName(_("Username"))
        username_edit.setPlaceholderText(_("Your username"))
        password_edit = QLineEdit(self)
        password_edit.setObjectName("passwordEdit")
        password_edit.setAccessibleName(_("Password"))
        password_edit.setPlaceholderText(_("Password or PIN"))
        password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        for edit in (username_edit, password_edit):
            edit.setMinimumHeight(5 * SPACING)
            edit.textEdited.connect(self._on_field_text_edited)
        return username_edit, password_edit

    def _add_brand(self, layout: QVBoxLayout) -> None:
        logo = icon_label("logo", 7 * SPACING)
        name = QLabel("posapp", self)
        name.setObjectName("appName")
        tagline = QLabel(_("Sign in to start selling"), self)
        tagline.setObjectName("appTagline")
        layout.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(2 * SPACING)
        layout.addWidget(name, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(4)
        layout.addWidget(tagline, 0, Qt.AlignmentFlag.AlignHCenter)

    def _add_fields(self, layout: QVBoxLayout) -> None:
        for text, edit in (
            (_("&Username"), self.username_edit),
            (_("&Password"), self.password_edit),
        ):
            label = QLabel(text, self)
            label.setProperty("role", "field")
            label.setBuddy(edit)
            layout.addSpacing(2 * SPACING)
            layout.addWidget(label)
            layout.addSpacing(SPACING)
            layout.addWidget(edit)
        layout.addSpacing(2 * SPACING)
        layout.addWidget(self.error_label)

    def _load_backend_info(self, layout: QVBoxLayout) -> None:
        """Add the first-run hint or the demo log-ins, and the footer naming the database."""
        backend = self._backend
        if backend is None:
            self.footer = self._add_footer(layout, _(OPENING))
            return
        self._add_offline_hint(backend)
        staff = backend.register_staff
        try:
            if staff.user_count() == 0 and self.offline_hint is None:
                self.hint_label.show()
            demo_logins = staff.demo_logins()
            footer_text = _("Register {register} · {database}").format(
                register=backend.register, database=backend.database_description
            )
        except ServiceError as exc:
            self._show_error(str(exc))
            self.footer = self._add_footer(layout, "")
            return
        if demo_logins:
            layout.addSpacing(3 * SPACING)
            layout.addWidget(separator(self))
            layout.addSpacing(2 * SPACING)
            layout.addWidget(self._demo_logins_panel(demo_logins))
        self.footer = self._add_footer(layout, footer_text)

    def _add_offline_hint(self, backend: Backend) -> None:
        """On a register that sells offline, the hint shown while its server is gone (#21)."""
        if backend.offline_sales is None or self.offline_hint is not None:
            return
        from posapp.ui.register import OfflineSignInHint  # noqa: PLC0415 - after the first paint

        hint = self.offline_hint = OfflineSignInHint(backend.offline_sales, self)
        hint.shown.connect(lambda _offline: self._fit_height())
        # Under the brand, where the first-run hint goes: read before the fields.
        self._layout.insertWidget(self._layout.indexOf(self.hint_label) + 1, hint)

    def _add_footer(self, layout: QVBoxLayout, footer_text: str) -> QLabel:
        footer = QLabel(self)
        footer.setObjectName("loginFooter")
        footer.setTextFormat(Qt.TextFormat.PlainText)
        footer.setText(
            footer.fontMetrics().elidedText(
                footer_text, Qt.TextElideMode.ElideMiddle, DIALOG_WIDTH - 10 * SPACING
            )
        )
        footer.setToolTip(footer_text)
        layout.addSpacing(3 * SPACING)
        layout.addWidget(footer, 0, Qt.AlignmentFlag.AlignHCenter)
        return footer

    def _demo_logins_panel(self, demo_logins: list[DemoLogin]) -> QWidget:
        panel = QWidget(self)
        grid = QGridLayout(panel)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(2 * SPACING)
        grid.setVerticalSpacing(2)
        caption = QLabel(_("DEMO LOG-INS"), panel)
        caption.setProperty("role", "caption")
        caption.setIndent(SPACING)  # line up with the link buttons' text, inside their padding
        grid.addWidget(caption, 0, 0, 1, 2)
        grid.setRowMinimumHeight(1, SPACING // 2)
        for row, demo in enumerate(demo_logins, start=2):
            button = QPushButton(f"{demo.username} / {demo.password}", panel)
            button.setProperty("variant", "link")
            button.setAutoDefault(False)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setAccessibleName(
                _("Use the demo log-in {username} ({role})").format(
                    username=demo.username, role=_(ROLE_NAMES.get(demo.role, demo.role))
                )
            )
            button.setToolTip(_("Fill in this log-in"))
            button.clicked.connect(lambda _checked=False, d=demo: self._on_demo_button_clicked(d))
            role = QLabel(_(ROLE_NAMES.get(demo.role, demo.role.capitalize())), panel)
            role.setProperty("role", "muted")
            grid.addWidget(button, row, 0)
            grid.addWidget(role, row, 1)
            self.demo_buttons.append(button)
        grid.setColumnStretch(0, 1)
        return panel

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self._fit_height()

    def _fit_height(self) -> None:
        """Make the dialog exactly as tall as its content at its fixed width.

        A box layout sizes word-wrapped labels by a guessed width, so the dialog would be too
        short (squeezing the demo log-ins) or too tall; height-for-width is exact.
        """
        layout = self._layout
        if layout.hasHeightForWidth():
            self.setFixedHeight(layout.totalHeightForWidth(DIALOG_WIDTH))

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()  # in case the stylesheet changed since construction

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.username_edit, self.password_edit, *self.demo_buttons):
            widget.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText(_(SIGNING_IN) if busy else _(SIGN_IN))
        if busy:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    @Slot()
    def _on_field_text_edited(self) -> None:
        if self.error_label.isVisible():
            self._show_error("")

    def _on_demo_button_clicked(self, demo: DemoLogin) -> None:
        self.username_edit.setText(demo.username)
        self.password_edit.setText(demo.password)
        self._show_error("")
        self.sign_in_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_sign_in_button_clicked(self) -> None:
        if self._busy:
            return
        if not self.username_edit.text().strip():
            self._show_error(_("Enter your username."))
            self.username_edit.setFocus()
            return
        if not self.password_edit.text():
            self._show_error(_("Enter your password or PIN."))
            self.password_edit.setFocus()
            return
        self._show_error("")
        self._set_busy(True)
        # Let the busy state paint before the ~50 ms password check blocks the event loop.
        QTimer.singleShot(0, self, self._check_credentials)

    def _check_credentials(self) -> None:
        if self._backend is None:  # still opening: sign in as soon as it is open
            self._submit_when_ready = True
            return
        try:
            # The register's staff facade: on PostgreSQL it checks against the register's cache
            # while the server is gone (#21).
            user = self._backend.register_staff.login(
                self.username_edit.text(), self.password_edit.text()
            )
        except ServiceError as exc:
            self._fail(str(exc))
        except Exception:
            _log.exception("log-in failed unexpectedly")
            self._fail(_(UNEXPECTED_ERROR))
        else:
            self._set_busy(False)
            self._user = user
            self.accept()

    def _fail(self, message: str) -> None:
        self._set_busy(False)
        self._show_error(message)
        self.password_edit.clear()
        self.password_edit.setFocus()
