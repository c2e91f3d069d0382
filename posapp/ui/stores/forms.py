"""Building blocks of the stock dialogs: a form dialog base, a product picker, a lines model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.stock import ProductPick, QuantityError, StockApi, format_quantity
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.table_model import RIGHT, Index
from posapp.ui.kit.widgets import SPACING, message_label, plain_label

SEARCH_DELAY_MS = 150


class FormDialog(QDialog):
    """A dialog with a form, an error line and OK/Cancel; :meth:`submit` does the work.

    Pressing OK (or Enter) calls :meth:`submit`. A :class:`ServiceError` or
    :class:`QuantityError` shows its one-line message under the form and keeps the dialog
    open; anything else is a bug and propagates.
    """

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(60 * SPACING)
        self.title_label = plain_label(title, self)
        self.title_label.setObjectName("dialogTitle")
        title_font = self.title_label.font()
        title_font.setPointSizeF(title_font.pointSizeF() + 3)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.form = QFormLayout()
        self.form.setSpacing(SPACING + 4)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error_label = message_label("errorLabel", self)
        self.error_label.setAccessibleName(_("Error"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("variant", "primary")
        self.ok_button.style().unpolish(self.ok_button)
        self.ok_button.style().polish(self.ok_button)
        self.ok_button.setToolTip(f"{ok_text.replace('&', '')} (Ctrl+Enter)")
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)  # Enter is handled in keyPressEvent
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.title_label)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    enter_submits = True
    """Whether plain Enter submits; dialogs with lines use Enter to add them (Ctrl+Enter books)."""

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if ctrl or self.enter_submits:
                self.ok_button.click()
            event.accept()  # never let QDialog pick a default button (it might be Cancel)
            return
        super().keyPressEvent(event)

    def add_row(self, label: str, widget: QWidget, accessible: str | None = None) -> None:
        """Add a labelled field; the label's mnemonic focuses it."""
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        widget.setAccessibleName(accessible or label.replace("&", "").rstrip(":"))
        self.form.addRow(caption, widget)

    def show_error(self, message: str) -> None:
        """Show a message under the form (plain text)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def submit(self) -> None:
        """Do the dialog's work; raise ServiceError/QuantityError to refuse."""
        raise NotImplementedError

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.submit()
        except (ServiceError, QuantityError) as exc:
            self.show_error(str(exc))
            return
        self.accept()


