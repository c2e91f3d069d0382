"""The register: scan, adjust, take payment; keyboard first, the barcode field always focused.

Keys (each also on a button that shows it): F2 search, F4 customer, F5 quantity, F6 line
discount, F7 order discount, F8 coupons, F9 park, F10 parked sales, F11 price, F12 pay, Del
remove line, Esc cancel the sale (twice), F3 no sale (open the drawer, a manager's approval),
Ctrl+P receipt of the last sale, Ctrl+O open the till in place while it is closed, Up/Down choose
a line, ``+``/``-`` in the empty barcode field change the chosen line's quantity by one, and
``3*`` before a code adds three. A USB scanner types the code and Enter into the barcode field; a
coupon's code scanned or typed there is applied to the sale (F8 lists and removes coupons).

A quantity prefix is a positive whole number. ``-3*code`` typed into the empty field is refused:
its ``-`` was taken as "one fewer" the moment it was pressed, so when the text that follows it
holds a quantity prefix, that step is put back and nothing is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from posapp.events import ProductChanged, ProductsImported
from posapp.i18n import N_, _
from posapp.money import MoneyError
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import ProductDTO, SalesApi, TillSessionDTO
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import styled
from posapp.ui.register.cancel import CancelGuard
from posapp.ui.register.cart import Cart
from posapp.ui.register.flow import RegisterFlow
from posapp.ui.register.giftcards import RegisterGiftCards
from posapp.ui.register.layout import ACTIONS, RegisterLayout
from posapp.ui.register.model import COLUMNS, CartTableModel
from posapp.ui.register.points import chip_points
from posapp.ui.register.scanning import read_scan
from posapp.ui.register.till_dialogs import open_till_with_float

CLOSED_TILL = N_("The till is closed: press Ctrl+O to count the float and open it here.")


class RegisterView(RegisterLayout):
    """Rings up sales. ``receipt_sink(number, pdf_bytes)`` receives receipts (Ctrl+P).

    Signals:
        sale_completed(object): a ``PlacedOrder`` after a sale was placed and paid.
        till_opened(): the till was opened from the register (Ctrl+O while it was closed).
        line_painted(): the cart view repainted after a scan (for the speed benchmark).
    """

    sale_completed = Signal(object)
    till_opened = Signal()
    line_painted = Signal()

    def __init__(
        self, sales: SalesApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        cart = Cart()
        super().__init__(CartTableModel(cart), parent)
        self.setObjectName("registerView")
        styled(self, "register")
        self.sales, self.bus, self.user = sales, bus, user
        self.cart = cart
        self.till: TillSessionDTO | None = None
        self._codes: dict[str, ProductDTO] = {}
        self.cancel_guard = CancelGuard()
        self._categories_loaded = False
        # Set by "-" in the empty field until the field is entered or emptied: whether the key
        # was pressed, and the line it took one unit off (None when it changed nothing).
        self._minus_pressed = False
        self._minus_line: int | None = None
        self.flow = RegisterFlow(self, parent=self)
        self.giftcards = RegisterGiftCards(self, self._dialogs)
        # Whoever focuses the register (Ctrl+3, a page switch, a closed dialog) focuses the scan
        # field: focus left on the view itself looked right and swallowed the next scan.
        self.setFocusProxy(self.scan_edit)
        self._connect()
        self._shortcuts()
        bus.product_changed.connect(self._on_bus_product_changed)
        bus.products_imported.connect(self._on_bus_product_changed)
        self.refresh_till()

    # --- wiring -----------------------------------------------------------------------------

    def _connect(self) -> None:
        """Connect the widgets of :class:`RegisterLayout` to what they do."""
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.scan_edit.textChanged.connect(self._on_scan_edit_text_changed)
        self.scan_edit.installEventFilter(self)
        for name, button in self.buttons.items():
            button.clicked.connect(getattr(self, name))
        self.grid.category_chosen.connect(self._on_grid_category_chosen)
        self.grid.product_chosen.connect(self._on_grid_product_chosen)
        self.grid.scan_field = self.scan_edit
        self.pay_button.clicked.connect(self.pay)

    def _shortcuts(self) -> None:
        """The register's keys: window-wide while the register page shows.

        A hidden page's shortcuts do not fire, and a dialog is a window of its own, so its keys
        (F2 for card in the payment dialog) never reach the register behind it.
        """
        keys: dict[str, Callable[[], None]] = {
            "F2": self.search_product,
            "F12": self.pay,
            "Ctrl+P": self.print_receipt,
            "F3": self.no_sale,
            "Ctrl+O": self.open_till,
            "Ctrl+G": self.giftcards.sell,  # gift cards: ui/register/giftcards.py
            "Ctrl+B": self.giftcards.balance,
        }
        keys.update({key: getattr(self, name) for key, _label, name in ACTIONS})
        self.shortcuts: list[QShortcut] = []
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    @contextmanager
    def _dialogs(self) -> Iterator[None]:
        """Switch the register's keys off while one of its dialogs is open.

        A dialog's own keys (F2 for card, Ctrl+P for its receipt) must not also reach the
        register, which Qt may still consider for window shortcuts of the dialog's parent.
        """
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
        try:
            yield
        finally:
            for shortcut in self.shortcuts:
                shortcut.setEnabled(True)
            self.focus_scan()

    # --- focus and keys ---------------------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._categories_loaded:
            self._categories_loaded = True
            QTimer.singleShot(0, self.load_categories)
        self.focus_scan()

    def focus_scan(self) -> None:
        """Give the barcode field the focus back (after a dialog, a click…).

        The window is activated again too: some platforms (and the offscreen one of the tests)
        leave no window active when a dialog closes, and then no shortcut would work.
        """
        if self.isVisible() and not self.isActiveWindow():
            self.activateWindow()
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scan_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = Qt.Key(event.key())
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move_selection(-1 if key == Qt.Key.Key_Up else 1)
                return True
            if not self.scan_edit.text() and key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus):
                line_no = self.selected_line_no()
                stepped = self.step_quantity(1 if key == Qt.Key.Key_Plus else -1)
                self._minus_pressed = key == Qt.Key.Key_Minus
                self._minus_line = line_no if self._minus_pressed and stepped else None
                return True
            if not self.scan_edit.text() and key == Qt.Key.Key_Delete:
                # The field takes Del for itself (a shortcut never sees it); empty, it is the
                # register's "remove line".
                self.remove_line()
                return True
        return super().eventFilter(watched, event)

    # --- selection --------------------------------------------------------------------------

    def selected_line_no(self) -> int | None:
        """The chosen line (the last one when none is chosen)."""
        rows = self.table.selectionModel().selectedRows()
        line = self.model.line_at(rows[0].row()) if rows else None
        if line is None and self.cart.lines:
            line = self.cart.lines[-1]
        return None if line is None else line.line_no

    def select_line(self, line_no: int) -> None:
        """Choose a line and scroll to it."""
        row = self.model.row_of(line_no)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def move_selection(self, step: int) -> None:
        """Choose the line above (-1) or below (+1)."""
        if not self.cart.lines:
            return
        rows = self.table.selectionModel().selectedRows()
        current = rows[0].row() if rows else len(self.cart.lines)
        row = max(0, min(len(self.cart.lines) - 1, current + step))
        self.table.selectRow(row)

    # --- messages and refresh ---------------------------------------------------------------

    def say(self, text: str, level: str = "info") -> None:
        """Show a message above the cart."""
        self.message.show_message(text, level)

    def refresh(self, select: int | None = None) -> None:
        """Show the cart after a change: lines, totals, buttons."""
        self.model.refresh()
        self.totals.show_cart(self.cart.priced(), self.cart.item_count)
        self.giftcards.refresh()
        account, name = self.cart.customer, self.cart.customer_name
        self.customer_label.setText(
            _("Customer: {name} · {account}").format(name=name, account=account.number)
            + chip_points(self.cart)
            if name and account
            else _("Customer: {name}").format(name=name) + chip_points(self.cart)
            if name
            else _("No customer · F4 to attach")
        )
        self.pay_button.setEnabled(not self.cart.empty)
        self.empty_hint.setVisible(self.cart.empty)
        if select is not None:
            self.select_line(select)

    def refresh_till(self) -> None:
        """Read this register's till: selling needs an open till."""
        try:
            self.till = self.sales.current_till(self.user)
        except ServiceError as exc:
            self.say(str(exc), "error")
            return
        self.open_till_button.setVisible(self.till is None)
        if self.till is None:
            self.till_label.setText(_("Till closed"))
            self.say(_(CLOSED_TILL), "warning")
        else:
            opened = self.till.opened_at.astimezone().strftime("%H:%M")
            self.till_label.setText(
                _("{store} · {register} · open since {time}").format(
                    store=self.till.store_name, register=self.till.register, time=opened
                )
            )
            if self.message.level == "warning":
                self.message.clear_message()

    def new_sale(self, cart: Cart | None = None) -> None:
        """Start a fresh sale (or show a resumed one)."""
        self.cart = cart or Cart()
        self.model.set_cart(self.cart)
        self.refresh()

    # --- scanning ---------------------------------------------------------------------------

    @Slot()
    def _on_scan_edit_return_pressed(self) -> None:
        text = self.scan_edit.text()
        minus, minus_line = self._minus_pressed, self._minus_line
        self.scan_edit.clear()
        if minus and "*" in text:
            self._refuse_negative_prefix(text, minus_line)
            return
        self.scan(text)

    @Slot(str)
    def _on_scan_edit_text_changed(self, text: str) -> None:
        if not text:
            self._minus_pressed, self._minus_line = False, None

    def _refuse_negative_prefix(self, text: str, line_no: int | None) -> None:
        """``-`` then ``3*code``: a negative quantity. Put the "one fewer" back, add nothing."""
        if line_no is not None and any(line.line_no == line_no for line in self.cart.lines):
            quantity = self.cart.line(line_no).quantity + 1
            self.apply_change(lambda: self.cart.set_quantity(line_no, quantity), line_no)
        head = text.strip().partition("*")[0].strip()[:12]
        self.say(
            _(
                "A quantity must be a positive whole number: “-{typed}*” was refused and "
                "nothing changed."
            ).format(typed=head),
            "error",
        )

    def scan(self, text: str) -> bool:
        """Add what the code names; say why not otherwise.

        ``3*code`` adds three, ``0.455*code`` 0.455 kg, a scale barcode its weight
        (:mod:`~posapp.ui.register.scanning`).
        """
        outcome = read_scan(self.sales, self.user, text, self._codes)
        if outcome.error:
            self.say(outcome.error, "error")
            return False
        if outcome.product is None:
            if not outcome.code:
                return False
            if not outcome.typed and self.flow.scan_coupon(outcome.code):
                return False  # a coupon: applied, or the register says why not
            self.say(
                _(
                    "No product has the code “{code}”, and no coupon either. "
                    "Press F2 to search by name."
                ).format(code=outcome.code[:40]),
                "error",
            )
            return False
        return self.add_product(outcome.product, outcome.quantity)

    def add_product(self, product: ProductDTO, quantity: int = 1) -> bool:
        """Add units of a product to the sale."""
        self._minus_pressed, self._minus_line = False, None
        if self.till is None:
            self.refresh_till()
            if self.till is None:
                return False
        try:
            line = self.cart.add(product, quantity)
        except ServiceError as exc:
            self.say(str(exc), "error")
            return False
        self.change.hide()
        self.message.clear_message()
        self.flow.requote()
        self.refresh(select=line.line_no)
        QTimer.singleShot(0, self._painted)
        return True

    def _painted(self) -> None:
        emit(self.line_painted)

    @Slot(int)
    def _on_grid_category_chosen(self, category_id: int) -> None:
        try:
            self.grid.set_products(self.sales.category_products(self.user, category_id))
        except ServiceError as exc:
            self.say(str(exc), "error")

    @Slot(object)
    def _on_grid_product_chosen(self, product: ProductDTO) -> None:
        self.add_product(product)
        self.focus_scan()

    def load_categories(self) -> None:
        """Fill the product grid with the first category's products."""
        try:
            categories = self.sales.categories(self.user)
        except ServiceError as exc:
            self.say(str(exc), "error")
            return
        first = categories[0].id if categories else None
        self.grid.set_categories(categories, first)
        if first is not None:
            self._on_grid_category_chosen(first)

    @Slot(object)
    def _on_bus_product_changed(self, _event: ProductChanged | ProductsImported) -> None:
        self._codes.clear()

    # --- line actions -------------------------------------------------------------------------

    @Slot()
    def search_product(self) -> None:
        """F2: find a product by name or SKU and add it."""
        text = self.scan_edit.text()
        self.scan_edit.clear()
        with self._dialogs():
            self.flow.search_product(text)

    def step_quantity(self, step: int) -> bool:
        """``+``/``-``: one more or one fewer of the chosen line; whether it changed."""
        line_no = self.selected_line_no()
        if line_no is None:
            return False
        line = self.cart.line(line_no)
        if line.product.unit != "pc":
            self.say(
                _("{product} is sold by the {unit}: F5 types it.").format(
                    product=line.product.name, unit=line.product.unit
                ),
                "info",
            )
            return False
        if line.quantity + step < 1:
            self.say(_("Use Del to remove the line."), "info")
            return False
        if step < 0 and not self.record_removal(line_no, -step):
            return False
        return self.apply_change(
            lambda: self.cart.set_quantity(line_no, line.quantity + step), line_no
        )

    def record_removal(self, line_no: int, units: int) -> bool:
        """Audit ``units`` taken off a line before it changes (loss prevention).

        Returns False (and says why) when the log cannot record it: then nothing changes.
        """
        line = self.cart.line(line_no)
        priced = {p.line_no: p for p in self.cart.priced().lines}.get(line_no)
        total = priced.total_minor if priced is not None else 0
        try:
            self.sales.record_line_removed(
                self.user,
                self.cart.sale_uuid,
                line.product.id,
                units,
                total * units // max(1, line.quantity),
            )
        except ServiceError as exc:
            self.say(str(exc), "error")
            return False
        return True

    def apply_change(self, change: Callable[[], None], select: int | None = None) -> bool:
        """Change the cart; say why not, or requote the coupons and show the cart."""
        try:
            change()
        except (ServiceError, MoneyError) as exc:
            self.say(str(exc), "error")
            return False
        self.message.clear_message()
        self.flow.requote()
        self.refresh(select=select)
        return True

    @Slot()
    def change_quantity(self) -> None:
        """F5: type the chosen line's quantity."""
        with self._dialogs():
            self.flow.change_quantity()

    @Slot()
    def line_discount(self) -> None:
        """F6: discount on the chosen line."""
        with self._dialogs():
            self.flow.line_discount()

    @Slot()
    def order_discount(self) -> None:
        """F7: discount on the whole order."""
        with self._dialogs():
            self.flow.order_discount()

    @Slot()
    def change_price(self) -> None:
        """F11: override the chosen line's price (a manager approves)."""
        with self._dialogs():
            self.flow.change_price()

    @Slot()
    def remove_line(self) -> None:
        """Del: take the chosen line off the sale."""
        line_no = self.selected_line_no()
        if line_no is None:
            return
        line = self.cart.line(line_no)
        name = line.product.name
        if not self.record_removal(line_no, line.quantity):
            return
        if self.apply_change(lambda: _discard(self.cart.remove(line_no))):
            self.say(_("Removed {product}.").format(product=name), "info")
            if self.cart.lines:
                self.select_line(self.cart.lines[-1].line_no)

    @Slot()
    def attach_customer(self) -> None:
        """F4: attach a customer to the sale."""
        with self._dialogs():
            self.flow.attach_customer()

    @Slot()
    def coupons(self) -> None:
        """F8: apply or remove coupon codes."""
        with self._dialogs():
            self.flow.coupons()

    @Slot()
    def park(self) -> None:
        """F9: put the sale aside."""
        self.flow.park()
        self.focus_scan()

    @Slot()
    def resume(self) -> None:
        """F10: resume a parked sale."""
        with self._dialogs():
            self.flow.resume()

    @Slot()
    def cancel_sale(self) -> None:
        """Esc, twice: throw the sale away (recorded in the audit log)."""
        if self.cart.empty:
            self.message.clear_message()
            self.change.hide()
            return
        if self.cancel_guard.confirmed(self):
            self.new_sale()
            self.say(_("Sale cancelled."), "info")

    # --- paying -------------------------------------------------------------------------------

    @Slot()
    def pay(self) -> None:
        """F12: take payment and place the sale; then show the change and start the next.

        A code still in the scan field (typed, not yet entered) is entered first: a coupon
        typed there and F12 applies it and pays. If it is refused, the register says why and
        the payment waits.
        """
        pending = self.scan_edit.text().strip()
        if pending:
            self.scan_edit.clear()
            self.scan(pending)
            if self.message.level == "error":
                return
        with self._dialogs():
            placed = self.flow.pay()
        if placed is None:
            return
        self.new_sale()
        self.change.show_change(placed.change_minor, placed.number, placed.paid_minor)
        self.say(_("Order {number} paid.").format(number=placed.number), "info")
        emit(self.sale_completed, placed)
        next_code = self.flow.take_next_code()
        if next_code:  # scanned on the change screen: the next sale starts with it
            self.scan(next_code)

    @Slot()
    def open_till(self) -> None:
        """Ctrl+O while the till is closed: count the float and open it, then back to scanning."""
        if self.till is not None:
            return
        with self._dialogs():
            try:
                amount = open_till_with_float(self.sales, self.user, self)
            except ServiceError as exc:
                self.say(str(exc), "error")
                return
        if amount is None:
            return
        self.refresh_till()
        self.say(
            _("Till opened with a float of {amount}. Scan the first item.").format(
                amount=money_text(amount)
            ),
            "info",
        )
        emit(self.till_opened)

    @Slot()
    def print_receipt(self) -> None:
        """Ctrl+P: the receipt of the last sale."""
        self.flow.print_receipt()
        self.focus_scan()

    @Slot()
    def no_sale(self) -> None:
        """F3: open the cash drawer without a sale (a manager, or a manager's approval)."""
        with self._dialogs():
            self.flow.drawer.no_sale()

    def keep_clear(self) -> list[QWidget]:
        """What a toast must never cover: every button, and the total."""
        return [
            *self.buttons.values(),
            self.pay_button,
            self.totals.total_caption,
            self.totals.total_label,
        ]

    def may(self, permission: Permission) -> bool:
        """Whether the logged-in user's role allows ``permission`` without a manager."""
        return has_permission(self.user, permission)


def _discard(_value: object) -> None:
    """Drop a value (lets a lambda call something that returns one)."""


__all__ = ["ACTIONS", "COLUMNS", "RegisterView"]
