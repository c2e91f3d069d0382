"""The Purchase orders page of the Stores tab: suppliers, the store's orders, receiving.

Managers (ADJUST_STOCK) see it. Every action has a shortcut, shown on its button, working
while the focus is anywhere on the page (Alt+O shows the page):

=================  =============================================================
Ctrl+Shift+O       Order from the replenishment list (selected supplier, store)
Ctrl+Shift+S       Send the selected draft (its PDF goes to the supplier's email)
Ctrl+Shift+R       Receive the selected order (all or part of it)
Ctrl+Shift+L       Close a partly received order short
Ctrl+Shift+X       Cancel the selected draft or sent order
Ctrl+Shift+F       Save the selected order as PDF (to print it, or send it by hand)
Ctrl+Shift+U / I   New supplier / edit the selected supplier
Ctrl+Shift+A       List a product for the selected supplier (code and cost)
=================  =============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _, ngettext, pgettext
from posapp.reports.purchasing import purchase_order_pdf
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.purchasing import (
    PurchaseLine,
    PurchaseOrderDTO,
    PurchaseOrderRow,
    PurchasingApi,
    SupplierItem,
    SupplierSummary,
)
from posapp.services.stock import StockApi, StoreSummary, format_quantity
from posapp.ui.kit.formatting import count_text, money_text
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel, Index
from posapp.ui.kit.widgets import SPACING, shortcut_action
from posapp.ui.stores.export import order_pdf_operation
from posapp.ui.stores.panel import action_button, caption, make_table, two_panes
from posapp.ui.stores.purchase_dialogs import (
    ReceiveOrderDialog,
    SupplierDialog,
    SupplierItemDialog,
)

T = TypeVar("T")


class ListModel(ColumnTableModel[T], Generic[T]):
    """A small table over a list of DTOs."""

    def __init__(self, columns: tuple[Column[T], ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Show ``rows``."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    @override
    def item(self, row: int) -> T | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        header = super().headerData(section, orientation, role)
        return _(header) if isinstance(header, str) and header else header  # marked N_()


def _qty(line: PurchaseLine, value: int) -> str:
    return format_quantity(value, by_weight=line.sold_by_weight)


SUPPLIER_COLUMNS: tuple[Column[SupplierSummary], ...] = (
    Column("name", N_("Supplier"), lambda s: s.name),
    Column(
        "lead",
        N_("Lead time"),
        lambda s: _("{days} d").format(days=s.lead_time_days),
        align=RIGHT,
    ),
)
"""Two columns, so the list stays readable beside the orders; the products are listed below."""
ITEM_COLUMNS: tuple[Column[SupplierItem], ...] = (
    Column("name", N_("Product"), lambda i: i.name),
    Column("code", N_("Their code"), lambda i: i.supplier_code),
    Column(
        "cost",
        N_("Cost"),
        lambda i: money_text(i.cost_minor) + ("/kg" if i.sold_by_weight else ""),
        align=RIGHT,
    ),
)
ORDER_COLUMNS: tuple[Column[PurchaseOrderRow], ...] = (
    Column("number", N_("Order"), lambda o: o.number),
    Column("supplier", N_("Supplier"), lambda o: o.supplier_name),
    Column("status", N_("Status"), lambda o: _(o.status_label)),
    Column("lines", N_("Lines"), lambda o: count_text(o.lines), align=RIGHT),
    Column("total", N_("Ordered"), lambda o: money_text(o.total_minor), align=RIGHT),
    Column("received", N_("Received"), lambda o: money_text(o.received_minor), align=RIGHT),
)
LINE_COLUMNS: tuple[Column[PurchaseLine], ...] = (
    Column("sku", N_("SKU"), lambda x: x.sku),
    Column("name", N_("Product"), lambda x: x.name),
    Column("code", N_("Their code"), lambda x: x.supplier_code),
    Column("ordered", N_("Ordered"), lambda x: _qty(x, x.ordered), align=RIGHT),
    Column("received", N_("Received"), lambda x: _qty(x, x.received), align=RIGHT),
    Column("to_come", N_("To come"), lambda x: _qty(x, x.outstanding), align=RIGHT),
    Column("over", N_("Over"), lambda x: _qty(x, x.over) if x.over else "", align=RIGHT),
    Column("cost", N_("Unit cost"), lambda x: money_text(x.cost_minor), align=RIGHT),
)


class PurchasingPage(QWidget):
    """Suppliers on the left; the selected store's purchase orders and their lines on the right."""

    def __init__(
        self,
        purchasing: PurchasingApi,
        stock: StockApi,
        user: UserDTO,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("purchasingPage")
        self.purchasing, self.stock, self.user = purchasing, stock, user
        self.store: StoreSummary | None = None
        self.order: PurchaseOrderDTO | None = None
        self.active_dialog: QDialog | None = None
        self.suppliers = ListModel(SUPPLIER_COLUMNS, self)
        self.items = ListModel(ITEM_COLUMNS, self)
        self.orders = ListModel(ORDER_COLUMNS, self)
        self.lines = ListModel(LINE_COLUMNS, self)
        self.supplier_table = self._table("supplierTable", _("Suppliers"), self.suppliers, 0)
        self.item_table = self._table(
            "supplierItemTable", _("Products of the supplier"), self.items, 0
        )
        self.order_table = self._table("purchaseOrderTable", _("Purchase orders"), self.orders, 1)
        self.line_table = self._table("purchaseLineTable", _("Order lines"), self.lines, 1)
        self.message = QLabel(self)
        self.message.setObjectName("purchasingMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(_("Last purchasing action"))
        self.message.setWordWrap(True)
        self._build()
        self.supplier_table.selectionModel().currentRowChanged.connect(self._on_supplier_current)
        self.order_table.selectionModel().currentRowChanged.connect(self._on_order_current)

    def _table(self, name: str, accessible: str, model: ListModel[T], stretch: int) -> QTableView:
        table = make_table(name, self)
        table.setModel(model)
        table.setAccessibleName(accessible)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def _action(self, text: str, keys: str, slot: Callable[[], None]) -> QAction:
        action = shortcut_action(self, text, keys, slot)
        action.setToolTip(f"{text} ({keys})")
        return action

    def _button(self, action: QAction, *, primary: bool = False) -> QPushButton:
        return action_button(action, self, primary=primary)

    def _build(self) -> None:
        a = self._action
        self.from_plan_action = a(_("Order low stock"), "Ctrl+Shift+O", self.order_from_plan)
        self.send_action = a(_("Send"), "Ctrl+Shift+S", self.send_order)
        self.receive_action = a(_("Receive"), "Ctrl+Shift+R", self.open_receive)
        self.close_action = a(_("Close short"), "Ctrl+Shift+L", self.close_order)
        self.cancel_action = a(
            pgettext("purchase order", "Cancel order"), "Ctrl+Shift+X", self.cancel_order
        )
        self.pdf_action = a(_("Save PDF"), "Ctrl+Shift+F", self.ask_save_pdf)
        self.new_supplier_action = a(_("New supplier"), "Ctrl+Shift+U", self.new_supplier)
        self.edit_supplier_action = a(_("Edit"), "Ctrl+Shift+I", self.edit_supplier)
        self.add_item_action = a(_("Add product"), "Ctrl+Shift+A", self.add_supplier_item)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(caption(_("SUPPLIERS"), left))
        column.addWidget(self.supplier_table, 2)
        self.items_caption = caption(_("PRODUCTS SUPPLIED"), left)
        column.addWidget(self.items_caption)
        column.addWidget(self.item_table, 3)
        for action in (self.new_supplier_action, self.edit_supplier_action, self.add_item_action):
            column.addWidget(self._button(action))  # one above the other: the page stays narrow
        right = QWidget(self)
        stack = QVBoxLayout(right)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(SPACING)
        bar = QHBoxLayout()  # two rows of three: the page fits a 1280-pixel window
        bar.addWidget(self._button(self.from_plan_action, primary=True))
        for action in (self.send_action, self.receive_action):
            bar.addWidget(self._button(action))
        bar.addStretch(1)
        stack.addLayout(bar)
        bar = QHBoxLayout()
        for action in (self.close_action, self.pdf_action):
            bar.addWidget(self._button(action))
        bar.addStretch(1)
        bar.addWidget(self._button(self.cancel_action))
        stack.addLayout(bar)
        self.orders_caption = caption(_("PURCHASE ORDERS"), right)
        stack.addWidget(self.orders_caption)
        stack.addWidget(self.order_table, 2)
        self.lines_caption = caption(_("LINES"), right)
        stack.addWidget(self.lines_caption)
        stack.addWidget(self.line_table, 3)
        stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, SPACING, 0, 0)
        layout.addWidget(two_panes(self, left, right, 380))
        self._update_actions()

    # -- state ----------------------------------------------------------------------------

    @property
    def supplier(self) -> SupplierSummary | None:
        """The selected supplier."""
        return self.suppliers.item(self.supplier_table.currentIndex().row())

    def set_store(self, store: StoreSummary | None) -> None:
        """Show ``store``'s orders."""
        self.store = store
        self.reload()

    def reload(self) -> None:
        """Read the suppliers and the store's orders again, keeping the selections."""
        try:
            self._reload()
        except ServiceError as exc:
            self.say(str(exc))

    def _reload(self) -> None:
        keep_supplier = self.supplier.id if self.supplier else None
        keep_order = self.order.id if self.order else None
        self.suppliers.set_rows(self.purchasing.list_suppliers(self.user))
        self._select(self.supplier_table, [s.id for s in self.suppliers.rows], keep_supplier)
        self._show_items()
        store = self.store
        rows = self.purchasing.purchase_orders(self.user, store_id=store.id) if store else []
        self.orders.set_rows(rows)
        name = store.name if store else _("no store")
        self.orders_caption.setText(_("PURCHASE ORDERS · {store}").format(store=name.upper()))
        self._select(self.order_table, [o.id for o in rows], keep_order)
        self._show_order()

    @staticmethod
    def _select(table: QTableView, ids: list[int], keep: int | None) -> None:
        if not ids:
            return
        row = ids.index(keep) if keep in ids else 0
        table.setCurrentIndex(table.model().index(row, 0))

    def _show_order(self) -> None:
        row = self.orders.item(self.order_table.currentIndex().row())
        self.order = self.purchasing.purchase_order(self.user, row.id) if row else None
        self.lines.set_rows(self.order.lines if self.order else [])
        if self.order is None:
            self.lines_caption.setText(_("LINES"))
        else:
            o = self.order
            self.lines_caption.setText(
                _("LINES · {number} · {supplier} · {status} · {total}").format(
                    number=o.number,
                    supplier=o.supplier.name.upper(),
                    status=_(o.status_label).upper(),
                    total=money_text(o.total_minor),
                )
            )
        self._update_actions()

    def _update_actions(self) -> None:
        status = self.order.status if self.order else ""
        store_ok = self.store is not None and self.store.active
        self.from_plan_action.setEnabled(store_ok and self.supplier is not None)
        self.send_action.setEnabled(status == "draft")
        self.receive_action.setEnabled(status in ("sent", "partly_received") and store_ok)
        self.close_action.setEnabled(status == "partly_received")
        self.cancel_action.setEnabled(status in ("draft", "sent"))
        self.pdf_action.setEnabled(self.order is not None)
        self.edit_supplier_action.setEnabled(self.supplier is not None)
        self.add_item_action.setEnabled(self.supplier is not None)

    def say(self, text: str) -> None:
        """Show what the last action did."""
        self.message.setText(text)

    def select_order(self, order_id: int) -> None:
        """Make ``order_id`` the current order."""
        ids = [o.id for o in self.orders.rows]
        if order_id in ids:
            self.order_table.setCurrentIndex(self.orders.index(ids.index(order_id), 0))

    # -- actions --------------------------------------------------------------------------

    def _run(self, work: Callable[[], PurchaseOrderDTO], done: str) -> PurchaseOrderDTO | None:
        try:
            order = work()
        except ServiceError as exc:
            self.say(str(exc))
            return None
        self.reload()
        self.select_order(order.id)
        self.say(done.format(number=order.number))
        return order

    def order_from_plan(self) -> None:
        """Draft an order of the store's low products from the selected supplier."""
        store, supplier = self.store, self.supplier
        if store is None or supplier is None or not self.from_plan_action.isEnabled():
            return
        self._run(
            lambda: self.purchasing.order_from_replenishment(self.user, supplier.id, store.id),
            _(
                "{number} drafted from the replenishment list: check it, then send it"
                " (Ctrl+Shift+S)."
            ),
        )

    def send_order(self) -> None:
        """Send the selected draft to its supplier."""
        order = self.order
        if order is None or not self.send_action.isEnabled():
            return
        to = order.supplier.email or _(
            "nobody: the supplier has no email (save the PDF, Ctrl+Shift+F)"
        )
        self._run(
            lambda: self.purchasing.send_purchase_order(self.user, order.id, purchase_order_pdf),
            _("{{number}} sent: its PDF is queued to {to}.").format(to=to),
        )

    def cancel_order(self) -> None:
        """Cancel the selected order."""
        order = self.order
        if order is not None and self.cancel_action.isEnabled():
            self._run(
                lambda: self.purchasing.cancel_purchase_order(self.user, order.id),
                _("{number} cancelled."),
            )

    def close_order(self) -> None:
        """Close the selected partly received order short."""
        order = self.order
        if order is not None and self.close_action.isEnabled():
            self._run(
                lambda: self.purchasing.close_purchase_order(self.user, order.id),
                _("{number} closed: what did not come stays recorded as short."),
            )

    def ask_save_pdf(self) -> None:
        """Ask where to save the selected order's PDF, then write it."""
        order = self.order
        if order is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save purchase order"), f"{order.number}.pdf", _("PDF files (*.pdf)")
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> Operation[Path] | None:
        """Write the selected order's PDF to ``path`` off the GUI thread."""
        order = self.order
        if order is None:
            return None
        return order_pdf_operation(
            self,
            order,
            path,
            lambda done: self.say(_("Saved {file}.").format(file=done.name)),
            self.say,
        ).run()

    def _open(self, dialog: QDialog, done: Callable[[], None]) -> None:
        self.active_dialog = dialog

        def finished(result: int) -> None:
            self.active_dialog = None
            if result == QDialog.DialogCode.Accepted:
                self.reload()
                done()

        dialog.finished.connect(finished)
        open_once(dialog)

    def open_receive(self) -> None:
        """Receive the selected order, all or part of it (the dialog is :attr:`active_dialog`)."""
        order = self.order
        if order is None or not self.receive_action.isEnabled():
            return
        dialog = ReceiveOrderDialog(self.purchasing, self.user, order, self)

        def done() -> None:
            outcome = dialog.outcome
            if outcome is not None:
                self.select_order(outcome.order.id)
                self.say(
                    ngettext(
                        "{number}: {count} unit received; it is {status}.",
                        "{number}: {count} units received; it is {status}.",
                        outcome.units,
                    ).format(
                        number=outcome.order.number,
                        count=count_text(outcome.units),
                        status=_(outcome.order.status_label).lower(),
                    )
                )

        self._open(dialog, done)

    def new_supplier(self) -> None:
        """Add a supplier."""
        dialog = SupplierDialog(self.purchasing, self.user, None, self)
        self._open(dialog, lambda: self._supplier_saved(dialog))

    def edit_supplier(self) -> None:
        """Change the selected supplier."""
        if self.supplier is not None:
            dialog = SupplierDialog(self.purchasing, self.user, self.supplier, self)
            self._open(dialog, lambda: self._supplier_saved(dialog))

    def _supplier_saved(self, dialog: SupplierDialog) -> None:
        if dialog.saved is not None:
            self._select(self.supplier_table, [s.id for s in self.suppliers.rows], dialog.saved.id)
            self.say(_("{name} saved.").format(name=dialog.saved.name))

    def add_supplier_item(self) -> None:
        """List a product for the selected supplier."""
        supplier = self.supplier
        if supplier is not None:
            dialog = SupplierItemDialog(self.purchasing, self.stock, self.user, supplier, self)
            self._open(
                dialog,
                lambda: self.say(
                    _("Product listed for {supplier}.").format(supplier=supplier.name)
                ),
            )

    # -- slots ----------------------------------------------------------------------------

    def _show_items(self) -> None:
        supplier = self.supplier
        items = self.purchasing.supplier_items(self.user, supplier.id) if supplier else []
        self.items.set_rows(items)
        self.items_caption.setText(
            _("PRODUCTS SUPPLIED · {supplier}").format(supplier=supplier.name.upper())
            if supplier
            else _("PRODUCTS SUPPLIED")
        )

    @Slot(QModelIndex, QModelIndex)
    def _on_supplier_current(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        try:
            self._show_items()
        except ServiceError as exc:
            self.say(str(exc))
        self._update_actions()

    @Slot(QModelIndex, QModelIndex)
    def _on_order_current(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        try:
            self._show_order()
        except ServiceError as exc:
            self.say(str(exc))
