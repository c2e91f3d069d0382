"""The Stores tab: storefronts and warehouses, their stock, movements and replenishment.

Cashiers look (VIEW_STOCK); managers receive, adjust, count (ADJUST_STOCK) and transfer
(TRANSFER_STOCK); admins also add, edit and deactivate locations (MANAGE_STORES). Every
action has a shortcut, shown on its button:

=================  =====================================
F2                 Receive a delivery
F3                 Adjust the selected product
F4                 Transfer stock to another location
F6                 Count (stocktake) the products shown
F7                 Reorder settings of the selected product
F5                 Refresh
Ctrl+F             Search
Ctrl+Shift+C / P   Export the replenishment list (CSV / PDF)
F8                 Value: the store's inventory valuation as PDF (reports)
Ctrl+Shift+N / E   New / edit location (admins)
Ctrl+Shift+D       Deactivate or reactivate the location (admins)
Alt+S / P / R      Stock table / product grid / replenishment list
Alt+O              Purchase orders and suppliers (managers; its own keys in
                   :mod:`posapp.ui.stores.purchasing`)
=================  =====================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt, QTimer, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.events import ProductChanged, ProductsImported, PurchaseOrderChanged, StockMoved
from posapp.i18n import N_, _, ngettext, pgettext
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import Permission, has_permission
from posapp.services.stock import StockApi, StockResult, StoreSummary
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.resources import styled
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import SPACING, PageHeader, page_column, shortcut_action
from posapp.ui.stores.count_dialog import MAX_COUNT_LINES, CountDialog
from posapp.ui.stores.dialogs import (
    AdjustDialog,
    ReceiveDialog,
    ReorderDialog,
    TransferDialog,
    pick_of,
)
from posapp.ui.stores.export import export_operation, valuation_operation
from posapp.ui.stores.panel import StockPanel, action_button, caption, two_panes
from posapp.ui.stores.purchasing import PurchasingPage
from posapp.ui.stores.store_dialog import StoreDialog
from posapp.ui.stores.store_list import StoreItemDelegate, StoreListModel

REFRESH_DELAY_MS = 250


class StoresTab(Tab):
    """Stores and warehouses with their stock, movements and replenishment list.

    The tab gets its services as ``backend.stock`` (a :class:`~posapp.services.stock.StockApi`).
    Dialogs open window-modal (``open()``), the one showing is
    :attr:`active_dialog`. Stock moved anywhere (a sale on another register, say) refreshes
    the views a moment later.
    """

    OBJECT_NAME = "storesTab"
    TITLE = N_("Stores")

    @override
    def build(self) -> None:
        backend, bus = self.backend, self.bus
        self.active_dialog: QDialog | None = None
        self.header = PageHeader(
            _("Stores"), _("Storefronts, warehouses and the stock they hold."), "store", self
        )
        layout = page_column(self, bottom=2 * SPACING)
        layout.addWidget(self.header)
        self.stock: StockApi = backend.stock
        styled(self, "stores")
        self._build(layout)
        self._build_actions()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        bus.stock_moved.connect(self._on_bus_stock_moved)
        bus.product_changed.connect(self._on_bus_product_changed)
        bus.products_imported.connect(self._on_bus_product_changed)
        bus.purchase_order_changed.connect(self._on_bus_purchase_order_changed)
        self.panel.load_categories()
        self.load_stores()

    # -- construction ---------------------------------------------------------------------

    def _build(self, layout: QVBoxLayout) -> None:
        self.store_model = StoreListModel(self)
        self.store_list = QListView(self)
        self.store_list.setObjectName("storeList")
        self.store_list.setAccessibleName(_("Stores and warehouses"))
        self.store_list.setModel(self.store_model)
        self.store_list.setItemDelegate(StoreItemDelegate(self.store_list))
        self.store_list.setMinimumWidth(30 * SPACING)
        self.store_list.selectionModel().selectionChanged.connect(self._on_store_selection)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(caption(_("LOCATIONS"), left))
        column.addWidget(self.store_list, 1)
        self.store_buttons = QWidget(left)
        column.addWidget(self.store_buttons)
        self.panel = StockPanel(self.stock, self.user, self)
        self.panel.current_changed.connect(self._on_panel_current_changed)
        self.panel.product_activated.connect(self._on_panel_product_activated)
        self.purchasing_page: PurchasingPage | None = None
        if has_permission(self.user, Permission.ADJUST_STOCK):
            page = PurchasingPage(self.backend.purchasing, self.stock, self.user, self.panel)
            self.purchasing_view = self.panel.views.addTab(page, _("Purchase &orders"))
            self.panel.views.currentChanged.connect(self._on_views_current_changed)
            self.purchasing_page = page
        self.actions_bar = QWidget(self)
        self.message = QLabel(self)
        self.message.setObjectName("stockMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(_("Last action"))
        right = QWidget(self)
        stack = QVBoxLayout(right)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(SPACING + 4)
        stack.addWidget(self.actions_bar)
        stack.addWidget(self.panel, 1)
        stack.addWidget(self.message)
        layout.addWidget(two_panes(self, left, right, 260), 1)

    def _action(
        self, text: str, shortcut: str, slot: Callable[[], None], permission: Permission
    ) -> QAction:
        action = shortcut_action(self, text, shortcut, slot)
        action.setToolTip(f"{text} ({shortcut})")
        action.setEnabled(has_permission(self.user, permission))
        action.setData(permission.value)
        return action

    def _button(self, action: QAction, parent: QWidget, *, primary: bool = False) -> QPushButton:
        button = action_button(action, parent, primary=primary)
        button.setVisible(has_permission(self.user, Permission(action.data())))
        return button

    def _build_actions(self) -> None:
        p = Permission
        self.receive_action = self._action(_("Receive"), "F2", self.open_receive, p.ADJUST_STOCK)
        self.adjust_action = self._action(_("Adjust"), "F3", self.open_adjust, p.ADJUST_STOCK)
        self.transfer_action = self._action(
            pgettext("stock", "Transfer"), "F4", self.open_transfer, p.TRANSFER_STOCK
        )
        self.count_action = self._action(_("Count"), "F6", self.open_count, p.ADJUST_STOCK)
        self.reorder_action = self._action(_("Reorder"), "F7", self.open_reorder, p.ADJUST_STOCK)
        self.refresh_action = self._action(_("Refresh"), "F5", self.refresh, p.VIEW_STOCK)
        self.search_action = self._action(_("Search"), "Ctrl+F", self.focus_search, p.VIEW_STOCK)
        self.csv_action = self._action(
            _("Export CSV"), "Ctrl+Shift+C", self.ask_export_csv, p.VIEW_STOCK
        )
        self.pdf_action = self._action(
            _("Export PDF"), "Ctrl+Shift+P", self.ask_export_pdf, p.VIEW_STOCK
        )
        self.value_action = self._action(
            _("Value"), "F8", self.ask_export_valuation, p.VIEW_REPORTS
        )
        self.new_store_action = self._action(
            _("New"), "Ctrl+Shift+N", self.new_store, p.MANAGE_STORES
        )
        self.edit_store_action = self._action(
            _("Edit"), "Ctrl+Shift+E", self.edit_store, p.MANAGE_STORES
        )
        self.toggle_store_action = self._action(
            _("Deactivate"), "Ctrl+Shift+D", self.toggle_store_active, p.MANAGE_STORES
        )
        row = QHBoxLayout(self.actions_bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING)
        row.addWidget(self._button(self.receive_action, self.actions_bar, primary=True))
        for action in (self.adjust_action, self.transfer_action, self.count_action):
            row.addWidget(self._button(action, self.actions_bar))
        row.addWidget(self._button(self.reorder_action, self.actions_bar))
        row.addStretch(1)
        row.addWidget(self._button(self.value_action, self.actions_bar))
        row.addWidget(self._button(self.refresh_action, self.actions_bar))
        # One under the other: side by side, the three with their keys are wider than the pane
        # (an admin's tab needed 1,553 px and squeezed the stock actions at 1,280).
        box = QVBoxLayout(self.store_buttons)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        self.toggle_store_button = self._button(self.toggle_store_action, self.store_buttons)
        for action in (self.new_store_action, self.edit_store_action):
            box.addWidget(self._button(action, self.store_buttons))
        box.addWidget(self.toggle_store_button)
        self.panel.export_csv_button.clicked.connect(self.csv_action.trigger)
        self.panel.export_pdf_button.clicked.connect(self.pdf_action.trigger)
        for frame in (self.store_list,):
            frame.setFrameShape(QFrame.Shape.NoFrame)

    # -- state ----------------------------------------------------------------------------

    @property
    def store(self) -> StoreSummary | None:
        """The selected location."""
        return self.store_model.store(self.store_list.currentIndex().row())

    def load_stores(self, select: int | None = None) -> None:
        """Read the locations again and select ``select`` (or keep the selection)."""
        keep = select if select is not None else (self.store.id if self.store else None)
        self.store_model.set_stores(self.stock.list_stores(self.user))
        row = self.store_model.row_of(keep) if keep is not None else -1
        if row < 0 and self.store_model.rowCount() > 0:
            row = 0
        if row >= 0:
            self.store_list.setCurrentIndex(self.store_model.index(row, 0))
        else:
            self.panel.set_store(None)
        self._update_actions()

    def select_store(self, store_id: int) -> None:
        """Show ``store_id``."""
        row = self.store_model.row_of(store_id)
        if row >= 0:
            self.store_list.setCurrentIndex(self.store_model.index(row, 0))

    def refresh(self) -> None:
        """Re-read stores, stock, history, the replenishment list and the purchase orders."""
        self.load_stores()
        self.panel.reload()
        self.panel.reload_history()
        self._reload_purchasing()

    def show_purchasing(self) -> PurchasingPage | None:
        """Show the Purchase orders page (Alt+O) with the focus on its orders."""
        if self.purchasing_page is not None:
            self.panel.views.setCurrentIndex(self.purchasing_view)
            self.purchasing_page.order_table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return self.purchasing_page

    def _reload_purchasing(self) -> None:
        page = self.purchasing_page
        if page is not None and page.isVisible() and page.active_dialog is None:
            page.set_store(self.store)

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.panel.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.panel.search_edit.selectAll()

    def _update_actions(self) -> None:
        store = self.store
        active = store is not None and store.active
        row = self.panel.current_product_id() is not None

        def allowed(permission: Permission) -> bool:
            return has_permission(self.user, permission)

        self.receive_action.setEnabled(active and allowed(Permission.ADJUST_STOCK))
        self.count_action.setEnabled(active and allowed(Permission.ADJUST_STOCK))
        self.adjust_action.setEnabled(
            store is not None and row and allowed(Permission.ADJUST_STOCK)
        )
        self.reorder_action.setEnabled(
            store is not None and row and allowed(Permission.ADJUST_STOCK)
        )
        self.transfer_action.setEnabled(store is not None and allowed(Permission.TRANSFER_STOCK))
        self.value_action.setEnabled(store is not None and allowed(Permission.VIEW_REPORTS))
        admin = allowed(Permission.MANAGE_STORES)
        self.edit_store_action.setEnabled(store is not None and admin)
        self.toggle_store_action.setEnabled(store is not None and admin)
        label = _("Reactivate") if store is not None and not store.active else _("Deactivate")
        self.toggle_store_action.setText(label)
        self.toggle_store_button.setText(f"{label}   Ctrl+Shift+D")

    def _say(self, text: str) -> None:
        self.message.setText(text)

    # -- dialogs --------------------------------------------------------------------------

    def _open(self, dialog: QDialog, done: Callable[[], None]) -> None:
        self.active_dialog = dialog

        def finished(result: int) -> None:
            self.active_dialog = None
            if result == QDialog.DialogCode.Accepted:
                done()
                self.refresh()

        dialog.finished.connect(finished)
        open_once(dialog)

    def _booked(self, verb: str, outcome: StockResult | None) -> None:
        if outcome is not None:
            count = outcome.movements
            self._say(
                ngettext(
                    "{what}: {count} movement booked.", "{what}: {count} movements booked.", count
                ).format(what=verb, count=count)
            )

    def open_receive(self) -> None:
        """Receive a delivery into the selected store (F2)."""
        store, stock = self.store, self.stock
        if store is None or not self.receive_action.isEnabled():
            return
        dialog = ReceiveDialog(stock, self.user, store, self)
        row = self.panel.current_row()
        if row is not None and row.active:
            dialog.preset(pick_of(row))
        self._open(dialog, lambda: self._booked(_("Received"), dialog.outcome))

    def open_transfer(self) -> None:
        """Transfer stock from the selected store (F4)."""
        store, stock = self.store, self.stock
        if store is None or not self.transfer_action.isEnabled():
            return
        dialog = TransferDialog(stock, self.user, store, self.store_model.stores, self)
        row = self.panel.current_row()
        if row is not None:
            dialog.preset(pick_of(row))
        self._open(dialog, lambda: self._booked(pgettext("stock", "Transferred"), dialog.outcome))

    def open_adjust(self) -> None:
        """Adjust the selected product (F3)."""
        store, stock, row = self.store, self.stock, self.panel.current_row()
        if store is None or row is None or not self.adjust_action.isEnabled():
            return
        dialog = AdjustDialog(stock, self.user, store, row, self)
        self._open(dialog, lambda: self._booked(_("Adjusted"), dialog.outcome))

    def open_count(self) -> None:
        """Count the products the stock table shows (F6)."""
        store, stock = self.store, self.stock
        if store is None or not self.count_action.isEnabled():
            return
        dialog = CountDialog(
            stock, self.user, store, self.panel.visible_rows(MAX_COUNT_LINES + 1), self
        )
        self._open(dialog, lambda: self._booked(_("Counted"), dialog.outcome))

    def open_reorder(self) -> None:
        """Reorder settings of the selected product (F7)."""
        store, stock, row = self.store, self.stock, self.panel.current_row()
        if store is None or row is None or not self.reorder_action.isEnabled():
            return
        dialog = ReorderDialog(stock, self.user, store, row, self)
        self._open(
            dialog,
            lambda: self._say(_("Reorder settings of {product} saved.").format(product=row.name)),
        )

    def new_store(self) -> None:
        """Add a location (admins)."""
        if not self.new_store_action.isEnabled():
            return
        dialog = StoreDialog(self.stock, self.user, None, self)
        self._open(dialog, lambda: self._store_saved(dialog))

    def edit_store(self) -> None:
        """Edit the selected location (admins)."""
        if self.store is None or not self.edit_store_action.isEnabled():
            return
        dialog = StoreDialog(self.stock, self.user, self.store, self)
        self._open(dialog, lambda: self._store_saved(dialog))

    def _store_saved(self, dialog: StoreDialog) -> None:
        if dialog.saved is not None:
            self.load_stores(select=dialog.saved.id)
            self._say(_("{name} saved.").format(name=dialog.saved.name))

    def toggle_store_active(self) -> None:
        """Deactivate (or reactivate) the selected location (admins)."""
        store, stock = self.store, self.stock
        if store is None or not self.toggle_store_action.isEnabled():
            return
        try:
            saved = stock.set_store_active(self.user, store.id, not store.active)
        except ServiceError as exc:
            self._say(str(exc))
            return
        self.load_stores(select=saved.id)
        state = (
            _("{name} is active again.")
            if saved.active
            else _("{name} is inactive: it takes no stock in.")
        )
        self._say(state.format(name=saved.name))

    # -- exports --------------------------------------------------------------------------

    def _ask_path(self, fmt: str) -> Path | None:
        store = self.store
        name = f"replenishment-{store.code if store else 'store'}.{fmt}"
        filters = _("CSV files (*.csv)") if fmt == "csv" else _("PDF files (*.pdf)")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export replenishment list"), name, filters
        )
        return Path(path) if path else None

    def ask_export_csv(self) -> None:
        """Ask where to save the list as CSV, then export (Ctrl+Shift+C)."""
        path = self._ask_path("csv")
        if path is not None:
            self.export_replenishment(path, "csv")

    def ask_export_pdf(self) -> None:
        """Ask where to save the list as PDF, then export (Ctrl+Shift+P)."""
        path = self._ask_path("pdf")
        if path is not None:
            self.export_replenishment(path, "pdf")

    def export_replenishment(self, path: Path, fmt: str) -> Operation[Path] | None:
        """Export the selected store's list to ``path`` off the GUI thread."""
        store = self.store
        if store is None:
            return None
        what = _("Writing the replenishment list of {store}…").format(store=store.name)

        def saved(written: Path) -> None:
            self._say(_("Saved {file}.").format(file=written.name))

        return export_operation(self, self.stock, self.user, store.id, path, fmt, what, saved).run()

    def ask_export_valuation(self) -> None:
        """Ask where to save the store's inventory valuation, then write it (F8)."""
        store = self.store
        if store is None or not self.value_action.isEnabled():
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the stock value"), f"stock-value-{store.code}.pdf", _("PDF files (*.pdf)")
        )
        if path:
            self.export_valuation(Path(path))

    def export_valuation(self, path: Path) -> Operation[Path] | None:
        """Write the selected store's inventory valuation to ``path`` off the GUI thread."""
        store = self.store
        if store is None:
            return None

        def saved(written: Path) -> None:
            self._say(_("Saved {file}.").format(file=written.name))

        op = valuation_operation(self, self.stock, self.user, store.code, path, saved)
        return op.run()

    # -- slots ----------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _on_store_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        store, shown = self.store, self.panel.store
        if store is not None and shown is not None and store.id == shown.id:
            self.panel.store = store  # the same location with fresh counts: no re-read
        else:
            self.panel.set_store(store)
        self._reload_purchasing()
        self._update_actions()

    @Slot()
    def _on_panel_current_changed(self) -> None:
        self._update_actions()

    @Slot(int)
    def _on_panel_product_activated(self, _product_id: int) -> None:
        self.open_adjust()

    @Slot(object)
    def _on_bus_stock_moved(self, _event: StockMoved) -> None:
        self._refresh_timer.start()

    @Slot(object)
    def _on_bus_product_changed(self, _event: ProductChanged | ProductsImported) -> None:
        self._refresh_timer.start()

    @Slot(object)
    def _on_bus_purchase_order_changed(self, _event: PurchaseOrderChanged) -> None:
        self._refresh_timer.start()

    @Slot(int)
    def _on_views_current_changed(self, index: int) -> None:
        on_page = self.purchasing_page is not None and index == self.purchasing_view
        self.panel.filters.setVisible(not on_page)  # the stock search does not apply there
        if self.purchasing_page is not None and on_page:
            self.purchasing_page.set_store(self.store)
            self.purchasing_page.order_table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_refresh_timer_timeout(self) -> None:
        if self.active_dialog is None:
            self.refresh()
        else:
            self._refresh_timer.start()  # after the dialog closes
