"""Building blocks of the register: key-cap buttons, the totals panel, the product grid, messages.

The key buttons never take keyboard focus: the barcode field keeps it all day, and a click on a
button or a tile acts without moving the focus away from it. The product grid's chips and tiles
are reached with Tab from the barcode field (Enter or Space chooses, Esc goes back); a scan that
arrives while one of them has the focus goes on to the barcode field.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _, ngettext
from posapp.services.sales import EMPTY_CART, CategoryDTO, PricedCart, ProductDTO
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING


class KeyButton(QPushButton):
    """A button showing its shortcut as a key cap (``F5``) before its text; never takes focus.

    Signals:
        clicked(): inherited; the register connects it to the same slot as the shortcut.
    """

    def __init__(self, key: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("keyButton", True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoDefault(False)  # Enter belongs to the field being typed in, never to a button
        self.setAccessibleName(f"{text} ({key})")
        self.setToolTip(f"{text} ({key})")
        self.key_label = QLabel(key, self)
        self.key_label.setObjectName("keyCap")
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("keyText")
        for label in (self.key_label, self.text_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.setSpacing(6)
        row.addWidget(self.key_label)
        row.addWidget(self.text_label, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    @override
    def sizeHint(self) -> QSize:
        layout = self.layout()
        inner = layout.sizeHint() if layout is not None else QSize(80, 30)
        return QSize(inner.width() + 4, max(44, inner.height() + 4))


def no_default_buttons(dialog: QWidget) -> None:
    """Stop Enter from also pressing a dialog button where a field handles Enter itself.

    A QDialog makes its first auto-default push button the default, and Enter in a line edit then
    both emits ``returnPressed`` and presses that button (a coupon applied and removed at once).
    """
    for button in dialog.findChildren(QPushButton):
        button.setAutoDefault(False)
        button.setDefault(False)


class MessageBar(QLabel):
    """One line telling the cashier what just happened: an error, a warning or a note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registerMessage")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAccessibleName(_("Register message"))
        self.setContentsMargins(4, 2, 4, 2)
        self.setMinimumHeight(5 * SPACING)
        self.hide()

    @property
    def level(self) -> str:
        """``error``, ``warning`` or ``info`` (empty when hidden)."""
        return str(self.property("level") or "") if self.isVisible() or self.text() else ""

    def show_message(self, text: str, level: str = "info") -> None:
        """Show ``text`` (plain text: product names are never read as HTML)."""
        self.setProperty("level", level)
        self.setText(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def clear_message(self) -> None:
        """Hide the message."""
        self.setText("")
        self.setProperty("level", "")
        self.hide()


def minus_money(minor: int) -> str:
    """An amount taken off, with a minus sign (never the accounting parentheses)."""
    return f"−{money_text(abs(minor))}"


def _row(parent: QWidget, caption: str, name: str = "totalsValue") -> tuple[QLabel, QLabel]:
    left = QLabel(caption, parent)
    left.setObjectName("totalsCaption")
    right = QLabel("", parent)
    right.setObjectName(name)
    right.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    for label in (left, right):
        label.setTextFormat(Qt.TextFormat.PlainText)
    return left, right


class TotalsPanel(QFrame):
    """Subtotal, discounts, coupon, tax and a large total; after a sale, the change due."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registerCard")
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACING)
        grid.setVerticalSpacing(6)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        for index, (key, caption, name) in enumerate(
            (
                ("subtotal", _("Subtotal"), "totalsValue"),
                ("discount", _("Discounts"), "totalsSaving"),
                ("coupon", _("Coupon"), "totalsSaving"),
                ("tax", _("Tax"), "totalsValue"),
            )
        ):
            left, right = _row(self, caption, name)
            grid.addWidget(left, index, 0)
            grid.addWidget(right, index, 1)
            self.rows[key] = (left, right)
        self.total_caption = QLabel(_("TOTAL"), self)
        self.total_caption.setObjectName("totalLabel")
        self.total_label = QLabel(money_text(0), self)
        self.total_label.setObjectName("totalAmount")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total_label.setAccessibleName(_("Total"))
        self.items_label = QLabel(_("No items"), self)
        self.items_label.setObjectName("itemCount")
        self.savings_label = QLabel("", self)
        self.savings_label.setObjectName("totalsSaving")
        self.savings_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        for label in (self.total_caption, self.total_label, self.items_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        line = QFrame(self)
        line.setProperty("role", "separator")
        line.setFixedHeight(1)

        column = QVBoxLayout(self)
        column.setContentsMargins(2 * SPACING, 2 * SPACING, 2 * SPACING, 2 * SPACING)
        column.setSpacing(SPACING)
        column.addLayout(grid)
        column.addStretch(1)
        column.addWidget(line)
        head = QHBoxLayout()
        head.addWidget(self.total_caption, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        head.addWidget(self.items_label, 0, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(head)
        column.addWidget(self.total_label)
        column.addWidget(self.savings_label)
        self.show_cart(EMPTY_CART, 0)

    def show_cart(self, cart: PricedCart, items: int) -> None:
        """Show a priced cart's totals (rows that are zero stay visible but quiet)."""
        values = {
            "subtotal": money_text(cart.subtotal_minor),
            "discount": minus_money(cart.discount_minor) if cart.discount_minor else "—",
            "coupon": minus_money(cart.coupon_minor) if cart.coupon_minor else "—",
            "tax": money_text(cart.tax_minor),
        }
        saved = cart.discount_minor + cart.coupon_minor
        self.savings_label.setText(
            _("The customer saves {amount}").format(amount=money_text(saved)) if saved else ""
        )
        for key, text in values.items():
            self.rows[key][1].setText(text)
        tax_caption = _("Tax")
        if cart.tax_added_minor and cart.tax_included_minor:
            tax_caption = _("Tax (incl. + added)")
        elif cart.tax_added_minor:
            tax_caption = _("Tax added")
        elif cart.tax_minor:
            tax_caption = _("Tax included")
        self.rows["tax"][0].setText(tax_caption)
        self.total_label.setText(money_text(cart.total_minor))
        self.items_label.setText(
            _("No items")
            if not items
            else ngettext("{count} item", "{count} items", items).format(count=items)
        )

    @property
    def total_text(self) -> str:
        """The total as shown."""
        return self.total_label.text()


class ChangePanel(QFrame):
    """The change due after a cash sale, in large type, with the order number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePanel")
        self.caption = QLabel(_("CHANGE DUE"), self)
        self.caption.setObjectName("changeCaption")
        self.amount = QLabel("", self)
        self.amount.setObjectName("changeAmount")
        self.amount.setAccessibleName(_("Change due"))
        self.detail = QLabel("", self)
        self.detail.setObjectName("changeDetail")
        self.detail.setWordWrap(True)
        for label in (self.caption, self.amount, self.detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
        column = QVBoxLayout(self)
        column.setContentsMargins(2 * SPACING, SPACING + 4, 2 * SPACING, SPACING + 4)
        column.setSpacing(2)
        column.addWidget(self.caption)
        column.addWidget(self.amount)
        column.addWidget(self.detail)
        self.hide()

    def show_change(self, change_minor: int, number: str, paid_minor: int) -> None:
        """Show the change of the sale just paid."""
        self.caption.setText(_("CHANGE DUE") if change_minor else _("PAID — NO CHANGE"))
        self.amount.setText(money_text(change_minor))
        self.detail.setText(
            _("Order {number} · paid {paid} · Ctrl+P prints the receipt").format(
                number=number, paid=money_text(paid_minor)
            )
        )
        self.show()


def _scroller(content: QWidget, along: Qt.Orientation, parent: QWidget) -> QScrollArea:
    """A frameless scroll area that never takes the focus and scrolls only ``along``."""
    area = QScrollArea(parent)
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    off, needed = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAsNeeded
    horizontal = along is Qt.Orientation.Horizontal
    area.setHorizontalScrollBarPolicy(needed if horizontal else off)
    area.setVerticalScrollBarPolicy(off if horizontal else needed)
    return area


class ProductGrid(QWidget):
    """Category chips over product tiles, for items without a barcode (bread, a paper bag).

    Signals:
        category_chosen(int): a category chip was clicked.
        product_chosen(ProductDTO): a tile was clicked.
    """

    category_chosen = Signal(int)
    product_chosen = Signal(object)
    COLUMNS = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scan_field: QWidget | None = None
        """Where typed text goes when a chip or tile has the focus (the barcode field)."""
        self._chips: list[QPushButton] = []
        self._tiles: list[QPushButton] = []
        chips = QWidget(self)
        self.chip_row = QHBoxLayout(chips)
        self.chip_row.setContentsMargins(0, 0, 0, 0)
        self.chip_row.setSpacing(6)
        self.chip_row.addStretch(1)
        # Many categories scroll sideways, never squeezed; many tiles scroll down.
        chip_scroll = _scroller(chips, Qt.Orientation.Horizontal, self)
        chip_scroll.setFixedHeight(6 * SPACING)
        holder = QWidget(self)
        self.tile_grid = QGridLayout(holder)
        self.tile_grid.setContentsMargins(0, 0, 0, 0)
        self.tile_grid.setSpacing(6)
        scroll = _scroller(holder, Qt.Orientation.Vertical, self)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(chip_scroll)
        column.addWidget(scroll, 1)

    def set_categories(self, categories: Sequence[CategoryDTO], current: int | None) -> None:
        """Show one chip per category."""
        for chip in self._chips:
            chip.deleteLater()
        self._chips = []
        for category in categories:
            chip = QPushButton(category.name.replace("&", "&&"), self)  # "&" is no mnemonic
            chip.setProperty("chip", True)
            chip.setCheckable(True)
            chip.setChecked(category.id == current)
            chip.setAccessibleName(_("Category {category}").format(category=category.name))
            # Never narrower than its label: the row scrolls instead of clipping a name.
            chip.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            self._reachable(chip)
            chip.setProperty("categoryId", category.id)
            chip.clicked.connect(self._on_chip_clicked)
            self.chip_row.insertWidget(len(self._chips), chip)
            self._chips.append(chip)
        self._chain()

    def set_products(self, products: Sequence[ProductDTO]) -> None:
        """Show one tile per product: name and price."""
        for tile in self._tiles:
            tile.deleteLater()
        self._tiles = []
        for index, product in enumerate(products):
            name = product.name.replace("&", "&&")
            tile = QPushButton(f"{name}\n{money_text(product.price_minor)}", self)
            tile.setProperty("tile", True)
            self._reachable(tile)
            tile.setAccessibleName(_("Add {product}").format(product=product.name))
            tile.setProperty("product", product)
            tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            tile.clicked.connect(self._on_tile_clicked)
            self.tile_grid.addWidget(tile, index // self.COLUMNS, index % self.COLUMNS)
            self._tiles.append(tile)
        self._chain()

    def _chain(self) -> None:
        """Tab goes barcode field → chips → tiles, in the order they show."""
        previous = self.scan_field
        for button in (*self._chips, *self._tiles):
            if previous is not None:
                QWidget.setTabOrder(previous, button)
            previous = button

    def _reachable(self, button: QPushButton) -> None:
        """Let Tab reach ``button`` (never a click: the barcode field keeps the focus then)."""
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setAutoDefault(False)
        button.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (isinstance(watched, QPushButton) and event.type() == QEvent.Type.KeyPress):
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            watched.click()
            return True
        if key == Qt.Key.Key_Escape and self.scan_field is not None:
            self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if event.text().isprintable() and event.text() and self.scan_field is not None:
            # A scan while a chip has the focus: the code goes where codes go.
            self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)
            QApplication.sendEvent(self.scan_field, QKeyEvent(event))
            return True
        return super().eventFilter(watched, event)

    @property
    def chips(self) -> list[QPushButton]:
        """The category chips shown."""
        return list(self._chips)

    @property
    def tiles(self) -> list[QPushButton]:
        """The product tiles shown."""
        return list(self._tiles)

    @Slot()
    def _on_chip_clicked(self) -> None:
        chip = self.sender()
        if isinstance(chip, QPushButton):
            for other in self._chips:
                other.setChecked(other is chip)
            emit(self.category_chosen, int(chip.property("categoryId")))

    @Slot()
    def _on_tile_clicked(self) -> None:
        tile = self.sender()
        if isinstance(tile, QPushButton):
            emit(self.product_chosen, tile.property("product"))
