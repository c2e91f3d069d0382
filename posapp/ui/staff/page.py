"""The frame both pages of the Admin users tab share: a banner over a card of filters and a table.

The staff list (:class:`~posapp.ui.staff.panel.UsersPanel`) and the audit log
(:class:`~posapp.ui.staff.audit_view.AuditView`) look alike on purpose: an error banner, then a
card with a row of filters and buttons, a borderless table of single-row selection, and a footer
row with a count and more buttons. :class:`CardPage` builds that frame once; a page builds its
three parts and lists its shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.ui.kit.widgets import SPACING, message_label, shortcut_action

Shortcut = tuple[str, str, Callable[[], object]]
"""What a shortcut does (its action's text), its keys, and the slot it calls."""


def card_row(*, top: int = 0) -> QHBoxLayout:
    """Return a row of the card: inset like the table's text, ``top`` px below what is above."""
    row = QHBoxLayout()
    row.setContentsMargins(2 * SPACING, top, 2 * SPACING, 0)
    row.setSpacing(SPACING)
    return row


def card_table(parent: QWidget, row_height: int) -> QTableView:
    """Return a borderless, read-only table of single-row selection with left-aligned headers."""
    view = QTableView(parent)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


class CardPage(QWidget):
    """An error banner above a card of filters, a table and a footer.

    A page sets up its state, then calls :meth:`build_card`, which asks it for the three parts
    (children of the card) and its shortcuts; the table gets the focus that the page is given.
    """

    table: QTableView

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error_label = message_label("errorLabel", self)

    def build_card(self) -> None:
        """Build the frame around the page's filters, table and footer."""
        card = QFrame(self)
        card.setObjectName("card")
        column = QVBoxLayout(card)
        column.setContentsMargins(0, 2 * SPACING, 0, SPACING)
        column.setSpacing(0)
        column.addLayout(self._build_filters(card))
        column.addSpacing(2 * SPACING)
        column.addWidget(self._build_table(card), 1)
        column.addLayout(self._build_footer(card))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.error_label)
        layout.addWidget(card, 1)
        for text, keys, slot in self._shortcuts():
            shortcut_action(self, text, keys, slot)
        self.setFocusProxy(self.table)

    def _build_filters(self, card: QWidget) -> QHBoxLayout:
        raise NotImplementedError

    def _build_table(self, card: QWidget) -> QTableView:
        raise NotImplementedError

    def _build_footer(self, card: QWidget) -> QHBoxLayout:
        raise NotImplementedError

    def _shortcuts(self) -> Sequence[Shortcut]:
        raise NotImplementedError
