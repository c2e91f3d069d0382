"""A column table model over a keyset-paged list: rows read a page at a time as the view scrolls.

The model side of :class:`~posapp.ui.kit.keyset.KeysetRows`: ``canFetchMore``/``fetchMore``
read the next page, ``rowCount`` is what was read so far. Screens subclass it with their
columns and roles and call :meth:`KeysetTableModel.show_source` with where the rows come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Signal
from typing_extensions import override

from posapp.ui.kit.keyset import KeysetModelMixin, KeysetRows, Source
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.table_model import ColumnTableModel

T = TypeVar("T")
K = TypeVar("K")
ModelIndex = QModelIndex | QPersistentModelIndex


class KeysetTableModel(KeysetModelMixin[T, K], ColumnTableModel[T]):
    """Rows of type ``T`` read a keyset page (cursor ``K``) at a time as the view scrolls.

    Signals:
        failed(str): a page could not be read; the message is for the user.
    """

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pages = KeysetRows(self, on_error=lambda message: emit(self.failed, message))
        self._rows: Sequence[T] = self.pages.rows

    def show_source(self, source: Source[K, T] | None) -> None:
        """Show the rows of ``source`` from its first page (None: nothing)."""
        self.pages.show(source)

    @override
    def item(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
