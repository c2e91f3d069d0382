"""Combo boxes and date fields that draw their own chevron.

The Accounts and Admin users sheets (``resources/accounts.qss``, ``staff.qss``) give these
fields a plain drop-down area without the style's arrow box, so the widget paints a thin
chevron there itself, muted (or subtle when disabled) like the text around it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QDateEdit, QWidget
from typing_extensions import override

from posapp.ui.kit.resources import PALETTE

CHEVRON_INSET = 16.0
"""How far the chevron's tip sits from the right edge, in px, unless a field says otherwise."""


def paint_chevron(widget: QWidget, inset: float = CHEVRON_INSET) -> None:
    """Draw a small downward chevron ``inset`` px from ``widget``'s right edge."""
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = PALETTE["muted"] if widget.isEnabled() else PALETTE["subtle"]
    pen = QPen(QColor(colour), 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    x, y = widget.width() - inset, widget.height() / 2
    painter.drawPolyline([QPointF(x - 4, y - 2), QPointF(x, y + 2), QPointF(x + 4, y - 2)])
    painter.end()


class ChevronCombo(QComboBox):
    """A combo box with a drawn chevron ``inset`` px from its right edge."""

    def __init__(self, parent: QWidget | None = None, *, inset: float = CHEVRON_INSET) -> None:
        super().__init__(parent)
        self._inset = inset

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_chevron(self, self._inset)


class ChevronDateEdit(QDateEdit):
    """A date field (with a calendar pop-up where asked) and a drawn chevron."""

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_chevron(self)
