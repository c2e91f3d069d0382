"""Return goods from an order: choose lines and quantities, restock or write off, refund.

Quantities can never exceed what is left to return (the spin boxes stop there, and the service
checks again). The refund shown is computed with the same cumulative rounding as the service.
The return's id is made when the dialog opens, so pressing OK twice returns nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import (
    OrderDetail,
    OrderLineDTO,
    RefundTo,
    ReturnLineRequest,
    ReturnRequest,
    line_refund,
)
from posapp.ui.kit.dialogs import dialog_buttons
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.quantity_spin import QuantitySpinBox
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.units import format_quantity

Submit = Callable[[ReturnRequest], str]


class ReturnDialog(QDialog):
    """The return form of one order; :attr:`done_text` says what was refunded."""

    def __init__(
        self,
        order: OrderDetail,
        submit: Submit,
        parent: QWidget | None = None,
        *,
        with_receipt: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Return items — {number}").format(number=order.number))
        self.setObjectName("returnDialog")
        self.order = order
        self._submit = submit
        self.return_uuid = uuid.uuid4()
        self.done_text = ""
        self.lines = [line for line in order.lines if line.returnable_qty > 0]
        self.spins: list[QuantitySpinBox] = []
        self.restocks: list[QCheckBox] = []
        self.table = QTableWidget(len(self.lines), 5, self)
        self.table.setHorizontalHeaderLabels(
            [_("Item"), _("Sold"), _("Return"), _("Restock"), _("Refund")]
        )
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(_("Lines to return"))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, line in enumerate(self.lines):
            self._add_row(row, line)
        self._build_options(order, with_receipt)
        self._layout()
        everything = QShortcut(QKeySequence("Ctrl+A"), self)
        everything.activated.connect(self.return_everything)
        self.resize(84 * SPACING, 64 * SPACING)
        self._update_total()
        if self.spins:
            self.spins[0].setFocus()

    def _build_options(self, order: OrderDetail, with_receipt: bool) -> None:
        self.receipt_check = QCheckBox(_("The customer showed the &receipt"), self)
        self.receipt_check.setChecked(with_receipt)
        self.original_radio = QRadioButton(_("Refund to the &original payment"), self)
        self.account_radio = QRadioButton(_("Refund to the customer's &account"), self)
        self.original_radio.setChecked(True)
        self.account_radio.setEnabled(order.customer is not None)
        if order.customer is not None:
            self.account_radio.setText(
                _("Refund to {customer}'s &account").format(customer=order.customer.holder_name)
            )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setAccessibleName(_("Reason"))
        self.reason_edit.setPlaceholderText(_("e.g. wrong size, damaged"))
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setAccessibleName(_("Card refund reference"))
        self.reference_edit.setPlaceholderText(_("Terminal reference of the card refund"))
        self.has_card = any(p.method == "card" and p.amount_minor > 0 for p in order.payments)
        if not self.has_card:  # no card to refund: no field (it would float at the top left)
            self.reference_edit.hide()
        self.total_label = QLabel("", self)
        self.total_label.setObjectName("pageTitle")
        self.total_label.setAccessibleName(_("Refund total"))
        self.error = message_label("errorLabel", self)

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(_("Reason"), self.reason_edit)
        if self.has_card:
            form.addRow(_("Card refund ref."), self.reference_edit)
        buttons = dialog_buttons(self, self._on_buttons_accepted, _("Return and refund (Enter)"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Cancel (Esc)"))
        hint = QLabel(_("Ctrl+A returns everything that is left."), self)
        hint.setProperty("role", "muted")
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.setSpacing(SPACING)
        column.addWidget(self.table, 1)
        column.addWidget(hint)
        column.addWidget(self.receipt_check)
        column.addWidget(self.original_radio)
        column.addWidget(self.account_radio)
        column.addLayout(form)
        column.addWidget(self.total_label)
        column.addWidget(self.error)
        column.addWidget(buttons)

    def _add_row(self, row: int, line: OrderLineDTO) -> None:
        name = QTableWidgetItem(line.name)
        name.setFlags(Qt.ItemFlag.ItemIsEnabled)
        sold_text = format_quantity(line.quantity, line.unit)
        sold = QTableWidgetItem(
            _("{sold} (left {left})").format(
                sold=sold_text, left=format_quantity(line.returnable_qty, line.unit)
            )
        )
        sold.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, sold)
        spin = QuantitySpinBox(line.unit, self.table)  # 0.200 kg of a weighed line
        spin.setRange(0, line.returnable_qty)
        spin.setAccessibleName(_("Return quantity of {product}").format(product=line.name))
        spin.valueChanged.connect(self._update_total)
        restock = QCheckBox(_("Restock"), self.table)
        restock.setChecked(True)
        restock.setAccessibleName(
            _("Restock {product} (unchecked: write off)").format(product=line.name)
        )
        self.table.setCellWidget(row, 2, spin)
        self.table.setCellWidget(row, 3, restock)
        self.table.setItem(row, 4, QTableWidgetItem(""))
        self.spins.append(spin)
        self.restocks.append(restock)

    @Slot()
    def return_everything(self) -> None:
        """Set every line to all that is left."""
        for spin in self.spins:
            spin.setValue(spin.maximum())

    def refund_minor(self) -> int:
        """What the chosen quantities refund."""
        return sum(
            line_refund(line.total_minor, line.quantity, line.returned_qty, spin.value())
            for line, spin in zip(self.lines, self.spins, strict=True)
        )

    @Slot()
    def _update_total(self) -> None:
        for row, (line, spin) in enumerate(zip(self.lines, self.spins, strict=True)):
            amount = line_refund(line.total_minor, line.quantity, line.returned_qty, spin.value())
            item = self.table.item(row, 4)
            if item is not None:
                item.setText(money_text(amount) if spin.value() else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total_label.setText(
            _("Refund {amount}").format(amount=money_text(self.refund_minor()))
        )

    def request(self) -> ReturnRequest:
        """The return the form describes."""
        return ReturnRequest(
            return_uuid=self.return_uuid,
            order_id=self.order.id,
            lines=tuple(
                ReturnLineRequest(line.id, spin.value(), restock.isChecked())
                for line, spin, restock in zip(self.lines, self.spins, self.restocks, strict=True)
                if spin.value() > 0
            ),
            with_receipt=self.receipt_check.isChecked(),
            refund_to=RefundTo.ACCOUNT if self.account_radio.isChecked() else RefundTo.ORIGINAL,
            reason=self.reason_edit.text(),
            card_refund_reference=self.reference_edit.text(),
        )

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.done_text = self._submit(self.request())
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
