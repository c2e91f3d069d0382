"""Table models of the Accounts tab: the searchable accounts list and an account's movements.

The list follows Anki's browser: the search returns ordered ids, ``rowCount`` is their number,
and ``data`` reads rows from a page cache filled by one query per page of 100; a bus event
marks the cache stale. The movements are an append-only list fetched in keyset pages
(``canFetchMore``/``fetchMore``), newest first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import MappingProxyType
from typing import Final

from PySide6 import QtGui
from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from typing_extensions import override

from posapp.i18n import N_, _
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
from posapp.ui.kit.keyset import Source
from posapp.ui.kit.keyset_model import KeysetTableModel
from posapp.ui.kit.paged_ids import PagedIds
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel

_log = logging.getLogger(__name__)

ROW_PAGE: Final = 100
MOVEMENT_PAGE: Final = 100
ModelIndex = QModelIndex | QPersistentModelIndex

MINUS: Final = "\u2212"


def balance_money(minor: int) -> str:
    """A balance: ``$12.50``, or ``−$3.00`` below zero (a minus sign, never accounting brackets)."""
    return f"{MINUS}{money_text(-minor)}" if minor < 0 else money_text(minor)


def signed_money(minor: int) -> str:
    """A movement with an explicit sign: ``+$12.50`` in, ``−$3.00`` out."""
    return f"+{money_text(minor)}" if minor > 0 else balance_money(minor)


ACCOUNT_COLUMNS: Final[tuple[Column[AccountRow], ...]] = (
    Column("holder", N_("Holder"), lambda r: r.holder_name),
    Column("number", N_("Number"), lambda r: display(r.number)),
    Column("phone", N_("Phone"), lambda r: r.phone),
    Column("email", N_("Email"), lambda r: r.email),
    Column("status", N_("Status"), lambda r: _(STATUS_LABELS.get(r.status, r.status))),
    Column("balance", N_("Balance"), lambda r: balance_money(r.balance_minor), align=RIGHT),
)

MOVEMENT_COLUMNS: Final[tuple[Column[MovementDTO], ...]] = (
    Column("at", N_("When"), lambda m: local_time_text(m.at)),
    Column("kind", N_("Movement"), lambda m: m.label),
    Column("memo", N_("Details"), lambda m: m.memo),
    Column("amount", N_("Amount"), lambda m: signed_money(m.amount_minor), align=RIGHT),
    Column("balance", N_("Balance"), lambda m: balance_money(m.balance_after_minor), align=RIGHT),
)


class AccountListModel(ColumnTableModel[AccountRow]):
    """Accounts matching a filter: ids up front, rows fetched one page at a time.

    Signals:
        failed(str): a search or a page could not be read; the message is for the user.
    """

    failed = Signal(str)
    columns = ACCOUNT_COLUMNS
    roles = MappingProxyType(
        {
            Qt.ItemDataRole.UserRole: lambda row, _column: row.id,
            Qt.ItemDataRole.ForegroundRole: lambda row, column: _account_colour(column.key, row),
            Qt.ItemDataRole.ToolTipRole: lambda row, _column: _account_tip(row),
        }
    )

    def __init__(self, api: AccountsApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._actor = actor
        self._rows = PagedIds(self._read, lambda r: r.id, ROW_PAGE)
        self._filter = AccountFilter()

    def _read(self, ids: Sequence[int]) -> list[AccountRow]:
        return self._api.rows(self._actor, ids)

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
        self._filter = flt
        self._rows.set_ids(ids)
        self.endResetModel()

    def refresh(self) -> None:
        """Search again with the same filter (an account was added or changed)."""
        self.set_filter(self._filter)

    def mark_stale(self) -> None:
        """Drop the cached rows (a balance changed); visible rows are read again."""
        self._rows.clear()
        if self._rows.ids:
            last = self.index(len(self._rows.ids) - 1, len(ACCOUNT_COLUMNS) - 1)
            emit(self.dataChanged, self.index(0, 0), last)

    def account_id(self, row: int) -> int | None:
        """The account shown in ``row``."""
        return self._rows.id_at(row)

    def row_of(self, account_id: int) -> int | None:
        """The row showing ``account_id``, if it matches the filter."""
        return self._rows.row_of(account_id)

    def account_row(self, row: int) -> AccountRow | None:
        """The list row (read through the page cache)."""
        try:
            return self._rows.item(row)
        except ServiceError as exc:
            _log.warning("cannot read accounts: %s", exc)
            return None

    @override
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows.ids)

    @override
    def item(self, row: int) -> AccountRow | None:
        return self.account_row(row)


def _account_tip(row: AccountRow) -> str | None:
    if row.pin_locked:
        return _("PIN locked after wrong PINs: a manager must unlock it.")
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


class MovementsModel(KeysetTableModel[MovementDTO, int]):
    """An account's movements, newest first, fetched in keyset pages as the view scrolls.

    Signals:
        failed(str): a page could not be read; the message is for the user.
    """

    columns = MOVEMENT_COLUMNS
    roles = MappingProxyType(
        {
            Qt.ItemDataRole.UserRole: lambda movement, _column: movement.transaction_id,
            Qt.ItemDataRole.ForegroundRole: lambda m, column: _movement_colour(column.key, m),
            Qt.ItemDataRole.ToolTipRole: lambda movement, _column: _movement_tip(movement),
        }
    )

    def __init__(self, api: AccountsApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._actor = actor
        self._account_id: int | None = None

    @property
    def account_id(self) -> int | None:
        """The account whose movements are shown."""
        return self._account_id

    def set_account(self, account_id: int | None) -> None:
        """Show ``account_id``'s movements (None: none); the first page loads at once."""
        self._account_id = account_id
        self.show_source(None if account_id is None else self._source(account_id))

    def _source(self, account_id: int) -> Source[int, MovementDTO]:
        def read(before: int | None) -> tuple[list[MovementDTO], int | None]:
            page = self._api.movements(self._actor, account_id, before, MOVEMENT_PAGE)
            return page.rows, page.next_before

        return read

    def movement(self, row: int) -> MovementDTO | None:
        """The movement in ``row``."""
        return self.item(row)


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
        lines.append(_("Reversed by #{id}").format(id=movement.reversed_by_id))
    if movement.reversal_of_id is not None:
        lines.append(_("Reverses #{id}").format(id=movement.reversal_of_id))
    if movement.user_name:
        lines.append(
            _("By {user}, {time}").format(
                user=movement.user_name, time=local_time_text(movement.at)
            )
        )
    return QtGui.Qt.convertFromPlainText("\n".join(lines))  # the memo was typed: never HTML
