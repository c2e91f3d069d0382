"""The register's widgets and where they sit: barcode field, the sale's lines, keys, grid, totals.

Only the widgets: :class:`posapp.ui.register.view.RegisterView` builds on this class and connects
them to what they do (scanning, the keys, paying), like a form class under its view in Qt.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _, pgettext
from posapp.ui.kit.widgets import SPACING
from posapp.ui.register.model import CartTableModel
from posapp.ui.register.panels import ChangePanel, KeyButton, MessageBar, ProductGrid, TotalsPanel

ACTIONS: tuple[tuple[str, Callable[[], str], str], ...] = (
    ("F5", lambda: pgettext("register key", "Quantity"), "change_quantity"),
    ("F6", lambda: pgettext("register key", "Line discount"), "line_discount"),
    ("F7", lambda: pgettext("register key", "Order discount"), "order_discount"),
    ("F11", lambda: pgettext("register key", "Price"), "change_price"),
    ("Del", lambda: pgettext("register key", "Remove line"), "remove_line"),
    ("F4", lambda: pgettext("register key", "Customer"), "attach_customer"),
    ("F8", lambda: pgettext("register key", "Coupon"), "coupons"),
    ("F9", lambda: pgettext("register key", "Park"), "park"),
    ("F10", lambda: pgettext("register key", "Parked sales"), "resume"),
    ("Esc", lambda: pgettext("register key", "Cancel sale"), "cancel_sale"),
)
"""The register's action buttons: key, label (in the current language), method of RegisterView."""


class RegisterLayout(QWidget):
    """The register's widgets, laid out; the view subclass connects them.

    ``buttons`` maps each action of :data:`ACTIONS` (and ``search_product``, ``print_receipt``,
    ``no_sale``) to its key button; ``pay_button`` is the big Pay (F12).
    """

    def __init__(self, model: CartTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.buttons: dict[str, KeyButton] = {}
        self._build()

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.scan_edit = QLineEdit(self)
        self.scan_edit.setObjectName("registerScan")
        self.scan_edit.setPlaceholderText(_("Scan or type a barcode or SKU, then Enter"))
        self.scan_edit.setAccessibleName(_("Barcode"))
        search = KeyButton("F2", _("Search"), self)
        self.buttons["search_product"] = search
        scan_row = QHBoxLayout()
        scan_row.setSpacing(SPACING)
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(search)
        self.message = MessageBar(self)

        self._build_table()

        actions = QGridLayout()
        actions.setSpacing(6)
        for index, (key, label, name) in enumerate(ACTIONS):
            button = KeyButton(key, label(), self)
            self.buttons[name] = button
            actions.addWidget(button, index // 5, index % 5)

        self.grid = ProductGrid(self)
        self.grid.setFixedHeight(17 * SPACING)

        left = QVBoxLayout()
        left.setSpacing(SPACING + 2)
        left.addLayout(scan_row)
        left.addWidget(self.message)
        left.addWidget(self.table, 1)
        left.addLayout(actions)
        left.addWidget(self.grid)
        left.addWidget(self._build_hint())

        row = QHBoxLayout(self)
        row.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        row.setSpacing(3 * SPACING)
        row.addLayout(left, 1)
        row.addWidget(self._build_side())

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("cartTable")
        self.table.setModel(self.model)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setAccessibleName(_("Sale lines"))
        header = self.table.horizontalHeader()
        # Fixed widths: sizing columns to their contents would measure every row on every scan.
        # The quantity holds a weight ("12.455 kg", #20).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate(
            (5 * SPACING, 0, 13 * SPACING, 13 * SPACING, 13 * SPACING, 14 * SPACING)
        ):
            if width:
                header.resizeSection(column, width)
        header.setHighlightSections(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.empty_hint = QLabel(_("Ready for the next customer — scan the first item"), self)
        self.empty_hint.setObjectName("cartEmptyHint")
        self.empty_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        overlay = QVBoxLayout(self.table.viewport())
        overlay.addWidget(self.empty_hint)

    def _build_hint(self) -> QLabel:
        hint = QLabel(
            _(
                "↑↓ a line · + / − its quantity · 3* before a code adds three · Tab: tiles · "
                "Ctrl+G gift card · Ctrl+B balance · Ctrl+Shift+D customer display"
            ),
            self,
        )
        hint.setProperty("role", "muted")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)  # a second line rather than keys cut off (German, a narrow screen)
        return hint

    def _build_side(self) -> QWidget:
        side = QWidget(self)
        side.setFixedWidth(44 * SPACING)
        self.till_label = QLabel("", side)
        self.till_label.setProperty("role", "muted")
        self.till_label.setTextFormat(Qt.TextFormat.PlainText)
        self.customer_label = QLabel(_("No customer · F4 to attach"), side)
        self.customer_label.setObjectName("customerChip")
        self.customer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.customer_label.setAccessibleName(_("Customer"))
        self.open_till_button = KeyButton("Ctrl+O", _("Open the till here"), side)
        self.open_till_button.setProperty("variant", "primary")
        self.open_till_button.hide()  # shown while the till is closed
        self.buttons["open_till"] = self.open_till_button
        self.totals = TotalsPanel(side)
        self.change = ChangePanel(side)
        self.pay_button = QPushButton(_("Pay   F12"), side)
        self.pay_button.setObjectName("payButton")
        self.pay_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pay_button.setAccessibleName(_("Pay (F12)"))
        self.pay_button.setEnabled(False)  # until the sale has an item
        receipt = KeyButton("Ctrl+P", _("Receipt of last sale"), side)
        self.buttons["print_receipt"] = receipt
        no_sale = KeyButton("F3", _("No sale (open drawer)"), side)
        self.buttons["no_sale"] = no_sale
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING + 4)
        column.addWidget(self.till_label)
        column.addWidget(self.customer_label)
        column.addWidget(self.open_till_button)
        column.addWidget(self.totals, 1)
        column.addWidget(self.change)
        column.addWidget(self.pay_button)
        column.addWidget(receipt)
        column.addWidget(no_sale)
        return side
