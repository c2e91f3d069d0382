"""Looks of the Accounts screens: tables, pills, cards, figures and form dialogs.

The shell's ``style.qss`` has no rules for tables or pills yet, so these screens carry their own
few, written with the same ``@colour`` tokens and 8 px grid. A widget's own stylesheet wins over
the application's for the properties it sets, so rules that set a border restate the focus ring.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Final

from PySide6.QtCore import QDateTime, QLocale, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QWidget
from typing_extensions import override

from posapp.ui.kit.resources import PALETTE

_QSS: Final = """
QTableView {
    color: @text;
    background: @surface;
    alternate-background-color: #fafbfc;
    border: none;
    gridline-color: @border;
    selection-background-color: @accent_soft;
    selection-color: @text;
    outline: 0;
}
QTableView::item {
    padding: 0 10px;
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
    padding: 9px 10px;
    font-size: 8.5pt;
    font-weight: bold;
}
QComboBox,
QDateEdit {
    padding-right: 30px;
}
QComboBox::drop-down,
QDateEdit::drop-down {
    subcontrol-origin: padding;
    subcontrol-position: center right;
    width: 28px;
    border: none;
    background: transparent;
}
QComboBox::down-arrow,
QDateEdit::down-arrow {
    image: none;
    width: 0;
    height: 0;
}
QFrame#accountsCard {
    background: @surface;
    border: 1px solid @border;
    border-radius: 12px;
}
QFrame#accountsFigures {
    background: @surface_alt;
    border: 1px solid @border;
    border-radius: 10px;
}
QLabel#holderName {
    font-size: 15pt;
    font-weight: bold;
}
QLabel#accountNumber {
    color: @muted;
    font-size: 10.5pt;
}
QLabel#figureCaption {
    color: @muted;
    font-size: 8pt;
    font-weight: bold;
}
QLabel#figureValue {
    font-size: 12pt;
    font-weight: bold;
}
QLabel#balanceValue {
    font-size: 20pt;
    font-weight: bold;
}
QLabel#balanceValue[negative="true"] {
    color: @danger;
}
QLabel#sectionTitle {
    font-size: 10.5pt;
    font-weight: bold;
}
QLabel[pill="true"] {
    border-radius: 9px;
    padding: 2px 10px;
    font-size: 8.5pt;
    font-weight: bold;
}
QLabel[tone="success"] { color: @success; background: #ecfdf3; }
QLabel[tone="warning"] { color: @warning; background: @warning_soft; }
QLabel[tone="danger"] { color: @danger; background: @danger_soft; }
QLabel[tone="muted"] { color: @muted; background: @surface_alt; }
QLabel#lockBanner {
    color: @warning;
    background: @warning_soft;
    border: 1px solid @warning_border;
    border-radius: 6px;
    padding: 8px 12px;
}
QLabel#infoLabel {
    color: @muted;
    background: @surface_alt;
    border: 1px solid @border;
    border-radius: 6px;
    padding: 8px 12px;
}
QLabel#successLabel {
    color: @success;
    background: #ecfdf3;
    border: 1px solid #abefc6;
    border-radius: 6px;
    padding: 8px 12px;
}
QLabel#fieldLabel {
    font-weight: bold;
}
QLabel#fieldHint {
    color: @muted;
    font-size: 8.5pt;
}
QDialog#accountsDialog {
    background: @surface;
}
QLabel#dialogTitle {
    font-size: 13pt;
    font-weight: bold;
}
QLabel#dialogText {
    color: @muted;
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
QPushButton[variant="dangerPrimary"] {
    color: @accent_text;
    background: @danger;
    border: 1px solid @danger;
}
QPushButton[variant="dangerPrimary"]:focus {
    border: 2px solid @danger_border;
    padding: 6px 14px;
}
QProgressBar {
    background: @surface_alt;
    border: 1px solid @border;
    border-radius: 4px;
    max-height: 8px;
}
QProgressBar::chunk {
    background: @accent;
    border-radius: 3px;
}
"""

_TOKEN = re.compile(r"@([a-z_]+)")

STATUS_TONES: Final = {"open": "success", "frozen": "warning", "closed": "muted"}


@functools.cache
def accounts_stylesheet() -> str:
    """The Accounts screens' rules with every ``@colour`` token resolved."""
    return _TOKEN.sub(lambda match: PALETTE[match.group(1)], _QSS)


def styled(widget: QWidget) -> None:
    """Give ``widget`` (and its children) the Accounts screens' rules."""
    widget.setStyleSheet(accounts_stylesheet())


def plain_label(text: str = "", parent: QWidget | None = None, name: str = "") -> QLabel:
    """A label that shows user text literally (never as HTML)."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def message_label(name: str, parent: QWidget) -> QLabel:
    """A hidden, word-wrapped, plain-text banner (``errorLabel``, ``infoLabel`` …)."""
    label = plain_label("", parent, name)
    label.setWordWrap(True)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label``, or hide the label when the text is empty."""
    label.setText(text)
    label.setVisible(bool(text))


def set_pill(label: QLabel, text: str, tone: str) -> None:
    """Make ``label`` a small coloured pill saying ``text``."""
    label.setText(text)
    label.setProperty("pill", True)
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


def local_time_text(at: datetime, fmt: QLocale.FormatType = QLocale.FormatType.ShortFormat) -> str:
    """An aware datetime in the machine's time zone and locale."""
    moment = QDateTime.fromMSecsSinceEpoch(round(at.timestamp() * 1000)).toLocalTime()
    return QLocale().toString(moment, fmt)


def _paint_chevron(widget: QWidget) -> None:
    """Draw the drop-down chevron the stylesheet's plain drop-down area leaves out."""
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = PALETTE["muted"] if widget.isEnabled() else PALETTE["subtle"]
    pen = QPen(QColor(colour), 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    x, y = widget.width() - 16.0, widget.height() / 2
    painter.drawPolyline([QPointF(x - 4, y - 2), QPointF(x, y + 2), QPointF(x + 4, y - 2)])
    painter.end()


class ChevronCombo(QComboBox):
    """A combo box with a drawn chevron (styled like the inputs around it)."""

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        _paint_chevron(self)


class ChevronDateEdit(QDateEdit):
    """A date field with a calendar pop-up and a drawn chevron."""

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        _paint_chevron(self)
