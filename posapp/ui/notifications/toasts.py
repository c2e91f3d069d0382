"""Toasts: short, self-dismissing notices stacked at the bottom-right of a window."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal, get_args

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QEnterEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsDropShadowEffect,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE, icon, icon_pixmap

ToastLevel = Literal["info", "warning", "error"]
TOAST_LEVELS: Final[tuple[ToastLevel, ...]] = get_args(ToastLevel)
LEVEL_NAMES: Final = {"info": N_("Info"), "warning": N_("Warning"), "error": N_("Error")}

DEFAULT_DURATIONS_MS: Final[Mapping[ToastLevel, int]] = MappingProxyType(
    {"info": 4_000, "warning": 8_000, "error": 8_000}
)
"""How long each level stays up; problems stay twice as long as news."""

MAX_VISIBLE: Final = 5
TOAST_WIDTH: Final = 360
_MARGIN: Final = 16  # room for the drop shadow, and the distance to the window's edge
_RESUME_MIN_MS: Final = 1_500  # after the pointer leaves, leave time to finish reading

_LEVEL_ICONS: Final[Mapping[ToastLevel, tuple[str, str]]] = MappingProxyType(
    {
        "info": ("info", PALETTE["toast_info"]),
        "warning": ("warning", PALETTE["toast_warning"]),
        "error": ("error", PALETTE["toast_error"]),
    }
)


def _plain_label(text: str, object_name: str, parent: QWidget) -> QLabel:
    """Return a word-wrapped label that shows ``text`` literally, never as rich text."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return label


