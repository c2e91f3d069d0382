"""Add or edit a store or warehouse (admins)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from posapp.i18n import _
from posapp.services.platform.dto import UserDTO
from posapp.services.stock import STORE_KINDS, StockApi, StoreInput, StoreSummary
from posapp.ui.kit.widgets import SPACING, plain_label
from posapp.ui.stores.forms import FormDialog


class StoreDialog(FormDialog):
    """The fields of a store; a new one starts active. Codes are short: ``HS01``."""

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = (
            _("New store or warehouse")
            if store is None
            else _("Edit {name}").format(name=store.name)
        )
        super().__init__(title, _("&Save"), parent)
        self.stock, self.actor, self.store = stock, actor, store
        self.saved: StoreSummary | None = None
        self.code_edit = QLineEdit(self)
        self.code_edit.setMaxLength(16)
        self.code_edit.setPlaceholderText(_("e.g. HS01"))
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(100)
        self.kind_combo = QComboBox(self)
        for kind in STORE_KINDS:
            self.kind_combo.addItem(kind.capitalize(), kind)
        self.address_edit = QPlainTextEdit(self)
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setFixedHeight(10 * SPACING)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setMaxLength(40)
        self.add_row(_("&Code:"), self.code_edit)
        self.add_row(_("&Name:"), self.name_edit)
        self.add_row(_("&Kind:"), self.kind_combo)
        self.add_row(_("&Address:"), self.address_edit)
        self.add_row(_("&Phone:"), self.phone_edit)
        if store is not None:
            self.code_edit.setText(store.code)
            self.name_edit.setText(store.name)
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(store.kind)))
            self.address_edit.setPlainText(store.address)
            self.phone_edit.setText(store.phone)
            if not store.active:
                note = plain_label(_("This location is inactive: it takes no stock in."), self)
                note.setObjectName("hintLabel")
                self.form.addRow(note)
        self.code_edit.setFocus()

    def data(self) -> StoreInput:
        """The fields as typed (the service cleans and checks them)."""
        return StoreInput(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            kind=str(self.kind_combo.currentData()),
            address=self.address_edit.toPlainText(),
            phone=self.phone_edit.text(),
        )

    def submit(self) -> None:
        """Create or update the store."""
        if self.store is None:
            self.saved = self.stock.create_store(self.actor, self.data())
        else:
            self.saved = self.stock.update_store(self.actor, self.store.id, self.data())
