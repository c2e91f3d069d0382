"""Table models of the Accounts tab: the searchable accounts list and an account's movements.

The list follows Anki's browser: the search returns ordered ids, ``rowCount`` is their number,
and ``data`` reads rows from a page cache filled by one query per page of 100; a bus event
marks the cache stale. The movements are an append-only list fetched in keyset pages
(``canFetchMore``/``fetchMore``), newest first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from typing_extensions import override

from posapp.services.accounts import (
    STATUS_LABELS,
    AccountFilter,
    AccountRow,
    AccountsApi,
    MovementDTO,
    display,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.formatting import local_time_text, money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE

_log = logging.getLogger(__name__)

ROW_PAGE: Final = 100
MOVEMENT_PAGE: Final = 100
ModelIndex = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, header, alignment and how a row becomes its text."""

    key: str
    header: str
    alignment: Qt.AlignmentFlag
    text: Callable[[Any], str]


MINUS: Final = "\u2212"


def balance_money(minor: int) -> str:
    """A balance: ``$12.50``, or ``−$3.00`` below zero (a minus sign, never accounting brackets)."""
    return f"{MINUS}{money_text(-minor)}" if minor < 0 else money_text(minor)


def signed_money(minor: int) -> str:
    """A movement with an explicit sign: ``+$12.50`` in, ``−$3.00`` out."""
    return f"+{money_text(minor)}" if minor > 0 else balance_money(minor)


ACCOUNT_COLUMNS: Final = (
    Column("holder", "Holder", _LEFT, lambda r: r.holder_name),
    Column("number", "Number", _LEFT, lambda r: display(r.number)),
    Column("phone", "Phone", _LEFT, lambda r: r.phone),
    Column("email", "Email", _LEFT, lambda r: r.email),
    Column("status", "Status", _LEFT, lambda r: STATUS_LABELS.get(r.status, r.status)),
    Column("balance", "Balance", _RIGHT, lambda r: balance_money(r.balance_minor)),
)

MOVEMENT_COLUMNS: Final = (
    Column("at", "When", _LEFT, lambda m: local_time_text(m.at)),
    Column("kind", "Movement", _LEFT, lambda m: m.label),
    Column("memo", "Details", _LEFT, lambda m: m.memo),
    Column("amount", "Amount", _RIGHT, lambda m: signed_money(m.amount_minor)),
    Column("balance", "Balance", _RIGHT, lambda m: balance_money(m.balance_after_minor)),
)


