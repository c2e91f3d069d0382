"""The customer-facing display: a second window that follows the register (issue #19).

Made for a second screen turned to the customer: the lines as they are scanned, the totals and
the coupon saving while the sale is rung up; the total, what was paid and the change due once
it is paid (until the next item is scanned); the shop's logo and name while no sale is going
on. Everything is large enough to read from a metre or two (``resources/display.qss``).

It never polls and never asks the services anything: it shows the register's own cart model
(:class:`~posapp.ui.register.model.CartTableModel`, the same rows the cashier sees) and reacts to
its signals, and :meth:`CustomerDisplay.show_paid` is connected to the register's
``sale_placed`` signal (:mod:`posapp.ui.register.display_link`). Closing the window deletes it
(``WA_DeleteOnClose``); Qt drops its connections with it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _
from posapp.services.sales import PlacedOrder
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.resources import styled
from posapp.ui.kit.widgets import SPACING
from posapp.ui.register.model import COLUMNS, CartTableModel
from posapp.ui.register.panels import minus_money

LOGO_MAX = 360
"""The logo's largest side on the idle screen, in pixels."""
SHOWN_COLUMNS = ("name", "qty", "discount", "total")
"""The cart's columns the customer sees (not the line number or the list price)."""
IDLE, SALE, PAID = range(3)


def _label(text: str, name: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names are shown as typed, never as HTML
    return label


class CustomerDisplay(QWidget):
    """The customer's window; shows ``model``'s sale, or the paid sale, or the shop when idle."""

    def __init__(
        self, model: CartTableModel, shop_name: str, logo: bytes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(_("Customer display"))
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # the register keeps keys
        styled(self, "display")
        self._model = model
        self._paid: PlacedOrder | None = None
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_idle(shop_name, logo))
        self.pages.addWidget(self._build_sale())
        self.pages.addWidget(self._build_paid())
        column = QVBoxLayout(self)
        column.setContentsMargins(5 * SPACING, 4 * SPACING, 5 * SPACING, 4 * SPACING)
        column.addWidget(self.pages)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self._on_model_changed)
        self._on_model_changed()

    # --- building -----------------------------------------------------------------------------

    def _build_idle(self, shop_name: str, logo: bytes) -> QWidget:
        page = QWidget(self)
        self.logo_label = QLabel(page)
        self.logo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap()
        if logo and pixmap.loadFromData(logo):
            if max(pixmap.width(), pixmap.height()) > LOGO_MAX:
                pixmap = pixmap.scaled(
                    LOGO_MAX,
                    LOGO_MAX,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self.logo_label.setPixmap(pixmap)
        self.logo_label.setVisible(not pixmap.isNull())
        self.shop_label = _label(shop_name, "displayShop", page)
        welcome = _label(_("Welcome"), "displayWelcome", page)
        column = QVBoxLayout(page)
        column.addStretch(1)
        for widget in (self.logo_label, self.shop_label, welcome):
            column.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        return page

    def _build_sale(self) -> QWidget:
        page = QWidget(self)
        self.customer_label = _label("", "displayCustomer", page)
        self.table = QTableView(page)
        self.table.setObjectName("displayLines")
        self.table.setModel(self._model)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().hide()
        header = self.table.horizontalHeader()
        for index, spec in enumerate(COLUMNS):
            self.table.setColumnHidden(index, spec.key not in SHOWN_COLUMNS)
            mode = QHeaderView.ResizeMode.ResizeToContents
            if spec.key == "name":
                mode = QHeaderView.ResizeMode.Stretch
            header.setSectionResizeMode(index, mode)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        grid = QGridLayout()
        _caption, self.subtotal_label = self._figure(grid, 0, _("Subtotal"), "displayFigure", page)
        self.discount_caption, self.discount_label = self._figure(
            grid, 1, _("Discounts"), "displayFigure", page
        )
        self.saving_caption, self.saving_label = self._figure(
            grid, 2, _("Coupon saving"), "displaySaving", page
        )
        self.tax_caption, self.tax_label = self._figure(
            grid, 3, _("Tax added"), "displayFigure", page
        )
        _caption, self.total_label = self._figure(grid, 4, _("TOTAL"), "displayTotal", page)
        column = QVBoxLayout(page)
        column.addWidget(self.customer_label)
        column.addWidget(self.table, 1)
        column.addLayout(grid)
        return page

    def _figure(
        self, grid: QGridLayout, row: int, caption: str, name: str, page: QWidget
    ) -> tuple[QLabel, QLabel]:
        caption_label = _label(
            caption, "displayTotalCaption" if name == "displayTotal" else "displayCaption", page
        )
        value = _label("", name, page)
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(caption_label, row, 0)
        grid.addWidget(value, row, 1)
        return caption_label, value

    def _build_paid(self) -> QWidget:
        page = QWidget(self)
        self.paid_total_label = _label("", "displayFigure", page)
        self.change_caption = _label(_("CHANGE DUE"), "displayChangeCaption", page)
        self.change_label = _label("", "displayChange", page)
        self.paid_saving_label = _label("", "displaySaving", page)
        thanks = _label(_("Thank you!"), "displayThanks", page)
        column = QVBoxLayout(page)
        column.addStretch(1)
        for widget in (
            self.paid_total_label,
            self.change_caption,
            self.change_label,
            self.paid_saving_label,
            thanks,
        ):
            column.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        return page

    # --- following the register ---------------------------------------------------------------

    @Slot(object)
    def show_paid(self, placed: PlacedOrder) -> None:
        """The sale was placed and paid: the total, the change due and the coupon saving."""
        saving = self._model.cart.priced().coupon_minor  # still the paid sale's cart here
        self._paid = placed
        self.paid_total_label.setText(
            _("Total {total} · paid {paid}").format(
                total=money_text(placed.total_minor),
                paid=money_text(placed.paid_minor + placed.change_minor),
            )
        )
        self.change_caption.setText(
            _("CHANGE DUE") if placed.change_minor else _("PAID — NO CHANGE")
        )
        self.change_label.setText(money_text(placed.change_minor))
        self.paid_saving_label.setText(
            _("You saved {amount} with coupons").format(amount=money_text(saving)) if saving else ""
        )
        self.paid_saving_label.setVisible(bool(saving))
        self.pages.setCurrentIndex(PAID)

    @Slot()
    def _on_model_changed(self) -> None:
        cart = self._model.cart
        if cart.empty:
            self.pages.setCurrentIndex(PAID if self._paid is not None else IDLE)
            return
        self._paid = None
        priced = cart.priced()
        self.customer_label.setText(
            _("Hello, {name}").format(name=cart.customer_name) if cart.customer_name else ""
        )
        self.customer_label.setVisible(bool(cart.customer_name))
        self.subtotal_label.setText(money_text(priced.subtotal_minor))
        self.discount_label.setText(minus_money(priced.discount_minor))
        self.saving_label.setText(minus_money(priced.coupon_minor))
        self.tax_label.setText(money_text(priced.tax_added_minor))
        self.total_label.setText(money_text(priced.total_minor))
        for caption, label, amount in (
            (self.discount_caption, self.discount_label, priced.discount_minor),
            (self.saving_caption, self.saving_label, priced.coupon_minor),
            (self.tax_caption, self.tax_label, priced.tax_added_minor),
        ):
            caption.setVisible(bool(amount))
            label.setVisible(bool(amount))
        self.pages.setCurrentIndex(SALE)
        self.table.scrollToBottom()
