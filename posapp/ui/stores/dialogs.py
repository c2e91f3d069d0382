"""Dialogs that change stock: receive, transfer, adjust and reorder settings.

Each dialog calls the service itself when OK is pressed, so a refusal (not enough stock, an
inactive store, a bad quantity) shows under the form and the dialog stays open with what was
typed. Each dialog carries one request id: pressing OK twice never books twice.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QLocale, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.money import MoneyError, parse_money
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.stock import (
    AdjustReason,
    ProductPick,
    StockApi,
    StockLine,
    StockResult,
    StockRow,
    StoreSummary,
    format_quantity,
    parse_quantity,
)
from posapp.ui.kit.widgets import SPACING, plain_label
from posapp.ui.stores.forms import (
    FormDialog,
    ProductPicker,
    StockLinesModel,
    fit_headers,
    lines_button,
)


def pick_of(row: StockRow) -> ProductPick:
    """A stock table row as a picker's choice."""
    return ProductPick(
        id=row.product_id,
        sku=row.sku,
        barcode="",
        name=row.name,
        sold_by_weight=row.sold_by_weight,
        active=row.active,
        on_hand=row.on_hand,
    )


class StockLinesDialog(FormDialog):
    """Receive a delivery or transfer stock: pick products, type quantities, build lines.

    Enter in the search box picks the first match, Enter in the quantity adds the line,
    Delete removes the selected line, Ctrl+Enter books everything. A delivery (``costed``)
    also takes an optional unit cost per line, beside the quantity (Tab, then Enter).
    """

    enter_submits = False
    costed = False

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary,
        title: str,
        ok_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, ok_text, parent)
        self.stock, self.actor, self.store = stock, actor, store
        self.request_id = uuid.uuid4()
        self.outcome: StockResult | None = None
        self.setMinimumWidth(80 * SPACING)
        self.picker = ProductPicker(stock, actor, store.id, self)
        self.quantity_edit = QLineEdit(self)
        self.quantity_edit.setPlaceholderText(_("Quantity (kg for items sold by weight)"))
        self.add_button = lines_button(_("&Add line"), self)
        self.add_button.setToolTip(_("Add the product and quantity to the list (Enter)"))
        row = QWidget(self)
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.quantity_edit, 1)
        self.cost_edit = QLineEdit(self)
        self.cost_edit.setPlaceholderText(_("Unit cost (optional)"))
        self.cost_edit.setToolTip(
            _(
                "What one unit cost (per kg for items sold by weight); left empty, the units "
                "come in at the store's average cost."
            )
        )
        self.cost_edit.setAccessibleName(_("Unit cost"))
        self.cost_edit.setVisible(self.costed)
        if self.costed:
            self.quantity_edit.setPlaceholderText(_("Quantity (or kg)"))
            box.addWidget(self.cost_edit, 1)
            QWidget.setTabOrder(self.quantity_edit, self.cost_edit)
            QWidget.setTabOrder(self.cost_edit, self.add_button)
        box.addWidget(self.add_button)
        self.lines = StockLinesModel(self, costed=self.costed)
        self.table = QTableView(self)
        self.table.setModel(self.lines)
        self.table.setAccessibleName(_("Lines"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fit_headers(self.table)
        self.table.setMinimumHeight(18 * SPACING)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(160)
        self._extra_fields()
        self.add_row(_("&Product:"), self.picker, _("Find product"))
        self.add_row(_("&Quantity:"), row, _("Quantity row"))
        self.quantity_edit.setAccessibleName(_("Quantity"))
        self.add_row(_("&Lines:"), self.table)
        self.add_row(_("N&ote:"), self.note_edit, _("Note"))
        self.picker.picked.connect(self._on_picker_picked)
        self.quantity_edit.returnPressed.connect(self._on_add_button_clicked)
        self.cost_edit.returnPressed.connect(self._on_add_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        remove = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove.activated.connect(self._on_remove_activated)

    def _extra_fields(self) -> None:
        """Fields above the product (subclasses)."""

    def preset(self, pick: ProductPick) -> None:
        """Start with ``pick`` chosen; the quantity field gets the focus."""
        self.picker.choose(pick)

    def add_line(self) -> None:
        """Add the chosen product with the typed quantity.

        Raises:
            QuantityError: the quantity is not acceptable for the product.
            ValidationError: no product chosen.
        """
        pick = self.picker.current
        if pick is None:
            raise ValidationError(_("Choose a product first: scan it or type its name."))
        quantity = parse_quantity(self.quantity_edit.text(), unit=pick.unit)
        row = self.lines.add(pick, quantity, self._unit_cost())
        self.table.selectRow(row)
        self.quantity_edit.clear()
        self.cost_edit.clear()
        self.picker.search_edit.clear()
        self.picker.search_edit.setFocus()
        self.show_error("")

    def _unit_cost(self) -> int | None:
        """The typed unit cost in minor units, or None (empty, or not a delivery).

        Raises:
            ValidationError: not an amount of money.
        """
        text = self.cost_edit.text().strip()
        if not self.costed or not text:
            return None
        loc = QLocale()
        group, decimal = loc.groupSeparator(), loc.decimalPoint()
        try:
            return parse_money(
                text, decimal_sep=decimal, group_sep=group if group != decimal else ""
            )
        except MoneyError as exc:
            raise ValidationError(_("Unit cost: {reason}").format(reason=exc)) from None

    def stock_lines(self) -> list[StockLine]:
        """The lines to book; a typed but not yet added quantity is added first."""
        if self.quantity_edit.text().strip():
            self.add_line()
        if not self.lines.lines:
            raise ValidationError(_("Add at least one product line."))
        return [
            StockLine(line.pick.id, line.quantity, line.unit_cost_minor)
            for line in self.lines.lines
        ]

    @Slot(object)
    def _on_picker_picked(self, _pick: ProductPick) -> None:
        self.quantity_edit.setFocus()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        try:
            self.add_line()
        except (ValidationError, ValueError) as exc:
            self.show_error(str(exc))

    @Slot()
    def _on_remove_activated(self) -> None:
        self.lines.remove(self.table.currentIndex().row())


class ReceiveDialog(StockLinesDialog):
    """Book a supplier delivery into the store (needs a supplier reference).

    A line's unit cost, when typed, goes into the store's stock value (#20).
    """

    costed = True

    def __init__(
        self, stock: StockApi, actor: UserDTO, store: StoreSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            stock,
            actor,
            store,
            _("Receive stock — {store}").format(store=store.name),
            _("&Receive"),
            parent,
        )

    def _extra_fields(self) -> None:
        self.reference_edit = QLineEdit(self)
        self.reference_edit.setMaxLength(100)
        self.reference_edit.setPlaceholderText(_("Delivery note or invoice number"))
        self.add_row(_("Supplier &reference:"), self.reference_edit, _("Supplier reference"))

    def submit(self) -> None:
        """Book the delivery."""
        lines = self.stock_lines()
        self.outcome = self.stock.receive_stock(
            self.actor,
            self.store.id,
            lines,
            reference=self.reference_edit.text(),
            note=self.note_edit.text(),
            request_id=self.request_id,
        )


class TransferDialog(StockLinesDialog):
    """Move stock from this location to another (both sides in one transaction)."""

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary,
        destinations: list[StoreSummary],
        parent: QWidget | None = None,
    ) -> None:
        self._destinations = [d for d in destinations if d.id != store.id and d.active]
        super().__init__(
            stock,
            actor,
            store,
            _("Transfer stock — from {store}").format(store=store.name),
            _("&Transfer"),
            parent,
        )

    def _extra_fields(self) -> None:
        self.to_combo = QComboBox(self)
        for dest in self._destinations:
            self.to_combo.addItem(f"{dest.name} ({_(dest.kind_label)}, {dest.code})", dest.id)
        self.add_row(_("&To:"), self.to_combo, _("Destination"))

    def submit(self) -> None:
        """Book the transfer."""
        if self.to_combo.currentIndex() < 0:
            raise ValidationError(_("There is no other active location to transfer to."))
        lines = self.stock_lines()
        self.outcome = self.stock.transfer_stock(
            self.actor,
            self.store.id,
            int(self.to_combo.currentData()),
            lines,
            note=self.note_edit.text(),
            request_id=self.request_id,
        )


DIRECTIONS = ((N_("Take away"), -1), (N_("Add"), 1))


class AdjustDialog(FormDialog):
    """Adjust one product by hand, with a reason (and a note for Other)."""

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary,
        row: StockRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Adjust stock — {product}").format(product=row.name), _("&Adjust"), parent
        )
        self.stock, self.actor, self.store, self.row = stock, actor, store, row
        self.request_id = uuid.uuid4()
        self.outcome: StockResult | None = None
        on_hand = format_quantity(row.on_hand, unit=row.unit)
        self.add_row(_("Product:"), plain_label(f"{row.name} · {row.sku}", self), _("Product"))
        self.add_row(
            _("On hand:"),
            plain_label(
                _("{quantity} at {store}").format(quantity=on_hand, store=store.name), self
            ),
            _("On hand"),
        )
        self.direction_combo = QComboBox(self)
        for text, sign in DIRECTIONS:
            self.direction_combo.addItem(_(text), sign)
        self.quantity_edit = QLineEdit(self)
        self.quantity_edit.setPlaceholderText(_("units") if row.unit == "pc" else row.unit)
        self.reason_combo = QComboBox(self)
        for reason in AdjustReason:
            self.reason_combo.addItem(reason.label, reason.value)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(160)
        self.note_edit.setPlaceholderText(_("Required when the reason is Other"))
        self.add_row(_("&Direction:"), self.direction_combo)
        self.add_row(_("&Quantity:"), self.quantity_edit)
        self.add_row(_("&Reason:"), self.reason_combo)
        self.add_row(_("N&ote:"), self.note_edit, _("Note"))
        self.reason_combo.currentIndexChanged.connect(self._on_reason_combo_changed)
        self.quantity_edit.setFocus()

    def submit(self) -> None:
        """Book the adjustment."""
        quantity = parse_quantity(self.quantity_edit.text(), unit=self.row.unit)
        sign = int(self.direction_combo.currentData())
        self.outcome = self.stock.adjust_stock(
            self.actor,
            self.store.id,
            self.row.product_id,
            sign * quantity,
            AdjustReason(self.reason_combo.currentData()),
            note=self.note_edit.text(),
            request_id=self.request_id,
        )

    @Slot(int)
    def _on_reason_combo_changed(self, _index: int) -> None:
        reason = AdjustReason(self.reason_combo.currentData())
        if reason in {AdjustReason.DAMAGE, AdjustReason.THEFT}:
            self.direction_combo.setCurrentIndex(0)  # they only take stock away


class ReorderDialog(FormDialog):
    """Set when a product is low at this store and how much to reorder."""

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store: StoreSummary,
        row: StockRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Reorder settings — {product}").format(product=row.name), _("&Save"), parent
        )
        self.stock, self.actor, self.store, self.row = stock, actor, store, row
        unit = row.unit
        self.add_row(
            _("Product:"),
            plain_label(_("{product} at {store}").format(product=row.name, store=store.name), self),
            _("Product"),
        )
        self.point_edit = QLineEdit(format_quantity(row.reorder_point, unit=unit), self)
        self.qty_edit = QLineEdit(format_quantity(row.reorder_qty, unit=unit), self)
        for edit in (self.point_edit, self.qty_edit):
            edit.setText(edit.text().removesuffix(f" {unit}"))
        self.add_row(_("Reorder &point:"), self.point_edit, _("Reorder point"))
        self.add_row(_("Reorder &quantity:"), self.qty_edit, _("Reorder quantity"))
        hint = plain_label(
            _(
                "Low when on hand is at or below the point (0 switches alerts off). The "
                "replenishment list orders up to point + quantity."
            ),
            self,
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        self.form.addRow(hint)
        self.point_edit.setFocus()
        self.point_edit.selectAll()

    def submit(self) -> None:
        """Save the settings."""
        unit = self.row.unit
        point = parse_quantity(self.point_edit.text(), unit=unit, allow_zero=True)
        qty = parse_quantity(self.qty_edit.text(), unit=unit, allow_zero=True)
        self.stock.set_reorder_levels(self.actor, self.store.id, self.row.product_id, point, qty)
