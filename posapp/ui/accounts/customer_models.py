"""Table models of the Customers tab: the search results and a customer's purchase history.

Both are read in keyset pages as the view scrolls (``canFetchMore``/``fetchMore`` over
:class:`~posapp.ui.kit.keyset.KeysetRows`), never OFFSET: the results in name order, the
history newest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject

from posapp.i18n import N_
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
from posapp.ui.kit.keyset import after_last
from posapp.ui.kit.keyset_model import KeysetTableModel
from posapp.ui.kit.table_model import RIGHT, Column

if TYPE_CHECKING:
    from posapp.services.customers import CustomersApi

PAGE: Final = 100

CUSTOMER_COLUMNS: tuple[Column[CustomerRow], ...] = (
    Column("name", N_("Name"), lambda r: r.name),
    Column("phone", N_("Phone"), lambda r: r.phone),
    Column("email", N_("Email"), lambda r: r.email),
    Column("account", N_("Account"), lambda r: r.account_number or "—"),
    Column("tags", N_("Tags"), lambda r: ", ".join(r.tags)),
)

HISTORY_COLUMNS: tuple[Column[HistoryEntry], ...] = (
    Column("at", N_("Placed"), lambda e: local_time_text(e.at)),
    Column("number", N_("Order"), lambda e: e.number),
    Column("status", N_("Status"), lambda e: e.status.replace("_", " ").capitalize()),
    Column(
        "total", N_("Total"), lambda e: money_text(e.total_minor), lambda e: e.total_minor, RIGHT
    ),
    Column(
        "returned",
        N_("Returned"),
        lambda e: money_text(e.returned_minor) if e.returns else "",
        lambda e: e.returned_minor,
        RIGHT,
    ),
    Column("coupons", N_("Coupons"), lambda e: ", ".join(e.coupon_codes)),
)


class CustomerListModel(KeysetTableModel[CustomerRow, CustomerCursor]):
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


class HistoryModel(KeysetTableModel[HistoryEntry, HistoryCursor]):
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