class ProductPicker(QWidget):
    """A search box with a result list: type a name, SKU or barcode, pick with Enter.

    Signals:
        picked(ProductPick): a product was chosen.
    """

    picked = Signal(object)

    def __init__(
        self,
        stock: StockApi,
        actor: UserDTO,
        store_id: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._stock, self._actor, self._store_id = stock, actor, store_id
        self._picks: list[ProductPick] = []
        self.current: ProductPick | None = None
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(_("Scan a barcode or type a name or SKU"))
        self.search_edit.setAccessibleName(_("Find product"))
        self.search_edit.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setAccessibleName(_("Matching products"))
        self.results.setMaximumHeight(18 * SPACING)
        self.results.setObjectName("pickerResults")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.hide()
        self.chosen_label = plain_label(_("No product chosen"), self)
        self.chosen_label.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results)
        layout.addWidget(self.chosen_label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search_edit.textEdited.connect(self._on_search_edit_text_edited)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.search_edit.installEventFilter(self)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.setFocusProxy(self.search_edit)

    def choose(self, pick: ProductPick) -> None:
        """Make ``pick`` the chosen product."""
        self.current = pick
        on_hand = format_quantity(pick.on_hand, unit=pick.unit)
        self.chosen_label.setText(
            _("{product} · {sku} · {quantity} on hand here").format(
                product=pick.name, sku=pick.sku, quantity=on_hand
            )
        )
        self.results.hide()
        emit(self.picked, pick)

    def search_now(self, text: str | None = None) -> list[ProductPick]:
        """Run the search at once (tests and Enter do not wait for the typing pause)."""
        if text is not None:
            self.search_edit.setText(text)
        self._timer.stop()
        query = self.search_edit.text()
        self._picks = self._stock.find_products(self._actor, query, store_id=self._store_id)
        self.results.clear()
        for pick in self._picks:
            on_hand = format_quantity(pick.on_hand, unit=pick.unit)
            text = (
                _("{product} · {sku} · {quantity} on hand")
                if pick.active
                else _("{product} · {sku} · {quantity} on hand · archived")
            )
            item = QListWidgetItem(text.format(product=pick.name, sku=pick.sku, quantity=on_hand))
            self.results.addItem(item)
        self.results.setVisible(bool(self._picks))
        if self._picks:
            self.results.setCurrentRow(0)
        return list(self._picks)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.results.isVisible():
                self.results.setFocus()
                return True
        return super().eventFilter(watched, event)

    @Slot(str)
    def _on_search_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.search_now()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        picks = self.search_now()
        if picks:
            self.choose(picks[0])

    @Slot(QListWidgetItem)
    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        row = self.results.row(item)
        if 0 <= row < len(self._picks):
            self.choose(self._picks[row])


@dataclass(frozen=True, slots=True)
class LineItem:
    """A product and a quantity in a dialog's list of lines (and a delivery's unit cost)."""

    pick: ProductPick
    quantity: int
    unit_cost_minor: int | None = None


class StockLinesModel(QAbstractTableModel):
    """The lines of a delivery or transfer: product, SKU, quantity (a product appears once).

    A delivery's model (``costed``) adds the unit cost column (per kg for weighed goods; empty
    for a line booked at the store's average cost).
    """

    def __init__(self, parent: Any = None, *, costed: bool = False) -> None:
        super().__init__(parent)
        self._lines: list[LineItem] = []
        self.HEADERS = (_("Product"), _("SKU"), _("Quantity"), _("Unit cost"))[: 4 if costed else 3]

    @property
    def lines(self) -> list[LineItem]:
        """The lines in order."""
        return list(self._lines)

    def add(self, pick: ProductPick, quantity: int, unit_cost_minor: int | None = None) -> int:
        """Add a line, or add to the product's line; return its row.

        Raises:
            ValidationError: the product is listed already at another unit cost.
        """
        for row, line in enumerate(self._lines):
            if line.pick.id == pick.id:
                if line.unit_cost_minor != unit_cost_minor:
                    raise ValidationError(
                        _(
                            "{product} is listed at another unit cost: remove that line first."
                        ).format(product=pick.name)
                    )
                self._lines[row] = LineItem(pick, line.quantity + quantity, unit_cost_minor)
                emit(self.dataChanged, self.index(row, 0), self.index(row, 2))
                return row
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(LineItem(pick, quantity, unit_cost_minor))
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        """Remove a line."""
        if 0 <= row < len(self._lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._lines[row]
            self.endRemoveRows()

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section >= 2:  # noqa: PLR2004
                return int(RIGHT)
        return None

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            cost = line.unit_cost_minor
            texts: Sequence[str] = (
                line.pick.name,
                line.pick.sku,
                format_quantity(line.quantity, unit=line.pick.unit),
                "" if cost is None else money_text(cost),
            )
            return texts[column] if 0 <= column < len(self.HEADERS) else None
        if role == Qt.ItemDataRole.UserRole:
            return line.pick.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:  # noqa: PLR2004
            return int(RIGHT)
        return None


def lines_button(text: str, parent: QWidget) -> QPushButton:
    """A secondary button that is not the dialog's default."""
    button = QPushButton(text, parent)
    button.setAutoDefault(False)
    return button


def fit_headers(table: QTableView) -> None:
    """Widen every column of ``table`` to at least its header (words differ by language)."""
    header = table.horizontalHeader()
    for column in range(header.count()):
        header.resizeSection(
            column, max(header.sectionSize(column), header.sectionSizeHint(column))
        )
