"""The till's lock screen: an opaque overlay asking for the user's password, or another log-in.

It is only the view: :class:`posapp.ui.staff.idle_lock.IdleLock` shows it over the main window and
checks what is typed. Barcode scans are ignored here: a scanner types a burst of characters a
few milliseconds apart and ends it with Enter, which must neither count as a wrong password (and
edge the user towards a lock-out) nor submit anything.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE, icon_pixmap, styled
from posapp.ui.kit.widgets import SPACING, message_label, separator, show_message
from posapp.ui.staff.model import ROLE_LABELS

Clock = Callable[[], float]
"""Monotonic seconds (``time.monotonic``; a fake one in tests)."""

SCAN_MAX_GAP_S = 0.04
"""Keys closer together than this are machine-typed (scanners send a key every 5–20 ms)."""
SCAN_MIN_LENGTH = 6
"""The shortest scan we expect (EAN-8, UPC-E); a person's short PIN is never mistaken for one."""
CARD_WIDTH = 420
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ScanBurstDetector:
    """Tells a barcode scan (a fast burst of keys ending in Enter) from a person typing.

    Call :meth:`key` for every printable key and :meth:`enter` for Enter. A burst is at least
    ``min_length`` keys, each within ``max_gap`` seconds of the previous one, with Enter as fast.
    """

    def __init__(
        self, clock: Clock, *, max_gap: float = SCAN_MAX_GAP_S, min_length: int = SCAN_MIN_LENGTH
    ) -> None:
        self._clock = clock
        self._max_gap = max_gap
        self._min_length = min_length
        self._last: float | None = None
        self._count = 0

    def key(self) -> bool:
        """Record a printable key; return True when it starts a new run of keys."""
        now = self._clock()
        new_run = self._last is None or now - self._last > self._max_gap
        if new_run:
            self._count = 0
        self._count += 1
        self._last = now
        return new_run

    def enter(self) -> bool:
        """Record Enter; return True when it ends a scan burst."""
        now = self._clock()
        burst = (
            self._last is not None
            and self._count >= self._min_length
            and now - self._last <= self._max_gap
        )
        self._last, self._count = None, 0
        return burst


