"""The notification bell: a tool button with an unread-count badge."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QToolButton, QWidget
from typing_extensions import override

from posapp.i18n import _, ngettext
from posapp.ui.kit.resources import PALETTE, icon

BADGE_HEIGHT = 16
BADGE_MAX = 99


def badge_text(count: int) -> str:
    """Return what the badge shows for ``count`` unread notifications (``""`` for none)."""
    if count <= 0:
        return ""
    return f"{BADGE_MAX}+" if count > BADGE_MAX else str(count)


class NotificationBell(QToolButton):
    """A bell button with a red badge counting unread notifications.

    Clicking it (``clicked``) is the owner's cue to open the notification centre and reset the
    count with :meth:`set_unread`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBell")
        self.setIcon(icon("bell"))
        self.setIconSize(QSize(20, 20))
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMinimumSize(QSize(36, 32))
        self._unread = 0
        self._update_texts()

    @property
    def unread(self) -> int:
        """How many notifications are unread."""
        return self._unread

    def set_unread(self, count: int) -> None:
        """Show ``count`` unread notifications (0 hides the badge)."""
        count = max(0, count)
        if count != self._unread:
            self._unread = count
            self._update_texts()
            self.update()

    def _update_texts(self) -> None:
        text = (
            ngettext(
                "Notifications, {count} unread", "Notifications, {count} unread", self._unread
            ).format(count=self._unread)
            if self._unread
            else _("Notifications, none unread")
        )
        self.setToolTip(text)
        self.setAccessibleName(text)

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = badge_text(self._unread)
        if not text:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(10)
        font.setBold(True)
        painter.setFont(font)
        width = max(BADGE_HEIGHT, painter.fontMetrics().horizontalAdvance(text) + 8)
        rect = QRectF(self.width() - width - 1, 1, width, BADGE_HEIGHT)
        painter.setPen(QColor(PALETTE["surface"]))
        painter.setBrush(QColor(PALETTE["danger"]))
        painter.drawRoundedRect(rect, BADGE_HEIGHT / 2, BADGE_HEIGHT / 2)
        painter.setPen(QColor(PALETTE["accent_text"]))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
