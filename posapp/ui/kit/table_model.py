"""Table models whose columns are declared once, as a tuple of specs (Anki's ``Column``).

A screen's model says how to reach the row on a line (:meth:`ColumnTableModel.item`: a list, a
page cache, keyset pages) and declares its columns; the header, the column count and the common
roles are answered here, the same way for every table (``STYLE.md`` §5): ``DisplayRole`` (and
the accessible text) is the formatted text, ``Qt.UserRole`` the raw value, and
``TextAlignmentRole`` the column's alignment. A model answers more roles (a colour, a tooltip),
or answers one differently, with a table of :attr:`ColumnTableModel.roles`, or by overriding
:meth:`ColumnTableModel.cell`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from typing_extensions import override

from posapp.i18n import _

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _no_value(_row: object) -> object:
    return None


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """One column: its key, header, how a row shows in it, its raw value, its alignment."""

    key: str
    header: str
    text: Callable[[T], str]
    raw: Callable[[T], object] = _no_value
    """The ``Qt.UserRole`` value (what the column sorts by)."""
    align: Qt.AlignmentFlag = LEFT


class ColumnTableModel(QAbstractTableModel, Generic[T]):
    """A flat table of rows of type ``T`` shown through :attr:`columns`."""

    columns: tuple[Column[T], ...] = ()
    roles: Mapping[int, Callable[[T, Column[T]], Any]] = MappingProxyType({})
    """What the model answers for a role, given the row and the column (before the defaults)."""

    def item(self, row: int) -> T | None:
        """The row shown on line ``row`` (None: out of range or not readable)."""
        raise NotImplementedError

    def cell(self, item: T, column: Column[T], role: int) -> Any:
        """What ``data`` answers for ``item`` in ``column`` (None: nothing for this role)."""
        handler = self.roles.get(role)
        if handler is not None:
            return handler(item, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(item)
        if role == Qt.ItemDataRole.UserRole:
            return column.raw(item)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        return None

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return _(column.header) if column.header else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        return None

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        item = self.item(index.row())
        if item is None:
            return None
        return self.cell(item, self.columns[index.column()], role)
