"""The Customers tab: find a customer by any field, see their details, accounts and history.

A tab of its own rather than a page of Accounts: a customer is the person, an account one
product a customer may have, and most customers have none. Its code lives in the ``accounts``
package (the people side of the shop) beside the Accounts tab, whose dialog look it shares
(``posapp/ui`` keeps to 12 modules directly inside). It comes last in the tab bar, so
every existing Ctrl+1… shortcut keeps its tab, and cashiers still land on the register.

Keys: Ctrl+F search · Ctrl+N new (managers) · F2 edit · Ctrl+E export · Ctrl+Shift+Del erase.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.services.accounts import display, state_word
from posapp.services.customers import CustomerDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import Permission, has_permission
from posapp.ui.accounts.customer_dialogs import CustomerFormDialog, EraseDialog
from posapp.ui.accounts.customer_models import CustomerListModel, HistoryModel
from posapp.ui.kit.formatting import local_time_text, points_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.resources import styled
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import (
    SPACING,
    PageHeader,
    message_label,
    plain_label,
    search_field,
    shortcut_action,
    show_message,
)

if TYPE_CHECKING:
    from posapp.services.customers import CustomersApi

SEARCH_DELAY_MS = 250


def _table(parent: QWidget, name: str) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class CustomersTab(Tab):
    """Search on the left; the chosen customer's details and purchase history on the right."""

    OBJECT_NAME = "customersTab"
    TITLE = N_("Customers")

    def build(self) -> None:
        """Build the search, the list, the detail panel, the history and the actions."""
        styled(self, "shared", "accounts")
        self.api: CustomersApi = self.backend.customers
        self.customer: CustomerDTO | None = None
        header = PageHeader(
            _("Customers"),
            _("Who buys here: details, accounts and purchase history."),
            "users",
            self,
        )
        self.search_edit = search_field(
            self,
            _("Search name, phone, email, address, notes, tags, account"),
            _("Search customers"),
            "customerSearch",
        )
        self.search_edit.setToolTip(_("Search customers (Ctrl+F); Down moves to the list"))
        self.message_label = message_label("errorLabel", self)
        self.success_label = message_label("successLabel", self)
        self.model = CustomerListModel(self.api, self.user, self)
        self.model.failed.connect(self._on_failed)
        self.table = _table(self, "customerTable")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.history = HistoryModel(self.api, self.user, self)
        self.history.failed.connect(self._on_failed)
        self.history_table = _table(self, "historyTable")
        self.history_table.setModel(self.history)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search_edit.textChanged.connect(self._timer.start)
        self.search_edit.returnPressed.connect(self._on_search_return)
        self._build_detail()
        self._build_actions()
        self._build_layout(header)
        self.search_now()

    def _build_detail(self) -> None:
        self.name_label = plain_label(_("Choose a customer"), self, "sectionTitle")
        self.detail_labels: dict[str, QLabel] = {}
        self.detail_form = QFormLayout()
        self.detail_form.setHorizontalSpacing(2 * SPACING)
        for key, caption in (
            ("phone", _("Phone")),
            ("email", _("Email")),
            ("address", _("Address")),
            ("offers", _("Offers by email")),
            ("tags", _("Tags")),
            ("accounts", _("Accounts")),
            ("points", _("Loyalty points")),
            ("notes", _("Notes")),
            ("since", _("Customer since")),
        ):
            label = plain_label("", self)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.detail_labels[key] = label
            self.detail_form.addRow(plain_label(caption, self, "fieldHint"), label)

    def _action(self, text: str, keys: str, slot: Callable[[], object], manage: bool) -> QAction:
        action = shortcut_action(self, text, QKeySequence(keys), slot)
        action.setToolTip(f"{text.replace('…', '')} ({keys})")
        allowed = not manage or has_permission(self.user, Permission.MANAGE_CUSTOMERS)
        action.setProperty("allowed", allowed)
        return action

    def _build_actions(self) -> None:
        self.find_action = self._action(_("Find"), "Ctrl+F", self._on_find, manage=False)
        self.new_action = self._action(_("New customer…"), "Ctrl+N", self.new_customer, manage=True)
        self.edit_action = self._action(_("Edit…"), "F2", self.edit_customer, manage=True)
        self.export_action = self._action(_("Export…"), "Ctrl+E", self._on_export, manage=True)
        self.erase_action = self._action(_("Erase…"), "Ctrl+Shift+Del", self.erase_customer, True)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(SPACING)
        for action in (self.new_action, self.edit_action, self.export_action, self.erase_action):
            button = QPushButton(action.text().replace("…", ""), self)
            button.setAutoDefault(False)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.changed.connect(lambda a=action, b=button: b.setEnabled(a.isEnabled()))
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)
        self._sync_actions()

    def _build_layout(self, header: PageHeader) -> None:
        left = QVBoxLayout()
        left.setSpacing(SPACING)
        left.addWidget(self.search_edit)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.setSpacing(SPACING)
        right.addWidget(self.name_label)
        right.addLayout(self.detail_form)
        right.addLayout(self.buttons)
        right.addWidget(plain_label(_("Purchase history"), self, "sectionTitle"))
        right.addWidget(self.history_table, 1)
        body = QHBoxLayout()
        body.setSpacing(3 * SPACING)
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        page = QVBoxLayout(self)
        page.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        page.setSpacing(2 * SPACING)
        page.addWidget(header)
        page.addWidget(self.message_label)
        page.addWidget(self.success_label)
        page.addLayout(body, 1)

    # ---- reading ------------------------------------------------------------------------------
    @Slot()
    def search_now(self) -> None:
        """Search for what the search box says (at once)."""
        self._timer.stop()
        show_message(self.message_label, "")
        self.model.search(self.search_edit.text())
        if self.model.rowCount() and self.customer is None:
            self.table.selectRow(0)

    def show_customer(self, customer_id: int | None) -> None:
        """Show one customer's details and history (None: nobody)."""
        customer = None
        if customer_id is not None:
            try:
                customer = self.api.get(self.user, customer_id)
            except ServiceError as exc:
                self._on_failed(str(exc))
        self.customer = customer
        self._fill(customer)
        self.history.set_customer(customer.id if customer else None)
        self._sync_actions()

    def _fill(self, c: CustomerDTO | None) -> None:
        self.name_label.setText(c.name if c else _("Choose a customer"))
        values = {
            "phone": c.phone if c else "",
            "email": c.email if c else "",
            "address": c.address if c else "",
            "offers": (_("Yes") if c.marketing_opt_in else _("No")) if c else "",
            "tags": ", ".join(c.tags) if c else "",
            "accounts": ", ".join(
                f"{display(a.number)} ({state_word(a.status)})" for a in c.accounts
            )
            if c
            else "",
            "points": points_text(c.points_balance) if c else "",
            "notes": c.notes if c else "",
            "since": local_time_text(c.created_at) if c else "",
        }
        for key, label in self.detail_labels.items():
            label.setText(values[key] or ("—" if c else ""))

    def _sync_actions(self) -> None:
        chosen = self.customer is not None and not self.customer.erased
        for action, needs_customer in (
            (self.new_action, False),
            (self.edit_action, True),
            (self.export_action, True),
            (self.erase_action, True),
        ):
            action.setEnabled(bool(action.property("allowed")) and (chosen or not needs_customer))

    # ---- slots --------------------------------------------------------------------------------
    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.item(rows[0].row()) if rows else None
        self.show_customer(row.id if row else None)

    @Slot()
    def _on_find(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    @Slot()
    def _on_search_return(self) -> None:
        self.search_now()
        self.table.setFocus()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        show_message(self.success_label, "")
        show_message(self.message_label, message)

    def _say(self, text: str) -> None:
        show_message(self.message_label, "")
        show_message(self.success_label, text)

    # ---- actions ------------------------------------------------------------------------------
    @Slot()
    def new_customer(self) -> None:
        """Ctrl+N: record a new customer and show them."""
        with one_use(CustomerFormDialog(self.api, self.user, None, self)) as dialog:
            if not dialog.exec() or dialog.customer is None:
                return
            created = dialog.customer
        self.search_edit.setText(created.name)
        self.search_now()
        self.show_customer(created.id)
        self._say(_("Added {name}.").format(name=created.name))

    @Slot()
    def edit_customer(self) -> None:
        """F2: change the shown customer."""
        if self.customer is None or not self.edit_action.isEnabled():
            return
        with one_use(CustomerFormDialog(self.api, self.user, self.customer, self)) as dialog:
            if not dialog.exec() or dialog.customer is None:
                return
            saved = dialog.customer
        self.model.reload()
        self.show_customer(saved.id)
        self._say(_("Saved {name}.").format(name=saved.name))

    @Slot()
    def erase_customer(self) -> None:
        """Ctrl+Shift+Del: erase the shown customer's personal data on their request."""
        if self.customer is None or not self.erase_action.isEnabled():
            return
        with one_use(EraseDialog(self.api, self.user, self.customer, self)) as dialog:
            if not dialog.exec() or dialog.erased is None:
                return
            erased = dialog.erased
        self.model.reload()
        self.show_customer(erased.id)
        self._say(_("The customer's personal data was erased; their orders stay."))

    @Slot()
    def _on_export(self) -> None:
        if self.customer is None or not self.export_action.isEnabled():
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Export the customer's data"), "", _("JSON (*.json);;CSV (*.csv)")
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """Write the shown customer's data to ``path`` (.json or .csv, 0600) off the GUI thread."""
        if self.customer is None:
            return
        api, user, customer_id = self.api, self.user, self.customer.id
        Operation(
            self,
            lambda _job: api.export(user, customer_id, path),
            name="customer export",
            success=lambda _export: self._say(_("Exported to {path}.").format(path=path)),
            failure=self._on_failed,
        ).with_dialog(_("Export"), _("Writing the customer's data…")).run()
