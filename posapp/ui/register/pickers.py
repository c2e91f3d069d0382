"""Pop-up pickers of the register: products by name or SKU, customers, parked sales.

Typing filters as you type (after a short pause); Up and Down move through the results without
leaving the field; Enter takes the highlighted one; Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import ParkedSaleDTO, ProductDTO, SaleCustomerDTO
from posapp.ui.kit.formatting import money_text, points_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.widgets import SPACING
from posapp.ui.register.panels import no_default_buttons
from posapp.ui.register.quick_customer import AddCustomer, QuickCustomerDialog

T = TypeVar("T")
SEARCH_DELAY_MS = 150


class PickerDialog(QDialog, Generic[T]):
    """A search field over a list of results; :attr:`chosen` is the result taken."""

    def __init__(
        self,
        title: str,
        placeholder: str,
        search: Callable[[str], Sequence[T]],
        describe: Callable[[T], str],
        parent: QWidget | None = None,
        *,
        text: str = "",
        search_empty: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("registerPicker")
        self._search, self._describe = search, describe
        self._search_empty = search_empty
        self.chosen: T | None = None
        self.edit = QLineEdit(text, self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(title)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(self._on_edit_text_edited)
        self.edit.returnPressed.connect(self._on_edit_return_pressed)
        self.results = QListWidget(self)
        self.results.setAccessibleName(_("Results"))
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.results.itemDoubleClicked.connect(self._on_results_item_activated)
        self.status = QLabel("", self)
        self.status.setProperty("role", "muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.setSpacing(SPACING)
        column.addWidget(self.edit)
        column.addWidget(self.results, 1)
        column.addWidget(self.status)
        column.addWidget(self.buttons)
        self.resize(72 * SPACING, 60 * SPACING)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        no_default_buttons(self)
        if text or search_empty:
            self.run_search()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()), 0)
            if step and self.results.count():
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    @Slot()
    def run_search(self) -> None:
        """Search now for the field's text."""
        self._timer.stop()
        text = self.edit.text().strip()
        self.results.clear()
        if not text and not self._search_empty:
            self.status.setText("")
            return
        try:
            found = list(self._search(text))
        except ServiceError as exc:
            self.status.setText(str(exc))
            return
        for value in found:
            item = QListWidgetItem(self._describe(value))
            item.setData(Qt.ItemDataRole.UserRole, value)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)
            self.status.setText(
                _("{count} found · ↑↓ to choose, Enter to take").format(count=len(found))
            )
        else:
            self.status.setText(_("Nothing found."))

    @Slot(str)
    def _on_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_edit_return_pressed(self) -> None:
        if self._timer.isActive():
            self.run_search()
        item = self.results.currentItem()
        if item is not None:
            self._take(item)

    @Slot(QListWidgetItem)
    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        self._take(item)

    def _take(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()


def product_picker(
    search: Callable[[str], Sequence[ProductDTO]], text: str, parent: QWidget | None
) -> PickerDialog[ProductDTO]:
    """Find a product by name, SKU or barcode (F2)."""
    return PickerDialog(
        _("Find a product"),
        _("Name, SKU or barcode"),
        search,
        lambda p: f"{p.name}   ·   {p.sku}   ·   {money_text(p.price_minor)}",
        parent,
        text=text,
    )


def describe_customer(customer: SaleCustomerDTO) -> str:
    """A row of the customer picker: name, contact, and the account if they have one."""
    parts = [customer.name, customer.phone or customer.email]
    if customer.account is not None:
        parts.append(_("account {number}").format(number=customer.account.number))
    if customer.points:
        parts.append(points_text(customer.points))
    return "   ·   ".join(part for part in parts if part)


class CustomerPicker(PickerDialog[SaleCustomerDTO]):
    """Find a customer by any field and attach them (F4), with or without an account.

    Ctrl+N adds a new customer (name and phone or email) and attaches them; Ctrl+Del detaches
    the current one.
    """

    def __init__(
        self,
        search: Callable[[str], Sequence[SaleCustomerDTO]],
        current: str,
        parent: QWidget | None = None,
        *,
        add: AddCustomer | None = None,
    ) -> None:
        super().__init__(
            _("Attach a customer"),
            _("Name, phone, email, address, notes, tags or account number"),
            search,
            describe_customer,
            parent,
        )
        self.detached = False
        self._add = add
        if add is not None:
            new = QPushButton(_("New customer (Ctrl+N)"), self)
            new.setShortcut("Ctrl+N")
            new.clicked.connect(self._on_new_clicked)
            self.buttons.addButton(new, QDialogButtonBox.ButtonRole.ActionRole)
        if current:
            detach = QPushButton(_("Detach {customer}").format(customer=current), self)
            detach.setShortcut("Ctrl+Del")
            detach.setToolTip(_("Detach the customer (Ctrl+Del)"))
            detach.clicked.connect(self._on_detach_clicked)
            self.buttons.addButton(detach, QDialogButtonBox.ButtonRole.DestructiveRole)
        no_default_buttons(self)

    @Slot()
    def _on_detach_clicked(self) -> None:
        self.detached = True
        self.accept()

    @Slot()
    def _on_new_clicked(self) -> None:
        if self._add is None:
            return
        with one_use(QuickCustomerDialog(self._add, self.edit.text(), self)) as dialog:
            added = dialog.customer if dialog.exec() else None
        if added is None:
            self.edit.setFocus()
            return
        self.chosen = added
        self.accept()


class ParkedPicker(PickerDialog[ParkedSaleDTO]):
    """The store's parked sales (F10): Enter resumes one, Ctrl+Del discards it."""

    def __init__(
        self,
        rows: Callable[[], Sequence[ParkedSaleDTO]],
        describe: Callable[[ParkedSaleDTO], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Parked sales"),
            _("Filter by label, cashier or customer"),
            lambda text: [
                row
                for row in rows()
                if text.lower() in f"{row.label} {row.cashier_name} {row.customer_name}".lower()
            ],
            describe,
            parent,
            search_empty=True,
        )
        self.discard = False
        button = QPushButton(_("Discard (Ctrl+Del)"), self)
        button.setShortcut("Ctrl+Del")
        button.clicked.connect(self._on_discard_clicked)
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.DestructiveRole)
        no_default_buttons(self)

    @Slot()
    def _on_discard_clicked(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.discard = True
            self._take(item)