class Toast(QFrame):
    """One notice: level icon, bold title, body text and a close button.

    It never takes keyboard focus: neither it nor its children accept focus, so showing,
    clicking or dismissing it leaves the cashier's field focused.

    Signals:
        dismissed(Toast): it timed out or was clicked; its area removes it.
    """

    dismissed = Signal(object)

    def __init__(
        self, title: str, body: str, level: ToastLevel, duration_ms: int, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._title, self._body, self._level = title, body, level
        self.setObjectName("toast")
        self.setProperty("level", level)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFixedWidth(TOAST_WIDTH)
        self.setAccessibleName(
            _("{level}: {title}").format(level=_(LEVEL_NAMES.get(level, level)), title=title)
        )
        self.setAccessibleDescription(body)

        icon_name, colour = _LEVEL_ICONS[level]
        badge = QLabel(self)
        badge.setPixmap(
            icon_pixmap(icon_name, 20, colour, device_pixel_ratio=self.devicePixelRatioF())
        )
        badge.setFixedSize(20, 20)
        self.title_label = _plain_label(title, "toastTitle", self)
        self.body_label = _plain_label(body, "toastBody", self)
        self.body_label.setVisible(bool(body))
        close = QToolButton(self)
        close.setObjectName("toastClose")
        close.setIcon(icon("close", PALETTE["toast_muted"]))
        close.setIconSize(QSize(14, 14))
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.setToolTip(_("Dismiss"))
        close.setAccessibleName(_("Dismiss notice"))
        close.clicked.connect(self._on_close_clicked)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title_label)
        texts.addWidget(self.body_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 12, 8, 12)
        row.setSpacing(12)
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(texts, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

        shadow = QGraphicsDropShadowEffect(self)
        shadow.setBlurRadius(24)
        shadow.setOffset(0, 4)
        shadow.setColor(QColor(15, 23, 42, 70))
        self.setGraphicsEffect(shadow)

        self._duration_ms = duration_ms
        self._dismissed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(duration_ms)

    @property
    def title(self) -> str:
        """The title, as given."""
        return self._title

    @property
    def body(self) -> str:
        """The body text, as given."""
        return self._body

    @property
    def level(self) -> ToastLevel:
        """``info``, ``warning`` or ``error``."""
        return self._level

    @property
    def duration_ms(self) -> int:
        """How long the toast stays up unless hovered or dismissed."""
        return self._duration_ms

    def dismiss(self) -> None:
        """Take the toast away now (once)."""
        if not self._dismissed:
            self._dismissed = True
            self._timer.stop()
            emit(self.dismissed, self)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.dismiss()

    @Slot()
    def _on_close_clicked(self) -> None:
        self.dismiss()

    @override
    def enterEvent(self, event: QEnterEvent) -> None:
        # Hovering pauses the countdown, so a long message can be read to the end.
        self._timer.stop()
        super().enterEvent(event)

    @override
    def leaveEvent(self, event: QEvent) -> None:
        if not self._dismissed:
            self._timer.start(max(_RESUME_MIN_MS, self._duration_ms // 2))
        super().leaveEvent(event)

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.dismiss()
        super().mousePressEvent(event)


class ToastArea(QWidget):
    """An overlay that stacks toasts at the bottom-right corner of its parent widget.

    It is a child widget, not a window, so it can never be activated, and nothing in it accepts
    focus. It sizes itself to its toasts and follows the parent's resizes. At most
    ``max_visible`` toasts show at once; a burst beyond that is coalesced into one "N more…" line
    (the notification centre keeps the full history).
    """

    def __init__(
        self,
        parent: QWidget,
        *,
        durations_ms: Mapping[ToastLevel, int] = DEFAULT_DURATIONS_MS,
        max_visible: int = MAX_VISIBLE,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toastArea")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._durations = dict(durations_ms)
        self._max_visible = max_visible
        self._toasts: list[Toast] = []
        self._overflow = 0

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(_MARGIN, _MARGIN, _MARGIN, _MARGIN)
        self._layout.setSpacing(8)
        self._more = QLabel(self)
        self._more.setObjectName("toastMore")
        self._more.setTextFormat(Qt.TextFormat.PlainText)
        self._more.hide()
        self._layout.addWidget(self._more, 0, Qt.AlignmentFlag.AlignRight)
        self._more_timer = QTimer(self)
        self._more_timer.setSingleShot(True)
        self._more_timer.timeout.connect(self._on_more_timer_timeout)

        self._anchor = parent
        self._keep_clear: Callable[[], Sequence[QWidget]] = tuple
        parent.installEventFilter(self)
        self.hide()

    def set_keep_clear(self, widgets: Callable[[], Sequence[QWidget]]) -> None:
        """Never cover these widgets (asked at each layout): the toasts go above them.

        The register's buttons and its total stay visible; when there is no room above them the
        toasts go to the top-right corner instead.
        """
        self._keep_clear = widgets

    @property
    def toasts(self) -> tuple[Toast, ...]:
        """The toasts showing now, oldest first."""
        return tuple(self._toasts)

    @property
    def max_visible(self) -> int:
        """How many toasts show at once; more are folded into "N more…"."""
        return self._max_visible

    @property
    def overflow_count(self) -> int:
        """How many toasts of the current burst were folded into "N more…"."""
        return self._overflow

    def show_toast(self, title: str, body: str = "", level: ToastLevel = "info") -> None:
        """Show a notice; ``title`` and ``body`` are plain text (markup shows literally).

        Raises:
            ValueError: ``level`` is not ``info``, ``warning`` or ``error``.
        """
        if level not in TOAST_LEVELS:
            msg = f"unknown toast level {level!r}"
            raise ValueError(msg)
        duration = self._durations[level]
        if len(self._toasts) >= self._max_visible:
            self._overflow += 1
            self._more.setText(_("{count} more…").format(count=self._overflow))
            self._more.show()
            self._more_timer.start(max(self._durations.values()))
        else:
            toast = Toast(title, body, level, duration, self)
            toast.dismissed.connect(self._on_toast_dismissed)
            self._layout.insertWidget(self._layout.indexOf(self._more), toast)
            self._toasts.append(toast)
            toast.show()
        self._relayout()

    def clear(self) -> None:
        """Dismiss every toast now."""
        for toast in list(self._toasts):
            toast.dismiss()
        self._on_more_timer_timeout()

    @Slot(object)
    def _on_toast_dismissed(self, toast: Toast) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
            self._layout.removeWidget(toast)
            toast.hide()
            toast.deleteLater()
            self._relayout()

    @Slot()
    def _on_more_timer_timeout(self) -> None:
        self._more_timer.stop()
        self._overflow = 0
        self._more.hide()
        self._relayout()

    def _relayout(self) -> None:
        """Fit the area to its toasts and pin it to the parent's bottom-right corner."""
        if not self._toasts and not self._overflow:
            self.hide()
            return
        width = TOAST_WIDTH + 2 * _MARGIN
        layout = self._layout
        height = (
            layout.heightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.sizeHint().height()
        )
        parent = self._anchor
        left = parent.width() - width
        bottom = parent.height()
        for widget in self._keep_clear():
            if not widget.isVisible():
                continue
            top_left = widget.mapTo(parent, QPoint(0, 0))
            if top_left.x() + widget.width() > left:  # in the toasts' column
                bottom = min(bottom, top_left.y())
        top = max(0, bottom - height)
        self.setGeometry(left, top, width, height)
        self.show()
        self.raise_()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if "_anchor" not in self.__dict__:
            return False  # the Python side is being torn down; let events pass
        if watched is self._anchor and event.type() == QEvent.Type.Resize:
            self._relayout()
        return super().eventFilter(watched, event)
