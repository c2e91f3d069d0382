"""Table models of the Customers tab: the search results and a customer's purchase history.

Both are read in keyset pages as the view scrolls (``canFetchMore``/``fetchMore`` over
:class:`~posapp.ui.kit.keyset.KeysetRows`), never OFFSET: the results in name order, the
history newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Signal
from typing_extensions import override

from posapp.services.customers import (
    CustomerCursor,
    CustomerRow,
    HistoryCursor,
    HistoryEntry,
    customer_cursor,
    history_cursor,
)
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.formatting import local_time_text, money_text
from posapp.ui.kit.keyset import KeysetRows, Source, after_last
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel

if TYPE_CHECKING:
    from posapp.services.customers import CustomersApi

PAGE: Final = 100
ModelIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
K = TypeVar("K")

CUSTOMER_COLUMNS: tuple[Column[CustomerRow], ...] = (
    Column("name", "Name", lambda r: r.name),
    Column("phone", "Phone", lambda r: r.phone),
    Column("email", "Email", lambda r: r.email),
    Column("account", "Account", lambda r: r.account_number or "—"),
    Column("tags", "Tags", lambda r: ", ".join(r.tags)),
)

HISTORY_COLUMNS: tuple[Column[HistoryEntry], ...] = (
    Column("at", "Placed", lambda e: local_time_text(e.at)),
    Column("number", "Order", lambda e: e.number),
    Column("status", "Status", lambda e: e.status.replace("_", " ").capitalize()),
    Column("total", "Total", lambda e: money_text(e.total_minor), lambda e: e.total_minor, RIGHT),
    Column(
        "returned",
        "Returned",
        lambda e: money_text(e.returned_minor) if e.returns else "",
        lambda e: e.returned_minor,
        RIGHT,
    ),
    Column("coupons", "Coupons", lambda e: ", ".join(e.coupon_codes)),
)


class _KeysetModel(ColumnTableModel[T], Generic[T, K]):
    """Rows read a keyset page at a time as the view scrolls.

    Signals:
        failed(str): a page could not be read; the message is for the user.
    """

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pages: KeysetRows[T, K] = KeysetRows(
            self, on_error=lambda message: emit(self.failed, message)
        )
        self._rows: Sequence[T] = self._pages.rows

    def show_source(self, source: Source[K, T] | None) -> None:
        """Show the rows of ``source`` from its first page (None: nothing)."""
        self._pages.show(source)

    def reload(self) -> None:
        """Read the rows again from the first page."""
        self._pages.reload()

    @override
    def canFetchMore(self, parent: ModelIndex) -> bool:
        return self._pages.can_fetch_more(parent)

    @override
    def fetchMore(self, parent: ModelIndex) -> None:
        self._pages.fetch_more(parent)

    @override
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    @override
    def item(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None


class CustomerListModel(_KeysetModel[CustomerRow, CustomerCursor]):
    """The customers matching the search, in name order."""

    columns = CUSTOMER_COLUMNS

    def __init__(self, api: CustomersApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api, self._actor = api, actor
        self.text = ""

    def search(self, text: str) -> None:
        """Show the customers matching ``text`` (all of them when empty)."""
        self.text = text
        api, actor = self._api, self._actor
        self.show_source(
            after_last(lambda after: api.search(actor, text, after, PAGE), customer_cursor, PAGE)
        )


class HistoryModel(_KeysetModel[HistoryEntry, HistoryCursor]):
    """One customer's orders, newest first."""

    columns = HISTORY_COLUMNS

    def __init__(self, api: CustomersApi, actor: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api, self._actor = api, actor

    def set_customer(self, customer_id: int | None) -> None:
        """Show ``customer_id``'s history (None: none)."""
        if customer_id is None:
            self.show_source(None)
            return
        api, actor = self._api, self._actor
        self.show_source(
            after_last(
                lambda before: api.history(actor, customer_id, before, PAGE), history_cursor, PAGE
            )
        )
