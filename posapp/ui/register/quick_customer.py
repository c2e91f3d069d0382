"""Quick add of a customer from the register's F4 picker (Ctrl+N): a name and a phone or email.

Keyboard only: what was typed in the search goes to the field it looks like (digits to the
phone, an ``@`` to the email, words to the name), Tab moves between the three fields, Enter
saves and attaches the new customer, Esc goes back to the search. A refusal (no name, a phone
with letters, an email without ``@``…) is said in the dialog and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from posapp.i18n import _
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import SaleCustomerDTO
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.ui.register.panels import KeyButton, no_default_buttons

AddCustomer = Callable[[str, str, str], SaleCustomerDTO]
"""Records a customer from (name, phone, email); raises ``ServiceError`` with the reason."""


def _split(text: str) -> tuple[str, str, str]:
    """The search text as (name, phone, email): whichever it looks like."""
    text = text.strip()
    if "@" in text:
        return "", "", text
    if text and sum(ch.isdigit() for ch in text) >= len(text.replace(" ", "")) - 3:
        return "", text, ""
    return text, "", ""


class QuickCustomerDialog(QDialog):
    """A new customer in three fields; :attr:`customer` is the one recorded."""

    def __init__(self, add: AddCustomer, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New customer"))
        self.setObjectName("quickCustomer")
        self._add = add
        self.customer: SaleCustomerDTO | None = None
        name, phone, email = _split(text)
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setAccessibleName(_("Customer's name"))
        self.phone_edit = QLineEdit(phone, self)
        self.phone_edit.setAccessibleName(_("Phone"))
        self.email_edit = QLineEdit(email, self)
        self.email_edit.setAccessibleName(_("Email"))
        hint = QLabel(_("A name, and a phone number or an email address."), self)
        hint.setProperty("role", "muted")
        self.error = message_label("errorLabel", self)
        form = QFormLayout()
        form.addRow(_("&Name"), self.name_edit)
        form.addRow(_("&Phone"), self.phone_edit)
        form.addRow(_("&Email"), self.email_edit)
        save = KeyButton("Enter", _("Save and attach"), self)
        save.clicked.connect(self.save)
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.addWidget(hint)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(save, 0, Qt.AlignmentFlag.AlignRight)
        for edit in (self.name_edit, self.phone_edit, self.email_edit):
            edit.returnPressed.connect(self.save)
        no_default_buttons(self)
        first = next(
            (e for e in (self.name_edit, self.phone_edit, self.email_edit) if not e.text()),
            self.name_edit,
        )
        first.setFocus()

    @Slot()
    def save(self) -> None:
        """Record the customer; say why not, or close with :attr:`customer` set."""
        try:
            self.customer = self._add(
                self.name_edit.text(), self.phone_edit.text(), self.email_edit.text()
            )
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.setVisible(True)
            return
        self.accept()
