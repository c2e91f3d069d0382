"""The stocktake dialog: type what is on the shelf; differences become ``count`` movements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QWidget
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.stock import (
    CountLine,
    QuantityError,
    StockApi,
    StockResult,
    StockRow,
    StoreSummary,
    format_quantity,
    parse_quantity,
)
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE
from posapp.ui.kit.table_model import RIGHT, Index
from posapp.ui.kit.widgets import SPACING, plain_label
from posapp.ui.stores.forms import FormDialog, fit_headers

COUNTED = 3
MAX_COUNT_LINES = 500


class CountLinesModel(QAbstractTableModel):
    """Products to count: expected on-hand and an editable counted quantity (blank: skipped)."""

    HEADERS = (N_("SKU"), N_("Product"), N_("Expected"), N_("Counted"), N_("Difference"))

    def __init__(self, rows: Sequence[StockRow], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = list(rows)
        self._counted: dict[int, int] = {}
        self._text: dict[int, str] = {}

    def set_counted(self, row: int, text: str) -> None:
        """Enter a counted quantity as typed.

        Raises:
            QuantityError: the text is not a quantity for this product.
        """
        if not self.setData(self.index(row, COUNTED), text):
            item = self._rows[row]
            parse_quantity(text, unit=item.unit, allow_zero=True)

    def count_lines(self) -> list[CountLine]:
        """The lines that were counted, in table order."""
        return [
            CountLine(item.product_id, self._counted[row])
            for row, item in enumerate(self._rows)
            if row in self._counted
        ]

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(self.HEADERS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section >= 2:  # noqa: PLR2004
            return int(RIGHT)
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == COUNTED:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def _texts(self, row: int) -> tuple[str, ...]:
        item = self._rows[row]
        counted = self._counted.get(row)
        diff = (
            ""
            if counted is None
            else format_quantity(counted - item.on_hand, unit=item.unit, signed=True)
        )
        if counted is not None and counted == item.on_hand:
            diff = "0"
        expected = format_quantity(item.on_hand, unit=item.unit)
        return (item.sku, item.name, expected, self._text.get(row, ""), diff)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        valid = index.isValid() and 0 <= index.row() < len(self._rows)
        column = index.column()
        if not valid or not 0 <= column < len(self.HEADERS):
            return None
        value: Any = None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = self._texts(index.row())[column]
        elif role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:  # noqa: PLR2004
            value = int(RIGHT)
        elif role == Qt.ItemDataRole.UserRole:
            value = self._rows[index.row()].product_id
        elif role == Qt.ItemDataRole.ForegroundRole and column == len(self.HEADERS) - 1:
            counted = self._counted.get(index.row())
            if counted is not None and counted != self._rows[index.row()].on_hand:
                value = QBrush(QColor(PALETTE["warning"]))
        return value

    @override
    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != COUNTED or role != Qt.ItemDataRole.EditRole:
            return False
        row, text = index.row(), str(value)
        if not text.strip():
            self._counted.pop(row, None)
            self._text.pop(row, None)
        else:
            item = self._rows[row]
            try:
                counted = parse_quantity(text, unit=item.unit, allow_zero=True)
            except QuantityError:
                return False
            self._counted[row] = counted
            self._text[row] = format_quantity(counted, unit=item.unit)
        emit(self.dataChanged, self.index(row, COUNTED), self.index(row, COUNTED + 1))
        return True


class CountDialog(FormDialog):
    """Count the products shown in the stock table (up to 500 at a time).

    Type the counted quantity in the Counted column (Enter moves on); rows left blank are not
    counted. The difference to on-hand at the moment of booking becomes a ``count`` movement.
    Ctrl+Enter books the count.
    """

    enter_submits = False

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary,
        rows: Sequence[StockRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Stocktake — {store}").format(store=store.name), _("&Book count"), parent
        )
        self.stock, self.actor, self.store = stock, actor, store
        self.request_id = uuid.uuid4()
        self.outcome: StockResult | None = None
        self.setMinimumSize(96 * SPACING, 64 * SPACING)
        self.model = CountLinesModel(list(rows)[:MAX_COUNT_LINES], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Products to count"))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fit_headers(self.table)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(160)
        self.note_edit.setPlaceholderText(_("Aisle, shelf or remark"))
        shown = self.model.rowCount()
        more = len(rows) - shown
        intro = plain_label(
            (
                ngettext(
                    "{count} product from the stock table. Leave a row blank to skip it.",
                    "{count} products from the stock table. Leave a row blank to skip it.",
                    shown,
                ).format(count=shown)
                if more <= 0
                else _(
                    "{count} products from the stock table (the first {count}; narrow the filter"
                    " for the other {more}). Leave a row blank to skip it."
                ).format(count=shown, more=more)
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.form.addRow(intro)
        self.add_row(_("&Counts:"), self.table, _("Products to count"))
        self.add_row(_("N&ote:"), self.note_edit, _("Note"))
        if shown:
            self.table.setCurrentIndex(self.model.index(0, COUNTED))
        self.table.setFocus()

    def submit(self) -> None:
        """Book the counted lines."""
        lines = self.model.count_lines()
        if not lines:
            raise ValidationError(_("Type the counted quantity of at least one product."))
        self.outcome = self.stock.count_stock(
            self.actor, self.store.id, lines, note=self.note_edit.text(), request_id=self.request_id
        )
