"""Looks shared by the staff screens: tables, segments, pills, danger buttons, form dialogs.

``resources/style.qss`` (the shell's) has no rules for tables, segmented switches or danger
buttons yet, so these screens carry their own few rules, written with the same ``@colour``
tokens and 8 px grid. They belong in ``style.qss`` once another screen needs them.

A widget's own stylesheet wins over the application's for the properties it sets, whatever the
selectors' specificity; so every rule here that sets a border also restates the focus ring.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Final

from PySide6.QtCore import QDateTime, QLocale, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QLabel, QWidget
from typing_extensions import override

from posapp.ui.kit.resources import PALETTE

_QSS: Final = """
QTableView {
    color: @text;
    background: @surface;
    alternate-background-color: @surface;
    border: none;
    gridline-color: @border;
    selection-background-color: @accent_soft;
    selection-color: @text;
    outline: 0;
}
QTableView:focus {
    border: none;
}
QTableView::item {
    padding: 0 12px;
    border: none;
    border-bottom: 1px solid @border;
}
QTableView::item:selected {
    color: @text;
    background: @accent_soft;
}
QHeaderView {
    background: @surface;
    border: none;
}
QHeaderView::section {
    color: @muted;
    background: @surface;
    border: none;
    border-bottom: 1px solid @border;
    padding: 10px 12px;
    font-size: 8.5pt;
    font-weight: bold;
}
QHeaderView::section:hover {
    color: @text;
}
QComboBox {
    padding-right: 32px;
}
QComboBox::drop-down {
    subcontrol-origin: padding;
    subcontrol-position: center right;
    width: 28px;
    border: none;
    background: transparent;
}
QFrame#segments {
    background: @border;
    border-radius: 8px;
}
QPushButton[segment="true"] {
    color: @muted;
    background: transparent;
    border: 1px solid transparent;
    border-radius: 6px;
    padding: 5px 15px;
    min-height: 20px;
}
QPushButton[segment="true"]:hover {
    color: @text;
}
QPushButton[segment="true"]:checked {
    color: @text;
    background: @surface;
    border-color: @border_strong;
}
QPushButton[segment="true"]:focus {
    border: 2px solid @focus;
    padding: 4px 14px;
}
QPushButton[variant="danger"] {
    color: @danger;
    background: @surface;
    border: 1px solid @danger_border;
}
QPushButton[variant="danger"]:hover {
    background: @danger_soft;
}
QPushButton[variant="danger"]:focus {
    border: 2px solid @focus;
    padding: 6px 14px;
}
QPushButton[variant="danger"]:disabled {
    color: @subtle;
    background: @surface_alt;
    border-color: @border;
}
QPushButton[variant="dangerPrimary"] {
    color: @accent_text;
    background: @danger;
    border: 1px solid @danger;
}
QPushButton[variant="dangerPrimary"]:hover {
    background: #9a1d14;
}
QPushButton[variant="dangerPrimary"]:focus {
    border: 2px solid @danger_border;
    padding: 6px 14px;
}
QPushButton[variant="dangerPrimary"]:disabled {
    color: @danger_soft;
    background: @danger_border;
    border-color: @danger_border;
}
QDialog#formDialog {
    background: @surface;
}
QLabel#dialogTitle {
    font-size: 13pt;
    font-weight: bold;
}
QLabel#dialogText {
    color: @muted;
}
QLabel#infoLabel {
    color: @muted;
    background: @surface_alt;
    border: 1px solid @border;
    border-radius: 6px;
    padding: 8px 12px;
}
QLabel#summaryLabel {
    color: @text;
    background: @warning_soft;
    border: 1px solid @warning_border;
    border-radius: 6px;
    padding: 10px 12px;
    font-weight: bold;
}
QLabel#approvalIcon {
    background: @warning_soft;
    border-radius: 10px;
}
QLabel#successLabel {
    color: @success;
    background: #ecfdf3;
    border: 1px solid #abefc6;
    border-radius: 6px;
    padding: 8px 12px;
}
QLabel#countLabel {
    color: @muted;
}
QWidget#lockScreen {
    background: @bg;
}
QFrame#lockCard {
    background: @surface;
    border: 1px solid @border;
    border-radius: 16px;
}
QLabel#lockTitle {
    font-size: 18pt;
    font-weight: bold;
}
QLabel#lockClock {
    color: @muted;
    font-size: 28pt;
}
QProgressBar {
    background: @surface_alt;
    border: 1px solid @border;
    border-radius: 4px;
    max-height: 8px;
    text-align: center;
}
QProgressBar::chunk {
    background: @accent;
    border-radius: 3px;
}
"""

_TOKEN = re.compile(r"@([a-z_]+)")

TONES: Final = {
    "accent": (PALETTE["accent_soft"], PALETTE["accent"]),
    "warning": (PALETTE["warning_soft"], PALETTE["warning"]),
    "success": ("#ecfdf3", PALETTE["success"]),
    "danger": (PALETTE["danger_soft"], PALETTE["danger"]),
    "muted": (PALETTE["surface_alt"], PALETTE["muted"]),
}
"""Pill colours by tone: (background, text)."""


@functools.cache
def users_stylesheet() -> str:
    """Return the staff screens' extra rules with every ``@colour`` token resolved."""
    return _TOKEN.sub(lambda match: PALETTE[match.group(1)], _QSS)


def styled(widget: QWidget) -> None:
    """Give ``widget`` (and its children) the staff screens' extra rules."""
    widget.setStyleSheet(users_stylesheet())


def message_label(object_name: str, parent: QWidget) -> QLabel:
    """Return a hidden, word-wrapped, plain-text banner (``errorLabel``, ``infoLabel`` …)."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label``, or hide the label when the text is empty."""
    label.setText(text)
    label.setVisible(bool(text))


def local_time_text(
    at: datetime | None, fmt: QLocale.FormatType = QLocale.FormatType.ShortFormat
) -> str:
    """Format an aware datetime in the machine's time zone and locale ("" for None)."""
    if at is None:
        return ""
    moment = QDateTime.fromMSecsSinceEpoch(round(at.timestamp() * 1000)).toLocalTime()
    return QLocale().toString(moment, fmt)


class ChevronCombo(QComboBox):
    """A combo box that paints its own chevron: the stylesheet hides the style's arrow box."""

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = PALETTE["muted"] if self.isEnabled() else PALETTE["subtle"]
        pen = QPen(QColor(colour), 1.6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        x, y = self.width() - 18.0, self.height() / 2
        painter.drawPolyline([QPointF(x - 4, y - 2), QPointF(x, y + 2), QPointF(x + 4, y - 2)])
        painter.end()
