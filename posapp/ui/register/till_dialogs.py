"""Till dialogs: open with a counted float, cash in or out, and the blind count at close.

The closing count is blind: the dialog never shows what the till should hold. The cashier
counts (a total, or notes and coins one by one) and only then does the Z report show the
expected figure and the over/short.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from posapp.i18n import _
from posapp.money import MoneyError
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import SalesApi
from posapp.ui.kit.dialogs import dialog_buttons, dialog_column
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.ui.register.dialogs import parse_amount

MAX_PIECES = 100_000


class CountWidget(QWidget):
    """A count by denomination: one spin box per note or coin, and the running total."""

    def __init__(self, denominations: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spins: dict[int, QSpinBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(2 * SPACING)
        grid.setVerticalSpacing(4)
        half = (len(denominations) + 1) // 2
        for index, value in enumerate(denominations):
            label = QLabel(money_text(value), self)
            spin = QSpinBox(self)
            spin.setRange(0, MAX_PIECES)
            spin.setAccessibleName(_("Number of {value}").format(value=money_text(value)))
            spin.valueChanged.connect(self._on_spin_value_changed)
            label.setBuddy(spin)
            row, col = index % half, (index // half) * 2
            grid.addWidget(label, row, col, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(spin, row, col + 1)
            self.spins[value] = spin
        self.total_label = QLabel("", self)
        self.total_label.setObjectName("pageTitle")
        self.total_label.setAccessibleName(_("Counted total"))
        grid.addWidget(self.total_label, half, 0, 1, 4)
        self._on_spin_value_changed()

    def pieces(self) -> dict[int, int]:
        """Count per denomination (zeros left out)."""
        return {value: spin.value() for value, spin in self.spins.items() if spin.value()}

    def total_minor(self) -> int:
        """The counted total."""
        return sum(value * count for value, count in self.pieces().items())

    @Slot()
    def _on_spin_value_changed(self) -> None:
        self.total_label.setText(
            _("Counted {amount}").format(amount=money_text(self.total_minor()))
        )


class _CashForm(QDialog):
    """A total typed in, or a count by denomination; :attr:`amount` and :attr:`pieces`."""

    def __init__(
        self,
        title: str,
        intro: str,
        denominations: Sequence[int],
        parent: QWidget | None,
        *,
        allow_zero: bool,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._allow_zero = allow_zero
        self.amount = 0
        self.pieces: dict[int, int] | None = None
        text = QLabel(intro, self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        self.total_edit = QLineEdit(self)
        self.total_edit.setAccessibleName(_("Total"))
        self.by_piece = QCheckBox(_("Count by &notes and coins"), self)
        self.count = CountWidget(denominations, self)
        self.count.hide()
        self.by_piece.toggled.connect(self._on_by_piece_toggled)
        self.form = QFormLayout()
        self.form.addRow(_("&Total"), self.total_edit)
        self.error = message_label("errorLabel", self)
        self.buttons = dialog_buttons(self, self._on_buttons_accepted)
        parts = (text, self.form, self.by_piece, self.count, self.error, self.buttons)
        self.column = dialog_column(self, *parts, spacing=SPACING)
        self.setMinimumWidth(56 * SPACING)

    @Slot(bool)
    def _on_by_piece_toggled(self, on: bool) -> None:
        self.count.setVisible(on)
        self.total_edit.setEnabled(not on)
        if on:
            next(iter(self.count.spins.values())).setFocus()

    def read(self) -> None:
        """Fill :attr:`amount` (and :attr:`pieces`) from the form, or raise."""
        if self.by_piece.isChecked():
            self.pieces = self.count.pieces()
            self.amount = self.count.total_minor()
            if not self.amount and not self._allow_zero:
                raise ValidationError(_("Count at least one note or coin."))
        else:
            self.pieces = None
            self.amount = parse_amount(self.total_edit.text(), allow_zero=self._allow_zero)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.read()
        except (ServiceError, MoneyError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class OpenTillDialog(_CashForm):
    """Open the till: where, and the float counted into the drawer."""

    def __init__(
        self,
        stores: Sequence[StoreDTO],
        denominations: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Open the till"),
            _("Count the float you put in the drawer."),
            denominations,
            parent,
            allow_zero=True,
        )
        self.store_combo = QComboBox(self)
        self.store_combo.setAccessibleName(_("Store"))
        for store in stores:
            if store.kind == "store":
                self.store_combo.addItem(store.name, store.id)
        self.form.insertRow(0, _("&Store"), self.store_combo)
        self.total_edit.setFocus()

    @property
    def store_id(self) -> int | None:
        """The chosen store."""
        value = self.store_combo.currentData()
        return int(value) if value is not None else None


class CashMoveDialog(QDialog):
    """Cash in or out of the drawer with a reason; :attr:`amount` is signed."""

    def __init__(self, direction: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.direction = direction
        self.amount = 0
        self.reason = ""
        self.setWindowTitle(_("Cash in") if direction == "in" else _("Cash out"))
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setAccessibleName(_("Amount"))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setAccessibleName(_("Reason"))
        self.reason_edit.setPlaceholderText(
            _("e.g. change from the safe") if direction == "in" else _("e.g. bank deposit")
        )
        form = QFormLayout()
        form.addRow(_("&Amount"), self.amount_edit)
        form.addRow(_("&Reason"), self.reason_edit)
        self.error = message_label("errorLabel", self, wrap=False)
        dialog_column(self, form, self.error, dialog_buttons(self, self._on_buttons_accepted))
        self.setMinimumWidth(48 * SPACING)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            amount = parse_amount(self.amount_edit.text())
            if not self.reason_edit.text().strip():
                raise ValidationError(_("Enter the reason."))
        except (ServiceError, MoneyError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.amount = amount if self.direction == "in" else -amount
        self.reason = self.reason_edit.text().strip()
        self.accept()


class CloseTillDialog(_CashForm):
    """The blind count: what is in the drawer, without seeing what should be."""

    def __init__(self, denominations: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(
            _("Close the till — blind count"),
            _(
                "Count all the cash in the drawer. The expected figure appears on the Z report "
                "after you confirm the count."
            ),
            denominations,
            parent,
            allow_zero=True,
        )
        self.by_piece.setChecked(True)


def open_till_with_float(sales: SalesApi, user: UserDTO, parent: QWidget) -> int | None:
    """Ask for the counted float and open this register's till; None when the cashier cancels.

    The till page and the register (which offers it in place when the till is closed) share it.

    Returns:
        The float the till was opened with.

    Raises:
        ServiceError: the stores could not be read or the till could not be opened.
    """
    stores = sales.stores()
    pieces = sales.denominations(user)
    with one_use(OpenTillDialog(stores, pieces, parent)) as dialog:
        if not dialog.exec() or dialog.store_id is None:
            return None
        store_id, amount, counted = dialog.store_id, dialog.amount, dialog.pieces
    sales.open_till(user, store_id, amount, counted)
    return amount
