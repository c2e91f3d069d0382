"""The matrix editor's grid: one row per variant, its values, SKU, barcode and price.

A small, fully loaded table (a template has at most 500 variants) over a list of rows. The
values columns are read-only (they come from the attributes); SKU, barcode and price are
edited in place. A cell the last save refused is tinted and says why in its tooltip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product as cartesian
from typing import Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from typing_extensions import override

from posapp.i18n import _

EDITABLE: Final = ("sku", "barcode", "price")
_ERROR_TINT: Final = QColor(255, 205, 205)
_HINT: Final = QColor(120, 120, 120)
_CODE_PART = re.compile(r"[^0-9A-Za-z]+")

_Index = QModelIndex | QPersistentModelIndex


@dataclass(slots=True)
class GridRow:
    """One variant as typed: ``price`` is text ("" = the template's price)."""

    values: tuple[str, ...]
    sku: str = ""
    barcode: str = ""
    price: str = ""
    product_id: int | None = None
    active: bool = True
    errors: dict[str, str] = field(default_factory=dict)


def suggested_sku(code: str, values: tuple[str, ...]) -> str:
    """``TSHIRT-BLUE-M``: the template's code and the values, in capitals, letters and digits."""
    parts = [_CODE_PART.sub("", part).upper() for part in (code, *values)]
    return "-".join(part for part in parts if part)[:64]


def combine(
    code: str, attributes: list[tuple[str, list[str]]], rows: list[GridRow]
) -> list[GridRow]:
    """Every combination of the attributes' values; rows already there keep what they hold.

    Rows whose combination is no longer possible are dropped (saving then archives their
    variants).
    """
    known = {tuple(v.casefold() for v in row.values): row for row in rows}
    result: list[GridRow] = []
    for values in cartesian(*(vals for _name, vals in attributes)):
        row = known.get(tuple(v.casefold() for v in values))
        if row is None:
            row = GridRow(tuple(values), sku=suggested_sku(code, tuple(values)))
        result.append(row)
    return result


class VariantGridModel(QAbstractTableModel):
    """The variants of the matrix; columns: each attribute, then SKU, barcode and price."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.attributes: list[str] = []
        self.rows: list[GridRow] = []
        self.template_price = ""

    def set_rows(self, attributes: list[str], rows: list[GridRow]) -> None:
        """Show ``rows`` under the columns of ``attributes``."""
        self.beginResetModel()
        self.attributes, self.rows = list(attributes), rows
        self.endResetModel()

    def key(self, column: int) -> str:
        """The column's key: ``value:N``, ``sku``, ``barcode`` or ``price``."""
        if column < len(self.attributes):
            return f"value:{column}"
        return EDITABLE[column - len(self.attributes)]

    def column_of(self, key: str) -> int:
        """The column of ``key`` (``values`` is the first attribute's)."""
        if key in EDITABLE:
            return len(self.attributes) + EDITABLE.index(key)
        return 0

    def set_errors(self, errors: dict[tuple[int, str], str]) -> None:
        """Mark the cells ``(row, key)`` with their messages; clear every other cell."""
        for number, row in enumerate(self.rows):
            row.errors = {key: text for (at, key), text in errors.items() if at == number}
        if self.rows:
            last = self.index(len(self.rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.attributes) + len(EDITABLE)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if section < len(self.attributes):
            return self.attributes[section]
        if section < self.columnCount():
            return (_("SKU"), _("Barcode"), _("Price"))[section - len(self.attributes)]
        return None

    @override
    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() >= len(self.attributes):
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def _text(self, row: GridRow, key: str) -> str:
        if key.startswith("value:"):
            return row.values[int(key[6:])]
        return str(getattr(row, key))

    @override
    def data(  # noqa: PLR0911 - one answer per role
        self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        key = self.key(index.column())
        text = self._text(row, key)
        if role == Qt.ItemDataRole.EditRole:
            return text
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "price" and not text:
                return self.template_price
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in row.errors:
                return row.errors[key]
            if key == "price" and not text:
                return _("The template's price (type a price to set this variant's own)")
            return None
        if role == Qt.ItemDataRole.BackgroundRole and key in row.errors:
            return QBrush(_ERROR_TINT)
        if role == Qt.ItemDataRole.ForegroundRole and key == "price" and not text:
            return QBrush(_HINT)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "price":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @override
    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        key = self.key(index.column())
        if key not in EDITABLE or not isinstance(value, str):
            return False
        row = self.rows[index.row()]
        setattr(row, key, value.strip())
        row.errors.pop(key, None)
        self.dataChanged.emit(index, index)
        return True
