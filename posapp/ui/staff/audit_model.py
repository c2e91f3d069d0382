"""The audit log as a lazily fetched Qt table: keyset pages, newest first.

The log grows without bound, so this is STYLE §5's large case: the filter runs in SQL (the
view passes a new page source for each filter) and rows arrive a page at a time through
``canFetchMore``/``fetchMore`` as the view scrolls, never with OFFSET and never behind a proxy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from PySide6 import QtGui
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.staff import AuditRow
from posapp.ui.kit.formatting import local_time_text

Index = QModelIndex | QPersistentModelIndex
PageSource = Callable[[int | None], list[AuditRow]]
"""Returns the page of rows older than the given row id (None: the newest page)."""

ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class AuditColumn:
    """One column of the audit table."""

    key: str
    header: str
    text: Callable[[AuditRow], str]


def _when(row: AuditRow) -> str:
    return local_time_text(row.at)


def _object(row: AuditRow) -> str:
    return row.object_label


AUDIT_COLUMNS: Final[tuple[AuditColumn, ...]] = (
    AuditColumn("at", N_("TIME"), _when),
    AuditColumn("user", N_("USER"), lambda r: r.who or "—"),
    AuditColumn("action", N_("ACTION"), lambda r: r.action),
    AuditColumn("object", N_("OBJECT"), _object),
    AuditColumn("details", N_("DETAILS"), lambda r: r.details),
    AuditColumn("approver", N_("APPROVER"), lambda r: r.approver),
    AuditColumn("reason", N_("REASON"), lambda r: r.reason),
    AuditColumn("register", N_("REGISTER"), lambda r: r.register),
)


def _empty_source(_before_id: int | None) -> list[AuditRow]:
    return []


class AuditTableModel(QAbstractTableModel):
    """Audit rows, newest first, fetched in pages from a :data:`PageSource`."""

    def __init__(
        self, parent: QObject | None = None, *, on_error: Callable[[Exception], None] | None = None
    ) -> None:
        super().__init__(parent)
        self._on_error = on_error
        self._rows: list[AuditRow] = []
        self._source: PageSource = _empty_source
        self._exhausted = True

    def reset(self, source: PageSource) -> None:
        """Show the rows of ``source`` from its newest page on.

        Raises:
            ServiceError: the first page cannot be read (the model is then empty).
        """
        self.beginResetModel()
        self._rows, self._source, self._exhausted = [], source, True
        try:
            first = source(None)
        finally:
            self.endResetModel()
        self._append(first)
        self._exhausted = not first

    def row_at(self, row: int) -> AuditRow:
        """The audit row shown in ``row``."""
        return self._rows[row]

    def _append(self, rows: list[AuditRow]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    @override
    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    @override
    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted:
            return
        before = self._rows[-1].id if self._rows else None
        try:
            page = self._source(before)
        except Exception as exc:  # Qt called us: report it, never let it escape into Qt
            self._exhausted = True
            if self._on_error is not None:
                self._on_error(exc)
            return
        self._exhausted = not page
        self._append(page)

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(AUDIT_COLUMNS)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], AUDIT_COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.UserRole:
            return row.at if column.key == "at" else column.text(row)
        return None

    @staticmethod
    def _tooltip(row: AuditRow, column: AuditColumn) -> str | None:
        if column.key == "at":
            return _("{time} (UTC) · row {id}").format(
                time=row.at.isoformat(timespec="seconds"), id=row.id
            )
        text = column.text(row)
        return QtGui.Qt.convertFromPlainText(text) if text else None  # typed text: never HTML

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(AUDIT_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(AUDIT_COLUMNS[section].header)
        return None
