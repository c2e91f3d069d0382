"""Receipts at the register: where a PDF receipt goes, and emailing it from the change screen.

Emailing (issue #19): on the payment dialog's change screen Ctrl+Shift+E (or the "Email receipt"
button) asks for the address — the attached customer's email is filled in, the customer may
give another — and Enter queues the PDF receipt with an itemised body to the outbox
(``backend.sales.email_receipt``), which sends it with its retries. A bad address is said in the
dialog and nothing is queued; Esc goes back to the change screen, whose "next item" field has
the focus again, so the next scan still starts the next sale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from posapp.config import data_dir
from posapp.i18n import _
from posapp.reports.receipt import receipt_model_pdf
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.files import write_atomic
from posapp.services.sales import EmailedReceipt, SalesApi
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.widgets import SPACING, message_label, plain_label
from posapp.ui.register.panels import KeyButton, no_default_buttons
from posapp.ui.register.payment import PaymentDialog

ReceiptSink = Callable[[str, bytes], None]
EMAIL_KEY = "Ctrl+Shift+E"
"""Not Ctrl+E: the focused "next item" field takes that (end of line) on some platforms."""


def save_and_open_receipt(number: str, pdf: bytes) -> None:
    """The default receipt sink: keep the PDF in the data folder and open it to print."""
    folder = data_dir() / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.pdf"
    write_atomic(path, pdf)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


SendReceipt = Callable[[str], EmailedReceipt]
"""Queues the receipt to an address ("": the customer's); raises ``ServiceError`` if refused."""


class EmailReceiptDialog(QDialog):
    """The address to email the receipt to; Enter sends, Esc goes back."""

    def __init__(self, address: str, send: SendReceipt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Email the receipt"))
        self.setObjectName("emailReceipt")
        self._send = send
        self.sent: EmailedReceipt | None = None
        caption = plain_label(_("The customer's email address"), self)
        self.address_edit = QLineEdit(address, self)
        self.address_edit.setAccessibleName(_("Email address"))
        self.address_edit.setPlaceholderText("name@example.com")
        self.address_edit.selectAll()
        self.address_edit.returnPressed.connect(self.send)
        self.error = message_label("errorLabel", self)
        button = KeyButton("Enter", _("Send"), self)
        button.clicked.connect(self.send)
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.addWidget(caption)
        column.addWidget(self.address_edit)
        column.addWidget(self.error)
        column.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
        no_default_buttons(self)
        self.setMinimumWidth(60 * SPACING)
        self.address_edit.setFocus()

    @Slot()
    def send(self) -> None:
        """Queue the receipt; say why not, or close with :attr:`sent` set."""
        try:
            self.sent = self._send(self.address_edit.text())
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.address_edit.setFocus()
            self.address_edit.selectAll()
            return
        self.accept()


class ReceiptEmailOffer:
    """Adds "Email receipt" (Ctrl+E) to a payment dialog's change screen.

    Args:
        dialog: The payment dialog; the offer lives and dies with it.
        sales: The sales facade.
        user: The cashier.
        address: The attached customer's email ("" when none).
    """

    def __init__(self, dialog: PaymentDialog, sales: SalesApi, user: UserDTO, address: str) -> None:
        self.dialog, self.sales, self.user, self.address = dialog, sales, user, address
        page = dialog.receipt_button.parentWidget() or dialog
        self.button = KeyButton(EMAIL_KEY, _("Email receipt"), page)
        self.button.clicked.connect(self.open)
        self.status = QLabel("", page)
        self.status.setObjectName("emailStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.hide()
        column = page.layout()
        if isinstance(column, QBoxLayout):  # beside Receipt, the status above the buttons
            last = column.itemAt(column.count() - 1)
            row = last.layout() if last is not None else None
            column.insertWidget(column.count() - 1, self.status)
            if isinstance(row, QBoxLayout):
                row.insertWidget(1, self.button)
            else:
                column.insertWidget(column.count() - 1, self.button)
        shortcut = QShortcut(QKeySequence(EMAIL_KEY), dialog)
        shortcut.activated.connect(self.open)

    def open(self) -> None:
        """Ask for the address and queue the receipt (only once the sale is placed)."""
        placed = self.dialog.placed
        if placed is None:
            return

        def send(address: str) -> EmailedReceipt:
            return self.sales.email_receipt(self.user, placed.order_id, address, receipt_model_pdf)

        with one_use(EmailReceiptDialog(self.address, send, self.dialog)) as ask:
            sent = ask.sent if ask.exec() else None
        if sent is not None:
            self.address = sent.to_address
            self.status.setText(
                _("Receipt {number} will be emailed to {address}.").format(
                    number=sent.number, address=sent.to_address
                )
            )
            self.status.show()
        self.dialog.activateWindow()
        self.dialog.next_scan_edit.setFocus()
