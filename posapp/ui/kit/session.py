"""Ending a session from anywhere in a window when a service says the user is gone.

Services re-read the acting user on every action and raise
:class:`~posapp.services.staff.security.SessionEndedError` once that user has been deactivated (on
this register or another). Whatever widget made the call shows the message as usual and calls
:func:`error_text` (or :func:`end_session`), which posts a :class:`SessionEndedEvent` to the
widget's top-level window. The main window handles that event by closing and going back to the
login screen. A posted event decouples the two: any widget or dialog, in any thread, can end the
session without knowing the window, and the window closes after the current slot has returned.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import SESSION_ENDED, SessionEndedError

_log = logging.getLogger(__name__)

UNEXPECTED = N_("That did not work because of an unexpected error. Please try again.")


class SessionEndedEvent(QEvent):
    """Asks a main window to end its session; ``message`` says why."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, message: str = SESSION_ENDED) -> None:
        super().__init__(self.TYPE)
        self.message = message


def top_window(widget: QWidget) -> QWidget:
    """The outermost ancestor of ``widget`` (a dialog's owner window, not the dialog)."""
    root = widget
    while (parent := root.parentWidget()) is not None:
        root = parent
    return root


def end_session(widget: QWidget, message: str = SESSION_ENDED) -> None:
    """Ask the window that owns ``widget`` to end the session (thread-safe, asynchronous)."""
    QCoreApplication.postEvent(top_window(widget), SessionEndedEvent(message))


def error_text(widget: QWidget, error: BaseException) -> str:
    """Return what to show for ``error`` raised by a service call made for ``widget``.

    A :class:`~posapp.services.platform.errors.ServiceError` shows its own message; a session that
    ended also ends the window's session. Anything else is a bug: it is logged with its traceback
    and the person sees a generic sentence.
    """
    if isinstance(error, SessionEndedError):
        end_session(widget, str(error))
    if isinstance(error, ServiceError):
        return str(error)
    _log.error("unexpected error in %s", type(widget).__name__, exc_info=error)
    return _(UNEXPECTED)