class LockScreen(QWidget):
    """The overlay shown while the till is locked.

    Signals:
        unlock_requested(str): the user entered their password or PIN.
        switch_requested(str, str): someone else entered a username and password.
        scan_ignored(): a barcode scan was typed and thrown away.
    """

    unlock_requested = Signal(str)
    switch_requested = Signal(str, str)
    scan_ignored = Signal()

    def __init__(self, user: UserDTO, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setAccessibleName(_("Till locked"))
        styled(self, "shared", "staff")
        self._user = user
        self._scan = ScanBurstDetector(clock)
        self._before_burst: dict[QLineEdit, str] = {}

        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setFixedWidth(CARD_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(5 * SPACING, 5 * SPACING, 5 * SPACING, 4 * SPACING)
        column.setSpacing(0)
        self._add_heading(column, card)
        self._add_unlock(column, card)
        column.addSpacing(3 * SPACING)
        column.addWidget(separator(card))
        column.addSpacing(2 * SPACING)
        self._add_switch(column, card)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        for edit in (self.password_edit, self.switch_username_edit, self.switch_password_edit):
            edit.installEventFilter(self)
        self.setFocusProxy(self.password_edit)

    def _add_heading(self, column: QVBoxLayout, card: QFrame) -> None:
        tile = QLabel(card)
        tile.setObjectName("pageIcon")
        tile.setFixedSize(8 * SPACING, 8 * SPACING)
        tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tile.setPixmap(
            icon_pixmap(
                "lock", 4 * SPACING, PALETTE["accent"], device_pixel_ratio=self.devicePixelRatioF()
            )
        )
        title = QLabel(_("Till locked"), card)
        title.setObjectName("lockTitle")
        who = f"{self._user.display_name} · {_(ROLE_LABELS.get(self._user.role, self._user.role))}"
        self.who_label = QLabel(who, card)
        self.who_label.setProperty("role", "muted")
        kept = QLabel(_("The sale and everything on screen are kept."), card)
        kept.setProperty("role", "muted")
        for label in (title, self.who_label, kept):
            label.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(tile, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(2 * SPACING)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(SPACING // 2)
        column.addWidget(self.who_label, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(kept, 0, Qt.AlignmentFlag.AlignHCenter)

    def _add_unlock(self, column: QVBoxLayout, card: QFrame) -> None:
        self.password_edit = QLineEdit(card)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(_("Password or PIN"))
        self.password_edit.setAccessibleName(
            _("Password or PIN of {username}").format(username=self._user.username)
        )
        self.password_edit.setMinimumHeight(5 * SPACING)
        self.password_edit.returnPressed.connect(self._on_unlock_clicked)
        label = QLabel(
            _("&Password or PIN of {username}").format(username=self._user.username), card
        )
        label.setProperty("role", "field")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setBuddy(self.password_edit)
        self.error_label = message_label("errorLabel", card)
        self.error_label.setAccessibleName(_("Unlock error"))
        self.unlock_button = QPushButton(_("Unlock"), card)
        self.unlock_button.setProperty("variant", "primary")
        self.unlock_button.setMinimumHeight(5 * SPACING)
        self.unlock_button.setToolTip(_("Unlock the till (Enter)"))
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        column.addSpacing(4 * SPACING)
        column.addWidget(label)
        column.addSpacing(SPACING)
        column.addWidget(self.password_edit)
        column.addSpacing(2 * SPACING)
        column.addWidget(self.error_label)
        column.addSpacing(SPACING)
        column.addWidget(self.unlock_button)

    def _add_switch(self, column: QVBoxLayout, card: QFrame) -> None:
        first_name = self._user.display_name.split(" ")[0]
        self.switch_toggle = QPushButton(
            _("Not {name}? Log in as someone else").format(name=first_name), card
        )
        self.switch_toggle.setProperty("variant", "link")
        self.switch_toggle.setToolTip(_("Another user logs in; the open sale is parked"))
        self.switch_toggle.clicked.connect(self._on_switch_toggle_clicked)
        self.switch_panel = QWidget(card)
        panel = QVBoxLayout(self.switch_panel)
        panel.setContentsMargins(0, SPACING, 0, 0)
        panel.setSpacing(SPACING)
        self.switch_username_edit = QLineEdit(self.switch_panel)
        self.switch_username_edit.setPlaceholderText(_("Username"))
        self.switch_username_edit.setAccessibleName(_("Username of the other user"))
        self.switch_password_edit = QLineEdit(self.switch_panel)
        self.switch_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.switch_password_edit.setPlaceholderText(_("Password or PIN"))
        self.switch_password_edit.setAccessibleName(_("Password of the other user"))
        self.switch_password_edit.returnPressed.connect(self._on_switch_clicked)
        self.switch_username_edit.returnPressed.connect(self.switch_password_edit.setFocus)
        self.switch_error_label = message_label("errorLabel", self.switch_panel)
        self.switch_button = QPushButton(_("Log in and park the sale"), self.switch_panel)
        self.switch_button.clicked.connect(self._on_switch_clicked)
        for field in (self.switch_username_edit, self.switch_password_edit, self.switch_button):
            field.setMinimumHeight(5 * SPACING)
        panel.addWidget(self.switch_username_edit)
        panel.addWidget(self.switch_password_edit)
        panel.addWidget(self.switch_error_label)
        panel.addWidget(self.switch_button)
        self.switch_panel.hide()
        column.addWidget(self.switch_toggle, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.switch_panel)

    # ---- state --------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty every field and message, fold the switch panel, focus the password."""
        for edit in (self.password_edit, self.switch_username_edit, self.switch_password_edit):
            edit.clear()
        self.show_error("")
        self.show_switch_error("")
        self.switch_panel.hide()
        self._before_burst.clear()
        self.password_edit.setFocus()

    def set_locked_at(self, time_text: str) -> None:
        """Say since when the till is locked (a local time, "1:30 PM")."""
        who = f"{self._user.display_name} · {_(ROLE_LABELS.get(self._user.role, self._user.role))}"
        self.who_label.setText(
            _("{who} · locked at {time}").format(who=who, time=time_text) if time_text else who
        )

    def show_error(self, message: str) -> None:
        """Show why unlocking failed (or nothing)."""
        show_message(self.error_label, message)

    def show_switch_error(self, message: str) -> None:
        """Show why the other user's log-in failed (or nothing)."""
        show_message(self.switch_error_label, message)

    # ---- scans --------------------------------------------------------------------------

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER_KEYS:
                if self._scan.enter():
                    watched.setText(self._before_burst.pop(watched, ""))
                    emit(self.scan_ignored)
                    return True
            elif event.text() and event.text().isprintable() and self._scan.key():
                self._before_burst[watched] = watched.text()
        return super().eventFilter(watched, event)

    # ---- slots --------------------------------------------------------------------------

    @Slot()
    def _on_unlock_clicked(self) -> None:
        if not self.password_edit.text():
            self.show_error(_("Enter your password or PIN."))
            self.password_edit.setFocus()
            return
        self.show_error("")
        emit(self.unlock_requested, self.password_edit.text())

    @Slot()
    def _on_switch_toggle_clicked(self) -> None:
        self.switch_panel.setVisible(not self.switch_panel.isVisible())
        if self.switch_panel.isVisible():
            self.switch_username_edit.setFocus()
        else:
            self.password_edit.setFocus()

    @Slot()
    def _on_switch_clicked(self) -> None:
        username, password = self.switch_username_edit.text(), self.switch_password_edit.text()
        if not username.strip() or not password:
            self.show_switch_error(_("Enter a username and a password or PIN."))
            return
        self.show_switch_error("")
        emit(self.switch_requested, username, password)
