"""Dialogs of the Purchase orders page: a supplier, a product it supplies, receiving an order.

Each calls the service when OK is pressed (or Enter; Ctrl+Enter in the receiving dialog) and
stays open with the service's message when it refuses. The receiving dialog carries one request
id, so pressing OK twice books the delivery once.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QSpinBox, QWidget

from posapp.i18n import _
from posapp.money import MoneyError, parse_money
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.purchasing import (
    PurchaseOrderDTO,
    PurchasingApi,
    ReceiptResult,
    ReceiveLine,
    SupplierInput,
    SupplierItemInput,
    SupplierSummary,
)
from posapp.services.stock import ProductPick, StockApi, format_quantity, parse_quantity
from posapp.ui.kit.widgets import SPACING, plain_label
from posapp.ui.stores.forms import FormDialog, ProductPicker


def _money(text: str) -> int:
    loc = QLocale()
    group, decimal = loc.groupSeparator(), loc.decimalPoint()
    try:
        return parse_money(text, decimal_sep=decimal, group_sep=group if group != decimal else "")
    except MoneyError as exc:
        raise ValidationError(_("Cost: {reason}").format(reason=exc)) from None


class SupplierDialog(FormDialog):
    """Add a supplier or change one: name, contact, email, phone, lead time."""

    def __init__(
        self,
        purchasing: PurchasingApi,
        actor: UserDTO,
        supplier: SupplierSummary | None,
        parent: QWidget | None = None,
    ) -> None:
        title = (
            _("New supplier") if supplier is None else _("Edit {name}").format(name=supplier.name)
        )
        super().__init__(title, _("&Save"), parent)
        self.purchasing, self.actor, self.supplier = purchasing, actor, supplier
        self.saved: SupplierSummary | None = None
        self.name_edit = QLineEdit(supplier.name if supplier else "", self)
        self.name_edit.setMaxLength(100)
        self.contact_edit = QLineEdit(supplier.contact if supplier else "", self)
        self.email_edit = QLineEdit(supplier.email if supplier else "", self)
        self.email_edit.setPlaceholderText(_("Orders are emailed here as PDF"))
        self.phone_edit = QLineEdit(supplier.phone if supplier else "", self)
        self.lead_spin = QSpinBox(self)
        self.lead_spin.setRange(0, 365)
        self.lead_spin.setSuffix(_(" days"))
        self.lead_spin.setValue(supplier.lead_time_days if supplier else 0)
        self.add_row(_("&Name:"), self.name_edit)
        self.add_row(_("&Contact:"), self.contact_edit)
        self.add_row(_("&Email:"), self.email_edit)
        self.add_row(_("P&hone:"), self.phone_edit)
        self.add_row(_("&Lead time:"), self.lead_spin)

    def submit(self) -> None:
        """Save through the service."""
        data = SupplierInput(
            self.name_edit.text(),
            self.contact_edit.text(),
            self.email_edit.text(),
            self.phone_edit.text(),
            self.lead_spin.value(),
        )
        self.saved = self.purchasing.save_supplier(
            self.actor, self.supplier.id if self.supplier else None, data
        )


class SupplierItemDialog(FormDialog):
    """List a product for a supplier: find it, type the supplier's code and the cost."""

    def __init__(
        self,
        purchasing: PurchasingApi,
        stock: StockApi,
        actor: UserDTO,
        supplier: SupplierSummary,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Product from {supplier}").format(supplier=supplier.name), _("&Save"), parent
        )
        self.purchasing, self.actor, self.supplier = purchasing, actor, supplier
        self.pick: ProductPick | None = None
        self.picker = ProductPicker(stock, actor, None, self)
        self.code_edit = QLineEdit(self)
        self.code_edit.setMaxLength(64)
        self.cost_edit = QLineEdit(self)
        self.cost_edit.setPlaceholderText(_("Per unit, or per kg for goods sold by weight"))
        self.add_row(_("&Product:"), self.picker, _("Find product"))
        self.add_row(_("Their &code:"), self.code_edit)
        self.add_row(_("C&ost:"), self.cost_edit)
        self.picker.picked.connect(self._on_picker_picked)

    def _on_picker_picked(self, pick: ProductPick) -> None:
        self.pick = pick
        self.code_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Save the product's code and cost for the supplier."""
        if self.pick is None:
            raise ValidationError(_("Find the product first (type its name, SKU or barcode)."))
        item = SupplierItemInput(self.pick.id, self.code_edit.text(), _money(self.cost_edit.text()))
        self.purchasing.set_supplier_items(self.actor, self.supplier.id, [item])


class ReceiveOrderDialog(FormDialog):
    """Receive what arrived of a purchase order: units per line (what is still to come typed in).

    Clear a line or type 0 for what did not come; more than ordered is an over-delivery.
    """

    enter_submits = False

    def __init__(
        self,
        purchasing: PurchasingApi,
        actor: UserDTO,
        order: PurchaseOrderDTO,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Receive {number}").format(number=order.number), _("&Receive"), parent)
        self.purchasing, self.actor, self.order = purchasing, actor, order
        self.request_id = uuid.uuid4()
        self.outcome: ReceiptResult | None = None
        self.setMinimumWidth(80 * SPACING)
        intro = plain_label(
            _(
                "{supplier} → {store}. Type the units that arrived on each "
                "line; leave a line empty if nothing came. Ctrl+Enter receives."
            ).format(supplier=order.supplier.name, store=order.store_name),
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setPlaceholderText(_("The supplier's delivery note (optional)"))
        self.reference_edit.setMaxLength(100)
        self.add_row(_("&Delivery note:"), self.reference_edit)
        holder = QWidget(self)
        self.lines_form = form = QFormLayout(holder)
        self.edits: dict[int, QLineEdit] = {}
        for line in order.lines:
            edit = QLineEdit(holder)
            if line.outstanding:
                edit.setText(format_quantity(line.outstanding, by_weight=line.sold_by_weight))
            edit.setAccessibleName(_("Units of {product} received").format(product=line.name))
            done = format_quantity(line.received, by_weight=line.sold_by_weight)
            ordered = format_quantity(line.ordered, by_weight=line.sold_by_weight)
            label = QLabel(
                _("{product} ({sku}): {done} of {ordered} in").format(
                    product=line.name, sku=line.sku, done=done, ordered=ordered
                ),
                holder,
            )
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.edits[line.id] = edit
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setMinimumHeight(min(40 * SPACING, (len(order.lines) + 1) * 5 * SPACING))
        self.form.addRow(scroll)

    def set_units(self, line_id: int, text: str) -> None:
        """Type ``text`` into a line's field (tests and presets)."""
        self.edits[line_id].setText(text)

    def submit(self) -> None:
        """Book the typed units against the order."""
        lines = []
        for line in self.order.lines:
            text = self.edits[line.id].text().strip()
            if not text:
                continue
            units = parse_quantity(
                text.removesuffix("kg").strip(), by_weight=line.sold_by_weight, allow_zero=True
            )
            if units:
                lines.append(ReceiveLine(line.id, units))
        self.outcome = self.purchasing.receive_purchase_order(
            self.actor,
            self.order.id,
            lines,
            reference=self.reference_edit.text(),
            request_id=self.request_id,
        )
