"""The Customers tab's dialogs: a customer's form (new or edit) and the erasure on request.

Each is a :class:`~posapp.ui.kit.form_dialog.FormDialog`: a refusal shows the service's message
in the dialog, which stays open with what was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget

from posapp.i18n import _
from posapp.services.customers import CustomerDraft, CustomerDTO
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.form_dialog import FormDialog, FormLook
from posapp.ui.kit.widgets import SPACING

if TYPE_CHECKING:
    from posapp.services.customers import CustomersApi

DIALOG_WIDTH: Final = 60 * SPACING


class CustomersDialog(FormDialog):
    """The Customers screens' form dialog."""

    look = FormLook(
        object_name="customersDialog",
        sheets=("shared", "accounts"),
        width=DIALOG_WIDTH,
        intro_gap=SPACING,
        field_gap=int(1.5 * SPACING),
        label_gap=SPACING // 2,
    )


def _line(parent: QWidget, text: str, limit: int) -> QLineEdit:
    edit = QLineEdit(text, parent)
    edit.setMaxLength(limit)
    return edit


def _block(parent: QWidget, text: str) -> QPlainTextEdit:
    edit = QPlainTextEdit(text, parent)
    edit.setTabChangesFocus(True)  # Tab moves on: a cashier works from the keyboard alone
    edit.setFixedHeight(8 * SPACING)
    return edit


class CustomerFormDialog(CustomersDialog):
    """Record a new customer or change one; :attr:`customer` is the result."""

    def __init__(
        self,
        api: CustomersApi,
        actor: UserDTO,
        customer: CustomerDTO | None = None,
        parent: QWidget | None = None,
    ) -> None:
        editing = customer is not None
        super().__init__(
            _("Edit customer") if editing else _("New customer"),
            _("Only the name is needed; the rest helps find and reach the customer."),
            _("Save") if editing else _("Add customer"),
            parent,
        )
        self._api, self._actor, self._original = api, actor, customer
        self.customer: CustomerDTO | None = None
        c = customer
        self.name_edit = _line(self, c.name if c else "", 200)
        self.phone_edit = _line(self, c.phone if c else "", 40)
        self.email_edit = _line(self, c.email if c else "", 254)
        self.address_edit = _block(self, c.address if c else "")
        self.tags_edit = _line(self, ", ".join(c.tags) if c else "", 500)
        self.notes_edit = _block(self, c.notes if c else "")
        self.opt_in_box = QCheckBox(_("Agrees to receive offers by &email"), self)
        self.opt_in_box.setChecked(bool(c and c.marketing_opt_in))
        self.add_field(_("&Name"), self.name_edit)
        self.add_field(_("&Phone"), self.phone_edit)
        self.add_field(_("E&mail"), self.email_edit)
        self.add_field(_("&Address"), self.address_edit)
        self.add_field(_("&Tags"), self.tags_edit, _("Separated by commas: vip, wholesale"))
        self.add_field(_("N&otes"), self.notes_edit)
        self.fields.addSpacing(SPACING)
        self.fields.addWidget(self.opt_in_box)

    def draft(self) -> CustomerDraft:
        """What the form says."""
        return CustomerDraft(
            name=self.name_edit.text(),
            phone=self.phone_edit.text(),
            email=self.email_edit.text(),
            address=self.address_edit.toPlainText(),
            marketing_opt_in=self.opt_in_box.isChecked(),
            notes=self.notes_edit.toPlainText(),
            tags=self.tags_edit.text(),
        )

    def submit(self) -> None:
        """Save the customer (the service checks every field)."""
        if self._original is None:
            self.customer = self._api.create(self._actor, self.draft())
        else:
            self.customer = self._api.edit(
                self._actor,
                self._original.id,
                self.draft(),
                expected_version=self._original.version,
            )


class EraseDialog(CustomersDialog):
    """Erase a customer's personal data on request, with the reason (audited)."""

    def __init__(
        self, api: CustomersApi, actor: UserDTO, customer: CustomerDTO, parent: QWidget | None
    ) -> None:
        super().__init__(
            _("Erase {name}").format(name=customer.name),
            _(
                "The name, phone, email, address, notes and tags are removed for good; orders, "
                "returns and account movements stay, under “Erased customer”. Close the customer's "
                "accounts first."
            ),
            _("Erase"),
            parent,
            danger=True,
        )
        self._api, self._actor, self._customer = api, actor, customer
        self.erased: CustomerDTO | None = None
        self.reason_edit = _line(self, "", 500)
        self.reason_edit.setPlaceholderText(_("Their request of …"))
        self.add_field(_("&Reason"), self.reason_edit)

    def submit(self) -> None:
        """Erase (the service refuses without a reason, or with an account still open)."""
        self.erased = self._api.erase(self._actor, self._customer.id, self.reason_edit.text())
