"""Small building blocks shared by screens: labels and banners, page headers, empty states."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.ui.kit.resources import PALETTE, icon_pixmap

SPACING = 8
"""The grid unit: every margin and gap is a multiple of it."""

ROLE_NAMES = {"admin": N_("Admin"), "manager": N_("Manager"), "cashier": N_("Cashier")}
"""How a role is named on screen (``_()`` it; the stored role is the English word)."""


def plain_label(text: str = "", parent: QWidget | None = None, name: str = "") -> QLabel:
    """Return a label that shows ``text`` literally (never as HTML), named ``name`` if given."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def message_label(name: str, parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """Return a hidden plain-text banner named ``name`` (``errorLabel``, ``infoLabel`` …).

    The stylesheets colour it by that name; :func:`show_message` shows and hides it.
    """
    label = plain_label("", parent, name)
    label.setWordWrap(wrap)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label``, or hide the label when the text is empty."""
    label.setText(text)
    label.setVisible(bool(text))


NEEDS_SERVER = N_(
    "{tab} needs the server: it is not available while offline. It opens here once the server "
    "is back."
)
"""What a tab or page that needs the server shows while the register is offline (#21)."""


def offline_page(name: str, parent: QWidget | None = None) -> QWidget:
    """A page saying the tab or page ``name`` (translated) needs the server, which is gone."""
    text = _(NEEDS_SERVER).format(tab=name)
    page = QWidget(parent)
    page.setObjectName("offlineTab")
    column = QVBoxLayout(page)
    column.setContentsMargins(5 * SPACING, 5 * SPACING, 5 * SPACING, 5 * SPACING)
    label = plain_label(text, page, "offlineTabText")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    column.addStretch(1)
    column.addWidget(label)
    column.addStretch(2)
    return page


def push_button(text: str, tooltip: str, parent: QWidget, shortcut: str = "") -> QPushButton:
    """Return a button with a tooltip (and its own shortcut, if given) that Enter never presses.

    Not auto-default: in a dialog, Enter belongs to the field or list being used.
    """
    button = QPushButton(text, parent)
    button.setToolTip(tooltip)
    button.setAutoDefault(False)
    if shortcut:
        button.setShortcut(QKeySequence(shortcut))
    return button


def shortcut_action(
    owner: QWidget,
    text: str,
    keys: str | QKeySequence | QKeySequence.StandardKey,
    slot: Callable[..., object],
) -> QAction:
    """Return an action called ``text`` that ``keys`` trigger anywhere inside ``owner``.

    The action belongs to ``owner`` (so the shortcut works while focus is in any child, and only
    then) and its ``triggered(bool)`` is connected to ``slot``; callers add a tooltip, a
    permission or a button as they need.
    """
    action = QAction(text, owner)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    owner.addAction(action)
    return action


def search_field(
    parent: QWidget, placeholder: str, accessible_name: str, name: str = ""
) -> QLineEdit:
    """Return a screen's search box: a placeholder saying what it finds, a clear button."""
    edit = QLineEdit(parent)
    if name:
        edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(accessible_name)
    edit.setClearButtonEnabled(True)
    return edit


def page_column(
    page: QWidget, *, bottom: int = 3 * SPACING, spacing: int = 2 * SPACING
) -> QVBoxLayout:
    """Return the column of a full-window page (a tab, the outbox) inside the page margins."""
    column = QVBoxLayout(page)
    column.setContentsMargins(4 * SPACING, 3 * SPACING, 4 * SPACING, bottom)
    column.setSpacing(spacing)
    return column


def separator(parent: QWidget | None = None) -> QFrame:
    """Return a 1 px horizontal hairline styled by the stylesheet."""
    line = QFrame(parent)
    line.setProperty("role", "separator")
    line.setFrameShape(QFrame.Shape.NoFrame)
    line.setFixedHeight(1)
    return line


def icon_label(name: str, size: int, color: str | None = None) -> QLabel:
    """Return a label showing icon ``name`` at ``size`` px, crisp on high-DPI screens."""
    label = QLabel()
    label.setPixmap(icon_pixmap(name, size, color, device_pixel_ratio=label.devicePixelRatioF()))
    label.setFixedSize(size, size)
    return label


class PageHeader(QWidget):
    """A screen's title row: an icon tile, a title and a one-line description."""

    def __init__(
        self, title: str, subtitle: str, icon_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        tile = QLabel(self)
        tile.setObjectName("pageIcon")
        tile.setPixmap(
            icon_pixmap(
                icon_name, 24, PALETTE["accent"], device_pixel_ratio=self.devicePixelRatioF()
            )
        )
        tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tile.setFixedSize(5 * SPACING, 5 * SPACING)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("pageTitle")
        self.title_label.setAccessibleName(title)
        self.subtitle_label = QLabel(subtitle, self)
        self.subtitle_label.setObjectName("pageSubtitle")
        for label in (self.title_label, self.subtitle_label):
            label.setTextFormat(Qt.TextFormat.PlainText)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title_label)
        texts.addWidget(self.subtitle_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2 * SPACING)
        row.addWidget(tile, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(texts, 1)


class EmptyState(QFrame):
    """A card saying what will appear here and why it is empty, with a large muted icon."""

    def __init__(
        self, icon_name: str, title: str, text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        picture = icon_label(icon_name, 6 * SPACING, PALETTE["subtle"])
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("emptyTitle")
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("emptyText")
        self.text_label.setWordWrap(True)
        self.text_label.setMaximumWidth(64 * SPACING)  # about 70 characters a line
        for label in (self.title_label, self.text_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        column = QVBoxLayout(self)
        column.setContentsMargins(6 * SPACING, 6 * SPACING, 6 * SPACING, 6 * SPACING)
        column.setSpacing(SPACING)
        column.addStretch(1)
        column.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(SPACING)
        column.addWidget(self.title_label, 0, Qt.AlignmentFlag.AlignHCenter)
        # Centred by stretches, not by an alignment flag: an aligned word-wrapped label gets its
        # guessed size hint, which cuts the text to one line.
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(self.text_label, 100)
        text_row.addStretch(1)
        column.addLayout(text_row)
        column.addStretch(1)


class StatusItem(QWidget):
    """An icon and a short text for the status bar; the full text is also the tooltip."""

    def __init__(
        self,
        icon_name: str,
        text: str,
        accessible_prefix: str,
        parent: QWidget | None = None,
        *,
        max_width: int = 40 * SPACING,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statusItem")
        self._prefix = accessible_prefix
        self._text = ""
        self._max_width = max_width
        picture = icon_label(icon_name, 16)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACING, 0, SPACING, 0)
        row.setSpacing(6)
        row.addWidget(picture)
        row.addWidget(self.label)
        self.set_text(text)

    @property
    def text(self) -> str:
        """The full text (the label may show it elided)."""
        return self._text

    def set_text(self, text: str) -> None:
        """Show ``text``, elided in the middle when it is too wide (a long database path)."""
        self._text = text
        metrics = self.label.fontMetrics()
        self.label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, self._max_width))
        self.setToolTip(QtGui.Qt.convertFromPlainText(f"{self._prefix}: {text}"))  # never HTML
        self.setAccessibleName(f"{self._prefix}: {text}")


def status_separator(parent: QWidget | None = None) -> QFrame:
    """Return the thin vertical line between status bar items."""
    line = QFrame(parent)
    line.setObjectName("statusSeparator")
    line.setFrameShape(QFrame.Shape.NoFrame)
    line.setFixedWidth(1)
    return line
