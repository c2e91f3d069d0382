"""The till locks itself after idle time; the same user's password or another log-in opens it.

:class:`IdleLock` watches the application's input (keys, clicks, wheel, touch) and, after
``till.idle_lock_minutes`` (default 5; 0 turns it off) without any, covers the main window with
a :class:`~posapp.ui.staff.lock_screen.LockScreen`. A change of the setting applies at once
(:meth:`IdleLock.on_setting_changed`, connected to the bus by the main window). Nothing beneath
is touched: the cart, typed text and the focused field are exactly as they were when the till
unlocks. While locked:

- the window's other widgets are disabled, so neither Tab nor a click reaches them, and its
  keyboard shortcuts (Ctrl+L, Ctrl+1…) are swallowed; closing the window from the title bar is
  refused;
- a modal dialog open at that moment is cancelled (a half-typed manager approval must not wait on
  the screen), and other windows of this window are hidden, then shown again;
- the same user's password or PIN unlocks (:meth:`~posapp.services.staff.StaffApi.verify_password`,
  which counts failures towards the lock-out); a barcode scan is ignored;
- another user may log in: :attr:`IdleLock.switch_user_requested` asks the session to log them in
  (the register parks the open sale on it first). The same user logging in there just unlocks.

Time comes from an injectable monotonic clock, so tests lock and unlock without waiting.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import shiboken6
from PySide6.QtCore import QEvent, QLocale, QObject, Qt, QTime, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from typing_extensions import override

from posapp.events import SettingChanged
from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import (
    DEFAULT_IDLE_LOCK_MINUTES,
    IDLE_LOCK_MINUTES_KEY,
    SESSION_ENDED,
    StaffApi,
)
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.session import end_session, error_text
from posapp.ui.staff.lock_screen import Clock, LockScreen
from posapp.ui.staff.model import is_locked

_log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 1_000
WRONG_PASSWORD = N_("Wrong password or PIN.")
LOCKED_OUT = N_(
    "Too many failed attempts: this user is locked out for a while. Another user can log in "
    "below, or an admin can unlock them."
)

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)
_WATCHED = _ACTIVITY | {QEvent.Type.Shortcut, QEvent.Type.Close, QEvent.Type.Resize}


def idle_lock_minutes(staff: StaffApi) -> float:
    """The ``till.idle_lock_minutes`` setting: minutes of idle time before locking (0: never).

    A missing, unreadable or nonsensical value gives the default, so a typo in the settings
    never leaves a till unlocked for good.
    """
    try:
        return staff.idle_lock_minutes()
    except (ServiceError, ValueError):
        _log.exception("cannot read %s; using %s", IDLE_LOCK_MINUTES_KEY, DEFAULT_IDLE_LOCK_MINUTES)
        return DEFAULT_IDLE_LOCK_MINUTES


def _owned_by(obj: QObject | None, owner: QObject) -> bool:
    """Whether ``owner`` is ``obj`` or one of its ancestors (QObject parents)."""
    while obj is not None:
        if obj is owner:
            return True
        obj = obj.parent()
    return False


class IdleLock(QObject):
    """Locks ``window`` after idle time behind a lock screen, until its user is back.

    Args:
        window: The main window to cover.
        staff: The staff services (to check the password, or log another user in).
        user: Who is logged in.
        minutes: Idle minutes before locking; None reads ``till.idle_lock_minutes``; 0 never.
        clock: Monotonic seconds; tests pass a fake one and call :meth:`poll`.
        poll_interval_ms: How often the real timer looks at the clock.

    Signals:
        locked(): the lock screen went up.
        unlocked(): the same user unlocked; the window is as it was.
        switch_user_requested(UserDTO): another user logged in on the lock screen.
    """

    locked = Signal()
    unlocked = Signal()
    switch_user_requested = Signal(object)

    def __init__(
        self,
        window: QWidget,
        staff: StaffApi,
        user: UserDTO,
        *,
        minutes: float | None = None,
        clock: Clock = time.monotonic,
        poll_interval_ms: int = POLL_INTERVAL_MS,
    ) -> None:
        super().__init__(window)
        self._window, self._staff, self._user = window, staff, user
        self._clock = clock
        self.minutes = idle_lock_minutes(staff) if minutes is None else max(0.0, minutes)
        self._last_activity = clock()
        self._locked = False
        self._disabled: list[QWidget] = []
        self._hidden: list[QWidget] = []
        self._focus: QWidget | None = None
        self.screen = LockScreen(user, clock, window)
        self.screen.hide()
        self.screen.unlock_requested.connect(self._on_screen_unlock_requested)
        self.screen.switch_requested.connect(self._on_screen_switch_requested)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_interval_ms)
        self._timer.timeout.connect(self.poll)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if self.minutes > 0:
            self._timer.start()

    def set_minutes(self, minutes: float) -> None:
        """Lock after ``minutes`` of idle time (0: never); the idle time so far counts."""
        self.minutes = max(0.0, minutes)
        if self.minutes > 0:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    @Slot(object)
    def on_setting_changed(self, event: SettingChanged) -> None:
        """Re-read ``till.idle_lock_minutes`` when it was changed (here or on another register)."""
        if event.key == IDLE_LOCK_MINUTES_KEY:
            self.set_minutes(idle_lock_minutes(self._staff))

    def is_locked(self) -> bool:
        """Whether the lock screen is up."""
        return self._locked

    def idle_seconds(self) -> float:
        """Seconds since the last input."""
        return self._clock() - self._last_activity

    def stop(self) -> None:
        """Stop watching (the window is closing)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    @Slot()
    def poll(self) -> None:
        """Lock if the idle time has run out (the timer calls this every second)."""
        if not self._locked and self.minutes > 0 and self.idle_seconds() >= self.minutes * 60:
            self.lock()

    # ---- lock and unlock ----------------------------------------------------------------

    def lock(self) -> None:
        """Cover the window with the lock screen now."""
        if self._locked:
            return
        self._locked = True
        focus = QApplication.focusWidget()
        self._focus = focus if _owned_by(focus, self._window) else None
        self._put_away_other_windows()
        self._disabled = [
            child
            for child in self._window.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if child is not self.screen and child.isEnabled() and not child.isWindow()
        ]
        for child in self._disabled:
            child.setEnabled(False)
        self.screen.reset()
        self.screen.set_locked_at(
            QLocale().toString(QTime.currentTime(), QLocale.FormatType.ShortFormat)
        )
        self.screen.setGeometry(self._window.rect())
        self.screen.show()
        self.screen.raise_()
        self.screen.setFocus(Qt.FocusReason.OtherFocusReason)
        emit(self.locked)

    def _put_away_other_windows(self) -> None:
        """Cancel modal dialogs of the window; hide its other windows until unlocked."""
        self._hidden = []
        for widget in QApplication.topLevelWidgets():
            if widget is self._window or not widget.isVisible():
                continue
            if not _owned_by(widget.parentWidget(), self._window):
                continue
            if isinstance(widget, QDialog) and widget.isModal():
                widget.reject()
            else:
                widget.hide()
                self._hidden.append(widget)

    def unlock(self) -> None:
        """Take the lock screen away and give the window back exactly as it was."""
        if not self._locked:
            return
        self._locked = False
        self.screen.hide()
        self.screen.reset()
        for child in self._disabled:
            if shiboken6.isValid(child):
                child.setEnabled(True)
        for widget in self._hidden:
            if shiboken6.isValid(widget):
                widget.show()
        self._disabled, self._hidden = [], []
        if self._focus is not None and shiboken6.isValid(self._focus):
            self._focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus = None
        self._last_activity = self._clock()
        emit(self.unlocked)

    # ---- the lock screen's requests -----------------------------------------------------

    @Slot(str)
    def _on_screen_unlock_requested(self, password: str) -> None:
        try:
            ok = self._staff.verify_password(self._user, password)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            self.screen.show_error(error_text(self.screen, exc))
            return
        if ok:
            self.unlock()
            return
        self.screen.password_edit.clear()
        self.screen.show_error(self._refusal())

    def _refusal(self) -> str:
        """Say why the password did not unlock: wrong, locked out, or the user is gone."""
        try:
            current = self._staff.find_user(self._user.username)
        except ServiceError:
            current = None
        if current is None or not current.active:
            end_session(self._window, SESSION_ENDED)
            return SESSION_ENDED
        if is_locked(current, datetime.now(UTC)):
            return _(LOCKED_OUT)
        return _(WRONG_PASSWORD)

    @Slot(str, str)
    def _on_screen_switch_requested(self, username: str, password: str) -> None:
        try:
            other = self._staff.login(username, password)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            self.screen.switch_password_edit.clear()
            self.screen.show_switch_error(error_text(self.screen, exc))
            return
        if other.id == self._user.id:
            self.unlock()
            return
        self.screen.reset()
        emit(self.switch_user_requested, other)

    # ---- watching the application -------------------------------------------------------

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if "_locked" not in self.__dict__:
            # The Python side is being torn down while Qt still routes application events
            # through this filter: let them pass.
            return False
        kind = event.type()
        if kind in _ACTIVITY:
            self._last_activity = self._clock()
        elif self._locked and kind in _WATCHED:
            return self._filter_locked(watched, event)
        return False

    def _filter_locked(self, watched: QObject, event: QEvent) -> bool:
        """Whether to swallow ``event`` while the lock screen is up."""
        kind = event.type()
        if kind == QEvent.Type.Resize:
            if watched is self._window:
                self.screen.setGeometry(self._window.rect())
            return False
        if kind == QEvent.Type.Close:
            # The title bar's close button must not end a locked session (and lose the sale);
            # the app itself may still close the window (log-out elsewhere, quitting).
            refuse = watched is self._window and event.spontaneous()
            if refuse:
                event.ignore()
            return refuse
        # A shortcut of the window (Ctrl+L, Ctrl+1…): the lock screen's own pass through.
        return not _owned_by(watched, self.screen) and _owned_by(watched, self._window)