class AccountListModel(QAbstractTableModel):
    """Accounts matching a filter: ids up front, rows fetched one page at a time.

    Signals:
        failed(str): a search or a page could not be read; the message is for the user.
    """

    failed = Signal(str)

    def __init__(self, api: AccountsApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._actor = actor
        self._ids: list[int] = []
        self._pages: dict[int, dict[int, AccountRow]] = {}
        self._filter = AccountFilter()

    @property
    def account_filter(self) -> AccountFilter:
        """The filter in force."""
        return self._filter

    def set_filter(self, flt: AccountFilter) -> None:
        """Search again with ``flt`` (one query for the ids)."""
        try:
            ids = self._api.search(self._actor, flt)
        except ServiceError as exc:
            emit(self.failed, str(exc))
            return
        self.beginResetModel()
        self._filter, self._ids, self._pages = flt, ids, {}
        self.endResetModel()

    def refresh(self) -> None:
        """Search again with the same filter (an account was added or changed)."""
        self.set_filter(self._filter)

    def mark_stale(self) -> None:
        """Drop the cached rows (a balance changed); visible rows are read again."""
        self._pages = {}
        if self._ids:
            emit(
                self.dataChanged,
                self.index(0, 0),
                self.index(len(self._ids) - 1, len(ACCOUNT_COLUMNS) - 1),
            )

    def account_id(self, row: int) -> int | None:
        """The account shown in ``row``."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, account_id: int) -> int | None:
        """The row showing ``account_id``, if it matches the filter."""
        try:
            return self._ids.index(account_id)
        except ValueError:
            return None

    def account_row(self, row: int) -> AccountRow | None:
        """The list row (read through the page cache)."""
        if not 0 <= row < len(self._ids):
            return None
        page = row // ROW_PAGE
        if page not in self._pages:
            ids = self._ids[page * ROW_PAGE : (page + 1) * ROW_PAGE]
            try:
                rows = self._api.rows(self._actor, ids)
            except ServiceError as exc:
                _log.warning("cannot read accounts: %s", exc)
                return None
            self._pages[page] = {r.id: r for r in rows}
        return self._pages[page].get(self._ids[row])

    @override
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    @override
    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ACCOUNT_COLUMNS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(ACCOUNT_COLUMNS):
            return None
        column = ACCOUNT_COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.alignment)
        return None

    @override
    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(ACCOUNT_COLUMNS):
            return None
        row = self.account_row(index.row())
        if row is None:
            return None
        column = ACCOUNT_COLUMNS[index.column()]
        getter = {
            Qt.ItemDataRole.DisplayRole: column.text,
            Qt.ItemDataRole.AccessibleTextRole: column.text,
            Qt.ItemDataRole.UserRole: lambda r: r.id,
            Qt.ItemDataRole.TextAlignmentRole: lambda _r: int(column.alignment),
            Qt.ItemDataRole.ForegroundRole: lambda r: _account_colour(column.key, r),
            Qt.ItemDataRole.ToolTipRole: _account_tip,
        }.get(Qt.ItemDataRole(role))
        return None if getter is None else getter(row)


def _account_tip(row: AccountRow) -> str | None:
    if row.pin_locked:
        return "PIN locked after wrong PINs: a manager must unlock it."
    return None


def _account_colour(key: str, row: AccountRow) -> QColor | None:
    if key == "balance" and row.balance_minor < 0:
        return QColor(PALETTE["danger"])
    if key == "status" and row.status == "frozen":
        return QColor(PALETTE["warning"])
    if key == "status" and row.status == "closed":
        return QColor(PALETTE["subtle"])
    if row.status == "closed":
        return QColor(PALETTE["muted"])
    return None


class MovementsModel(QAbstractTableModel):
    """An account's movements, newest first, fetched in keyset pages as the view scrolls.

    Signals:
        failed(str): a page could not be read; the message is for the user.
    """

    failed = Signal(str)

    def __init__(self, api: AccountsApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._actor = actor
        self._account_id: int | None = None
        self._rows: list[MovementDTO] = []
        self._next: int | None = None
        self._done = True

    @property
    def account_id(self) -> int | None:
        """The account whose movements are shown."""
        return self._account_id

    def set_account(self, account_id: int | None) -> None:
        """Show ``account_id``'s movements (None: none); the first page loads at once."""
        self.beginResetModel()
        self._account_id, self._rows, self._next = account_id, [], None
        self._done = account_id is None
        self.endResetModel()
        if not self._done:
            self.fetchMore(QModelIndex())

    def reload(self) -> None:
        """Read the movements again from the newest (money moved on the account)."""
        self.set_account(self._account_id)

    def movement(self, row: int) -> MovementDTO | None:
        """The movement in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @override
    def canFetchMore(self, parent: ModelIndex) -> bool:
        return not parent.isValid() and not self._done

    @override
    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.isValid() or self._done or self._account_id is None:
            return
        try:
            page = self._api.movements(self._actor, self._account_id, self._next, MOVEMENT_PAGE)
        except ServiceError as exc:
            self._done = True
            emit(self.failed, str(exc))
            return
        self._next = page.next_before
        self._done = page.next_before is None
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()

    @override
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(MOVEMENT_COLUMNS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(MOVEMENT_COLUMNS):
            return None
        column = MOVEMENT_COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.alignment)
        return None

    @override
    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(MOVEMENT_COLUMNS):
            return None
        movement = self.movement(index.row())
        if movement is None:
            return None
        column = MOVEMENT_COLUMNS[index.column()]
        getter = {
            Qt.ItemDataRole.DisplayRole: column.text,
            Qt.ItemDataRole.AccessibleTextRole: column.text,
            Qt.ItemDataRole.UserRole: lambda m: m.transaction_id,
            Qt.ItemDataRole.TextAlignmentRole: lambda _m: int(column.alignment),
            Qt.ItemDataRole.ForegroundRole: lambda m: _movement_colour(column.key, m),
            Qt.ItemDataRole.ToolTipRole: _movement_tip,
        }.get(Qt.ItemDataRole(role))
        return None if getter is None else getter(movement)


def _movement_colour(key: str, movement: MovementDTO) -> QColor | None:
    if movement.reversed_by_id is not None:
        return QColor(PALETTE["subtle"])
    if key == "amount":
        return QColor(PALETTE["success"] if movement.amount_minor > 0 else PALETTE["text"])
    if key == "balance" and movement.balance_after_minor < 0:
        return QColor(PALETTE["danger"])
    if key in ("ref", "at"):
        return QColor(PALETTE["muted"])
    return None


def _movement_tip(movement: MovementDTO) -> str:
    lines = [f"{movement.label} #{movement.transaction_id}: {movement.memo}".rstrip(": ")]
    if movement.reversed_by_id is not None:
        lines.append(f"Reversed by #{movement.reversed_by_id}")
    if movement.reversal_of_id is not None:
        lines.append(f"Reverses #{movement.reversal_of_id}")
    if movement.user_name:
        lines.append(f"By {movement.user_name}, {local_time_text(movement.at)}")
    return QtGui.Qt.convertFromPlainText("\n".join(lines))  # the memo was typed: never HTML
