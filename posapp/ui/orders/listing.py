"""The order list: a lazy table over keyset pages, with filters and one order's detail beside it.

The model holds the rows fetched so far; scrolling near the end calls ``fetchMore``, which asks
the services for the page after the last row (``WHERE (created_at, id) < …``, never OFFSET).
Filters are applied in SQL; a change of filter or a new order resets the list to its first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.events import DomainEvent
from posapp.i18n import N_, _, pgettext
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import OrderFilter, OrderRow, SaleCustomerDTO, SalesApi
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.region import start_weeks
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.ui.kit.zoned import today_in
from posapp.ui.orders.detail import OrderDetailPanel
from posapp.ui.register import CustomerPicker

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
REFRESH_DELAY_MS = 300
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

STATUS_TEXT = {
    "placed": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "ready": N_("Ready for pickup"),
    "fulfilled": N_("Handed over"),
    "collected": N_("Collected"),
    "cancelled": N_("Cancelled"),
    "partly_refunded": N_("Partly refunded"),
    "refunded": N_("Refunded"),
}


@dataclass(frozen=True, slots=True)
class OrderColumn:
    """A column of the order list."""

    header: str
    align: int


ORDER_COLUMNS = (
    OrderColumn(N_("Number"), _LEFT),
    OrderColumn(N_("Time"), _LEFT),
    OrderColumn(N_("Status"), _LEFT),
    OrderColumn(N_("Pickup"), _LEFT),
    OrderColumn(N_("Store"), _LEFT),
    OrderColumn(N_("Cashier"), _LEFT),
    OrderColumn(N_("Customer"), _LEFT),
    OrderColumn(N_("Items"), _RIGHT),
    OrderColumn(N_("Total"), _RIGHT),
    OrderColumn(N_("Refunded"), _RIGHT),
)


def _channel(row: OrderRow) -> str:
    """The Pickup column: an order placed on the web shop, or at the till, to collect later."""
    if row.web:
        return _("Web")
    return _("Till") if row.pickup else ""


def _cell(row: OrderRow, column: int) -> str:
    values = (
        row.number,
        row.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        _(STATUS_TEXT.get(row.status, row.status)),
        _channel(row),
        row.store_name,
        row.cashier_name,
        row.customer_name,
        str(row.item_count),
        money_text(row.total_minor),
        money_text(row.refunded_minor) if row.refunded_minor else "",
    )
    return values[column]


class OrderListModel(QAbstractTableModel):
    """Orders newest first, fetched a page at a time as the view scrolls.

    Signals:
        failed(str): a page could not be read (the message says why).
    """

    failed = Signal(str)

    def __init__(self, sales: SalesApi, user: UserDTO, page_size: int = PAGE) -> None:
        super().__init__()
        self._sales, self._user = sales, user
        self._page = page_size
        self._rows: list[OrderRow] = []
        self._filter = OrderFilter()
        self._more = True

    @property
    def filter(self) -> OrderFilter:
        """The filter shown."""
        return self._filter

    def set_filter(self, filt: OrderFilter) -> None:
        """Show other orders: back to the first page."""
        self._filter = filt
        self.reload()

    def reload(self) -> None:
        """Drop the rows and fetch the first page again."""
        self.beginResetModel()
        self._rows = []
        self._more = True
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def row_at(self, row: int) -> OrderRow | None:
        """The order on ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @override
    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more

    @override
    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or not self._more:
            return
        after = self._rows[-1].key if self._rows else None
        try:
            page = self._sales.order_page(self._user, self._filter, after, self._page)
        except ServiceError as exc:
            self._more = False
            emit(self.failed, str(exc))
            return
        self._more = len(page) == self._page
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ORDER_COLUMNS)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ORDER_COLUMNS[index.column()].align
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(ORDER_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(ORDER_COLUMNS[section].header)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ORDER_COLUMNS[section].align
        return None


class OrderListView(QWidget):
    """Filters, the lazy order table, and the chosen order's detail with its actions.

    Signals:
        order_changed(): an action changed an order (the register may show it).
    """

    order_changed = Signal()

    def __init__(
        self, sales: SalesApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderListView")
        self.sales, self.user = sales, user
        self.customer: SaleCustomerDTO | None = None
        self.model = OrderListModel(sales, user)
        self.model.failed.connect(self._on_model_failed)
        self.detail = OrderDetailPanel(sales, bus, user, self)
        self.detail.changed.connect(self._on_detail_changed)
        self._build_filters()
        self.table = QTableView(self)
        self.table.setObjectName("orderTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName(_("Orders"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.error = message_label("errorLabel", self, wrap=False)
        splitter = QSplitter(self)
        holder = QWidget(splitter)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.filters)
        column.addWidget(self.error)
        column.addWidget(self.table, 1)
        splitter.addWidget(holder)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 460])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.addWidget(splitter)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        for signal in (bus.order_placed, bus.order_status_changed, bus.payment_confirmed):
            signal.connect(self._on_bus_order_event)
        search = QShortcut(QKeySequence("Ctrl+F"), self)
        search.setContext(Qt.ShortcutContext.WindowShortcut)
        search.activated.connect(self.search_edit.setFocus)
        self.setFocusProxy(self.search_edit)  # the list opens ready for a scanned receipt
        self._loaded = False

    def _build_filters(self) -> None:
        self.filters = QWidget(self)
        self._build_filter_fields()
        self._layout_filters()

    def _build_filter_fields(self) -> None:
        self.search_edit = QLineEdit(self.filters)
        self.search_edit.setPlaceholderText(
            _("Order number (Ctrl+F), or scan the receipt's barcode")
        )
        self.search_edit.setAccessibleName(_("Search by order number"))
        self.search_edit.textEdited.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self._on_search_return_pressed)
        self.status_combo = QComboBox(self.filters)
        self.status_combo.setAccessibleName(_("Status"))
        self.status_combo.addItem(_("Any status"), "")
        for key, text in STATUS_TEXT.items():
            self.status_combo.addItem(_(text), key)
        self.status_combo.currentIndexChanged.connect(self.apply_filter)
        self.from_edit = QDateEdit(self.filters)
        self.to_edit = QDateEdit(self.filters)
        today = today_in(self.sales.shop_zone())  # the days filter in the shop's zone
        self.from_edit.setDate(today.addDays(-30))
        self.to_edit.setDate(today)
        for edit, name in ((self.from_edit, _("From date")), (self.to_edit, _("To date"))):
            edit.setCalendarPopup(True)
            start_weeks(edit)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self.apply_filter)
        self.store_combo = QComboBox(self.filters)
        self.store_combo.setAccessibleName(_("Store"))
        self.store_combo.addItem(_("All stores"), None)
        try:
            for store in self.sales.stores():
                if store.kind == "store":
                    self.store_combo.addItem(store.name, store.id)
        except ServiceError:
            pass
        self.store_combo.currentIndexChanged.connect(self.apply_filter)
        self.mine_check = QCheckBox(_("Only my sales"), self.filters)
        self.mine_check.toggled.connect(self.apply_filter)
        self.pickup_check = QCheckBox(_("Pickup orders"), self.filters)
        self.pickup_check.setToolTip(_("Only orders to collect: web orders and the till's"))
        self.pickup_check.toggled.connect(self.apply_filter)
        self.customer_button = QPushButton(_("Any customer"), self.filters)
        self.customer_button.setAccessibleName(_("Customer filter"))
        self.customer_button.clicked.connect(self._on_customer_button_clicked)

    def _layout_filters(self) -> None:
        first = QHBoxLayout()
        first.setSpacing(SPACING)
        first.addWidget(self.search_edit, 1)
        first.addWidget(self.status_combo)
        first.addWidget(self.store_combo)
        second = QHBoxLayout()
        second.setSpacing(SPACING)
        second.addWidget(QLabel(pgettext("date", "From"), self.filters))
        second.addWidget(self.from_edit)
        second.addWidget(QLabel(pgettext("date", "to"), self.filters))
        second.addWidget(self.to_edit)
        second.addStretch(1)
        second.addWidget(self.customer_button)
        second.addWidget(self.pickup_check)
        second.addWidget(self.mine_check)
        column = QVBoxLayout(self.filters)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addLayout(first)
        column.addLayout(second)

    def current_filter(self) -> OrderFilter:
        """The filter the fields describe."""
        status = self.status_combo.currentData()
        store = self.store_combo.currentData()
        return OrderFilter(
            statuses=(str(status),) if status else (),
            date_from=_to_date(self.from_edit.date()),
            date_to=_to_date(self.to_edit.date()),
            store_id=int(store) if store is not None else None,
            cashier_id=self.user.id if self.mine_check.isChecked() else None,
            customer_id=self.customer.id if self.customer else None,
            number=self.search_edit.text().strip(),
            pickup_only=self.pickup_check.isChecked(),
        )

    @Slot()
    def apply_filter(self) -> None:
        """Show the orders the filter fields describe."""
        self._timer.stop()
        self.error.hide()
        self.model.set_filter(self.current_filter())
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.detail.show_order(None)

    def ensure_loaded(self) -> None:
        """Load the first page the first time the list is shown."""
        if not self._loaded:
            self._loaded = True
            self.apply_filter()

    @Slot()
    def _on_search_return_pressed(self) -> None:
        text = self.search_edit.text().strip()
        if not text:
            self.apply_filter()
            return
        try:
            order = self.sales.find_order(self.user, text)
        except ServiceError:
            self.apply_filter()
            return
        self.detail.show_order(order)

    @Slot()
    def _on_customer_button_clicked(self) -> None:
        with one_use(
            CustomerPicker(
                lambda t: self.sales.find_customers(self.user, t),
                self.customer.name if self.customer else "",
                self,
            )
        ) as picker:
            if not picker.exec():
                return
            self.customer = None if picker.detached else picker.chosen
        self.customer_button.setText(self.customer.name if self.customer else _("Any customer"))
        self.apply_filter()

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        if row is not None:
            self.detail.load(row.id)

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    @Slot()
    def _on_detail_changed(self) -> None:
        current = self.detail.order_id
        self.model.reload()
        if current is not None:
            self.detail.load(current)
        emit(self.order_changed)

    @Slot(object)
    def _on_bus_order_event(self, _event: DomainEvent) -> None:
        if self._loaded and self.isVisible():
            self._timer.start()


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def default_range(today: date) -> tuple[date, date]:
    """The list's default period: the last thirty days."""
    return today - timedelta(days=30), today
